// Which type checker a project configures.
#include "project/type_checker.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "util/fs.h"

namespace pw::project {
namespace {

namespace fs = std::filesystem;

TEST(TypeChecker, PyrightOnlyWhenTheProjectDoesNotConfigureMypy) {
  fs::path root = fs::temp_directory_path() / "pw-type-checker";
  fs::remove_all(root);
  fs::create_directories(root);
  EXPECT_EQ(declared_type_checker(root), "");
  write_file_atomic(root / "pyproject.toml",
                    "[project]\nname = 'x'\n\n[tool.pyright]\nstrict = []\n");
  EXPECT_EQ(declared_type_checker(root), "pyright");
  write_file_atomic(root / "setup.cfg", "[mypy]\nstrict = True\n");
  EXPECT_EQ(declared_type_checker(root), "mypy");
  fs::remove(root / "setup.cfg");
  fs::remove(root / "pyproject.toml");
  write_file_atomic(root / "pyrightconfig.json", "{}");
  EXPECT_EQ(declared_type_checker(root), "pyright");
  write_file_atomic(root / "mypy.ini", "[mypy]\n");
  EXPECT_EQ(declared_type_checker(root), "mypy");
  fs::remove_all(root);
}

}  // namespace
}  // namespace pw::project
