// flake8 standing in for ruff: which of the project's ruff settings reach flake8's command line.
#include "project/ruff_flake8.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "util/fs.h"

namespace pw::project {
namespace {

namespace fs = std::filesystem;

// flake8's default ignores, which ruff's stable rules do not have either.
const std::string kNotInRuff = "E121,E123,E126,E226,E24,E704,W503,W504";

class RuffFlake8 : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        fs::temp_directory_path() /
        ("pw-ruff-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& name, const std::string& text) {
    write_file_atomic(root_ / name, text);
  }
  fs::path root_;
};

TEST_F(RuffFlake8, RuffDefaultsWhenTheTableIsEmpty) {
  write("pyproject.toml", "[project]\nname = 'x'\n[tool.ruff]\n");
  auto s = flake8_for_ruff(root_);
  ASSERT_TRUE(s.applies);
  EXPECT_EQ(s.source, "pyproject.toml [tool.ruff]");
  EXPECT_EQ(s.args, (std::vector<std::string>{"--max-line-length=88", "--select=E4,E7,E9,F",
                                              "--extend-ignore=" + kNotInRuff}));
  EXPECT_TRUE(s.unmapped.empty());
}

TEST_F(RuffFlake8, LintTableSelectIgnorePerFileAndExclude) {
  write("pyproject.toml",
        "[tool.ruff]\n"
        "line-length = 100\n"
        "extend-exclude = [\"docs/conf.py\"]\n"
        "[tool.ruff.lint]\n"
        "select = [\"B\", \"E\", \"F\", \"I\", \"UP\", \"W\", \"FBT\"]\n"
        "ignore = [\"E203\", \"B008\"]\n"
        "[tool.ruff.lint.per-file-ignores]\n"
        "\"tests/*\" = [\"E501\", \"S101\"]\n"
        "[tool.ruff.lint.mccabe]\n"
        "max-complexity = 12\n");
  auto s = flake8_for_ruff(root_);
  ASSERT_TRUE(s.applies);
  EXPECT_EQ(s.args,
            (std::vector<std::string>{"--max-line-length=100", "--select=E,F,W",
                                      "--extend-ignore=" + kNotInRuff + ",E203",
                                      "--per-file-ignores=tests/*:E501",
                                      "--extend-exclude=docs/conf.py", "--max-complexity=12"}));
  ASSERT_EQ(s.unmapped.size(), 3u);
  EXPECT_EQ(s.unmapped[0], "select B, I, UP, FBT (not flake8 codes)");
  EXPECT_EQ(s.unmapped[1], "ignore B008 (not selected)");
  EXPECT_EQ(s.unmapped[2], "per-file-ignores tests/* S101");
}

TEST_F(RuffFlake8, RuffTomlWinsAndTopLevelKeysAreRead) {
  write("pyproject.toml", "[tool.ruff]\nline-length = 120\n");
  write("ruff.toml", "line-length = 99\nselect = [\"I\"]\n");
  auto s = flake8_for_ruff(root_);
  ASSERT_TRUE(s.applies);
  EXPECT_EQ(s.source, "ruff.toml");
  EXPECT_EQ(s.args, (std::vector<std::string>{"--max-line-length=99", "--select=E999",
                                              "--extend-ignore=" + kNotInRuff}));
}

TEST_F(RuffFlake8, TheProjectsOwnFlake8ConfigWins) {
  write("pyproject.toml", "[tool.ruff]\nline-length = 120\n");
  write("setup.cfg", "[metadata]\nname = x\n[flake8]\nmax-line-length = 100\n");
  EXPECT_FALSE(flake8_for_ruff(root_).applies);
}

TEST_F(RuffFlake8, NoRuffNoStandIn) {
  write("pyproject.toml", "[project]\nname = 'x'\n");
  EXPECT_FALSE(flake8_for_ruff(root_).applies);
  EXPECT_FALSE(flake8_for_ruff(root_ / "missing").applies);
}

TEST_F(RuffFlake8, InvalidTomlIsNamed) {
  write("pyproject.toml", "[tool.ruff\n");
  auto s = flake8_for_ruff(root_);
  EXPECT_FALSE(s.applies);
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_NE(s.problems[0].str().find("pyproject.toml:1:"), std::string::npos)
      << s.problems[0].str();
}

}  // namespace
}  // namespace pw::project
