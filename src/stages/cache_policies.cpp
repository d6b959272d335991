#include "stages/cache_policies.h"

#include "engine/build_record.h"
#include "stages/settings.h"

namespace pw::stages {

std::vector<std::string> dependency_files() {
  return {"**/*.txt",  "**/*.in",    "**/pyproject.toml", "**/setup.cfg", "**/setup.py",
          "**/*.lock", "**/Pipfile", "**/pylock*.toml",   "**/tox.ini",   "**/noxfile.py"};
}

std::vector<std::string> quality_inputs(const pipeline::StageSpec& spec,
                                        const pipeline::Pipeline& p) {
  std::vector<std::string> globs = {"pyproject.toml",    "setup.cfg", "tox.ini",    ".flake8",
                                    ".pylintrc",         "pylintrc",  "mypy.ini",   ".mypy.ini",
                                    ".bandit",           "ruff.toml", ".ruff.toml", ".editorconfig",
                                    "pyrightconfig.json"};
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

std::string python_environment_result(const engine::KeyInputs& in) {
  std::string venv = in.record && in.record->data.contains("venv")
                         ? in.record->data["venv"].get<std::string>()
                         : (in.workspace / ".venv").string();
  return engine::python_environment_digest(std::filesystem::path(venv) / "bin" / "python",
                                           in.workspace);
}

}  // namespace pw::stages
