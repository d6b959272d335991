// Declarations read from pyproject.toml (PEP 621, PEP 735, uv, PDM, Poetry) and Pipfile, with
// the file:line each sync problem points at, and Poetry's constraints in PEP 440.
#include "python/declarations.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace pw::python {
namespace {

// One line per declaration, sorted (toml++ visits a table's keys in sorted order).
std::string listing(const DeclaredProject& p) {
  std::vector<std::string> lines;
  for (const auto& d : p.declarations)
    lines.push_back(d.group + " " + d.requirement.str() + " @" + std::to_string(d.line) + "\n");
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l;
  for (const auto& d : p.diagnostics) out += d.str() + "\n";
  return out;
}

TEST(Declarations, Pep621AndDependencyGroups) {
  DeclaredProject p;
  read_pyproject_declarations(R"([project]
name = "demo-app"
version = "0.1.0"
dependencies = [
    "requests>=2.31",
]

[project.optional-dependencies]
socks = ["PySocks>=1.5.6"]

[dependency-groups]
test = ["pytest>=8"]
dev = [{include-group = "test"}, "coverage>=7"]

[tool.uv]
package = true
)",
                              "pyproject.toml", p);
  EXPECT_EQ(listing(p),
            "dev coverage>=7 @13\n"
            "dev pytest>=8 @12\n"
            "extra:socks PySocks>=1.5.6 @9\n"
            "main requests>=2.31 @5\n"
            "test pytest>=8 @12\n");
  EXPECT_EQ(p.tool, "uv");
  EXPECT_EQ(p.declarations[0].column, 5);
}

TEST(Declarations, GroupCyclesAndMissingIncludesAreErrorsOfTheirGroup) {
  // The project model installs dev/test groups from this reader, so a group that includes
  // itself must end (with an error naming the chain), not recurse.
  DeclaredProject p;
  read_pyproject_declarations(R"([project]
name = "x"
[project.optional-dependencies]
Test = ["pytest"]
[dependency-groups]
dev = [{include-group = "Lint"}, "mypy"]
lint = ["flake8", {include-group = "dev"}, {include-group = "nope"}]
)",
                              "pyproject.toml", p);
  ASSERT_EQ(p.groups.size(), 3u);
  EXPECT_EQ(p.groups[0].key, "extra:test");
  EXPECT_EQ(p.groups[0].name, "Test");
  EXPECT_EQ(p.groups[1].key, "dev");
  EXPECT_EQ(p.groups[1].line, 6);
  ASSERT_EQ(p.groups[1].errors.size(), 2u);
  EXPECT_EQ(p.groups[1].errors[0].str(),
            "pyproject.toml:6:7: dependency group 'dev' includes itself (dev -> lint -> dev)");
  EXPECT_EQ(p.groups[1].errors[1].str(),
            "pyproject.toml:7:44: include-group 'nope' names no group in [dependency-groups]");
  EXPECT_EQ(p.diagnostics.size(), 4u);  // both groups' errors
  EXPECT_EQ(listing(p).substr(0, listing(p).find("pyproject.toml")),
            "dev flake8 @7\n"
            "dev mypy @6\n"
            "extra:test pytest @4\n"
            "lint flake8 @7\n"
            "lint mypy @6\n");
}

TEST(Declarations, PoetryTables) {
  DeclaredProject p;
  read_pyproject_declarations(R"([tool.poetry]
name = "demo-app"

[tool.poetry.dependencies]
python = "^3.11"
requests = "^2.31"
pysocks = { version = "~1.7", optional = true, markers = "sys_platform == 'linux'" }
mylib = { git = "https://example.com/mylib.git" }

[tool.poetry.group.dev.dependencies]
pytest = ">=8,<9"
)",
                              "pyproject.toml", p);
  EXPECT_EQ(listing(p),
            "dev pytest<9,>=8 @11\n"
            "main mylib @8\n"
            "main pysocks<1.8,>=1.7; sys_platform == \"linux\" @7\n"
            "main requests<3.0,>=2.31 @6\n");
  EXPECT_EQ(p.tool, "poetry");
  // Poetry's group is a group the project model can choose (tomlkit declares its dev tools so).
  ASSERT_EQ(p.groups.size(), 1u);
  EXPECT_EQ(p.groups[0].key, "dev");
  EXPECT_EQ(p.groups[0].line, 10);  // its table's header
}

