#include "stages/dependency_scan.h"

#include <sys/stat.h>

#include <cstdio>
#include <optional>
#include <set>

#include "exec/capture.h"
#include "project/pipeline_overrides.h"
#include "python/declarations.h"
#include "python/dist_info.h"
#include "python/lock_files.h"
#include "python/lock_sync.h"
#include "security/dependency_check.h"
#include "security/dependency_report.h"
#include "security/scan_output.h"
#include "security/store.h"
#include "stages/cache_policies.h"
#include "stages/registry.h"
#include "stages/settings.h"
#include "stages/setup_python.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;
using security::Rating;

namespace {

// Dependency-Check's CLI as its distributions install it: the zip's bin/dependency-check.sh,
// or a package manager's dependency-check wrapper.
std::string find_dependency_check() {
  for (const char* name : {"dependency-check.sh", "dependency-check"})
    if (std::string p = find_on_path(name); !p.empty()) return p;
  return {};
}

// Runs OWASP Dependency-Check offline on the workspace and merges its JSON report into
// `result`. Returns the phrase for the stage's summary; every way it can go wrong (not
// installed, non-zero exit, an unreadable report) is a warning and the native findings stand.
std::string run_dependency_check(engine::StageContext& ctx, security::ScanResult& result,
                                 const fs::path& ws, const std::string& project) {
  std::string tool = find_dependency_check();
  if (tool.empty()) {
    ctx.warn(
        "dependency_check is enabled but OWASP Dependency-Check's CLI (dependency-check.sh "
        "or dependency-check) is not on PATH: scanning with pipewright's database only");
    return "Dependency-Check not installed, native scan only";
  }
  fs::path out = ctx.paths().artifacts / "dependency-check";
  fs::create_directories(out);
  fs::path report = out / "dependency-check-report.json";
  fs::remove(report);
  // Offline: no NVD update and none of the analyzers that ask a web service, so the scan answers
  // from the local data Dependency-Check already holds. Python analyzers are experimental.
  std::vector<std::string> argv = {tool,
                                   "--scan",
                                   ws.string(),
                                   "--exclude",
                                   "**/.git/**",
                                   "--project",
                                   project,
                                   "--format",
                                   "JSON",
                                   "--out",
                                   out.string(),
                                   "--noupdate",
                                   "--disableOssIndex",
                                   "--disableCentral",
                                   "--disableRetireJS",
                                   "--disableNodeAudit",
                                   "--disableYarnAudit",
                                   "--enableExperimental"};
  exec::ProcessResult r = ctx.run(argv);
  if (!r.ok()) {
    std::string why = r.spawn_error.empty() ? r.describe() : r.spawn_error;
    ctx.warn("dependency-check failed (" + why + "): its findings are left out, see the log");
    return "Dependency-Check failed (" + why + "), native findings only";
  }
  try {
    security::DcReport dc =
        security::parse_dependency_check_json(read_file(report), report.string());
    auto counts = security::merge_dependency_check(result, dc);
    ctx.data()["dependency_check"] = {{"confirmed", counts.confirmed},
                                      {"added", counts.added},
                                      {"engine_version", dc.engine_version},
                                      {"report", report.string()}};
    return "Dependency-Check: " + std::to_string(counts.confirmed) + " confirmed, " +
           std::to_string(counts.added) + " more";
  } catch (const Error& e) {
    ctx.warn(std::string("dependency-check's report is unusable: ") + e.what());
    return "Dependency-Check's report unusable, native findings only";
  }
}

// Why the stage cannot scan when the advisory database does not exist yet.
std::optional<std::string> database_missing(const fs::path& db_path) {
  if (fs::exists(db_path)) return std::nullopt;
  return "no advisory database yet: create one with `pipewright db import PATH|URL` (OSV records: "
         "a "
         "folder, an osv.dev zip such as PyPI's all.zip, or its URL)";
}

// Why the stage cannot scan with an empty database; warns when it is older than max_age.
std::optional<std::string> database_unusable(engine::StageContext& ctx, const fs::path& db_path,
                                             const security::StoreStatus& status) {
  if (status.records == 0)
    return "the advisory database " + db_path.string() +
           " is empty: run `pipewright db import PATH|URL`";
  auto max_age = parse_duration(get_string(ctx.spec(), "max_age").value_or("168h"));
  if (status.age && max_age && std::chrono::duration_cast<Millis>(*status.age) > *max_age)
    ctx.warn("the advisory database was last imported " + status.last_import +
             ", longer ago than max_age: run `pipewright db update`");
  return std::nullopt;
}

// What the project pins or locks, and what its environment really holds for it (transitive
// dependencies too). `closure` collects the names the project depends on: a package of the
// system's site-packages is the project's only when it is in it.
struct Inventory {
  std::vector<security::ScannedPackage> packages;
  std::set<std::string> closure;
  std::string req_name;  // the requirements file read when no lock is
};

// Adds the chosen lock's packages for this interpreter; returns the lock's file name, empty when
// no lock was read.
std::string add_locked_packages(engine::StageContext& ctx, const fs::path& ws,
                                const python::DeclaredProject& declared, Inventory& inv) {
  auto choice = python::choose_lock(ws, declared.tool);
  if (!choice.chosen) return {};
  auto read = python::read_lock_file(*choice.chosen);
  for (const auto& d : read.diagnostics) ctx.log("error: " + d.str());
  if (!read.lock) return {};
  std::string lock_name = choice.chosen->filename().string();
  python::SyncOptions so;  // every group the lock holds, for this interpreter
  for (const auto& p : read.lock->packages)
    for (const auto& g : p.groups) so.groups.insert(g);
  auto env = python::interpreter_marker_environment(configured_python(ctx.pipeline()));
  if (!env.empty()) so.environment = env;
  for (const auto* p : python::packages_to_install(*read.lock, so)) {
    if (p->version.empty()) continue;
    security::ScannedPackage sp;
    sp.name = p->name;
    sp.normalized = p->normalized;
    sp.version = p->version;
    sp.purl = security::pypi_purl(p->normalized, p->version);
    sp.found_in = {(ws / lock_name).string() + ":" + std::to_string(p->line)};
    sp.pinned_file = (ws / lock_name).string();
    sp.pinned_line = p->line;
    inv.closure.insert(p->normalized);
    inv.packages.push_back(std::move(sp));
  }
  ctx.data()["lock"] = lock_name;
  return lock_name;
}

// Adds the declared names, then the lock's packages or else the requirements file's pins;
// returns the lock's file name, empty when none was read.
std::string gather_pins(engine::StageContext& ctx, const fs::path& ws, Inventory& inv) {
  auto explicit_requirements = get_string(ctx.spec(), "requirements");
  inv.req_name = explicit_requirements.value_or("");
  if (inv.req_name.empty())
    if (auto files = project::detect_project(ws, ctx.pipeline()).requirements_files();
        !files.empty())
      inv.req_name = files.front();
  auto declared = python::read_declarations(ws);
  for (const auto& d : declared.declarations) inv.closure.insert(d.requirement.normalized_name());
  std::string lock_name;
  if (!explicit_requirements) lock_name = add_locked_packages(ctx, ws, declared, inv);
  if (lock_name.empty() && fs::exists(ws / inv.req_name)) {
    auto reqs = security::packages_from_requirements(ws / inv.req_name);
    for (const auto& w : reqs.warnings) ctx.log("note: " + w.str());
    for (const auto& e : reqs.errors) ctx.log("error: " + e.str());
    for (const auto& p : reqs.value) inv.closure.insert(p.normalized);
    inv.packages.insert(inv.packages.end(), reqs.value.begin(), reqs.value.end());
  }
  return lock_name;
}

// Adds the system's site-packages (a venv with system site packages) that the project's closure
// reaches through Requires-Dist: the rest are the machine's packages, not the project's.
void add_system_packages(engine::StageContext& ctx, const std::vector<fs::path>& dirs,
                         const std::vector<fs::path>& system, Inventory& inv) {
  std::vector<fs::path> all = dirs;
  all.insert(all.end(), system.begin(), system.end());
  python::close_over_requirements(inv.closure, python::installed_requirements(all));
  auto sys = security::packages_from_site_dirs(system);
  size_t left_out = 0;
  for (const auto& p : sys.value) {
    if (inv.closure.count(p.normalized))
      inv.packages.push_back(p);
    else
      ++left_out;
  }
  ctx.data()["system_packages_left_out"] = left_out;
  if (left_out)
    ctx.log(std::to_string(left_out) +
            " packages of the system's site-packages are not the "
            "project's dependencies: left out of the scan and the SBOM");
}

// Adds what the build's venv (and its cached layer) holds, and the system packages it reaches.
void add_environment(engine::StageContext& ctx, const fs::path& venv, Inventory& inv) {
  std::vector<fs::path> dirs = python::venv_site_dirs(venv);
  // The build's venv layers the cached environment under it (setup_python.h).
  auto sp = ctx.stage_data("setup-python");
  if (sp.contains("cache_dir")) {
    auto more = python::venv_site_dirs(sp["cache_dir"].get<std::string>());
    dirs.insert(dirs.end(), more.begin(), more.end());
  }
  // Everything in the build's venv and its cached layer was installed for the project.
  auto installed = security::packages_from_site_dirs(dirs);
  for (const auto& w : installed.warnings) ctx.log("note: " + w.str());
  for (const auto& p : installed.value) inv.closure.insert(p.normalized);
  inv.packages.insert(inv.packages.end(), installed.value.begin(), installed.value.end());
  std::vector<fs::path> system;
  auto found = security::site_dirs_of_venv(
      venv, python::interpreter_site_dirs(configured_python(ctx.pipeline())));
  for (const auto& d : found.value)
    if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) system.push_back(d);
  if (!system.empty()) add_system_packages(ctx, dirs, system, inv);
  ctx.data()["site_dirs"] = dirs.size() + system.size();
}

