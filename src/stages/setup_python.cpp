#include "stages/setup_python.h"

#include <algorithm>
#include <chrono>

#include "exec/process.h"
#include "project/install.h"
#include "project/pipeline_overrides.h"
#include "python/declarations.h"
#include "python/dist_info.h"
#include "python/editable.h"
#include "python/editable_reuse.h"
#include "python/lock_files.h"
#include "python/lock_sync.h"
#include "python/names.h"
#include "python/pip_command.h"
#include "python/pip_output.h"
#include "python/requirement.h"
#include "python/system_packages.h"
#include "python/venv_cache.h"
#include "stages/cache_policies.h"
#include "stages/registry.h"
#include "stages/run_command.h"
#include "stages/settings.h"
#include "util/duration.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct PipOptions {
  std::vector<std::string> args;  // index and link options, passed to every pip install
  bool upgrade_tools = true;
  bool system_site_packages = false;
  bool build_isolation = true;
  bool editable = true;
  bool cache = true;
  // dev_dependencies: system — the interpreter's packages stand in for the dev dependencies.
  bool system_dev_dependencies = false;
};

PipOptions read_options(const pipeline::StageSpec& spec, std::vector<Diagnostic>* diags) {
  PipOptions o;
  const std::vector<std::string> none;
  o.args = python::pip_index_options({get_string(spec, "index_url", diags),
                                      get_list(spec, "extra_index_urls", diags).value_or(none),
                                      get_bool(spec, "no_index", diags).value_or(false),
                                      get_list(spec, "find_links", diags).value_or(none),
                                      get_list(spec, "trusted_hosts", diags).value_or(none)});
  o.upgrade_tools = get_bool(spec, "upgrade_tools", diags).value_or(true);
  o.system_site_packages = get_bool(spec, "system_site_packages", diags).value_or(false);
  o.build_isolation = get_bool(spec, "build_isolation", diags).value_or(true);
  o.editable = get_bool(spec, "editable", diags).value_or(true);
  get_bool(spec, "native_install", diags);  // checked here; read where the project is installed
  o.cache = get_bool(spec, "cache", diags).value_or(true);
  if (get_string(spec, "dev_dependencies", diags).value_or("install") == "system") {
    o.system_dev_dependencies = true;
    o.system_site_packages = true;  // the stand-ins are the interpreter's site-packages
  }
  get_string(spec, "python", diags);
  get_string(spec, "requirements", diags);
  get_list(spec, "groups", diags);
  return o;
}

// One run of the stage: its settings, the interpreter, what is installed and the cache key, and
// the steps below, each returning "" or the failure's summary.
struct Setup {
  engine::StageContext& ctx;
  PipOptions opt;
  fs::path ws;
  std::string py, py_path;
  python::InterpreterFacts interp;
  std::string lock_text;  // the requirements written from the lock; "" when there is no lock
  std::string install_label = "the dev dependencies";
  project::Project model;
  project::InstallPlan plan;
  fs::path gen_req, gen_con;
  std::string key;
  std::vector<python::StandIn> stand_ins;  // with dev_dependencies: system
  std::string lock_path;                   // the lock installed from, "" when none
  std::vector<python::LockedPackage> locked;

  // Offline, pip's "No matching distribution found for attrs==21.4.0" names neither the line
  // that asks for the package nor a way on: where the lock or the dev dependencies declare it,
  // and the settings that let the build go on without the index.
  std::string offline_not_found(const std::string& req) const {
    auto parsed = python::parse_requirement(req);
    std::string name = parsed ? parsed->normalized_name() : python::normalize_name(req);
    std::string where;
    for (const auto& p : locked)
      if (p.normalized == name && where.empty())
        where = lock_path + ":" + std::to_string(p.line) + " locks " + p.name + " " + p.version;
    for (const auto& d : model.dev_dependencies)
      for (const auto& r : d.requirements) {
        auto dr = python::parse_requirement(r.text);
        if (where.empty() && dr && dr->normalized_name() == name)
          where = r.file + ":" + std::to_string(r.line) + " asks for " + r.text +
                  (r.file == d.file ? std::string() : ", through " + d.file);
      }
    std::string msg =
        " (" + (where.empty() ? std::string() : where + "; ") +
        "no_index: pip finds no package beyond the installed ones and the find_links folders";
    return msg + ": add a wheel of " + req +
           " to one, or let the interpreter's packages stand in for the dev dependencies "
           "with setup-python dev_dependencies: system)";
  }

