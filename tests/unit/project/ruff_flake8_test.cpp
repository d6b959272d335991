// flake8 standing in for ruff: which of the project's ruff settings reach flake8's command line.
#include "project/ruff_flake8.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "util/fs.h"

namespace pw::project {
namespace {

namespace fs = std::filesystem;

// pycodestyle's codes ruff's stable rules do not have.
const std::string kNotInRuff = "E11,E12,E13,E2,E3,E502,E704,W391,W503,W504";

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

TEST(RuffExemption, ExplicitReExportsAreNotUnusedImports) {
  std::vector<std::string> lines = {"from .encoding import base64_decode as base64_decode",
                                    "from .exc import (",
                                    "    BadData as BadData,",
                                    "    BadHeader,",
                                    ")",
                                    "import os as os",
                                    "import json as js",
                                    "from .x import aa as a"};
  auto why = [&](const char* msg, int line) {
    return ruff_exemption("F401", msg, lines, line, 88);
  };
  EXPECT_NE(why("'.encoding.base64_decode' imported but unused", 1), "");
  EXPECT_NE(why("'.exc.BadData' imported but unused", 2), "");
  EXPECT_EQ(why("'.exc.BadHeader' imported but unused", 2), "");
  EXPECT_NE(why("'os' imported but unused", 6), "");
  EXPECT_EQ(why("'json as js' imported but unused", 7), "");
  EXPECT_EQ(why("'.x.aa as a' imported but unused", 8), "");
  EXPECT_EQ(why("'.x.a' imported but unused", 8), "");  // "aa as a" is no redundant alias of a
  EXPECT_EQ(why("garbage", 1), "");
  EXPECT_EQ(why("'.encoding.base64_decode' imported but unused", 99), "");
}

TEST(RuffExemption, OverlongLinesRuffAllows) {
  std::string code(80, 'x');
  std::vector<std::string> lines = {
      "    " + code + "_and_more_without_spaces_at_all",
      "    # see https://github.com/pallets/click/issues/3403/a/very/long/path/indeed/yes",
      "    x = " + code + "  # type: ignore[attr-defined]",
      "    x = " + code + " + 1  # type: ignore[attr-defined]",
      "    x = " + code + " + some_long_name_beyond_the_limit",
      "    x = 1  # see the long explanation " + code,
      "    y = \"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\" + " + code,
  };
  auto why = [&](int line, int limit = 88) {
    return ruff_exemption("E501", "line too long", lines, line, limit);
  };
  EXPECT_EQ(why(1), "one word");
  EXPECT_EQ(why(2), "it ends with a URL");
  EXPECT_EQ(why(3), "only its pragma comment is over the limit");
  EXPECT_EQ(why(4), "");  // 92 characters before the pragma: the code itself is over
  EXPECT_EQ(why(4, 92), "only its pragma comment is over the limit");
  EXPECT_EQ(why(5), "");
  EXPECT_EQ(why(6), "");
  EXPECT_EQ(why(7), "");
  EXPECT_EQ(ruff_exemption("E302", "", lines, 1, 88), "");
}

}  // namespace
}  // namespace pw::project
