#include "stages/cache_policies.h"

#include <sys/stat.h>

#include "engine/build_record.h"
#include "exec/capture.h"
#include "security/scan.h"
#include "security/store.h"
#include "stages/settings.h"
#include "util/hash.h"

namespace pw::stages {

namespace {

// Where projects declare dependencies: requirements files and their includes, pip-tools' .in,
// pyproject, setup.cfg/setup.py, lock files, tox.ini.
std::vector<std::string> dependency_files() {
  return {"**/*.txt",  "**/*.in",    "**/pyproject.toml", "**/setup.cfg", "**/setup.py",
          "**/*.lock", "**/Pipfile", "**/pylock*.toml",   "**/tox.ini",   "**/noxfile.py"};
}

// The Python sources a quality tool reads (its `paths`, else the package and, for the linters
// and formatters, the tests) and the configuration files the tools read.
std::vector<std::string> quality_inputs(const pipeline::StageSpec& spec,
                                        const pipeline::Pipeline& p) {
  std::vector<std::string> globs = {"pyproject.toml", "setup.cfg", "tox.ini",    ".flake8",
                                    ".pylintrc",      "pylintrc",  "mypy.ini",   ".mypy.ini",
                                    ".bandit",        "ruff.toml", ".ruff.toml", ".editorconfig"};
  std::vector<std::string> paths;
  if (auto l = get_list(spec, "paths"))
    paths = *l;
  else if (spec.kind == "audit")
    return {"**"};
  else {
    // project.package and project.tests as pipewright.yaml lists them; not set, the project
    // model detects them from the tree, which the key then covers whole ("" below).
    paths = pipeline::ProjectSpec::list(p.project.package);
    if (paths.empty()) paths.push_back("");
    if (spec.kind == "lint" || spec.kind == "format-ruff" || spec.kind == "format-black") {
      auto tests = pipeline::ProjectSpec::list(p.project.tests);
      if (tests.empty()) tests.push_back("");
      paths.insert(paths.end(), tests.begin(), tests.end());
    }
  }
  for (auto path : paths) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    if (path == "." || path.empty()) return {"**"};
    globs.push_back(path);
    globs.push_back(path + "/**");
  }
  return globs;
}

// The advisory database's version: any import rewrites the file.
std::string advisory_database_version(const engine::KeyInputs&) {
  auto path = security::Store::default_path();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "no database at " + path.string();
  return path.string() + " " + std::to_string(st.st_size) + " " + std::to_string(st.st_ino) + " " +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

// New code is measured against a reference that moves without the tree changing: the commit
// and branch built and the previous build's commit are part of the analysis' key.
std::string new_code_reference(const engine::KeyInputs& in) {
  auto head = exec::git(in.workspace, {"rev-parse", "HEAD"}).value_or("");
  auto branch = exec::git(in.workspace, {"rev-parse", "--abbrev-ref", "HEAD"}).value_or("");
  auto tag = exec::git(in.workspace, {"describe", "--tags", "--abbrev=0"}).value_or("");
  std::string main_ref;
  for (const char* m : {"origin/main", "main", "origin/master", "master"})
    if (auto r = exec::git(in.workspace, {"rev-parse", "--verify", "-q", m})) {
      main_ref = *r;
      break;
    }
  return head + " " + branch + " " + tag + " " + main_ref;
}

bool not_sonar(const pipeline::StageSpec& spec) { return spec.setting("sonar") == nullptr; }

}  // namespace

engine::CachePolicy cache_policy(const std::string& kind) {
  engine::CachePolicy p;
  if (kind == "lock-check") {
    p.cacheable = true;
    p.inputs = [](const auto&, const auto&) { return dependency_files(); };
  } else if (kind == "tests") {
    p.cacheable = true;  // the whole tree: tests import anything
    p.outputs = {"reports/report.xml", "reports/coverage.xml"};
  } else if (kind == "lint" || kind == "format-ruff" || kind == "format-black" ||
             kind == "typecheck" || kind == "security-lint" || kind == "audit") {
    p.cacheable = true;
    p.inputs = quality_inputs;
    p.outputs = {"reports/quality/{id}.sarif"};
  } else if (kind == "quality") {
    p.cacheable = true;
    p.reads_tree = false;
    p.outputs = {"reports/quality.sarif"};
  } else if (kind == "dependency-scan") {
    p.cacheable = true;
    p.inputs = [](const pipeline::StageSpec& spec, const pipeline::Pipeline&) {
      auto globs = dependency_files();
      globs.push_back(
          get_string(spec, "ignore_file").value_or(std::string(security::kDefaultIgnoreFile)));
      return globs;
    };
    p.outputs = {"reports/dependency-check-report.json", "reports/dependency-check-report.xml",
                 "reports/dependency-scan.sarif", "reports/sbom.cdx.json",
                 "artifacts/dependency-check/**"};
    p.extra = advisory_database_version;
  } else if (kind == "analysis") {
    p.cacheable = true;
    p.applies = not_sonar;  // SonarQube mode submits to a server: an effect, never skipped
    p.outputs = {"reports/analysis.json", "reports/sonar-external-issues.json"};
    p.extra = new_code_reference;
  } else if (kind == "quality-gate") {
    p.cacheable = true;
    p.reads_tree = false;
    p.outputs = {"reports/quality-gate.json"};
  } else if (kind == "package") {
    p.cacheable = true;  // the whole tree: an sdist holds more than the package
    p.outputs = {"workspace/dist/**"};
  } else if (kind == "checkout") {
    // What checkout gives the stages after it is the tree, which their keys cover file by
    // file; its commit would make every commit a change (analysis names the commit itself).
    p.result = [](const engine::KeyInputs&) { return std::string("the tree"); };
  } else if (kind == "setup-python") {
    // Never cached (it makes the build's venv), but its result, the environment the tools
    // come from, is part of every later key: interpreter and installed distributions.
    p.result = [](const engine::KeyInputs& in) {
      std::string venv = in.record && in.record->data.contains("venv")
                             ? in.record->data["venv"].get<std::string>()
                             : (in.workspace / ".venv").string();
      return engine::python_environment_digest(std::filesystem::path(venv) / "bin" / "python",
                                               in.workspace);
    };
  }
  return p;
}

}  // namespace pw::stages
