// The five lock readers on the same small project (requests for main, pytest for dev, pysocks for
// the socks extra) written in each format, and on the bad inputs a user meets: an unknown format
// version, a truncated or hand-edited file.
#include "python/lock_files.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "util/fs.h"

namespace pw::python {
namespace {

const std::string kLocks = std::string(PW_FIXTURES) + "/python/locks";

std::string problems(const LockReadResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) out += d.str() + "\n";
  return out;
}

LockFile read_ok(const std::string& rel) {
  auto r = read_lock_file(kLocks + "/" + rel);
  EXPECT_TRUE(r.ok()) << problems(r);
  return r.lock ? *r.lock : LockFile{};
}

std::vector<std::string> groups(const LockFile& l, std::string_view name) {
  const LockedPackage* p = l.find(name);
  if (!p) return {"<missing>"};
  auto g = p->groups;
  std::sort(g.begin(), g.end());
  return g;
}

// What every reader must agree on for the shared project.
void expect_project(const LockFile& l, bool knows_groups = true) {
  size_t deps = 0;
  for (const auto& p : l.packages)
    if (!p.is_project) ++deps;
  EXPECT_EQ(deps, 11u);
  const LockedPackage* req = l.find("requests");
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->version, "2.32.3");
  EXPECT_EQ(req->source_kind, "registry");
  EXPECT_EQ(req->source, "https://pypi.org/simple");
  EXPECT_GE(req->hashes.size(), 1u);
  EXPECT_TRUE(req->hashes[0].starts_with("sha256:")) << req->hashes[0];
  EXPECT_GT(req->line, 0);
  EXPECT_EQ(l.find("charset-normalizer")->version, "3.4.0");
  EXPECT_TRUE(l.hashed());
  const LockedPackage* colorama = l.find("colorama");
  ASSERT_NE(colorama, nullptr);
  EXPECT_NE(colorama->marker.find("win32"), std::string::npos) << colorama->marker;
  EXPECT_EQ(l.find("certifi")->marker.find("win32"), std::string::npos);
  if (!knows_groups) return;
  EXPECT_EQ(groups(l, "requests"), std::vector<std::string>{"main"});
  EXPECT_EQ(groups(l, "urllib3"), std::vector<std::string>{"main"});
  EXPECT_EQ(groups(l, "pytest"), std::vector<std::string>{"dev"});
  EXPECT_EQ(groups(l, "pluggy"), std::vector<std::string>{"dev"});
  EXPECT_EQ(groups(l, "pysocks"), std::vector<std::string>{"extra:socks"});
}

TEST(LockFiles, UvLock) {
  auto l = read_ok("uv.lock");
  EXPECT_EQ(l.format, LockFormat::uv);
  EXPECT_EQ(l.format_version, "1 revision 2");
  expect_project(l);
  const LockedPackage* app = l.find("demo-app");
  ASSERT_NE(app, nullptr);
  EXPECT_TRUE(app->is_project);
  EXPECT_EQ(app->source_kind, "editable");
  ASSERT_EQ(l.find("requests")->hashes.size(), 2u);  // sdist and wheel
  // The graph: requests' four edges, pytest's edge to colorama under its marker.
  EXPECT_EQ(l.find("requests")->dependencies.size(), 4u);
  EXPECT_EQ(l.find("colorama")->marker, "sys_platform == 'win32'");
}

TEST(LockFiles, PoetryLock21RecordsGroupsAndMarkers) {
  auto l = read_ok("poetry.lock");
  EXPECT_EQ(l.format, LockFormat::poetry);
  EXPECT_EQ(l.format_version, "2.1");
  expect_project(l);
  EXPECT_EQ(l.find("colorama")->marker, "sys_platform == \"win32\"");
  ASSERT_EQ(l.find("pytest")->dependencies.size(), 4u);
}

TEST(LockFiles, PoetryLock20HasNoGroups) {
  auto l = read_ok("poetry-2.0/poetry.lock");
  EXPECT_EQ(l.format_version, "2.0");
  expect_project(l, /*knows_groups=*/false);
  EXPECT_TRUE(l.find("requests")->groups.empty());
  EXPECT_EQ(groups(l, "pysocks"), std::vector<std::string>{"extra:socks"});
}

TEST(LockFiles, PoetryLock11CategoriesAndMetadataFiles) {
  auto l = read_ok("poetry-1.1/poetry.lock");
  EXPECT_EQ(l.format_version, "1.1");
  expect_project(l);
  EXPECT_EQ(l.find("requests")->hashes.size(), 2u);  // from [metadata.files]
}