  exec::ProcessResult pip_install(const fs::path& python, const std::vector<std::string>& what) {
    return ctx.run(python::pip_install_argv(python, opt.args, what));
  }
  // A failed pip says why a few lines above its last words: that line goes into the summary,
  // with the settings that fix an install on a machine without the package index.
  std::string pip_failed(const exec::ProcessResult& r, const std::string& what) {
    return pip_failed(r, what, python::explain_pip_failure(ctx.output_tail()));
  }
  std::string pip_failed(const exec::ProcessResult& r, const std::string& what,
                         const python::PipFailure& failure) {
    bool offline = std::find(opt.args.begin(), opt.args.end(), "--no-index") != opt.args.end();
    std::string msg = python::pip_failure_summary(failure, what, offline, opt.upgrade_tools);
    if (failure.backend_unavailable && !model.build_backend.empty())
      msg = what + " failed: the build backend " + model.build_backend + " (" +
            model.backend_from.str() + ") cannot be imported: " + failure.cause +
            (opt.build_isolation ? std::string()
                                 : " (with build_isolation: false pip builds with the backend "
                                   "installed for the environment's Python: install the package "
                                   "its build-system.requires names)");
    if (msg.empty() || r.timed_out || !r.spawn_error.empty())
      return describe_failure(r, ctx.output_tail(), what);
    if (offline && !failure.not_found.empty()) msg += offline_not_found(failure.not_found);
    return msg;
  }
  // The project's install failed: with build isolation off pip builds with the environment's
  // packages, and a [build-system] requirement it lacks (a hatch plugin, setuptools-scm, the
  // backend itself) is the cause, whatever the backend printed ("Unknown metadata hook").
  std::string project_install_failed(const exec::ProcessResult& r, const fs::path& build_venv) {
    auto failure = python::explain_pip_failure(ctx.output_tail());
    if (opt.build_isolation || model.build_requires.empty())
      return pip_failed(r, "pip install -e .", failure);
    auto sites = python::visible_site_dirs(
        build_venv, opt.cache ? python::VenvCache::user_default().entry_dir(key) : fs::path(),
        opt.system_site_packages ? interp.system_sites : std::vector<fs::path>{});
    auto installed = python::installed_versions(sites);
    std::vector<std::string> unmet;
    for (const auto& req : model.build_requires)
      if (python::unmet_requirement(req.what, installed))
        unmet.push_back(req.what + " (" + req.file + ":" + std::to_string(req.line) + ")");
    if (unmet.empty()) return pip_failed(r, "pip install -e .", failure);
    const std::string& cause = failure.cause;
    return "pip install -e . failed: the build needs " + join(unmet, ", ") +
           " ([build-system] requires), which the environment lacks: with build_isolation: "
           "false pip builds with the environment's packages, so install them for " +
           py + " (or let pip fetch them: build_isolation: true, with an index)" +
           (cause.empty() ? std::string() : "; pip said: " + cause);
  }
  exec::ProcessResult make_venv(const fs::path& dir, bool with_pip) {
    return ctx.run(python::venv_argv(py_path, dir, opt.system_site_packages, with_pip));
  }
  std::string venv_failed(const exec::ProcessResult& v) {
    return describe_failure(v, ctx.output_tail(), "python -m venv");
  }
  // Fill a fresh venv with the tools and the dev requirements.
  std::string populate(const fs::path& venv) {
    fs::path vpy = venv / "bin" / "python";
    if (opt.upgrade_tools) {
      auto u = pip_install(vpy, {"--upgrade", "pip", "setuptools", "wheel"});
      if (!u.ok()) return pip_failed(u, "pip install --upgrade pip setuptools wheel");
    }
    if (opt.system_dev_dependencies) {
      // Nothing to install: the system's packages were checked in plan_dev_dependencies.
    } else if (!lock_text.empty()) {
      // The lock is the whole closure: --no-deps keeps pip from adding anything it does not pin.
      fs::path file = venv / "pipewright-locked-requirements.txt";
      write_file_atomic(file, lock_text);
      auto i = pip_install(vpy, {"--no-deps", "-r", file.string()});
      if (!i.ok()) return pip_failed(i, "pip install " + install_label);
    } else if (plan.requirement_count > 0) {
      std::vector<std::string> what = {"-r", gen_req.string()};
      if (!plan.constraints.empty()) what.insert(what.end(), {"-c", gen_con.string()});
      auto i = pip_install(vpy, what);
      if (!i.ok()) return pip_failed(i, "pip install of the dev dependencies");
    }
    return {};
  }
};

