// New code: the diff parser on hand-made diffs (hunks, renames, binaries, deletions, quoting), and
// compute_new_code on a scripted temporary git repository with each reference mode.
#include "analysis/new_code.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "exec/capture.h"
#include "util/fs.h"

namespace pw::analysis {
namespace {

TEST(NewCodeSetting, EachFormAndNothingElse) {
  auto branch = parse_new_code_reference("branch");
  ASSERT_TRUE(branch);
  EXPECT_EQ(branch->mode, ReferenceMode::merge_base);
  EXPECT_EQ(branch->value, "");
  ASSERT_TRUE(parse_new_code_reference(""));
  EXPECT_EQ(parse_new_code_reference("")->mode, ReferenceMode::merge_base);
  auto named = parse_new_code_reference("branch:develop");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->mode, ReferenceMode::merge_base);
  EXPECT_EQ(named->value, "develop");
  auto prev = parse_new_code_reference("previous-build");
  ASSERT_TRUE(prev);
  EXPECT_EQ(prev->mode, ReferenceMode::previous_build);
  auto commit = parse_new_code_reference("commit:v1.2");
  ASSERT_TRUE(commit);
  EXPECT_EQ(commit->mode, ReferenceMode::commit);
  EXPECT_EQ(commit->value, "v1.2");
  EXPECT_FALSE(parse_new_code_reference("commit:"));
  EXPECT_FALSE(parse_new_code_reference("previous"));
  EXPECT_FALSE(parse_new_code_reference("tag:v1"));
}

TEST(UnifiedDiff, HunksAddedChangedAndDeleted) {
  std::string diff =
      "diff --git a/app/calc.py b/app/calc.py\n"
      "index 1111111..2222222 100644\n"
      "--- a/app/calc.py\n"
      "+++ b/app/calc.py\n"
      "@@ -3 +3 @@ def add(a, b):\n"
      "-    return a+b\n"
      "+    return a + b\n"
      "@@ -10,0 +11,2 @@ def sub(a, b):\n"
      "+def mul(a, b):\n"
      "+    return a * b\n"
      "@@ -20,3 +22,0 @@\n"
      "-x\n"
      "-+++ y\n"
      "--- z\n"
      "diff --git a/old.py b/old.py\n"
      "deleted file mode 100644\n"
      "--- a/old.py\n"
      "+++ /dev/null\n"
      "@@ -1,2 +0,0 @@\n"
      "-a\n"
      "-b\n"
      "diff --git a/new.py b/new.py\n"
      "new file mode 100644\n"
      "--- /dev/null\n"
      "+++ b/new.py\n"
      "@@ -0,0 +1,3 @@\n"
      "+a\n"
      "+b\n"
      "+c\n"
      "\\ No newline at end of file\n";
  std::vector<Diagnostic> warnings;
  auto lines = parse_unified_diff(diff, &warnings);
  EXPECT_TRUE(warnings.empty()) << warnings[0].str();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines["app/calc.py"], (std::vector<int>{3, 11, 12}));
  EXPECT_EQ(lines["new.py"], (std::vector<int>{1, 2, 3}));
}

TEST(UnifiedDiff, RenamesBinariesAndQuotedNames) {
  std::string diff =
      "diff --git a/src/a.py b/src/b.py\n"
      "similarity index 90%\n"
      "rename from src/a.py\n"
      "rename to src/b.py\n"
      "--- a/src/a.py\n"
      "+++ b/src/b.py\n"
      "@@ -5 +5,2 @@\n"
      "-x\n"
      "+y\n"
      "+z\n"
      "diff --git a/pure.py b/moved.py\n"
      "similarity index 100%\n"
      "rename from pure.py\n"
      "rename to moved.py\n"
      "diff --git a/logo.png b/logo.png\n"
      "index 1..2 100644\n"
      "Binary files a/logo.png and b/logo.png differ\n"
      "diff --git \"a/sp ace\\303\\251.py\" \"b/sp ace\\303\\251.py\"\n"
      "--- \"a/sp ace\\303\\251.py\"\n"
      "+++ \"b/sp ace\\303\\251.py\"\n"
      "@@ -1 +1 @@\n"
      "-a\n"
      "+b\n";
  auto lines = parse_unified_diff(diff);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines["src/b.py"], (std::vector<int>{5, 6}));
  EXPECT_EQ(lines["sp ace\xc3\xa9.py"], (std::vector<int>{1}));
}

TEST(UnifiedDiff, GarbageGivesWarningsNotExceptions) {
  std::vector<Diagnostic> w;
  auto lines = parse_unified_diff("hello\n@@ -x +y @@\n@@ -1 +2,99999999999999 @@\n", &w);
  EXPECT_TRUE(lines.empty());
  EXPECT_EQ(w.size(), 3u);
  EXPECT_TRUE(parse_unified_diff("").empty());
}

