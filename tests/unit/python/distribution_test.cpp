// Wheel and sdist checks on archives written here with libarchive, as a build backend would write
// them, then damaged the ways a bad backend, a cut-off copy or a tamperer would.
#include "python/distribution.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <utility>
#include <vector>

#include "util/error.h"
#include "util/strings.h"

namespace pw::python {
namespace {

namespace fs = std::filesystem;
using Files = std::vector<std::pair<std::string, std::string>>;

class DistributionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pw-dist-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void write_archive(const fs::path& path, const Files& files, bool zip, bool gzip = true) {
    struct archive* a = archive_write_new();
    if (zip) {
      archive_write_set_format_zip(a);
    } else {
      if (gzip) archive_write_add_filter_gzip(a);
      archive_write_set_format_pax_restricted(a);
    }
    ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
    for (const auto& [name, content] : files) {
      struct archive_entry* e = archive_entry_new();
      archive_entry_set_pathname(e, name.c_str());
      archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, 0644);
      archive_write_header(a, e);
      archive_write_data(a, content.data(), content.size());
      archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
  }

  // A wheel of demo-pkg 1.2.0 with a RECORD computed from `files`; `edit_record` may change the
  // RECORD text, `edit_files` the members after RECORD was computed.
  fs::path wheel(const std::function<void(std::string&)>& edit_record = {},
                 const std::function<void(Files&)>& edit_files = {},
                 const std::string& file_name = "demo_pkg-1.2.0-py3-none-any.whl") {
    const std::string di = "demo_pkg-1.2.0.dist-info";
    Files files = {
        {"demo_pkg/__init__.py", "VALUE = 1\n"},
        {"demo_pkg/data, with comma.txt", "hello\n"},
        {di + "/METADATA",
         "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.2.0\n"
         "Summary: a demo\n\nName: not-this-one\n"},
        {di + "/WHEEL",
         "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
    };
    std::string record;
    for (const auto& [n, c] : files) {
      std::string path = n.find(',') != std::string::npos ? "\"" + n + "\"" : n;
      record += path + "," + record_hash(c) + "," + std::to_string(c.size()) + "\n";
    }
    record += di + "/RECORD,,\n";
    if (edit_record) edit_record(record);
    files.emplace_back(di + "/RECORD", record);
    if (edit_files) edit_files(files);
    fs::path p = dir_ / file_name;
    write_archive(p, files, true);
    return p;
  }

  fs::path sdist(const Files& files, const std::string& name = "demo_pkg-1.2.0.tar.gz",
                 bool gzip = true) {
    fs::path p = dir_ / name;
    write_archive(p, files, false, gzip);
    return p;
  }

  static PyProject project(std::string name = "demo-pkg", std::string version = "1.2.0") {
    PyProject p;
    p.has_project = true;
    p.name = std::move(name);
    p.version = std::move(version);
    return p;
  }

  static std::string problems(const DistCheck& c) { return join(c.problems, "\n"); }

  fs::path dir_;
};

TEST(RecordHash, IsUrlsafeBase64WithoutPadding) {
  // sha256 of "" is e3b0c442...b855; in RECORD form, as pip writes it.
  EXPECT_EQ(record_hash(""), "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  EXPECT_EQ(record_hash("VALUE = 1\n").find('='), 6u);  // only the one after the algorithm
}

TEST(CoreMetadataTest, HeadersUpToTheBody) {
  auto m = parse_core_metadata(
      "Metadata-Version: 2.1\r\nName: Demo_Pkg\r\nVersion: 1.0\r\nDescription: line one\r\n"
      "        line two\r\nClassifier: a\r\nClassifier: b\r\n\r\nVersion: 9.9\r\n");
  EXPECT_EQ(m.name(), "Demo_Pkg");
  EXPECT_EQ(m.version(), "1.0");
  EXPECT_EQ(m.get("description"), "line one\nline two");
  EXPECT_EQ(m.get("classifier"), "a");
  EXPECT_EQ(m.get("missing"), "");
}

TEST(PyProjectTest, ReadsTheProjectTableOnly) {
  auto p = read_pyproject(
      "[build-system]\nrequires = [\"setuptools\"]\nname = \"not-this\"\n\n"
      "[project]  # the table\nname = \"python-app\" # trailing\nversion = '0.1.0'\n"
      "description = \"has a # inside\"\n[project.urls]\nversion = \"nope\"\n"
      "[tool.x]\nname = \"nope\"\n",
      "pyproject.toml");
  EXPECT_TRUE(p.has_project);
  EXPECT_EQ(p.name, "python-app");
  EXPECT_EQ(p.version, "0.1.0");
  EXPECT_FALSE(p.version_dynamic);
}

TEST(PyProjectTest, DynamicVersionOverSeveralLines) {
  auto p =
      read_pyproject("[project]\nname = \"x\"\ndynamic = [\n  \"readme\",\n  \"version\", # c\n]\n",
                     "pyproject.toml");
  EXPECT_TRUE(p.version_dynamic);
  EXPECT_EQ(p.version, "");
  auto q = read_pyproject("[project]\nname = \"x\"\ndynamic = [\"readme\"]\n", "f");
  EXPECT_FALSE(q.version_dynamic);
  EXPECT_FALSE(read_pyproject("[tool.poetry]\nname = \"x\"\n", "f").has_project);
}

TEST(PyProjectTest, BadValueNamesTheLine) {
  try {
    read_pyproject("[project]\nname = python-app\n", "pyproject.toml");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pyproject.toml:2:"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_pyproject("[project]\nversion = \"1.0\n", "f"), Error);
}

TEST_F(DistributionTest, GoodWheelVerifies) {
  auto c = verify_wheel(wheel(), project());
  EXPECT_TRUE(c.ok()) << problems(c);
  EXPECT_EQ(c.name, "demo-pkg");
  EXPECT_EQ(c.version, "1.2.0");
  EXPECT_EQ(c.members, 5u);
  // PEP 440 and PEP 503 equality, not text equality.
  EXPECT_TRUE(verify_wheel(wheel(), project("Demo.Pkg", "1.2")).ok());
}

TEST_F(DistributionTest, TamperedMemberFailsItsHash) {
  auto c = verify_wheel(wheel({}, [](Files& f) { f[0].second = "VALUE = 2\n"; }), project());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(problems(c).find("sha256 of 'demo_pkg/__init__.py' does not match"), std::string::npos)
      << problems(c);
}

TEST_F(DistributionTest, TamperedRecordFails) {
  auto c = verify_wheel(wheel([](std::string& r) {
                          auto at = r.find("sha256=") + 7;
                          r[at] = r[at] == 'A' ? 'B' : 'A';
                        }),
                        project());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(problems(c).find("does not match its content"), std::string::npos) << problems(c);
}

TEST_F(DistributionTest, WrongSizeFails) {
  auto c = verify_wheel(wheel([](std::string& r) {
                          auto at = r.find(",10\n");  // __init__.py is 10 bytes
                          ASSERT_NE(at, std::string::npos);
                          r.replace(at, 4, ",11\n");
                        }),
                        project());
  EXPECT_NE(problems(c).find("the size of 'demo_pkg/__init__.py' is 10, RECORD says 11"),
            std::string::npos)
      << problems(c);
}

TEST_F(DistributionTest, UnlistedAndMissingMembersFail) {
  auto extra =
      verify_wheel(wheel({}, [](Files& f) { f.emplace_back("demo_pkg/evil.py", "x"); }), project());
  EXPECT_NE(problems(extra).find("'demo_pkg/evil.py' is in the wheel but not in RECORD"),
            std::string::npos)
      << problems(extra);
  auto missing =
      verify_wheel(wheel([](std::string& r) { r += "demo_pkg/gone.py,sha256=x,1\n"; }), project());
  EXPECT_NE(problems(missing).find("lists 'demo_pkg/gone.py', which the wheel does not hold"),
            std::string::npos)
      << problems(missing);
}

TEST_F(DistributionTest, NameOrVersionOtherThanPyProjectFails) {
  auto c = verify_wheel(wheel(), project("demo-pkg", "1.3.0"));
  EXPECT_NE(problems(c).find("Version '1.2.0' is not pyproject.toml's version '1.3.0'"),
            std::string::npos)
      << problems(c);
  auto d = verify_wheel(wheel(), project("other"));
  EXPECT_NE(problems(d).find("Name 'demo-pkg' is not pyproject.toml's name 'other'"),
            std::string::npos);
  PyProject dynamic = project("demo-pkg", "");
  dynamic.version_dynamic = true;
  EXPECT_TRUE(verify_wheel(wheel(), dynamic).ok());
  auto renamed = verify_wheel(wheel({}, {}, "demo_pkg-1.2.1-py3-none-any.whl"), project());
  EXPECT_NE(problems(renamed).find("the file name says demo_pkg 1.2.1"), std::string::npos);
}

TEST_F(DistributionTest, TruncatedOrGarbageWheelFails) {
  fs::path p = wheel();
  auto size = fs::file_size(p);
  fs::resize_file(p, size - 30);
  auto c = verify_wheel(p, project());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(problems(c).find("not a complete zip archive"), std::string::npos) << problems(c);

  fs::path junk = dir_ / "junk-1.0-py3-none-any.whl";
  std::ofstream(junk) << "this is not a zip at all, but long enough to look at its tail";
  EXPECT_FALSE(verify_wheel(junk, project()).ok());
  EXPECT_FALSE(verify_wheel(dir_ / "absent-1.0-py3-none-any.whl", project()).ok());
}

TEST_F(DistributionTest, UnsafeMemberNameFails) {
  auto c =
      verify_wheel(wheel({}, [](Files& f) { f.emplace_back("../escape.py", "x"); }), project());
  EXPECT_NE(problems(c).find("would be written outside its folder"), std::string::npos)
      << problems(c);
}

TEST_F(DistributionTest, GoodSdistVerifies) {
  auto c = verify_sdist(sdist({{"demo_pkg-1.2.0/PKG-INFO",
                                "Metadata-Version: 2.1\nName: demo-pkg\n"
                                "Version: 1.2.0\n"},
                               {"demo_pkg-1.2.0/pyproject.toml", "[project]\n"},
                               {"demo_pkg-1.2.0/demo_pkg/__init__.py", "VALUE = 1\n"}}),
                        project());
  EXPECT_TRUE(c.ok()) << problems(c);
  EXPECT_EQ(c.members, 3u);
  EXPECT_EQ(c.version, "1.2.0");
}

TEST_F(DistributionTest, SdistProblems) {
  auto no_info = verify_sdist(sdist({{"demo_pkg-1.2.0/setup.py", "x"}}), project());
  EXPECT_NE(problems(no_info).find("PKG-INFO is missing"), std::string::npos) << problems(no_info);

  auto outside =
      verify_sdist(sdist({{"demo_pkg-1.2.0/PKG-INFO", "Name: demo-pkg\nVersion: 1.2.0\n"},
                          {"elsewhere/x.py", "x"}}),
                   project());
  EXPECT_NE(problems(outside).find("not under the top folder"), std::string::npos);

  auto plain = verify_sdist(sdist({{"demo_pkg-1.2.0/PKG-INFO", "Name: demo-pkg\nVersion: 1.2.0\n"}},
                                  "demo_pkg-1.2.0.tar.gz", false),
                            project());
  EXPECT_NE(problems(plain).find("not gzip-compressed"), std::string::npos) << problems(plain);

  Files big = {{"demo_pkg-1.2.0/PKG-INFO", "Name: demo-pkg\nVersion: 1.2.0\n"}};
  std::string noise;
  // Incompressible bytes, so that half the file ends inside this member's data.
  uint32_t x = 12345;
  for (int i = 0; i < 200000; ++i) {
    x = x * 1103515245u + 12345u;
    noise += static_cast<char>(x >> 24);
  }
  big.emplace_back("demo_pkg-1.2.0/big.txt", noise);
  fs::path p = sdist(big);
  fs::resize_file(p, fs::file_size(p) / 2);
  auto cut = verify_sdist(p, project());
  EXPECT_NE(problems(cut).find("corrupt or truncated archive at 'demo_pkg-1.2.0/big.txt'"),
            std::string::npos)
      << problems(cut);

  auto wrong =
      verify_sdist(sdist({{"demo_pkg-1.2.0/PKG-INFO", "Name: demo-pkg\nVersion: 1.2.0\n"}}),
                   project("demo-pkg", "2.0"));
  EXPECT_NE(problems(wrong).find("PKG-INFO Version '1.2.0' is not pyproject.toml's version '2.0'"),
            std::string::npos);
}

TEST(DistsAgree, AnSdistNamingAnotherVersionThanTheWheelIsAProblem) {
  std::vector<DistCheck> checks(3);
  checks[0] = {"wheel", "dist/app-1.0-py3-none-any.whl", "app", "1.0"};
  checks[1] = {"sdist", "dist/app-1.1.tar.gz", "app", "1.1"};
  checks[2] = {"sdist", "dist/other-1.0.tar.gz", "other", "1.0", 0, 0, {"bad RECORD"}};
  check_dists_agree(checks);
  EXPECT_TRUE(checks[0].ok());
  ASSERT_EQ(checks[1].problems.size(), 1u);
  EXPECT_EQ(checks[1].problems[0], "names app 1.1, the wheel app 1.0");
  // A check that already failed keeps its own problem only.
  EXPECT_EQ(checks[2].problems, std::vector<std::string>{"bad RECORD"});
}

TEST(DistsAgree, NamesAndVersionsCompareNormalised) {
  // setuptools 66 on a setup.cfg name with '_' (asottile/tokenize-rt): PKG-INFO keeps it,
  // the wheel's METADATA writes '-'.
  std::vector<DistCheck> checks(2);
  checks[0] = {"wheel", "dist/tokenize_rt-6.2.0-py2.py3-none-any.whl", "tokenize-rt", "6.2.0"};
  checks[1] = {"sdist", "dist/tokenize_rt-6.2.0.tar.gz", "tokenize_rt", "6.2"};
  check_dists_agree(checks);
  EXPECT_TRUE(checks[1].ok()) << checks[1].problems.front();
}

TEST(DistsAgree, OneDistributionAgreesWithItself) {
  std::vector<DistCheck> checks = {{"wheel", "a.whl", "a", "1"}};
  check_dists_agree(checks);
  EXPECT_TRUE(checks[0].ok());
}

}  // namespace
}  // namespace pw::python
