// The sync check on the fixture locks: current, stale three ways (a dependency added but not
// locked, a locked package no longer declared, a locked version outside the declared range),
// markers for the build's interpreter, the empty-lock rule and the choice between two locks.
#include "python/lock_sync.h"

#include <gtest/gtest.h>

#include <fstream>

namespace pw::python {
namespace {

const std::string kLocks = std::string(PW_FIXTURES) + "/python/locks";

Declaration decl(const std::string& text, int line, const std::string& group = "main") {
  auto r = parse_requirement(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error();
  return Declaration{*r, "pyproject.toml", line, 5, group};
}

// What the fixture project declares.
std::vector<Declaration> project() {
  return {decl("requests>=2.31", 7), decl("pysocks>=1.5.6", 10, "extra:socks"),
          decl("pytest>=8", 14, "dev")};
}

LockFile lock(const std::string& rel) {
  auto r = read_lock_file(kLocks + "/" + rel);
  EXPECT_TRUE(r.ok());
  return *r.lock;
}

std::string problems(const SyncResult& r) {
  std::string out;
  for (const auto& p : r.problems) out += p.str() + "\n";
  for (const auto& d : r.diagnostics) out += d.str() + "\n";
  return out;
}

MarkerEnvironment linux311() {
  return {{"python_version", "3.11"},
          {"python_full_version", "3.11.2"},
          {"sys_platform", "linux"},
          {"os_name", "posix"},
          {"platform_system", "Linux"},
          {"platform_machine", "x86_64"},
          {"platform_python_implementation", "CPython"},
          {"implementation_name", "cpython"},
          {"implementation_version", "3.11.2"},
          {"platform_release", "6.1.0"},
          {"platform_version", "#1 SMP"}};
}

TEST(LockSync, CurrentLocksPassInEveryFormat) {
  for (std::string f : {"uv.lock", "poetry.lock", "poetry-2.0/poetry.lock",
                        "poetry-1.1/poetry.lock", "pdm.lock", "pylock.toml", "Pipfile.lock"}) {
    SyncOptions o;
    o.groups = {"dev", "extra:socks"};
    auto r = check_lock_sync(lock(f), project(), o);
    EXPECT_TRUE(r.ok()) << f << "\n" << problems(r);
    EXPECT_EQ(r.checked, 3u) << f;
  }
  EXPECT_EQ(check_lock_sync(lock("Pipfile.lock"), project()).notes.size(), 1u);
}

TEST(LockSync, DependencyAddedButNotLocked) {
  auto decls = project();
  decls.push_back(decl("rich>=13", 8));
  auto r = check_lock_sync(lock("uv.lock"), decls);
  ASSERT_EQ(r.problems.size(), 1u) << problems(r);
  EXPECT_EQ(r.problems[0].kind, SyncProblemKind::not_locked);
  EXPECT_EQ(r.problems[0].str(), "pyproject.toml:8:5: rich >=13 is declared but " + kLocks +
                                     "/uv.lock does not lock it: the lock is stale, run `uv lock`");
}

TEST(LockSync, LockedPackageNoLongerDeclared) {
  // pysocks' extra was removed from pyproject.toml, the lock still pins it.
  std::vector<Declaration> decls = {decl("requests>=2.31", 7), decl("pytest>=8", 14, "dev")};
  for (std::string f : {"uv.lock", "poetry.lock", "pdm.lock", "pylock.toml"}) {
    auto r = check_lock_sync(lock(f), decls);
    ASSERT_EQ(r.problems.size(), 1u) << f << "\n" << problems(r);
    EXPECT_EQ(r.problems[0].kind, SyncProblemKind::not_declared);
    EXPECT_EQ(r.problems[0].name, "pysocks");
    EXPECT_GT(r.problems[0].line, 0);
    EXPECT_NE(r.problems[0].message.find("pysocks 1.7.1 is locked but nothing"), std::string::npos);
  }
}

TEST(LockSync, VersionOutsideTheDeclaredRange) {
  std::vector<Declaration> decls = {decl("requests>=2.33,<3", 7),
                                    decl("pysocks", 10, "extra:socks"),
                                    decl("pytest>=8", 14, "dev")};
  auto r = check_lock_sync(lock("poetry.lock"), decls);
  ASSERT_EQ(r.problems.size(), 1u) << problems(r);
  EXPECT_EQ(r.problems[0].kind, SyncProblemKind::outside_range);
  EXPECT_EQ(
      r.problems[0].str(),
      "pyproject.toml:7:5: requests is locked at 2.32.3 in " + kLocks +
          "/poetry.lock, outside the declared >=2.33,<3: the lock is stale, run `poetry lock`");
}

TEST(LockSync, GroupsNotInUseAreNotChecked) {
  auto decls = project();
  decls.push_back(decl("sphinx>=7", 20, "docs"));
  EXPECT_TRUE(check_lock_sync(lock("pdm.lock"), decls).ok());
  SyncOptions o;
  o.groups = {"docs"};
  auto r = check_lock_sync(lock("pdm.lock"), decls, o);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].name, "sphinx");
}

// Found on pdm's own repository: its extras say `pdm[keyring,template]`, a reference to the
// project's own extras that no lock locks as a package.
TEST(LockSync, TheProjectNamingItsOwnExtrasIsNoPackageToLock) {
  auto decls = project();
  decls.push_back(decl("demo[socks]", 12, "extra:all"));
  SyncOptions o;
  o.groups = {"dev", "extra:socks", "extra:all"};
  EXPECT_EQ(check_lock_sync(lock("uv.lock"), decls, o).problems.size(), 1u);
  o.project = "demo";
  auto r = check_lock_sync(lock("uv.lock"), decls, o);
  EXPECT_TRUE(r.ok()) << problems(r);
  EXPECT_EQ(r.checked, 3u);
}

// `pdm lock -G` locks the groups named, and pylock.toml lists its extras and groups: a group the
// lock was not made for is not the lock's to hold.
TEST(LockSync, TheGroupsALockWasMadeFor) {
  auto pdm = lock("pdm.lock");
  ASSERT_TRUE(pdm.covered_groups.has_value());
  EXPECT_TRUE(lock_covers(pdm, "main"));
  EXPECT_TRUE(lock_covers(pdm, "dev"));
  EXPECT_TRUE(lock_covers(pdm, "extra:socks"));  // PDM names an extra without "extra:"
  EXPECT_FALSE(lock_covers(pdm, "docs"));
  EXPECT_FALSE(lock_covers(pdm, "extra:copier"));
  auto pylock = lock("pylock.toml");
  ASSERT_TRUE(pylock.covered_groups.has_value());
  EXPECT_TRUE(lock_covers(pylock, "extra:socks"));
  EXPECT_TRUE(lock_covers(pylock, "dev"));
  EXPECT_FALSE(lock_covers(pylock, "socks"));  // pylock.toml tells extras from groups
  EXPECT_FALSE(lock_covers(pylock, "docs"));
  auto uv = lock("uv.lock");  // uv locks every group
  EXPECT_FALSE(uv.covered_groups.has_value());
  EXPECT_TRUE(lock_covers(uv, "docs"));
}

TEST(LockSync, MarkersForTheBuildInterpreter) {
  auto decls = project();
  decls.push_back(decl("pywin32>=306 ; sys_platform == 'win32'", 9));
  decls.push_back(decl("tomli>=2 ; python_version < '3.11'", 11));
  SyncOptions o;
  o.environment = linux311();
  auto r = check_lock_sync(lock("uv.lock"), decls, o);
  EXPECT_TRUE(r.ok()) << problems(r);
  EXPECT_EQ(r.skipped_by_marker, 2u);
  // On Windows the lock lacks pywin32.
  o.environment->at("sys_platform") = "win32";
  r = check_lock_sync(lock("uv.lock"), decls, o);
  ASSERT_EQ(r.problems.size(), 1u) << problems(r);
  EXPECT_EQ(r.problems[0].name, "pywin32");
}

TEST(LockSync, InstallSetFollowsGroupsAndMarkers) {
  SyncOptions o;
  o.environment = linux311();
  for (std::string f : {"uv.lock", "poetry.lock", "pdm.lock", "pylock.toml", "Pipfile.lock"}) {
    auto l = lock(f);
    std::set<std::string> names;
    for (const auto* p : packages_to_install(l, o)) names.insert(p->normalized);
    std::set<std::string> main = {"certifi", "charset-normalizer", "idna", "requests", "urllib3"};
    if (f == "Pipfile.lock") main.insert("pysocks");  // Pipfile.lock has no extras: in default
    EXPECT_EQ(names, main) << f;
    o.groups = {"dev"};
    names.clear();
    for (const auto* p : packages_to_install(l, o)) names.insert(p->normalized);
    EXPECT_TRUE(names.count("pytest") && names.count("pluggy")) << f;
    EXPECT_FALSE(names.count("colorama")) << f << ": colorama is for Windows only";
    o.groups.clear();
  }
}

TEST(LockSync, NoLockMeansEveryDeclarationIsUnpinned) {
  auto r = unlocked(project(), "uv lock");
  ASSERT_EQ(r.problems.size(), 3u);
  EXPECT_EQ(r.problems[0].str(),
            "pyproject.toml:7:5: requests >=2.31 is not pinned: no lock file records its version; "
            "make one with `uv lock` and commit it");
}

TEST(LockSync, EmptyRequirementsFileIsNotALock) {
  auto p = empty_lock_problem("requirements-dev.txt", 0, "requirements-dev.in exists beside it");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->str(),
            "requirements-dev.txt: pins no requirement although requirements-dev.in exists "
            "beside it: an empty file is not a lock (compile it with `pip-compile`)");
  EXPECT_FALSE(
      empty_lock_problem("requirements-dev.txt", 3, "requirements-dev.in exists beside it"));
  EXPECT_FALSE(
      empty_lock_problem("requirements-dev.txt", 0, ""));  // nothing to pin: empty is right
}

TEST(LockSync, TwoLockFilesSayWhichIsUsed) {
  auto dir = std::filesystem::temp_directory_path() / "pw-lock-choice";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "uv.lock") << "version = 1\n";
  std::ofstream(dir / "poetry.lock") << "";
  auto c = choose_lock(dir, "poetry");
  ASSERT_TRUE(c.chosen);
  EXPECT_EQ(c.chosen->filename(), "poetry.lock");
  EXPECT_EQ(c.reason,
            "found uv.lock, poetry.lock; using poetry.lock because the project is managed "
            "by poetry (its configuration is in pyproject.toml)");
  c = choose_lock(dir);
  EXPECT_EQ(c.chosen->filename(), "uv.lock");
  EXPECT_NE(c.reason.find("first in the order"), std::string::npos);
  std::ofstream(dir / "pylock.toml") << "";
  c = choose_lock(dir, "");
  EXPECT_EQ(c.chosen->filename(), "pylock.toml");
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(choose_lock(dir).chosen);
}

}  // namespace
}  // namespace pw::python