// Found by fuzz_unified_diff in CI (a 1 s timeout): the header's count was expanded into line
// numbers before the body was read. Only the '+' lines present count now.
TEST(UnifiedDiff, HeaderCountBeyondTheBodyCostsNothing) {
  std::string diff =
      "diff --git a/a.py b/a.py\n"
      "@@ -1 +1,2000000000 @@\n"
      "+x\n"
      "diff --git a/b.py b/b.py\n"
      "@@ -1 +2147483647,5 @@\n"
      "+y\n"
      "+z\n";
  auto lines = parse_unified_diff(diff);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines["a.py"], (std::vector<int>{1}));
  EXPECT_EQ(lines["b.py"], (std::vector<int>{2147483647}));
}

// A scripted repository: main with two commits, a feature branch changing and adding code.
class GitRepo : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_on_path("git").empty()) GTEST_SKIP() << "git is not installed";
    std::string tmpl = (std::filesystem::temp_directory_path() / "pw-newcode-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  void git(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"git",
                                     "-C",
                                     dir_.string(),
                                     "-c",
                                     "user.name=t",
                                     "-c",
                                     "user.email=t@example.com",
                                     "-c",
                                     "commit.gpgsign=false"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = exec::capture(argv);
    ASSERT_TRUE(r.ok()) << r.err;
  }
  void write(const std::string& name, const std::string& content) {
    std::filesystem::create_directories((dir_ / name).parent_path());
    write_file_atomic(dir_ / name, content);
  }
  std::filesystem::path dir_;
};

TEST_F(GitRepo, MergeBaseCommitAndPreviousBuild) {
  git({"init", "-q", "-b", "master"});
  write("app.py", "a = 1\nb = 2\nc = 3\n");
  git({"add", "."});
  git({"commit", "-q", "-m", "one"});
  git({"checkout", "-q", "-b", "feature"});
  write("app.py", "a = 1\nb = 20\nc = 3\nd = 4\n");
  git({"commit", "-q", "-am", "two"});
  auto first_feature = exec::git(dir_, {"rev-parse", "HEAD"});
  write("app.py", "a = 1\nb = 20\nc = 3\nd = 4\ne = 5\n");
  write("notes/untracked.py", "x = 1\ny = 2\n");

  // Default reference: merge-base with master (no `main` here).
  auto nc = compute_new_code(dir_, {});
  ASSERT_TRUE(nc.available) << nc.reason;
  EXPECT_EQ(nc.reference_label, "merge-base with master");
  EXPECT_EQ(nc.lines["app.py"], (std::vector<int>{2, 4, 5}));
  EXPECT_EQ(nc.lines["notes/untracked.py"], (std::vector<int>{1, 2}));
  EXPECT_TRUE(nc.is_new("app.py", 4));
  EXPECT_FALSE(nc.is_new("app.py", 3));
  EXPECT_EQ(nc.line_count(), 5);

  auto prev = compute_new_code(dir_, {ReferenceMode::previous_build, *first_feature});
  ASSERT_TRUE(prev.available) << prev.reason;
  EXPECT_EQ(prev.lines["app.py"], (std::vector<int>{5}));

  auto commit = compute_new_code(dir_, {ReferenceMode::commit, "HEAD"});
  ASSERT_TRUE(commit.available);
  EXPECT_EQ(commit.lines["app.py"], (std::vector<int>{5}));
}

TEST_F(GitRepo, ClearReasonsWhenNewCodeCannotBeComputed) {
  auto none = compute_new_code(dir_, {});
  EXPECT_FALSE(none.available);
  EXPECT_EQ(none.reason.rfind("cannot compute new code: ", 0), 0u);
  EXPECT_NE(none.reason.find("not inside a git repository"), std::string::npos);

  git({"init", "-q", "-b", "trunk"});
  auto empty = compute_new_code(dir_, {});
  EXPECT_FALSE(empty.available);
  EXPECT_NE(empty.reason.find("no commits"), std::string::npos);

  write("a.py", "x = 1\n");
  git({"add", "."});
  git({"commit", "-q", "-m", "one"});
  auto no_main = compute_new_code(dir_, {});
  EXPECT_FALSE(no_main.available);
  EXPECT_NE(no_main.reason.find("no main branch"), std::string::npos);

  auto unknown = compute_new_code(dir_, {ReferenceMode::commit, "deadbeef"});
  EXPECT_FALSE(unknown.available);
  EXPECT_NE(unknown.reason.find("deadbeef"), std::string::npos);
  auto branch = compute_new_code(dir_, {ReferenceMode::merge_base, "nope"});
  EXPECT_NE(branch.reason.find("unknown branch 'nope'"), std::string::npos);
  auto trunk = compute_new_code(dir_, {ReferenceMode::merge_base, "trunk"});
  ASSERT_TRUE(trunk.available);
  EXPECT_EQ(trunk.line_count(), 0);
}

}  // namespace
}  // namespace pw::analysis
