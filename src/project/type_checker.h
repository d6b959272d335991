// Which type checker a project configures: pyright (pyrightconfig.json or [tool.pyright]) or
// mypy (mypy.ini, .mypy.ini, [tool.mypy], setup.cfg's [mypy]), so that typecheck runs the one
// whose settings the project keeps.
#pragma once

#include <filesystem>
#include <string>

namespace pw::project {

// "pyright" when the project configures pyright and not mypy, "mypy" when it configures mypy,
// "" when neither (a file that cannot be read counts as not configuring).
std::string declared_type_checker(const std::filesystem::path& root);

}  // namespace pw::project
