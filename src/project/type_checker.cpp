#include "project/type_checker.h"

#include "project/ini.h"
#include "python/toml.h"
#include "util/error.h"
#include "util/fs.h"

namespace pw::project {

namespace fs = std::filesystem;

std::string declared_type_checker(const fs::path& root) {
  bool pyright = fs::exists(root / "pyrightconfig.json");
  bool mypy = fs::exists(root / "mypy.ini") || fs::exists(root / ".mypy.ini");
  if (fs::exists(root / "pyproject.toml")) {
    std::vector<Diagnostic> problems;
    if (auto doc = python::read_toml_file(root / "pyproject.toml", problems, "pyproject.toml")) {
      pyright = pyright || python::toml_table_at(*doc, "tool.pyright");
      mypy = mypy || python::toml_table_at(*doc, "tool.mypy");
    }
  }
  if (!mypy && fs::exists(root / "setup.cfg")) {
    try {
      mypy = parse_ini(read_file(root / "setup.cfg"), "setup.cfg").has("mypy");
    } catch (const Error&) {
    }
  }
  if (mypy) return "mypy";
  return pyright ? "pyright" : "";
}

}  // namespace pw::project
