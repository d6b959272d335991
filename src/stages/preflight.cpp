#include "stages/preflight.h"

#include <filesystem>

#include "python/lock_sync.h"
#include "stages/settings.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;

void PreflightStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                              std::vector<Diagnostic>& diags) {
  get_list(spec, "require", &diags);
}

engine::StageOutcome PreflightStage::run(engine::StageContext& ctx) {
  const auto& project = ctx.pipeline().project;
  fs::path ws = ctx.workspace();
  struct Check {
    std::string what;
    bool ok;
    std::string fix;
  };
  std::vector<Check> checks;

  // Python and pip, through the interpreter the pipeline will use.
  // One interpreter start answers the three Python questions (each start costs ~50 ms).
  std::string py = project.python;
  std::string out;
  auto r = ctx.capture({py, "-c",
                        "import sys, importlib.util as u\n"
                        "print('%d.%d.%d' % sys.version_info[:3])\n"
                        "print('pip' if u.find_spec('pip') else 'no-pip')\n"
                        "print('venv' if u.find_spec('venv') and u.find_spec('ensurepip') else 'no-venv')"},
                       out, {.cwd = ws});
  auto lines = split_lines(out);
  bool py_ok = r.ok() && lines.size() == 3;
  std::string py_version = py_ok ? lines[0] : "";
  checks.push_back({"python (" + py + (py_ok ? " " + py_version : "") + ")", py_ok,
                    "install Python 3 (Debian: apt-get install python3) or set project.python "
                    "in pipewright.yaml to an interpreter that exists"});
  if (py_ok) {
    checks.push_back({"pip (" + py + " -m pip)", lines[1] == "pip",
                      "install pip for " + py + " (Debian: apt-get install python3-pip)"});
    checks.push_back({"venv module", lines[2] == "venv",
                      "install the venv module for " + py + " (Debian: apt-get install python3-venv)"});
  } else {
    checks.push_back({"pip", false, "needs a working python first"});
  }

  bool has_pyproject = fs::exists(ws / "pyproject.toml");
  bool has_setup = fs::exists(ws / "setup.py");
  checks.push_back({"pyproject.toml or setup.py", has_pyproject || has_setup,
                    "add a pyproject.toml (PEP 621) or a setup.py at the project root"});
  checks.push_back({"package folder " + project.package + "/", fs::is_directory(ws / project.package),
                    "create " + project.package + "/ or set project.package in pipewright.yaml "
                    "to the folder that holds your code"});
  checks.push_back({"tests folder " + project.tests + "/", fs::is_directory(ws / project.tests),
                    "create " + project.tests + "/ with pytest tests, or set project.tests"});
  // A lock file (uv.lock, poetry.lock, ...) is where a locked project pins its dependencies.
  auto lock = python::choose_lock(ws);
  if (lock.chosen) {
    checks.push_back({"lock file " + lock.chosen->filename().string(), true, ""});
  } else {
    checks.push_back({project.requirements, fs::is_regular_file(ws / project.requirements),
                      "add " + project.requirements + " with the pinned dev dependencies "
                      "(name==version per line), or a lock file (uv lock, poetry lock, pdm lock, "
                      "pipenv lock), or set project.requirements"});
  }
  for (const auto& extra : get_list(ctx.spec(), "require").value_or(std::vector<std::string>{}))
    checks.push_back({extra, fs::exists(ws / extra), "add " + extra + " (listed in preflight.require)"});

  std::vector<std::string> failed;
  for (const auto& c : checks) {
    ctx.log(std::string(c.ok ? "  ok    " : "  FAIL  ") + c.what);
    if (!c.ok) {
      ctx.log("        -> " + c.fix);
      failed.push_back(c.what);
    }
  }
  ctx.data()["checks"] = checks.size();
  ctx.data()["failed"] = failed;
  if (!failed.empty()) {
    return engine::StageOutcome::failed(std::to_string(failed.size()) + " of " +
                                        std::to_string(checks.size()) + " checks failed: " +
                                        join(failed, "; "));
  }
  return engine::StageOutcome::ok(std::to_string(checks.size()) + " checks passed (python " +
                                  py_version + ")");
}

}  // namespace pw::stages
