// The native editable install of a Poetry 1 project ([tool.poetry], no [project] table), which
// offline has no poetry-core to build it; what the native install cannot write leaves it to pip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "python/editable.h"
#include "util/fs.h"

namespace pw::python {
namespace {

namespace fs = std::filesystem;

class EditablePoetry : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pw-editable-poetry-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    write_file_atomic(dir_ / "demo.py", "");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::optional<EditableProject> project(const std::string& tool_poetry, std::string& why) {
    write_file_atomic(dir_ / "pyproject.toml",
                      "[build-system]\nrequires = [\"poetry-core>=1\"]\n"
                      "build-backend = \"poetry.core.masonry.api\"\n\n" +
                          tool_poetry);
    return static_editable_project(dir_, why);
  }
  fs::path dir_;
};

TEST_F(EditablePoetry, MetadataFromToolPoetry) {
  std::string why;
  auto p = project(
      "[tool.poetry]\nname = \"demo\"\nversion = \"0.4.1\"\ndescription = \"A demo\"\n"
      "authors = [\"A B <a@example.invalid>\"]\nlicense = \"MIT\"\n\n"
      "[tool.poetry.dependencies]\npython = \"^3.7\"\nrequests = \"^2.28\"\n"
      "colorama = { version = \"~0.4\", markers = \"sys_platform == 'win32'\" }\n\n"
      "[tool.poetry.group.test.dependencies]\npytest = \"^7\"\n\n"
      "[tool.poetry.scripts]\ndemo = \"demo:main\"\n",
      why);
  ASSERT_TRUE(p) << why;
  EXPECT_EQ(p->name, "demo");
  EXPECT_EQ(p->version, "0.4.1");
  EXPECT_EQ(p->metadata,
            "Metadata-Version: 2.1\nName: demo\nVersion: 0.4.1\nSummary: A demo\n"
            "Author-email: A B <a@example.invalid>\nLicense: MIT\n"
            "Requires-Python: >=3.7,<4.0\n"
            "Requires-Dist: colorama<0.5,>=0.4; sys_platform == \"win32\"\n"
            "Requires-Dist: requests<3.0,>=2.28\n");
  EXPECT_EQ(p->entry_points, "[console_scripts]\ndemo = demo:main\n\n");
  ASSERT_EQ(p->console_scripts.size(), 1u);
}

TEST_F(EditablePoetry, WhatOnlyPoetryCoreCanWriteGoesToPip) {
  std::string why;
  EXPECT_FALSE(
      project("[tool.poetry]\nname = \"demo\"\nversion = \"1.0\"\n"
              "[tool.poetry.dependencies]\nx = { version = \"^1\", optional = true }\n",
              why));
  EXPECT_EQ(why, "[tool.poetry] declares optional dependencies (extras)");
  EXPECT_FALSE(
      project("[tool.poetry]\nname = \"demo\"\nversion = \"1.0\"\nbuild = \"build.py\"\n", why));
  EXPECT_EQ(why, "[tool.poetry] build runs a build script");
  EXPECT_FALSE(project("[tool.poetry]\nname = \"demo\"\n", why));
  EXPECT_EQ(why, "[tool.poetry] has no valid name and version");
}

}  // namespace
}  // namespace pw::python