std::string probe_interpreter(Setup& s) {
  s.py_path = find_on_path(s.py);
  if (s.py_path.empty())
    return "python interpreter '" + s.py +
           "' not found: install it (Debian: apt-get install python3) "
           "or set project.python in pipewright.yaml";
  std::string probe;
  auto r = s.ctx.capture({s.py_path, "-c", python::interpreter_probe_program()}, probe);
  if (!r.ok()) return describe_failure(r, s.ctx.output_tail(), s.py);
  s.interp = python::parse_interpreter_probe(probe, s.py_path);
  const std::string& version = s.interp.version;
  if (!s.interp.has_venv)
    return s.py +
           " has no working venv module (ensurepip is missing): install it with "
           "apt-get install python3-venv (or python" +
           version.substr(0, version.rfind('.')) + "-venv)";
  s.ctx.data()["python"] = s.interp.real;
  s.ctx.data()["python_version"] = version;
  return {};
}

// A lock file, when the project has one and no requirements file is named for this stage: the
// environment gets exactly its versions (with hashes when it has them), for the groups in use.
std::string plan_lock(Setup& s) {
  auto& ctx = s.ctx;
  if (get_string(ctx.spec(), "requirements")) return {};
  auto declared = python::read_declarations(s.ws);
  auto choice = python::choose_lock(s.ws, declared.tool);
  if (!choice.chosen) return {};
  if (s.opt.system_dev_dependencies) {
    ctx.log("note: " + choice.chosen->filename().string() +
            "'s pins are not installed (dev_dependencies: system): the interpreter's packages "
            "stand in for the dev dependencies");
    return {};
  }
  if (!choice.reason.empty()) ctx.log(choice.reason);
  auto read = python::read_lock_file(*choice.chosen);
  if (!read.ok()) {
    std::vector<std::string> lines;
    for (const auto& d : read.diagnostics) lines.push_back(d.str());
    for (const auto& l : lines) ctx.log(l);
    return "cannot install from " + choice.chosen->filename().string() + ": " + lines.front();
  }
  python::SyncOptions so;
  so.groups = project::lock_groups(get_list(ctx.spec(), "groups"), s.model, declared, *read.lock);
  auto env = python::interpreter_marker_environment(s.py_path);
  if (!env.empty()) so.environment = env;
  python::LockFile lock = *read.lock;
  lock.path = choice.chosen->filename().string();
  auto packages = python::packages_to_install(lock, so);
  s.lock_text = python::locked_requirements(lock, packages);
  s.lock_path = lock.path;
  for (const auto* p : packages) s.locked.push_back(*p);
  s.install_label = "from " + lock.path;
  ctx.data()["lock"] = lock.path;
  ctx.data()["locked_packages"] = packages.size();
  std::vector<std::string> groups(so.groups.begin(), so.groups.end());
  ctx.data()["groups"] = groups;
  ctx.log("installing " + std::to_string(packages.size()) + " locked packages from " + lock.path +
          " (groups: main" + (groups.empty() ? "" : ", " + join(groups, ", ")) + ")");
  return {};
}