// Drops the findings the project's ignore file lists; the failed outcome when it is malformed.
std::optional<engine::StageOutcome> apply_ignore_file(engine::StageContext& ctx, const fs::path& ws,
                                                      security::ScanResult& result) {
  fs::path ignore =
      ws /
      get_string(ctx.spec(), "ignore_file").value_or(std::string(security::kDefaultIgnoreFile));
  if (!fs::exists(ignore)) return std::nullopt;
  auto list = security::load_ignore_file(ignore);
  if (!list.ok())
    return engine::StageOutcome::failed("the ignore file is malformed: " +
                                        list.diagnostics.front().str());
  security::apply_ignores(result, list, security::utc_today());
  return std::nullopt;
}

// Writes the reports, logs the findings table and records the counts in the stage's data.
void record_findings(engine::StageContext& ctx, const security::ScanResult& result,
                     const fs::path& ws, size_t database_records) {
  auto files = security::write_scan_reports(result, ctx.paths().reports, ws.string());
  ctx.log(security::findings_table(result));
  auto c = security::count_findings(result);
  ctx.data()["packages"] = result.packages.size();
  ctx.data()["findings"] = {
      {"critical", c.critical},        {"high", c.high},       {"medium", c.medium}, {"low", c.low},
      {"unrated", c.unknown + c.none}, {"ignored", c.ignored}, {"total", c.total()}};
  ctx.data()["reports"] = files;
  ctx.data()["database_records"] = database_records;
}