TEST(LockFiles, PipfileLock) {
  auto l = read_ok("Pipfile.lock");
  EXPECT_EQ(l.format, LockFormat::pipfile);
  EXPECT_EQ(l.format_version, "6");
  EXPECT_FALSE(l.has_graph);
  // Pipfile.lock has no extras: pysocks sits in default.
  EXPECT_EQ(groups(l, "pysocks"), std::vector<std::string>{"main"});
  EXPECT_EQ(groups(l, "pytest"), std::vector<std::string>{"dev"});
  EXPECT_EQ(l.find("requests")->version, "2.32.3");
  EXPECT_EQ(l.find("requests")->marker, "python_version >= '3.8'");
  EXPECT_TRUE(l.hashed());
  // The line of the package's key in the JSON text.
  EXPECT_GT(l.find("requests")->line, l.find("idna")->line);
}

TEST(LockFiles, PdmLock) {
  auto l = read_ok("pdm.lock");
  EXPECT_EQ(l.format, LockFormat::pdm);
  EXPECT_EQ(l.format_version, "4.5.0");
  // pdm names extras as groups of their own ("socks").
  EXPECT_EQ(groups(l, "pysocks"), std::vector<std::string>{"socks"});
  EXPECT_EQ(groups(l, "requests"), std::vector<std::string>{"main"});
  EXPECT_EQ(groups(l, "pytest"), std::vector<std::string>{"dev"});
  ASSERT_EQ(l.find("pytest")->dependencies.size(), 4u);
  EXPECT_EQ(l.find("pytest")->dependencies[0].marker, "sys_platform == \"win32\"");
  EXPECT_TRUE(l.hashed());
}

TEST(LockFiles, Pylock) {
  auto l = read_ok("pylock.toml");
  EXPECT_EQ(l.format, LockFormat::pylock);
  EXPECT_EQ(l.format_version, "1.0");
  expect_project(l);
  EXPECT_TRUE(l.find("demo-app")->is_project);
  EXPECT_EQ(l.find("requests")->source, "https://pypi.org/simple");
}

TEST(LockFiles, FormatFromFileName) {
  EXPECT_EQ(lock_format_for("a/uv.lock"), LockFormat::uv);
  EXPECT_EQ(lock_format_for("pylock.toml"), LockFormat::pylock);
  EXPECT_EQ(lock_format_for("pylock.spam.toml"), LockFormat::pylock);
  EXPECT_EQ(lock_format_for("pylock.a.b.toml"), std::nullopt);
  EXPECT_EQ(lock_format_for("requirements.txt"), std::nullopt);
}

TEST(LockFiles, UnknownVersionsSayWhatIsRead) {
  auto uv = read_lock_text(LockFormat::uv, "version = 2\n", "uv.lock");
  ASSERT_EQ(uv.diagnostics.size(), 1u);
  EXPECT_EQ(
      uv.diagnostics[0].str(),
      "uv.lock:1:11: uv.lock version 2 is not read: pipewright reads version 1 (revisions 1 to 3)");
  EXPECT_FALSE(uv.lock);
  auto poetry =
      read_lock_text(LockFormat::poetry, "[metadata]\nlock-version = \"3.0\"\n", "poetry.lock");
  ASSERT_EQ(poetry.diagnostics.size(), 1u);
  EXPECT_NE(
      poetry.diagnostics[0].str().find("poetry.lock:2:16: poetry.lock lock-version '3.0' is not "
                                       "read: pipewright reads lock-version 1.0 to 2.1"),
      std::string::npos)
      << poetry.diagnostics[0].str();
  auto pylock = read_lock_text(LockFormat::pylock, "lock-version = \"2.0\"\n", "pylock.toml");
  ASSERT_EQ(pylock.diagnostics.size(), 1u);
  EXPECT_NE(pylock.diagnostics[0].message.find("reads lock-version 1.0"), std::string::npos);
  auto pip =
      read_lock_text(LockFormat::pipfile, R"({"_meta": {"pipfile-spec": 7}})", "Pipfile.lock");
  ASSERT_EQ(pip.diagnostics.size(), 1u);
  EXPECT_EQ(pip.diagnostics[0].str(),
            "Pipfile.lock:1:12: Pipfile.lock pipfile-spec 7 is not read: pipewright reads "
            "pipfile-spec 6 and earlier (pipenv 2018 and later)");
  auto pdm = read_lock_text(LockFormat::pdm, "[metadata]\nlock_version = \"5.0\"\n", "pdm.lock");
  ASSERT_EQ(pdm.diagnostics.size(), 1u);
  EXPECT_NE(pdm.diagnostics[0].message.find("reads lock_version 4.0 to 4.5"), std::string::npos);
  // A newer minor version is read, with a note.
  auto newer =
      read_lock_text(LockFormat::pylock, "lock-version = \"1.1\"\npackages = []\n", "pylock.toml");
  EXPECT_TRUE(newer.ok()) << problems(newer);
  ASSERT_EQ(newer.lock->notes.size(), 1u);
  EXPECT_NE(newer.lock->notes[0].message.find("newer than 1.0"), std::string::npos);
  auto poetry22 =
      read_lock_text(LockFormat::poetry, "[metadata]\nlock-version = \"2.2\"\n", "poetry.lock");
  EXPECT_TRUE(poetry22.ok()) << problems(poetry22);
  ASSERT_EQ(poetry22.lock->notes.size(), 1u);
  EXPECT_EQ(poetry22.lock->notes[0].message,
            "poetry.lock lock-version 2.2 is newer than 2.1: read as 2.1");
  auto missing = read_lock_text(LockFormat::pdm, "[metadata]\n", "pdm.lock");
  ASSERT_EQ(missing.diagnostics.size(), 1u);
  EXPECT_EQ(missing.diagnostics[0].str(),
            "pdm.lock:1:1: pdm.lock has no [metadata] lock_version: pipewright reads lock_version "
            "4.0 to 4.5 (PDM 2.x)");
}