// The dev dependencies from wherever the project declares them (src/project): one generated
// requirements file for the cached environment, local and editable requirements for this
// build only. The key covers every file read, by content.
void plan_dev_dependencies(Setup& s) {
  auto& ctx = s.ctx;
  for (const auto& d : s.model.problems) ctx.log("note: " + d.str());
  s.plan = project::plan_install(s.model);
  for (const auto& d : s.plan.problems) ctx.log("note: " + d.str());
  for (const auto& d : s.model.dev_dependencies) ctx.log("dev dependencies: " + d.str());
  if (s.model.dev_dependencies.empty())
    ctx.log("note: no development dependencies declared; the environment gets only the project");
  fs::path gen_dir = ctx.paths().root / "setup-python";
  fs::create_directories(gen_dir);
  s.gen_req = gen_dir / "dev-requirements.txt";
  s.gen_con = gen_dir / "constraints.txt";
  write_file_atomic(s.gen_req, s.plan.requirements);
  if (!s.plan.constraints.empty()) write_file_atomic(s.gen_con, s.plan.constraints);
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& d : s.model.dev_dependencies)
    sources.push_back({{"kind", d.kind}, {"file", d.file}, {"name", d.name}, {"line", d.line}});
  ctx.data()["dev_dependencies"] = sources;
  ctx.data()["files_read"] = s.plan.files;
  const auto& o = s.opt;
  // With system stand-ins the entry holds no dev dependencies: it must never be taken for (or
  // give way to) an entry that pip filled from the same declarations.
  if (o.system_dev_dependencies) {
    s.stand_ins = python::check_stand_ins(s.plan.requirements,
                                          python::installed_versions(s.interp.system_sites),
                                          python::interpreter_marker_environment(s.py_path));
    for (const auto& st : s.stand_ins) ctx.log(python::describe_stand_in(st));
    ctx.data()["dev_dependencies_from"] = "system";
    ctx.data()["stand_ins"] = s.stand_ins.size();
    ctx.data()["stand_ins_unmet"] = std::count_if(s.stand_ins.begin(), s.stand_ins.end(),
                                                  [](auto& st) { return !st.satisfied; });
  }
  s.key = python::venv_cache_key(
      {s.interp.real, s.interp.version, o.args, o.upgrade_tools, o.system_site_packages,
       s.lock_text,
       s.plan.key_material + (o.system_dev_dependencies ? "\ndev_dependencies: system" : "")});
  ctx.data()["cache_key"] = s.key;
}

// The dependencies: a cached entry (built under its lock when missing) with the build's own venv
// layered over it, or with the cache off a venv of the build's own.
std::string build_environment(Setup& s, fs::path build_venv, std::string& cache_note) {
  auto& ctx = s.ctx;
  if (!s.opt.cache) {
    auto v = s.make_venv(build_venv, true);
    if (!v.ok()) return s.venv_failed(v);
    std::string err = s.populate(build_venv);
    if (!err.empty()) return err;
    ctx.data()["cache"] = "off";
    cache_note = "environment built (cache off)";
    return {};
  }
  bool hit = false;
  python::VenvCache cache = python::VenvCache::user_default();
  fs::path entry = cache.entry_dir(s.key);
  std::string err = cache.ensure(
      s.key, "python " + s.interp.version + " (" + s.interp.real + ")",
      [&](const fs::path& dir) {
        auto v = s.make_venv(dir, true);
        return v.ok() ? s.populate(dir) : s.venv_failed(v);
      },
      [&](const std::string& line) { ctx.log(line); }, hit);
  if (!err.empty()) return err;
  ctx.data()["cache"] = hit ? "hit" : "miss";
  ctx.data()["cache_dir"] = entry.string();
  auto entry_sites = python::venv_site_dirs(entry);
  std::string entry_sp = entry_sites.empty() ? std::string() : entry_sites.front().string();
  ctx.data()["dependencies"] = python::installed_versions(entry_sites).size();
  // The build's own venv, layered over the entry.
  auto v = s.make_venv(build_venv, false);
  if (!v.ok()) return s.venv_failed(v);
  auto build_sites = python::venv_site_dirs(build_venv);
  std::string sp = build_sites.empty() ? std::string() : build_sites.front().string();
  if (sp.empty()) return "the new venv has no site-packages folder";
  write_file_atomic(fs::path(sp) / "_pipewright_cached_env.pth",
                    python::layered_site_pth(entry_sp));
  cache_note = hit ? "cached environment reused" : "environment built and cached";
  return {};
}