// The stage's outcome: its findings summary, failing the build when fail_on says so.
engine::StageOutcome verdict(engine::StageContext& ctx, const security::ScanResult& result,
                             const std::string& dc_note) {
  std::string summary = security::findings_summary(result);
  if (!dc_note.empty()) summary += " (" + dc_note + ")";
  auto v = security::fail_on_verdict(std::move(summary),
                                     get_string(ctx.spec(), "fail_on").value_or("none"),
                                     [&](Rating r) { return security::fails(result, r); });
  engine::StageOutcome o =
      v.fails_build ? engine::StageOutcome::failed(v.summary) : engine::StageOutcome::ok(v.summary);
  o.fails_build = v.fails_build;
  return o;
}

}  // namespace

void DependencyScanStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                                   std::vector<Diagnostic>& diags) {
  get_string(spec, "requirements", &diags);
  get_string(spec, "ignore_file", &diags);
  if (auto f = get_string(spec, "fail_on", &diags); f && !security::parse_fail_on(*f))
    diags.push_back(
        at(*spec.setting("fail_on"), "fail_on must be none, low, medium, high or critical"));
  if (auto a = get_string(spec, "max_age", &diags); a && !parse_duration(*a))
    diags.push_back(at(*spec.setting("max_age"), "max_age must be a duration such as 168h"));
  get_bool(spec, "scan_environment", &diags);
  get_bool(spec, "dependency_check", &diags);
}

