#include "stages/preflight.h"

#include <filesystem>
#include <optional>

#include "project/pipeline_overrides.h"
#include "python/declarations.h"
#include "python/lock_sync.h"
#include "python/specifier.h"
#include "stages/registry.h"
#include "stages/settings.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;

namespace {

struct Check {
  std::string what;
  bool ok;
  std::string fix;
};

// Python, pip and venv, through the interpreter the pipeline will use; the version ("" when
// there is no working python), or nullopt when the run was aborted.
std::optional<std::string> check_python(engine::StageContext& ctx, const fs::path& ws,
                                        std::vector<Check>& checks) {
  // One interpreter start answers the three Python questions (each start costs ~50 ms).
  std::string py = ctx.pipeline().project.python;
  std::string out;
  auto r = ctx.capture(
      {py, "-c",
       "import sys, importlib.util as u\n"
       "print('%d.%d.%d' % sys.version_info[:3])\n"
       "print('pip' if u.find_spec('pip') else 'no-pip')\n"
       "print('venv' if u.find_spec('venv') and u.find_spec('ensurepip') else 'no-venv')"},
      out, {.cwd = ws});
  auto lines = split_lines(out);
  // Stopped because another stage failed: nothing was concluded about this machine.
  if (r.aborted) return std::nullopt;
  bool py_ok = r.ok() && lines.size() == 3;
  std::string py_version = py_ok ? lines[0] : "";
  checks.push_back({"python (" + py + (py_ok ? " " + py_version : "") + ")", py_ok,
                    "install Python 3 (Debian: apt-get install python3) or set project.python "
                    "in pipewright.yaml to an interpreter that exists"});
  if (py_ok) {
    checks.push_back({"pip (" + py + " -m pip)", lines[1] == "pip",
                      "install pip for " + py + " (Debian: apt-get install python3-pip)"});
    checks.push_back(
        {"venv module", lines[2] == "venv",
         "install the venv module for " + py + " (Debian: apt-get install python3-venv)"});
  } else {
    checks.push_back({"pip", false, "needs a working python first"});
  }
  return py_version;
}

// The project's declared Python range against the build's interpreter: pip refuses to install a
// project outside it ("requires a different Python"), after the environment is built; said here
// first, with the line that declares it.
void check_requires_python(engine::StageContext& ctx, const project::Project& model,
                           const std::string& py_version, std::vector<Check>& checks) {
  if (model.requires_python.empty() || py_version.empty()) return;
  std::string range = model.requires_python;
  if (model.requires_python_from.what.find("poetry") != std::string::npos)
    range = python::poetry_constraint_to_pep440(range);
  auto spec = python::SpecifierSet::parse(range);
  auto v = python::Version::parse(py_version);
  if (!spec || !v) {
    ctx.warn("cannot read the project's Python range '" + model.requires_python + "' (" +
             model.requires_python_from.str() + "): not checked");
    return;
  }
  checks.push_back(
      {"python " + py_version + " in requires-python " + model.requires_python + " (" +
           model.requires_python_from.str() + ")",
       spec->contains(*v, true),
       "set project.python in pipewright.yaml to an interpreter the project supports"});
}

// Pipfile's [requires] python_version ("3.6") names the minor version pipenv builds with; a
// different interpreter is worth a warning, not a failure: such pins are often left behind while
// the project moves on.
void check_pipfile_python(engine::StageContext& ctx, const project::Project& model,
                          const std::string& py_version) {
  const std::string& wanted = model.pipfile_python;
  if (py_version.empty() || wanted.empty()) return;
  if (py_version == wanted || py_version.starts_with(wanted + ".")) return;
  ctx.warn(model.pipfile_python_from.file + ":" + std::to_string(model.pipfile_python_from.line) +
           " asks for Python " + wanted + " (" + model.pipfile_python_from.what +
           ") and the build runs " + py_version +
           " (pipenv builds with the version the Pipfile asks for): set project.python to that "
           "interpreter, or update the Pipfile");
}

// The project as detected (src/project): what it is and where each fact came from.
void check_project(engine::StageContext& ctx, const fs::path& ws, const std::string& py_version,
                   std::vector<Check>& checks) {
  auto model = project::detect_project(ws, ctx.pipeline());
  check_requires_python(ctx, model, py_version, checks);
  check_pipfile_python(ctx, model, py_version);
  for (const auto& l : project::describe(model)) ctx.log("  " + l);
  // No packaging metadata at all: an application (a service's app.py beside its
  // requirements.txt), which is neither installed nor packaged, not a broken library.
  if (model.application() && model.nested_projects.empty())
    ctx.log(
        "note: no pyproject.toml, setup.py or setup.cfg: an application, run from its folder "
        "(not installed, no wheel); its dependencies come from requirements.txt");
  for (const auto& d : model.problems)
    checks.push_back({d.str(), false, "fix it (see the message)"});
  if (!model.nested_projects.empty()) {
    checks.push_back({"a Python project in this folder (there is one in " +
                          join(model.nested_projects, ", ") + ": pipewright run -C " +
                          model.nested_projects.front() + ")",
                      false, "run pipewright in the project's folder, or set project.package"});
  } else if (model.packages.empty()) {
    checks.push_back({"import package", false,
                      "set project.package in pipewright.yaml to the folder that holds your code"});
  } else {
    for (const auto& pk : model.packages)
      checks.push_back(
          {"package " + pk.path + (pk.from.file.empty() ? "" : " (" + pk.from.str() + ")"),
           fs::exists(ws / pk.path),
           "create " + pk.path + " or set project.package in pipewright.yaml"});
  }
  for (const auto& t : model.tests)
    checks.push_back({"tests " + t.path, fs::exists(ws / t.path),
                      "create " + t.path + "/ with pytest tests, or set project.tests"});
  // Absent tests or dev dependencies are notes, not failures: pytest may find tests elsewhere,
  // and a project may need nothing beyond itself.
  for (const auto& n : model.notes) ctx.warn(n);
  ctx.data()["project"] = {{"packages", model.package_paths()},
                           {"tests", model.test_paths()},
                           {"backend", model.build_backend}};
}

// The lock file, when there is one, and the files the `require` setting lists.
void check_files(engine::StageContext& ctx, const fs::path& ws, std::vector<Check>& checks) {
  // A lock file (uv.lock, poetry.lock, ...) is where a locked project pins its dependencies.
  if (auto lock = python::choose_lock(ws); lock.chosen)
    checks.push_back({"lock file " + lock.chosen->filename().string(), true, ""});
  for (const auto& extra : get_list(ctx.spec(), "require").value_or(std::vector<std::string>{}))
    checks.push_back(
        {extra, fs::exists(ws / extra), "add " + extra + " (listed in preflight.require)"});
}

// Each check and its fix in the log; the verdict names the failed ones.
engine::StageOutcome verdict(engine::StageContext& ctx, const std::vector<Check>& checks,
                             const std::string& py_version) {
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
                                        std::to_string(checks.size()) +
                                        " checks failed: " + join(failed, "; "));
  }
  return engine::StageOutcome::ok(std::to_string(checks.size()) + " checks passed (python " +
                                  py_version + ")");
}

}  // namespace

void PreflightStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                              std::vector<Diagnostic>& diags) {
  get_list(spec, "require", &diags);
}

engine::StageOutcome PreflightStage::run(engine::StageContext& ctx) {
  fs::path ws = ctx.workspace();
  std::vector<Check> checks;
  auto py_version = check_python(ctx, ws, checks);
  if (!py_version) return {engine::Status::aborted, "aborted before the checks finished"};
  check_project(ctx, ws, *py_version, checks);
  check_files(ctx, ws, checks);
  return verdict(ctx, checks, *py_version);
}

namespace {
const BuiltinStage kPreflightRegistered([](engine::StageRegistry& r) {
  r.add("preflight", make_stage<PreflightStage>(), PreflightStage::validate);
});
}  // namespace

}  // namespace pw::stages
