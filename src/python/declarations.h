// What a project declares it depends on, read from the files the lock tools lock from:
// pyproject.toml ([project] dependencies and optional-dependencies, PEP 735 [dependency-groups],
// uv's and PDM's dev dependencies, Poetry's [tool.poetry] dependencies and groups) and Pipfile.
// The sync check (lock_sync.h) judges a lock against these, naming each declaration's file:line.
// Poetry's own constraint syntax (^1.2, ~1.2, 1.2.*) is translated to PEP 440 here.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "python/lock_sync.h"
#include "python/toml.h"
#include "util/error.h"

namespace pw::python {

// A PEP 735 dependency group or a [project.optional-dependencies] extra of pyproject.toml, or a
// lock tool's own group (Poetry's [tool.poetry.group.X], PDM's and uv's dev-dependencies).
struct DeclaredGroup {
  std::string name;  // as written
  std::string key;   // as in Declaration::group: the normalized name, or "extra:<normalized>"
  std::string file;
  int line = 0;
  // An include-group that names no group, or a group that includes itself: the group is read
  // without that include, and the error is in DeclaredProject::diagnostics too.
  std::vector<Diagnostic> errors;
};

struct DeclaredProject {
  std::vector<Declaration> declarations;
  std::vector<DeclaredGroup> groups;    // extras, then groups, each by name (toml++ sorts)
  std::vector<Diagnostic> diagnostics;  // unreadable files, requirements that do not parse
  // The lock tool the configuration names: "uv", "poetry", "pdm", "pipenv" or "".
  std::string tool;
  std::vector<std::string> files;  // the files read
  // The project's own name, normalized ([project] or [tool.poetry] name; "" when neither): a
  // requirement naming it (`pdm[keyring]` in pdm's extras) is a reference to its own extras.
  std::string name;
  // A Pipfile's [requires] python_version ("3.6"), the minor version pipenv builds with, and its
  // line; "" when not declared.
  std::string pipfile_python;
  int pipfile_python_line = 0;
};

// Reads pyproject.toml and Pipfile in `folder` (either may be missing).
DeclaredProject read_declarations(const std::filesystem::path& folder);

// Declarations of one pyproject.toml / Pipfile text; `file` is used in locations.
void read_pyproject_declarations(std::string_view text, const std::string& file,
                                 DeclaredProject& out);
// The same over a document already parsed (the project model parses pyproject.toml once).
void read_pyproject_declarations(const toml::table& doc, const std::string& file,
                                 DeclaredProject& out);
void read_pipfile_declarations(std::string_view text, const std::string& file,
                               DeclaredProject& out);

// Poetry's constraint syntax as a PEP 440 specifier set: "^1.2.3" -> ">=1.2.3,<2.0.0",
// "~1.2" -> ">=1.2,<1.3", "*" -> "", ">=1,<2" unchanged, "1.2" -> "==1.2".
std::string poetry_constraint_to_pep440(std::string_view constraint);

}  // namespace pw::python
