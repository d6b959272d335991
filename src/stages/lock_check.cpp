#include "stages/lock_check.h"

#include <filesystem>

#include "python/lock_check.h"
#include "python/names.h"
#include "stages/dist_info.h"
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
  report(diags, at(*spec.setting(key), "stage '" + spec.id + "' " + key + " must be forbid, pinned_only or allow"));
  return std::nullopt;
}

std::map<std::string, std::string> allow_map(const pipeline::StageSpec& spec, std::vector<Diagnostic>* diags) {
  std::map<std::string, std::string> out;
  const pipeline::Setting* s = spec.setting("allow");
  if (!s || s->value.IsNull()) return out;
  if (!s->value.IsMap()) {
    report(diags, at(*s, "stage '" + spec.id + "' allow must map a package name to the reason it may float"));
    return out;
  }
  for (const auto& kv : s->value) {
    std::string name = kv.first.Scalar();
    std::string reason = kv.second.IsScalar() ? kv.second.Scalar() : "";
    if (trim(reason).empty()) report(diags, at(*s, "allow '" + name + "' needs a reason (it is shown in the log)"));
    out[name == "." ? name : python::normalize_name(name)] = reason;
  }
  return out;
}

}  // namespace

void LockCheckStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                              std::vector<Diagnostic>& diags) {
  get_string(spec, "requirements", &diags);
  get_bool(spec, "require_hashes", &diags);
  policy(spec, "urls", &diags);
  policy(spec, "editables", &diags);
  allow_map(spec, &diags);
}

engine::StageOutcome LockCheckStage::run(engine::StageContext& ctx) {
  const auto& spec = ctx.spec();
  fs::path ws = ctx.workspace();
  std::string req_name = get_string(spec, "requirements").value_or(ctx.pipeline().project.requirements);
  fs::path root = ws / req_name;
  if (!fs::exists(root))
    return engine::StageOutcome::failed(req_name + " does not exist: add it with the pinned dev "
                                        "dependencies (name==version per line)");

  python::LockCheckOptions opt;
  opt.require_hashes = get_bool(spec, "require_hashes").value_or(false);
  opt.allow = allow_map(spec, nullptr);
  if (auto p = policy(spec, "urls", nullptr)) opt.urls = *p;
  if (auto p = policy(spec, "editables", nullptr)) opt.editables = *p;

  // Versions to suggest: the build's venv when setup-python already made it, else the site
  // folders of the configured interpreter (one short python start, then a native scan).
  std::vector<fs::path> dirs = venv_site_dirs(ws / ".venv");
  auto sites = interpreter_site_dirs(configured_python(ctx.pipeline()));
  dirs.insert(dirs.end(), sites.begin(), sites.end());
  opt.installed = installed_versions(dirs);

  auto result = python::check_lock(root, opt);
  // Paths relative to the workspace read better than the build folder's absolute ones.
  auto rel = [&](const std::string& f) {
    std::error_code ec;
    auto r = fs::relative(f, ws, ec);
    return ec || r.empty() ? f : r.string();
  };
  for (auto& v : result.violations) v.file = rel(v.file);
  for (auto& a : result.allowed) a.file = rel(a.file);
  for (auto& d : result.diagnostics) d.file = rel(d.file);

  for (const auto& a : result.allowed) ctx.log(python::format_allowed(a));
  for (const auto& d : result.diagnostics) ctx.log(d.str());
  for (const auto& v : result.violations) ctx.log(python::format_violation(v));

  nlohmann::json vj = nlohmann::json::array();
  for (const auto& v : result.violations)
    vj.push_back({{"file", v.file}, {"line", v.line}, {"name", v.name}, {"spec", v.spec},
                  {"kind", std::string(python::violation_kind_name(v.kind))}, {"reason", v.reason},
                  {"suggestion", v.suggestion}});
  ctx.data()["checked"] = result.checked;
  ctx.data()["files"] = result.files.size();
  ctx.data()["allowed"] = result.allowed.size();
  ctx.data()["violations"] = vj;
  ctx.data()["hashes_required"] = result.hashes_required;

  if (!result.ok()) {
    std::string first = !result.diagnostics.empty() ? result.diagnostics.front().str()
                                                     : python::format_violation(result.violations.front());
    size_t n = result.violations.size() + result.diagnostics.size();
    return engine::StageOutcome::failed(
        std::to_string(n) + " problem" + (n == 1 ? "" : "s") + " in " + std::to_string(result.checked) +
        " requirements" + (n > 1 ? ", first: " : ": ") + first);
  }
  std::string s = std::to_string(result.checked) + " requirements pinned in " +
                  std::to_string(result.files.size()) + " file" + (result.files.size() == 1 ? "" : "s");
  if (!result.allowed.empty()) s += ", " + std::to_string(result.allowed.size()) + " allowed to float";
  if (result.hashes_required) s += ", all hashed";
  return engine::StageOutcome::ok(s);
}

}  // namespace pw::stages