// A lock cut off mid-file (a bad merge, a partial write) names the line and column.
TEST(LockFiles, TruncatedFilesNameTheirPosition) {
  for (std::string name : {"uv.lock", "poetry.lock", "pdm.lock", "pylock.toml", "Pipfile.lock"}) {
    std::string text = pw::read_file(kLocks + "/" + name);
    // Cut inside a string value, so that every format has a syntax error there.
    size_t cut =
        name == "Pipfile.lock" ? text.size() / 2 : text.find("name = \"", text.size() / 2) + 9;
    auto r = read_lock_text(*lock_format_for(name), text.substr(0, cut), name);
    ASSERT_EQ(r.diagnostics.size(), 1u) << name;
    EXPECT_FALSE(r.lock) << name;
    EXPECT_GT(r.diagnostics[0].line, 1) << name << ": " << problems(r);
    EXPECT_GT(r.diagnostics[0].col, 0) << name << ": " << problems(r);
  }
}

TEST(LockFiles, HandEditedEntries) {
  // A merge conflict left in the file.
  auto conflict = read_lock_text(
      LockFormat::uv, "version = 1\n[[package]]\nname = \"a\"\n<<<<<<< HEAD\nversion = \"1\"\n",
      "uv.lock");
  ASSERT_EQ(conflict.diagnostics.size(), 1u);
  EXPECT_EQ(conflict.diagnostics[0].line, 4);
  // An entry whose version was deleted.
  auto noversion =
      read_lock_text(LockFormat::poetry,
                     "[[package]]\nname = \"a\"\n\n[[package]]\nname = \"b\"\nversion = \"1\"\n"
                     "[metadata]\nlock-version = \"2.1\"\n",
                     "poetry.lock");
  ASSERT_EQ(noversion.diagnostics.size(), 1u);
  EXPECT_EQ(noversion.diagnostics[0].str(), "poetry.lock:1:1: package 'a' has no version");
  ASSERT_TRUE(noversion.lock);
  EXPECT_EQ(noversion.lock->packages.size(), 1u);
  // JSON with a trailing comma.
  auto json = read_lock_text(LockFormat::pipfile, "{\n  \"_meta\": {},\n}\n", "Pipfile.lock");
  ASSERT_EQ(json.diagnostics.size(), 1u);
  EXPECT_EQ(json.diagnostics[0].line, 3);
}

}  // namespace
}  // namespace pw::python

namespace pw::python {
namespace {

// Hand-edited JSON of the wrong types is data, not a type error.
TEST(LockFiles, PipfileMembersOfTheWrongTypeAreNotErrorsOfOurs) {
  auto r = read_lock_text(LockFormat::pipfile,
                          R"({"_meta": {"pipfile-spec": 6, "sources": [{"name": 1}]},
                              "default": {"a": {"version": 2, "markers": [], "editable": "yes"},
                                          "b": {"version": "==1.0", "index": {}}}})",
                          "Pipfile.lock");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].message.find("package 'a' has no version"), std::string::npos);
  ASSERT_TRUE(r.lock);
  EXPECT_EQ(r.lock->find("b")->version, "1.0");
}

// Found by fuzz_pipfile_lock: a number too large for a double is nlohmann's out_of_range, which
// escaped the reader as an exception of another type.
TEST(LockFiles, PipfileNumberTooLargeIsAnInvalidJsonError) {
  auto r = read_lock_text(LockFormat::pipfile,
                          "2e931154bc0ba46310befb053d6c0418e22f4721ddb4df11a155c5680f26c5\",\n",
                          "Pipfile.lock");
  EXPECT_FALSE(r.lock);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_NE(r.diagnostics[0].message.find("invalid JSON"), std::string::npos);
}

}  // namespace
}  // namespace pw::python
