// The native editable install of a project whose [project] version is dynamic but read from a
// file, as its backend reads it (pdm, hatch, flit, setuptools); one computed at build time
// (version control) still goes to pip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "python/editable.h"
#include "util/fs.h"

namespace pw::python {
namespace {

namespace fs = std::filesystem;

class EditableVersion : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pw-editable-version-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void put(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    write_file_atomic(dir_ / rel, text);
  }
  // The version the native install writes, or "refused: <why>".
  std::string version() {
    std::string why;
    auto p = static_editable_project(dir_, why);
    return p ? p->version : "refused: " + why;
  }
  fs::path dir_;
};

constexpr const char* kProject = "[project]\nname = \"demo\"\ndynamic = [\"version\"]\n";

TEST_F(EditableVersion, PdmFileSource) {
  put("pyproject.toml", std::string("[build-system]\nbuild-backend = \"pdm.backend\"\n") +
                            kProject +
                            "[tool.pdm.version]\nsource = \"file\"\npath = \"demo/__init__.py\"\n");
  put("demo/__init__.py", "\"\"\"Demo.\"\"\"\n\n__version__ = \"2.2.4\"\n");
  EXPECT_EQ(version(), "2.2.4");
}

TEST_F(EditableVersion, PdmScmSourceNeedsTheBackend) {
  put("pyproject.toml", std::string("[build-system]\nbuild-backend = \"pdm.backend\"\n") +
                            kProject + "[tool.pdm.version]\nsource = \"scm\"\n");
  EXPECT_EQ(version(), "refused: [project] computes version at build time (dynamic)");
}

TEST_F(EditableVersion, HatchPathWithAnAnnotatedAssignment) {
  put("pyproject.toml", std::string("[build-system]\nbuild-backend = \"hatchling.build\"\n") +
                            kProject + "[tool.hatch.version]\npath = \"src/demo/__about__.py\"\n");
  put("src/demo/__init__.py", "");
  put("src/demo/__about__.py", "__version__: str = '1.0.0rc1'\n");
  EXPECT_EQ(version(), "1.0.0rc1");
}

TEST_F(EditableVersion, FlitModuleVersionAndDocstringDescription) {
  put("pyproject.toml",
      "[build-system]\nbuild-backend = \"flit_core.buildapi\"\n[project]\nname = \"demo\"\n"
      "dynamic = [\"version\", \"description\"]\n");
  put("demo.py", "\"\"\"A demo.\"\"\"\n__version__ = \"0.3\"\n");
  EXPECT_EQ(version(), "0.3");
}

TEST_F(EditableVersion, SetuptoolsAttrAndFile) {
  put("pyproject.toml",
      std::string("[build-system]\nbuild-backend = \"setuptools.build_meta\"\n") + kProject +
          "[tool.setuptools.dynamic]\nversion = {attr = \"demo.about.VERSION\"}\n");
  put("demo/__init__.py", "");
  put("demo/about.py", "VERSION = \"4.5\"\n");
  EXPECT_EQ(version(), "4.5");
  put("pyproject.toml", std::string("[build-system]\nbuild-backend = \"setuptools.build_meta\"\n") +
                            kProject +
                            "[tool.setuptools.dynamic]\nversion = {file = \"VERSION\"}\n");
  put("VERSION", "4.6\n");
  EXPECT_EQ(version(), "4.6");
}

TEST_F(EditableVersion, AComputedVersionOrAnotherDynamicFieldNeedsTheBackend) {
  put("pyproject.toml", std::string("[build-system]\nbuild-backend = \"setuptools.build_meta\"\n") +
                            kProject +
                            "[tool.setuptools.dynamic]\nversion = {attr = \"demo.VERSION\"}\n");
  put("demo/__init__.py", "from ._v import VERSION\n");
  EXPECT_EQ(version(), "refused: [project] computes version at build time (dynamic)");
  put("demo/__init__.py", "VERSION = \"1.2\" + \".0\"\n");
  EXPECT_EQ(version(), "refused: [project] computes version at build time (dynamic)");
  put("demo/__init__.py", "VERSION = \"1.2.0\"  # the release\n");
  EXPECT_EQ(version(), "1.2.0");
  put("pyproject.toml",
      "[build-system]\nbuild-backend = \"flit_core.buildapi\"\n[project]\nname = \"demo\"\n"
      "dynamic = [\"version\", \"readme\"]\n");
  put("demo/__init__.py", "__version__ = \"1\"\n");
  EXPECT_EQ(version(), "refused: [project] computes version, readme at build time (dynamic)");
}

}  // namespace
}  // namespace pw::python
