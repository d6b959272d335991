#include "stages/lock_check.h"

#include <filesystem>
#include <set>

#include "project/pipeline_overrides.h"
#include "python/declarations.h"
#include "python/dist_info.h"
#include "python/lock_check.h"
#include "python/lock_files.h"
#include "python/lock_sync.h"
#include "python/names.h"
#include "stages/cache_policies.h"
#include "stages/registry.h"
#include "stages/settings.h"
#include "stages/setup_python.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;

namespace {

std::optional<python::Policy> policy(const pipeline::StageSpec& spec, const std::string& key,
                                     std::vector<Diagnostic>* diags) {
  auto v = get_string(spec, key, diags);
  if (!v) return std::nullopt;
  if (*v == "forbid") return python::Policy::forbid;
  if (*v == "pinned_only" || *v == "pinned-only") return python::Policy::pinned_only;
  if (*v == "allow") return python::Policy::allow;
  report(diags, at(*spec.setting(key),
                   "stage '" + spec.id + "' " + key + " must be forbid, pinned_only or allow"));
  return std::nullopt;
}

std::map<std::string, std::string> allow_map(const pipeline::StageSpec& spec,
                                             std::vector<Diagnostic>* diags) {
  std::map<std::string, std::string> out;
  const pipeline::Setting* s = spec.setting("allow");
  if (!s || s->value.IsNull()) return out;
  if (!s->value.IsMap()) {
    report(diags, at(*s, "stage '" + spec.id +
                             "' allow must map a package name to the reason it may float"));
    return out;
  }
  for (const auto& kv : s->value) {
    std::string name = kv.first.Scalar();
    std::string reason = kv.second.IsScalar() ? kv.second.Scalar() : "";
    if (trim(reason).empty())
      report(diags, at(*s, "allow '" + name + "' needs a reason (it is shown in the log)"));
    out[name == "." ? name : python::normalize_name(name)] = reason;
  }
  return out;
}

std::string rel_to(const std::string& f, const fs::path& ws) {
  std::error_code ec;
  auto r = fs::relative(f, ws, ec);
  return ec || r.empty() || r.string().starts_with("..") ? f : r.string();
}

// The command that makes a lock for a project configured for `tool`.
std::string lock_command_for(const std::string& tool) {
  if (tool == "uv") return "uv lock";
  if (tool == "poetry") return "poetry lock";
  if (tool == "pdm") return "pdm lock";
  if (tool == "pipenv") return "pipenv lock";
  return "uv lock` (or `pip-compile` for a requirements file";
}

engine::StageOutcome fail_with(engine::StageContext& ctx, const std::vector<std::string>& lines,
                               const std::string& what) {
  for (const auto& l : lines) ctx.log(l);
  size_t n = lines.size();
  return engine::StageOutcome::failed(std::to_string(n) + " problem" + (n == 1 ? "" : "s") + " " +
                                      what + (n > 1 ? ", first: " : ": ") + lines.front());
}

// A project with a lock file: the lock must read and be in sync with the declarations.
engine::StageOutcome check_lock_file(engine::StageContext& ctx, const fs::path& ws,
                                     const python::LockChoice& choice,
                                     const python::DeclaredProject& declared) {
  const auto& spec = ctx.spec();
  if (!choice.reason.empty()) ctx.log(choice.reason);
  auto read = python::read_lock_file(*choice.chosen);
  std::string lock_name = rel_to(choice.chosen->string(), ws);
  std::vector<std::string> lines;
  for (auto d : declared.diagnostics) lines.push_back(d.str());
  for (auto d : read.diagnostics) {
    d.file = rel_to(d.file, ws);
    lines.push_back(d.str());
  }
  if (!read.ok()) return fail_with(ctx, lines, "reading " + lock_name);
  python::LockFile lock = *read.lock;
  lock.path = lock_name;
  for (const auto& n : lock.notes) ctx.log("note: " + n.str());

  python::SyncOptions opt;
  // Groups in use: the setting, else every group and extra the project declares, so the whole
  // lock is judged.
  if (auto g = get_list(spec, "groups")) {
    for (const auto& one : *g)
      opt.groups.insert(one.starts_with("extra:") ? one : python::normalize_name(one));
  } else {
    // ... those the lock was made for, when it says (`pdm lock -G`, pylock.toml's lists).
    std::set<std::string> left_out;
    for (const auto& d : declared.declarations)
      (python::lock_covers(lock, d.group) ? opt.groups : left_out).insert(d.group);
    left_out.erase(std::string(python::kMainGroup));
    if (!left_out.empty())
      ctx.log("note: " + lock_name + " was not made for " +
              join(std::vector<std::string>(left_out.begin(), left_out.end()), ", ") +
              ": their declarations are not checked (name them in lock-check's groups to "
              "require them)");
  }
  opt.project = declared.name;
  auto env = python::interpreter_marker_environment(configured_python(ctx.pipeline()));
  if (!env.empty())
    opt.environment = env;
  else
    ctx.warn("cannot ask the build's Python for its marker values: every declaration is checked");

  auto sync = python::check_lock_sync(lock, declared.declarations, opt);
  for (const auto& n : sync.notes) ctx.log("note: " + n);
  for (const auto& d : sync.diagnostics) lines.push_back(d.str());
  nlohmann::json pj = nlohmann::json::array();
  for (const auto& p : sync.problems) {
    lines.push_back(p.str());
    pj.push_back({{"file", p.file},
                  {"line", p.line},
                  {"name", p.name},
                  {"kind", std::string(python::sync_problem_name(p.kind))},
                  {"message", p.message}});
  }
  ctx.data()["lock"] = lock_name;
  ctx.data()["lock_format"] = lock.format_version;
  ctx.data()["locked"] = lock.packages.size();
  ctx.data()["checked"] = sync.checked;
  ctx.data()["problems"] = pj;
  ctx.data()["hashes_required"] = lock.hashed();
  if (!lines.empty()) return fail_with(ctx, lines, "in " + lock_name);
  size_t locked = 0;
  for (const auto& p : lock.packages) locked += p.is_project ? 0 : 1;
  std::string s = lock_name + " in sync: " + std::to_string(sync.checked) +
                  " declared requirement" + (sync.checked == 1 ? "" : "s") + " satisfied, " +
                  std::to_string(locked) + " packages locked";
  if (lock.hashed()) s += ", all hashed";
  return engine::StageOutcome::ok(s);
}

// Neither a lock nor a requirements file (dev dependencies only in pyproject.toml, say):
// nothing pins versions, which is said, but a zero-configuration build goes on.
engine::StageOutcome no_requirements_file(engine::StageContext& ctx,
                                          const python::DeclaredProject& declared) {
  if (!declared.declarations.empty()) {
    auto r = python::unlocked(declared.declarations, lock_command_for(declared.tool));
    for (const auto& p : r.problems) ctx.warn(p.str());
    ctx.data()["checked"] = r.checked;
  }
  return engine::StageOutcome::skipped(
      "the project has no lock file and declares its dev dependencies in no requirements file "
      "(nothing pinned to check); set project.requirements to check one");
}

// The requirements file the project names does not exist: fails, naming the unpinned
// declarations when there are some.
engine::StageOutcome missing_requirements_file(engine::StageContext& ctx,
                                               const python::DeclaredProject& declared,
                                               const std::string& req_name) {
  if (!declared.declarations.empty()) {
    auto r = python::unlocked(declared.declarations, lock_command_for(declared.tool));
    std::vector<std::string> lines;
    for (const auto& p : r.problems) lines.push_back(p.str());
    ctx.data()["checked"] = r.checked;
    return fail_with(ctx, lines, "(no lock file, and " + req_name + " does not exist)");
  }
  return engine::StageOutcome::failed(req_name +
                                      " does not exist: add it with the pinned dev "
                                      "dependencies (name==version per line)");
}

// The check's options from the stage's settings, and the installed versions to suggest: the
// build's venv when setup-python already made it, else the site folders of the configured
// interpreter (one short python start, then a native scan).
python::LockCheckOptions lock_check_options(engine::StageContext& ctx, const fs::path& ws) {
  const auto& spec = ctx.spec();
  python::LockCheckOptions opt;
  opt.require_hashes = get_bool(spec, "require_hashes").value_or(false);
  opt.allow = allow_map(spec, nullptr);
  if (auto p = policy(spec, "urls", nullptr)) opt.urls = *p;
  if (auto p = policy(spec, "editables", nullptr)) opt.editables = *p;
  std::vector<fs::path> dirs = python::venv_site_dirs(ws / ".venv");
  auto sites = python::interpreter_site_dirs(configured_python(ctx.pipeline()));
  dirs.insert(dirs.end(), sites.begin(), sites.end());
  opt.installed = python::installed_versions(dirs);
  return opt;
}

// Logs the check's warnings, allowed entries, diagnostics and violations; records them in the
// stage's data.
void record_result(engine::StageContext& ctx, const python::LockCheckResult& result) {
  for (const auto& w : result.warnings) ctx.warn("warning: " + w.str());
  for (const auto& a : result.allowed) ctx.log(python::format_allowed(a));
  for (const auto& d : result.diagnostics) ctx.log(d.str());
  for (const auto& v : result.violations) ctx.log(python::format_violation(v));
  // Most projects' requirements files float: the way on is said, not left to the docs.
  if (!result.violations.empty())
    ctx.log(
        "to go on: pin each requirement as suggested (`python -m pip freeze` lists the "
        "versions installed), or let one float with a reason in pipewright.yaml: stages: "
        "{lock-check: {allow: {" +
        result.violations.front().name +
        ": \"why it may float\"}}}; `enabled: false` under lock-check turns the check off");
  nlohmann::json vj = nlohmann::json::array();
  for (const auto& v : result.violations)
    vj.push_back({{"file", v.file},
                  {"line", v.line},
                  {"name", v.name},
                  {"spec", v.spec},
                  {"kind", std::string(python::violation_kind_name(v.kind))},
                  {"reason", v.reason},
                  {"suggestion", v.suggestion}});
  ctx.data()["checked"] = result.checked;
  ctx.data()["files"] = result.files.size();
  ctx.data()["allowed"] = result.allowed.size();
  ctx.data()["violations"] = vj;
  ctx.data()["hashes_required"] = result.hashes_required;
}

// What says an empty requirements file should pin something: a .in beside it, else the first
// dev declaration; "" when nothing does.
std::string why_something_to_pin(const fs::path& root, const python::DeclaredProject& declared) {
  fs::path in = root;
  in.replace_extension(".in");
  if (fs::exists(in)) return in.filename().string() + " exists beside it";
  for (const auto& d : declared.declarations)
    if (d.group != python::kMainGroup)
      return d.file + ":" + std::to_string(d.line) + " declares " + d.requirement.name + " in " +
             d.group;
  return {};
}

// The stage's outcome: the problems (the first named), else what was pinned.
engine::StageOutcome verdict(const python::LockCheckResult& result) {
  if (!result.ok()) {
    std::string first = !result.diagnostics.empty()
                            ? result.diagnostics.front().str()
                            : python::format_violation(result.violations.front());
    size_t n = result.violations.size() + result.diagnostics.size();
    return engine::StageOutcome::failed(std::to_string(n) + " problem" + (n == 1 ? "" : "s") +
                                        " in " + std::to_string(result.checked) + " requirements" +
                                        (n > 1 ? ", first: " : ": ") + first);
  }
  std::string s = std::to_string(result.checked) + " requirements pinned in " +
                  std::to_string(result.files.size()) + " file" +
                  (result.files.size() == 1 ? "" : "s");
  if (!result.allowed.empty())
    s += ", " + std::to_string(result.allowed.size()) + " allowed to float";
  if (result.hashes_required) s += ", all hashed";
  return engine::StageOutcome::ok(s);
}

}  // namespace

void LockCheckStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                              std::vector<Diagnostic>& diags) {
  get_string(spec, "requirements", &diags);
  get_bool(spec, "require_hashes", &diags);
  policy(spec, "urls", &diags);
  policy(spec, "editables", &diags);
  allow_map(spec, &diags);
  get_list(spec, "groups", &diags);
}

engine::StageOutcome LockCheckStage::run(engine::StageContext& ctx) {
  const auto& spec = ctx.spec();
  fs::path ws = ctx.workspace();
  auto explicit_requirements = get_string(spec, "requirements");
  std::string req_name = explicit_requirements.value_or("");
  bool detected_none = false;
  if (req_name.empty()) {
    auto files = project::detect_project(ws, ctx.pipeline()).requirements_files();
    detected_none = files.empty();
    req_name = files.empty() ? "requirements-dev.txt" : files.front();
  }
  fs::path root = ws / req_name;
  // A lock file decides unless a requirements file is named explicitly for this stage.
  auto declared = python::read_declarations(ws);
  auto choice = python::choose_lock(ws, declared.tool);
  if (choice.chosen && !explicit_requirements) return check_lock_file(ctx, ws, choice, declared);
  if (detected_none) return no_requirements_file(ctx, declared);
  if (!fs::exists(root)) return missing_requirements_file(ctx, declared, req_name);

  auto result = python::check_lock(root, lock_check_options(ctx, ws));
  python::make_paths_relative(result, ws);
  record_result(ctx, result);
  // An empty requirements file is not a lock when something says there is something to pin.
  if (result.checked == 0 && result.allowed.empty())
    if (auto p = python::empty_lock_problem(req_name, 0, why_something_to_pin(root, declared)))
      return fail_with(ctx, {p->str()}, "in " + req_name);
  return verdict(result);
}

namespace {
const BuiltinStage kLockCheckRegistered([](engine::StageRegistry& r) {
  // Cached: it reads only the files that declare dependencies.
  r.add("lock-check", make_stage<LockCheckStage>(), LockCheckStage::validate,
        {.cacheable = true, .inputs = [](const auto&, const auto&) { return dependency_files(); }});
});
}  // namespace

}  // namespace pw::stages
