// The project model: what a checkout of a Python project is, detected once from the files the
// project already has (pyproject.toml, setup.cfg, setup.py read without running it, tox.ini,
// pytest.ini, noxfile.py, requirements files), so that every stage and `pipewright plan` agree
// on the import packages, the tests, the build backend and where the development dependencies
// are declared, and a user can see which file said so. pipewright.yaml's project settings
// override any of it. Lock files (uv.lock, poetry.lock, ...) slot in as further
// DependencySources.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/error.h"

namespace pw::project {

// Where a fact came from: a file relative to the project root (or "pipewright.yaml", or
// "folder" for a fact read off the tree), a line when known, and what in the file ("[project]
// name").
struct Origin {
  std::string file;
  int line = 0;
  std::string what;
  std::string str() const;  // "pyproject.toml:12 [tool.flit.module] name"
};

// An import package (a folder with __init__.py, a namespace folder, or a single module file).
struct Package {
  std::string name;  // the import name ("my_pkg")
  std::string path;  // relative to the root: "src/my_pkg", "my_pkg", "app", "my_mod.py"
  Origin from;
  // The folder to put on sys.path to import it ("src" for a src layout, "" for the root).
  std::string import_root() const;
};

struct TestFolder {
  std::string path;  // relative to the root
  Origin from;
};

// One requirement a source declares, with where it is written.
struct DeclaredRequirement {
  std::string text;  // as pip takes it ("pytest>=7", "-e .[test]", "./vendor/x")
  std::string file;
  int line = 0;
  bool local = false;  // a local path or an editable: built per build, never cached
};

// A place that declares development dependencies. `kind` is one of:
//   "requirements"      a pip requirements file (`file`, includes followed at install)
//   "pip-tools"         a requirements .txt compiled from the .in beside it (`file` is the .txt)
//   "dependency-group"  PEP 735 [dependency-groups] `name` (include-group expanded)
//   "extra"             [project.optional-dependencies] `name` (installed with the project)
//   "tox"               tox.ini's test environment `name` (deps, extras, dependency_groups)
//   "nox"               noxfile.py's test session `name` (its session.install literals)
//   "configured"        project.requirements of pipewright.yaml
// and, for lock files, their file names ("uv.lock", "poetry.lock", "Pipfile.lock", "pdm.lock",
// "pylock.toml").
struct DependencySource {
  std::string kind;
  std::string file;  // relative to the root
  std::string name;  // group, extra, tox env or nox session; "" for a file
  int line = 0;      // where it is declared in `file`
  std::vector<DeclaredRequirement> requirements;
  // Requirements files to hand pip with -r (relative to the root): the file itself for
  // "requirements"/"pip-tools", the -r lines of tox deps. pip follows their includes.
  std::vector<std::string> requirement_files;
  // Extras of the project itself to install with it ("test" for `-e .[test]` or tox extras).
  std::vector<std::string> project_extras;
  std::string str() const;  // "dependency-group dev (pyproject.toml:40)"
};

struct Project {
  std::filesystem::path root;
  std::string name;  // as written; "" when unknown
  Origin name_from;
  std::vector<Package> packages;
  std::vector<TestFolder> tests;
  std::string build_backend;  // "setuptools.build_meta", "hatchling.build", ...; "" unknown
  Origin backend_from;
  // [build-system] requires, each as written (Origin::what) with its pyproject.toml line: what a
  // build without isolation needs installed.
  std::vector<Origin> build_requires;
  std::string requires_python;  // as written; "" when not declared
  Origin requires_python_from;
  // A Pipfile's [requires] python_version ("3.6"): the version pipenv builds with, which is no
  // range; "" when there is no Pipfile or it names none.
  std::string pipfile_python;
  Origin pipfile_python_from;
  std::vector<DependencySource> dev_dependencies;  // in install order
  // Every file whose content the detection read: the environment cache key covers them.
  std::vector<std::string> files_read;
  // Problems that stop a build (invalid TOML, a group including itself, two packages of one
  // name, a requirements file outside the repository): file:line:col.
  std::vector<Diagnostic> problems;
  // What could not be detected and the setting that fixes it, or a choice worth knowing.
  std::vector<std::string> notes;

  bool has_pyproject = false;
  bool has_setup_py = false;
  bool has_setup_cfg = false;
  // Something declares a distribution: setup.py, setup.cfg's [metadata] or [options], or
  // pyproject.toml's [project], [build-system] or [tool.poetry]. Files that only configure tools
  // ([tool.black], [flake8]) do not.
  bool declares_packaging = false;
  // An application with no packaging metadata (a service's app.py beside a requirements.txt, its
  // pyproject.toml or setup.cfg only configuring tools): nothing to install or package; its
  // folder is put on sys.path and its requirements.txt is what the environment installs.
  bool application() const { return !declares_packaging; }
  // When the root holds no Python project at all (no packaging file, no module, no
  // requirements.txt): the folders one or two levels down that do ("backend", "services/api"),
  // sorted. A monorepo's Python service is run with `pipewright run -C backend`.
  std::vector<std::string> nested_projects;

  // The package paths joined with ", " ("src/pkg, other"), for messages.
  std::string package_list() const;
  // Import names (for coverage's --cov) and paths (for linters), in detection order.
  std::vector<std::string> import_names() const;
  std::vector<std::string> package_paths() const;
  std::vector<std::string> test_paths() const;
  // The requirements files among the dev dependency sources (kinds requirements, pip-tools,
  // configured), relative to the root: what lock-check, audit and the scan read.
  std::vector<std::string> requirements_files() const;
  // Where a missing development tool should be added, for messages: "[dependency-groups] dev
  // in pyproject.toml", "requirements-dev.txt", or "the project's dev dependencies".
  std::string dev_dependencies_place() const;
};

// What pipewright.yaml and the stage settings say; empty fields mean "detect".
struct Overrides {
  std::vector<std::string> packages;      // project.package (folders or import names)
  std::vector<std::string> tests;         // project.tests
  std::vector<std::string> requirements;  // project.requirements (files)
  std::vector<std::string> groups;        // dependency groups/extras to install (default below)
  std::string config_file = "pipewright.yaml";
};

// The group and extra names read by default (PEP 735 groups and optional-dependencies).
const std::vector<std::string>& default_dev_groups();

// Detects everything under `root`. Never throws for a bad project file: problems and notes say
// what was wrong; an unreadable root is an empty model with a problem.
Project detect(const std::filesystem::path& root, const Overrides& overrides = {});

// Human-readable lines for `pipewright plan`: "package  src/pkg  (pyproject.toml:20 ...)".
std::vector<std::string> describe(const Project& p);

}  // namespace pw::project