engine::StageOutcome DependencyScanStage::run(engine::StageContext& ctx) {
  const auto& spec = ctx.spec();
  fs::path ws = ctx.workspace();

  fs::path db_path = security::Store::default_path();
  if (auto why = database_missing(db_path)) return engine::StageOutcome::skipped(*why);
  security::Store store(db_path);
  auto status = store.status();
  if (auto why = database_unusable(ctx, db_path, status))
    return engine::StageOutcome::skipped(*why);

  Inventory inv;
  std::string lock_name = gather_pins(ctx, ws, inv);
  fs::path venv = ws / ".venv";
  if (get_bool(spec, "scan_environment").value_or(true) && fs::exists(venv / "pyvenv.cfg"))
    add_environment(ctx, venv, inv);
  else
    ctx.log("no environment at " + venv.string() + ": scanning the pinned requirements only");
  auto packages = security::merge_packages(std::move(inv.packages));
  if (ctx.should_stop())
    return engine::StageOutcome::failed("stopped (timeout or abort) before matching");
  if (packages.empty())
    return engine::StageOutcome::skipped("found no package to scan (no " + inv.req_name +
                                         " and no environment)");

  const auto& project = ctx.pipeline().project;
  std::string name = project.name.empty() ? ctx.project_dir().filename().string() : project.name;
  auto result = security::scan(store, packages, name);
  std::string dc_note;
  if (ctx.should_stop())
    return engine::StageOutcome::failed("stopped (timeout or abort) after matching");
  if (get_bool(spec, "dependency_check").value_or(false))
    dc_note = run_dependency_check(ctx, result, ws, name);
  if (auto bad = apply_ignore_file(ctx, ws, result)) return *bad;
  for (const auto& w : result.warnings) ctx.warn(w.str());

  record_findings(ctx, result, ws, status.records);
  return verdict(ctx, result, dc_note);
}

namespace {

// The advisory database's version, which the scan's key covers: any import rewrites the file.
std::string advisory_database_version(const engine::KeyInputs&) {
  auto path = security::Store::default_path();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "no database at " + path.string();
  return path.string() + " " + std::to_string(st.st_size) + " " + std::to_string(st.st_ino) + " " +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

const BuiltinStage kDependencyScanRegistered([](engine::StageRegistry& r) {
  r.add("dependency-scan", make_stage<DependencyScanStage>(), DependencyScanStage::validate,
        {.cacheable = true,
         .inputs =
             [](const pipeline::StageSpec& spec, const pipeline::Pipeline&) {
               auto globs = dependency_files();
               globs.push_back(get_string(spec, "ignore_file")
                                   .value_or(std::string(security::kDefaultIgnoreFile)));
               return globs;
             },
         // Every report the scan writes: a restored build has the same files as a fresh one.
         .outputs =
             [] {
               std::vector<std::string> out;
               for (const auto& f : security::scan_report_files()) out.push_back("reports/" + f);
               out.push_back("artifacts/dependency-check/**");
               return out;
             }(),
         .extra = advisory_database_version});
});
}  // namespace

}  // namespace pw::stages