TEST(Declarations, ToolGroupsDoNotDuplicatePep735Groups) {
  DeclaredProject p;
  read_pyproject_declarations(R"([dependency-groups]
dev = ["pytest"]

[tool.uv]
dev-dependencies = ["coverage"]

[tool.pdm.dev-dependencies]
lint = ["flake8"]
)",
                              "pyproject.toml", p);
  std::vector<std::string> keys;
  for (const auto& g : p.groups) keys.push_back(g.key + "@" + std::to_string(g.line));
  EXPECT_EQ(keys, (std::vector<std::string>{"dev@2", "lint@8"}));
}

TEST(Declarations, Pipfile) {
  DeclaredProject p;
  read_pipfile_declarations(R"([[source]]
url = "https://pypi.org/simple"
name = "pypi"

[packages]
requests = "*"
pysocks = {version = ">=1.5.6", markers = "os_name == 'posix'"}

[dev-packages]
pytest = ">=8"

[requires]
python_version = "3.6"
)",
                            "Pipfile", p);
  EXPECT_EQ(listing(p),
            "dev pytest>=8 @10\n"
            "main pysocks>=1.5.6; os_name == \"posix\" @7\n"
            "main requests @6\n");
  EXPECT_EQ(p.tool, "pipenv");
  EXPECT_EQ(p.pipfile_python, "3.6");
  EXPECT_EQ(p.pipfile_python_line, 13);
}

TEST(Declarations, PoetryConstraints) {
  EXPECT_EQ(poetry_constraint_to_pep440("^1.2.3"), ">=1.2.3,<2.0.0");
  EXPECT_EQ(poetry_constraint_to_pep440("^0.2.3"), ">=0.2.3,<0.3.0");
  EXPECT_EQ(poetry_constraint_to_pep440("^0.0.3"), ">=0.0.3,<0.0.4");
  EXPECT_EQ(poetry_constraint_to_pep440("^2"), ">=2,<3");
  EXPECT_EQ(poetry_constraint_to_pep440("~1.2.3"), ">=1.2.3,<1.3.0");
  EXPECT_EQ(poetry_constraint_to_pep440("~1"), ">=1,<2");
  EXPECT_EQ(poetry_constraint_to_pep440("*"), "");
  EXPECT_EQ(poetry_constraint_to_pep440("1.2"), "==1.2");
  EXPECT_EQ(poetry_constraint_to_pep440(">=1.2, <2"), ">=1.2,<2");
  EXPECT_EQ(poetry_constraint_to_pep440("~=1.2"), "~=1.2");
  // A number too long for 64 bits does not throw.
  EXPECT_EQ(poetry_constraint_to_pep440("^99999999999999999999999"),
            ">=99999999999999999999999,<999999999999999999999991");
}

TEST(Declarations, BadInputIsLocated) {
  DeclaredProject p;
  read_pyproject_declarations("[project]\ndependencies = [\"requests >=\"]\n", "pyproject.toml", p);
  ASSERT_EQ(p.diagnostics.size(), 1u);
  EXPECT_EQ(p.diagnostics[0].line, 2);
  DeclaredProject q;
  read_pyproject_declarations("[project\n", "pyproject.toml", q);
  ASSERT_EQ(q.diagnostics.size(), 1u);
  EXPECT_EQ(q.diagnostics[0].line, 1);
}

}  // namespace
}  // namespace pw::python
