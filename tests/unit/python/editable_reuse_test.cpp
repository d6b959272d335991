// Reusing pip's editable install: what the key covers, and a save/restore round trip that moves
// the install to another workspace (paths, file: URLs, launchers' #! line, RECORD's hashes).
#include "python/editable_reuse.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "python/distribution.h"
#include "util/fs.h"

namespace pw::python {
namespace {

namespace fs = std::filesystem;

class EditableReuse : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pw-editable-reuse-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void put(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    write_file_atomic(p, text);
  }
  std::string key(const fs::path& ws, const std::string& extra = "env-1") {
    std::string why;
    auto k = editable_install_key(ws, extra, why);
    EXPECT_TRUE(k) << why;
    return k.value_or("");
  }
  fs::path dir_;
};

TEST_F(EditableReuse, KeyCoversTheFilesTheMetadataIsReadFrom) {
  fs::path ws = dir_ / "ws";
  put(ws / "setup.py",
      "import re\nfrom setuptools import setup\n"
      "version = re.search('__version__ = \"(.*)\"', open('pkg/__init__.py').read()).group(1)\n"
      "setup(name='pkg', version=version, long_description=open('README.rst').read())\n");
  put(ws / "pkg" / "__init__.py", "__version__ = \"1.0\"\n");
  put(ws / "pkg" / "core.py", "x = 1\n");
  put(ws / "README.rst", "pkg\n");
  std::string k1 = key(ws);
  EXPECT_EQ(key(ws), k1);
  EXPECT_NE(key(ws, "env-2"), k1);         // another environment or pip arguments
  put(ws / "pkg" / "core.py", "x = 2\n");  // a source file: same metadata
  EXPECT_EQ(key(ws), k1);
  put(ws / "pkg" / "__init__.py", "__version__ = \"1.1\"\n");
  std::string k2 = key(ws);
  EXPECT_NE(k2, k1);
  put(ws / "README.rst", "pkg, described\n");
  EXPECT_NE(key(ws), k2);

  // setup.cfg's attr: and file: directives; pyproject's dynamic table.
  fs::path cfg = dir_ / "cfg";
  put(cfg / "setup.cfg",
      "[metadata]\nversion = attr: src_pkg.about.__version__\n"
      "long_description = file: DESCRIPTION.md, CHANGES.md\n");
  put(cfg / "src" / "src_pkg" / "about.py", "__version__ = '2'\n");
  put(cfg / "CHANGES.md", "one\n");
  std::string c1 = key(cfg);
  put(cfg / "src" / "src_pkg" / "about.py", "__version__ = '3'\n");
  std::string c2 = key(cfg);
  EXPECT_NE(c2, c1);
  put(cfg / "CHANGES.md", "two\n");
  EXPECT_NE(key(cfg), c2);

  std::string why;
  EXPECT_FALSE(editable_install_key(dir_ / "empty", "", why));
  EXPECT_NE(why.find("no pyproject.toml"), std::string::npos);
}

TEST_F(EditableReuse, VersionFromVersionControlFollowsTheCommit) {
  fs::path ws = dir_ / "scm";
  put(ws / "pyproject.toml",
      "[build-system]\nrequires = [\"setuptools-scm\"]\n"
      "[project]\nname = \"scm\"\ndynamic = [\"version\"]\n");
  std::string why;
  EXPECT_FALSE(editable_install_key(ws, "", why));  // no .git: no way to know the version
  put(ws / ".git" / "HEAD", "ref: refs/heads/main\n");
  put(ws / ".git" / "refs" / "heads" / "main", "1111111111111111111111111111111111111111\n");
  std::string k1 = key(ws);
  put(ws / ".git" / "refs" / "heads" / "main", "2222222222222222222222222222222222222222\n");
  std::string k2 = key(ws);
  EXPECT_NE(k2, k1);
  put(ws / ".git" / "refs" / "tags" / "v1.0", "2222222222222222222222222222222222222222\n");
  EXPECT_NE(key(ws), k2);  // a new tag on the same commit is a new version
}

TEST_F(EditableReuse, RestoredInstallPointsAtTheNewWorkspace) {
  fs::path old_ws = dir_ / "builds" / "1" / "workspace";
  fs::path new_ws = dir_ / "builds" / "12" / "work space";
  fs::path site = old_ws / ".venv" / "lib" / "python3.11" / "site-packages";
  fs::path bin = old_ws / ".venv" / "bin";
  put(site / "_pipewright_cached_env.pth", "import site\n");  // there before pip ran
  put(bin / "python", "");
  auto site_before = files_under(site), bin_before = files_under(bin);
  std::string info = "pkg-1.0.dist-info";
  put(site / info / "METADATA", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n");
  put(site / info / "direct_url.json",
      "{\"dir_info\": {\"editable\": true}, \"url\": \"file://" + old_ws.string() + "\"}");
  put(site / "__editable__.pkg-1.0.pth", old_ws.string() + "/src\n");
  put(site / "__pycache__" / "x.cpython-311.pyc", "compiled");  // left out: Python remakes it
  put(bin / "pkg-cli", "#!" + old_ws.string() + "/.venv/bin/python\nimport pkg\n");
  ::chmod((bin / "pkg-cli").c_str(), 0755);
  std::string record;
  for (const char* f : {"METADATA", "direct_url.json"}) {
    std::string c = read_file(site / info / f);
    record += info + "/" + f + "," + record_hash(c) + "," + std::to_string(c.size()) + "\n";
  }
  record += "../../../bin/pkg-cli,sha256=old,10\n" + info + "/RECORD,,\n";
  put(site / info / "RECORD", record);

  fs::path store = dir_ / "store";
  save_editable_install(store, "k1", site, bin, site_before, bin_before, old_ws);
  ASSERT_TRUE(fs::exists(store / "k1" / "manifest"));
  EXPECT_EQ(read_file(store / "k1" / "site" / "__editable__.pkg-1.0.pth"),
            "@PIPEWRIGHT_WORKSPACE@/src\n");
  EXPECT_FALSE(fs::exists(store / "k1" / "site" / "_pipewright_cached_env.pth"));
  EXPECT_FALSE(fs::exists(store / "k1" / "site" / "__pycache__"));

  fs::path new_site = new_ws / ".venv" / "lib" / "python3.11" / "site-packages";
  fs::path new_bin = new_ws / ".venv" / "bin";
  std::string why;
  ASSERT_TRUE(restore_editable_install(store, "k1", new_site, new_bin, new_ws, why)) << why;
  EXPECT_EQ(read_file(new_site / "__editable__.pkg-1.0.pth"), new_ws.string() + "/src\n");
  EXPECT_NE(read_file(new_site / info / "direct_url.json")
                .find("\"file://" + (dir_ / "builds" / "12" / "work%20space").string() + "\""),
            std::string::npos)
      << read_file(new_site / info / "direct_url.json");
  std::string cli = read_file(new_bin / "pkg-cli");
  EXPECT_EQ(cli.substr(0, cli.find('\n')), "#!" + new_ws.string() + "/.venv/bin/python");
  struct stat st {};
  ASSERT_EQ(::stat((new_bin / "pkg-cli").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  // RECORD now matches the files as restored.
  std::string rec = read_file(new_site / info / "RECORD");
  std::string direct = read_file(new_site / info / "direct_url.json");
  EXPECT_NE(rec.find(info + "/direct_url.json," + record_hash(direct) + "," +
                     std::to_string(direct.size())),
            std::string::npos)
      << rec;
  EXPECT_NE(rec.find("../../../bin/pkg-cli," + record_hash(cli)), std::string::npos) << rec;
  EXPECT_NE(rec.find(info + "/RECORD,,"), std::string::npos);

  // Nothing kept for another key; a damaged manifest is refused, not half restored.
  EXPECT_FALSE(restore_editable_install(store, "k2", new_site, new_bin, new_ws, why));
  put(store / "k1" / "manifest", "site\tx\t../../etc/passwd\n");
  EXPECT_FALSE(restore_editable_install(store, "k1", new_site, new_bin, new_ws, why));
  EXPECT_NE(why.find("damaged"), std::string::npos);
}

TEST_F(EditableReuse, NothingKeptWithoutADistInfo) {
  fs::path ws = dir_ / "ws";
  fs::path site = dir_ / "site", bin = dir_ / "bin";
  fs::create_directories(site);
  fs::create_directories(bin);
  put(site / "easy-install.pth", ws.string() + "\n");  // a legacy develop install
  save_editable_install(dir_ / "store", "k", site, bin, {}, {}, ws);
  EXPECT_FALSE(fs::exists(dir_ / "store" / "k"));
}

}  // namespace
}  // namespace pw::python