// The project itself, for this build only. First without its dependencies (the environment
// normally has them, and pip's resolver is most of an install's time); then, only if one of
// its declared dependencies is missing or at a version it excludes, again with them.
std::string install_project(Setup& s, const fs::path& build_venv) {
  auto& ctx = s.ctx;
  const auto& ws = s.ws;
  if (s.model.application()) {
    // Nothing to install: the folder goes on sys.path, as an editable install would put it, so
    // `import app` works from the tests and the tools wherever they run.
    auto sites = python::venv_site_dirs(build_venv);
    if (sites.empty()) return "the new venv has no site-packages folder";
    write_file_atomic(sites.front() / "_pipewright_application.pth", ws.string() + "\n");
    ctx.log("an application without packaging metadata: not installed; " + ws.string() +
            " is on sys.path");
    ctx.data()["project_install"] = "application";
    return {};
  }
  auto args = project::project_pip_args(s.plan, ws, s.opt.build_isolation, s.opt.editable);
  const auto &what = args.with_deps, &no_deps = args.no_deps;
  const std::string& extras = args.extras;
  // A project with static metadata is installed natively (what pip's editable install leaves,
  // written directly: milliseconds instead of a build backend's seconds); pip does the rest.
  // Where the sources are is the project model's answer (the one every stage uses), so the
  // .pth puts on sys.path the folder its packages are imported from.
  bool native = false;
  if (s.opt.editable && get_bool(ctx.spec(), "native_install").value_or(true)) {
    std::string why_not;
    if (auto proj = project::install_static_editable(s.model, ws, build_venv, why_not)) {
      native = true;
      ctx.log("installed " + proj->name + " " + proj->version +
              " natively as pip's editable install "
              "would (sources on sys.path: " +
              proj->source_root.string() + ")");
    } else if (!why_not.empty()) {
      ctx.log("note: pip installs the project: " + why_not);
    }
  }
  // Otherwise what pip wrote for the same metadata files in an earlier build is put back (with
  // this build's paths), and pip runs only when they changed.
  bool reused = false;
  exec::ProcessResult p;
  if (!native) {
    auto build_sites = python::venv_site_dirs(build_venv);
    std::string why_not;
    std::optional<std::string> install_key;
    if (s.opt.editable && !build_sites.empty())
      // pip's flags without the workspace (the last argument): every build has its own.
      install_key = python::editable_install_key(
          ws, s.key + "\n" + join({no_deps.begin(), no_deps.end() - 1}, " ") + "\n" + extras,
          why_not);
    auto r = python::reuse_or_install_editable(
        python::default_editable_store(), install_key,
        build_sites.empty() ? fs::path() : build_sites.front(), build_venv / "bin", ws, why_not,
        [&] { return s.pip_install(venv_python(ws), no_deps); },
        [&](const std::string& line) { ctx.log(line); });
    reused = r.reused;
    if (!reused && !r.pip.ok()) return s.project_install_failed(r.pip, build_venv);
  }
  ctx.data()["project_install"] = native ? "native" : reused ? "reused" : "pip";
  auto sites = python::visible_site_dirs(
      build_venv, s.opt.cache ? python::VenvCache::user_default().entry_dir(s.key) : fs::path(),
      s.opt.system_site_packages ? s.interp.system_sites : std::vector<fs::path>{});
  auto missing = python::unmet_dependencies(python::venv_site_dirs(build_venv),
                                            python::installed_versions(sites));
  ctx.data()["project_dependencies_missing"] = missing;
  if (!missing.empty()) {
    ctx.log("the project needs " + join(missing, ", ") +
            ", which the environment lacks: installing them");
    if (native) {
      // Installed natively, the project needs only its missing requirements (its dev extras
      // came with the dev dependencies): asking pip for `-e .` again would run the build
      // backend the native install did without (flask's flit_core, too old here for its
      // metadata, failed where its dependencies were the need).
      std::vector<std::string> reqs;
      if (!s.opt.build_isolation) reqs.push_back("--no-build-isolation");
      reqs.insert(reqs.end(), missing.begin(), missing.end());
      p = s.pip_install(venv_python(ws), reqs);
      if (!p.ok()) return s.pip_failed(p, "pip install of the project's dependencies");
    } else {
      p = s.pip_install(venv_python(ws), what);
      if (!p.ok()) return s.project_install_failed(p, build_venv);
    }
  }
  // Local requirements (`-e ./plugin`, `./vendor/x`) point into this workspace: built here, with
  // build_isolation applying to them as to the project.
  for (const auto& l : s.plan.local) {
    auto li = s.pip_install(venv_python(ws), project::local_pip_args(l, s.opt.build_isolation));
    if (!li.ok()) return s.pip_failed(li, "pip install " + l.path + " (" + l.origin + ")");
  }
  return {};
}

}  // namespace

std::filesystem::path venv_python(const fs::path& workspace) {
  return workspace / ".venv" / "bin" / "python";
}

std::string configured_python(const pipeline::Pipeline& p) {
  if (const auto* s = p.find("setup-python"))
    if (auto v = get_string(*s, "python")) return *v;
  return p.project.python;
}

void SetupPythonStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                                std::vector<Diagnostic>& diags) {
  read_options(spec, &diags);
}

engine::StageOutcome SetupPythonStage::run(engine::StageContext& ctx) {
  Setup s{ctx, read_options(ctx.spec(), nullptr), ctx.workspace(),
          configured_python(ctx.pipeline())};
  std::string err = probe_interpreter(s);
  if (!err.empty()) return engine::StageOutcome::failed(err);
  s.model = project::detect_project(s.ws, ctx.pipeline());
  err = plan_lock(s);
  if (!err.empty()) return engine::StageOutcome::failed(err);
  plan_dev_dependencies(s);

  fs::path build_venv = s.ws / ".venv";
  std::error_code ec;
  fs::remove_all(build_venv, ec);
  auto t_deps = Clock::now();
  std::string cache_note;
  err = build_environment(s, build_venv, cache_note);
  if (!err.empty()) return engine::StageOutcome::failed(err);
  auto deps_ms = std::chrono::duration_cast<Millis>(Clock::now() - t_deps);
  ctx.data()["dependencies_ms"] = deps_ms.count();

  auto t_proj = Clock::now();
  err = install_project(s, build_venv);
  if (!err.empty()) return engine::StageOutcome::failed(err);
  auto proj_ms = std::chrono::duration_cast<Millis>(Clock::now() - t_proj);
  ctx.data()["project_ms"] = proj_ms.count();
  ctx.data()["venv"] = build_venv.string();
  return engine::StageOutcome::ok(
      "python " + s.interp.version + ", " + cache_note + " (" + s.key.substr(0, 8) + ", " +
      format_duration(deps_ms) + "), project installed in " + format_duration(proj_ms) +
      (s.opt.system_dev_dependencies ? python::stand_ins_summary(s.stand_ins) : ""));
}

namespace {
const BuiltinStage kSetupPythonRegistered([](engine::StageRegistry& r) {
  // Never cached (it makes the build's venv); its result is the environment.
  r.add("setup-python", make_stage<SetupPythonStage>(), SetupPythonStage::validate,
        {.result = python_environment_result});
});
}  // namespace

}  // namespace pw::stages
