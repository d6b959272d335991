#include "stages/setup_python.h"

#include <algorithm>
#include <chrono>
#include <set>

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
#include "python/pip_output.h"
#include "python/requirement.h"
#include "python/requirements_file.h"
#include "python/system_packages.h"
#include "python/venv_cache.h"
#include "python/version.h"
#include "stages/run_command.h"
#include "stages/settings.h"
#include "util/disk.h"
#include "util/duration.h"
#include "util/fs.h"
#include "util/hash.h"
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
  if (auto v = get_string(spec, "index_url", diags))
    o.args.insert(o.args.end(), {"--index-url", *v});
  for (const auto& u :
       get_list(spec, "extra_index_urls", diags).value_or(std::vector<std::string>{}))
    o.args.insert(o.args.end(), {"--extra-index-url", u});
  if (get_bool(spec, "no_index", diags).value_or(false)) o.args.push_back("--no-index");
  for (const auto& f : get_list(spec, "find_links", diags).value_or(std::vector<std::string>{}))
    o.args.insert(o.args.end(), {"--find-links", f});
  for (const auto& h : get_list(spec, "trusted_hosts", diags).value_or(std::vector<std::string>{}))
    o.args.insert(o.args.end(), {"--trusted-host", h});
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

std::string python_literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::vector<std::string> unmet_dependencies(const std::vector<fs::path>& project_sites,
                                            const std::map<std::string, std::string>& installed) {
  std::vector<std::string> missing;
  // The project's own dist-info: the one in the build venv's site-packages (nothing else is
  // installed there), whose METADATA lists Requires-Dist.
  for (const auto& dir : project_sites) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (!e.path().filename().string().ends_with(".dist-info")) continue;
      std::string meta;
      try {
        meta = read_file(e.path() / "METADATA");
      } catch (const Error&) {
        continue;
      }
      for (const auto& line : split_lines(meta)) {
        if (line.empty()) break;  // headers end at the first blank line
        if (!line.starts_with("Requires-Dist:")) continue;
        std::string text(trim(std::string_view(line).substr(14)));
        auto req = python::parse_requirement(text);
        if (!req) {
          missing.push_back(text);  // let pip judge what we cannot read
          continue;
        }
        // Extras are not requested by `pip install -e .`; other markers are not evaluated here,
        // so such a dependency counts as needed (at worst pip is asked and finds it there).
        if (contains(req->marker_text, "extra")) continue;
        auto it = installed.find(python::normalize_name(req->name));
        if (it == installed.end()) {
          missing.push_back(req->name);
          continue;
        }
        if (!req->specifier.empty()) {
          auto v = python::Version::parse(it->second);
          if (!v || !req->specifier.contains(*v, true)) missing.push_back(text);
        }
      }
    }
  }
  return missing;
}

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

namespace {

// The lock's packages for this interpreter and these groups as a requirements file pip installs
// with --no-deps: exact versions, every hash the lock lists (pip then checks them all).
std::string locked_requirements(const python::LockFile& lock,
                                const std::vector<const python::LockedPackage*>& packages) {
  std::string out = "# written by pipewright's setup-python from " + lock.path + "\n";
  if (lock.hashed()) out += "--require-hashes\n";
  for (const auto* p : packages) {
    std::string line;
    if (p->source_kind == "git") {
      auto hash = p->source.rfind('#');
      std::string url = p->source.substr(0, hash),
                  commit = hash == std::string::npos ? "" : p->source.substr(hash + 1);
      line =
          p->name + " @ git+" + url.substr(0, url.find('?')) + (commit.empty() ? "" : "@" + commit);
    } else if (p->source_kind == "url") {
      line = p->name + " @ " + p->source;
    } else if (p->source_kind == "directory" || p->source_kind == "editable" ||
               p->source_kind == "path") {
      line = (p->source_kind == "editable" ? "-e " : "") + p->source;
    } else {
      line = p->name + "==" + p->version;
      for (const auto& h : p->hashes) line += " --hash=" + h;
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

engine::StageOutcome SetupPythonStage::run(engine::StageContext& ctx) {
  const auto& spec = ctx.spec();
  PipOptions opt = read_options(spec, nullptr);
  fs::path ws = ctx.workspace();
  std::string py = configured_python(ctx.pipeline());

  std::string py_path = find_on_path(py);
  if (py_path.empty())
    return engine::StageOutcome::failed("python interpreter '" + py +
                                        "' not found: install it (Debian: apt-get install python3) "
                                        "or set project.python in pipewright.yaml");
  std::string probe;
  auto r = ctx.capture({py_path, "-c",
                        "import sys, os; print(sys.version.split()[0]); "
                        "print(os.path.realpath(sys.executable));\n"
                        "import site; print(os.pathsep.join(site.getsitepackages()))\n"
                        "try:\n import venv, ensurepip\nexcept ImportError:\n print('no-venv')"},
                       probe);
  if (!r.ok()) return engine::StageOutcome::failed(describe_failure(r, ctx.output_tail(), py));
  auto lines = split_lines(probe);
  std::string version = lines.size() > 0 ? lines[0] : "?";
  std::string real = lines.size() > 1 ? lines[1] : py_path;
  std::vector<fs::path> system_sites;
  if (lines.size() > 2)
    for (const auto& d : split(lines[2], ':'))
      if (!d.empty()) system_sites.emplace_back(d);
  if (contains(probe, "no-venv"))
    return engine::StageOutcome::failed(
        py +
        " has no working venv module (ensurepip is missing): install it with "
        "apt-get install python3-venv (or python" +
        version.substr(0, version.rfind('.')) + "-venv)");
  ctx.data()["python"] = real;
  ctx.data()["python_version"] = version;

  // A lock file, when the project has one and no requirements file is named for this stage: the
  // environment gets exactly its versions (with hashes when it has them), for the groups in use.
  std::string lock_text;  // the requirements written from the lock; "" when there is no lock
  std::string install_label = "the dev dependencies";
  if (!get_string(spec, "requirements") && opt.system_dev_dependencies) {
    auto choice = python::choose_lock(ws, python::read_declarations(ws).tool);
    if (choice.chosen)
      ctx.log("note: " + choice.chosen->filename().string() +
              "'s pins are not installed (dev_dependencies: system): the interpreter's packages "
              "stand in for the dev dependencies");
  } else if (!get_string(spec, "requirements")) {
    auto declared = python::read_declarations(ws);
    auto choice = python::choose_lock(ws, declared.tool);
    if (choice.chosen) {
      if (!choice.reason.empty()) ctx.log(choice.reason);
      auto read = python::read_lock_file(*choice.chosen);
      if (!read.ok()) {
        std::vector<std::string> lines;
        for (const auto& d : read.diagnostics) lines.push_back(d.str());
        for (const auto& l : lines) ctx.log(l);
        return engine::StageOutcome::failed(
            "cannot install from " + choice.chosen->filename().string() + ": " + lines.front());
      }
      python::SyncOptions so;
      if (auto g = get_list(spec, "groups")) {
        for (const auto& one : *g)
          so.groups.insert(one.starts_with("extra:") ? one : python::normalize_name(one));
      } else {
        // The groups the project model takes as the dev dependencies (dev, test, tests, testing
        // or project.groups), as every other stage sees them: not docs or release groups.
        for (const auto& d : project::detect_project(ws, ctx.pipeline()).dev_dependencies) {
          if (d.kind == "dependency-group") so.groups.insert(python::normalize_name(d.name));
          if (d.kind == "extra") so.groups.insert("extra:" + python::normalize_name(d.name));
        }
        // A lock none of whose groups has such a name: all of them, as before there was a model.
        if (so.groups.empty()) {
          for (const auto& d : declared.declarations) so.groups.insert(d.group);
          for (const auto& p : read.lock->packages)
            for (const auto& g : p.groups) so.groups.insert(g);
        }
      }
      auto env = python::interpreter_marker_environment(py_path);
      if (!env.empty()) so.environment = env;
      python::LockFile lock = *read.lock;
      lock.path = choice.chosen->filename().string();
      auto packages = python::packages_to_install(lock, so);
      lock_text = locked_requirements(lock, packages);
      install_label = "from " + lock.path;
      ctx.data()["lock"] = lock.path;
      ctx.data()["locked_packages"] = packages.size();
      std::vector<std::string> groups(so.groups.begin(), so.groups.end());
      ctx.data()["groups"] = groups;
      ctx.log("installing " + std::to_string(packages.size()) + " locked packages from " +
              lock.path + " (groups: main" + (groups.empty() ? "" : ", " + join(groups, ", ")) +
              ")");
    }
  }
  // The dev dependencies from wherever the project declares them (src/project): one generated
  // requirements file for the cached environment, local and editable requirements for this
  // build only. The key covers every file read, by content.
  auto model = project::detect_project(ws, ctx.pipeline());
  for (const auto& d : model.problems) ctx.log("note: " + d.str());
  auto plan = project::plan_install(model);
  for (const auto& d : plan.problems) ctx.log("note: " + d.str());
  for (const auto& d : model.dev_dependencies) ctx.log("dev dependencies: " + d.str());
  if (model.dev_dependencies.empty())
    ctx.log("note: no development dependencies declared; the environment gets only the project");
  fs::path gen_dir = ctx.paths().root / "setup-python";
  fs::create_directories(gen_dir);
  fs::path gen_req = gen_dir / "dev-requirements.txt";
  fs::path gen_con = gen_dir / "constraints.txt";
  write_file_atomic(gen_req, plan.requirements);
  if (!plan.constraints.empty()) write_file_atomic(gen_con, plan.constraints);
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& d : model.dev_dependencies)
    sources.push_back({{"kind", d.kind}, {"file", d.file}, {"name", d.name}, {"line", d.line}});
  ctx.data()["dev_dependencies"] = sources;
  ctx.data()["files_read"] = plan.files;

  // With system stand-ins the entry holds no dev dependencies: it must never be taken for (or
  // give way to) an entry that pip filled from the same declarations.
  std::vector<python::StandIn> stand_ins;
  if (opt.system_dev_dependencies) {
    stand_ins = python::check_stand_ins(plan.requirements, python::installed_versions(system_sites),
                                        python::interpreter_marker_environment(py_path));
    size_t unmet = 0;
    for (const auto& st : stand_ins) {
      if (!st.satisfied) ++unmet;
      ctx.log("dev dependency " + st.requirement + ": " +
              (st.found.empty() ? std::string("not installed on the system")
                                : "system has " + st.found + (st.satisfied ? "" : ", excluded")));
    }
    ctx.data()["dev_dependencies_from"] = "system";
    ctx.data()["stand_ins"] = stand_ins.size();
    ctx.data()["stand_ins_unmet"] = unmet;
  }
  std::string key = python::venv_cache_key(
      {real, version, opt.args, opt.upgrade_tools, opt.system_site_packages, lock_text,
       plan.key_material + (opt.system_dev_dependencies ? "\ndev_dependencies: system" : "")});
  ctx.data()["cache_key"] = key;

  auto pip_install = [&](const fs::path& python, std::vector<std::string> what) {
    std::vector<std::string> argv = {
        python.string(), "-m", "pip", "install", "--disable-pip-version-check", "--no-input"};
    argv.insert(argv.end(), opt.args.begin(), opt.args.end());
    argv.insert(argv.end(), what.begin(), what.end());
    return ctx.run(argv);
  };
  // A failed pip says why a few lines above its last words: that line goes into the summary,
  // with the settings that fix an install on a machine without the package index.
  bool offline = std::find(opt.args.begin(), opt.args.end(), "--no-index") != opt.args.end();
  auto pip_failed = [&](const exec::ProcessResult& r, const std::string& what) {
    auto f = python::explain_pip_failure(ctx.output_tail());
    if (f.cause.empty() || r.timed_out || !r.spawn_error.empty())
      return describe_failure(r, ctx.output_tail(), what);
    std::string msg = what + " failed: " + f.cause;
    if (f.index_unreachable && !offline)
      msg +=
          " (without a reachable package index: set setup-python no_index: true with find_links: "
          "[a folder of wheels] or system_site_packages: true, and upgrade_tools: false)";
    else if (f.index_unreachable && opt.upgrade_tools)
      msg += " (offline, pip, setuptools and wheel cannot be upgraded: set upgrade_tools: false)";
    return msg;
  };
  auto make_venv = [&](const fs::path& dir, bool with_pip) {
    std::vector<std::string> argv = {py_path, "-m", "venv"};
    if (opt.system_site_packages) argv.push_back("--system-site-packages");
    if (!with_pip) argv.push_back("--without-pip");
    argv.push_back(dir.string());
    return ctx.run(argv);
  };
  // Fill a fresh venv with the tools and the dev requirements.
  auto populate = [&](const fs::path& venv) -> std::string {
    fs::path vpy = venv / "bin" / "python";
    if (opt.upgrade_tools) {
      auto u = pip_install(vpy, {"--upgrade", "pip", "setuptools", "wheel"});
      if (!u.ok()) return pip_failed(u, "pip install --upgrade pip setuptools wheel");
    }
    if (opt.system_dev_dependencies) {
      // Nothing to install: the system's packages were checked above.
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
  };

  fs::path build_venv = ws / ".venv";
  std::error_code ec;
  fs::remove_all(build_venv, ec);
  auto t_deps = Clock::now();
  bool hit = false;
  std::string cache_note;
  if (opt.cache) {
    python::VenvCache cache = python::VenvCache::user_default();
    fs::path entry = cache.entry_dir(key);
    {
      python::EntryLock lock(
          cache.lock_path(key));  // a concurrent builder of the same key waits here
      if (cache.is_complete(key)) {
        hit = true;
        cache.touch(key);
      } else {
        fs::remove_all(entry, ec);  // a half-built entry from a crash
        ctx.log("building cached environment " + key + " in " + entry.string());
        // A full disk is named before the half entry is removed (which frees the space).
        auto v = make_venv(entry, true);
        if (!v.ok()) {
          std::string full = full_disk_note(entry);
          fs::remove_all(entry, ec);
          return engine::StageOutcome::failed(
              describe_failure(v, ctx.output_tail(), "python -m venv") + full);
        }
        std::string err = populate(entry);
        if (!err.empty()) {
          std::string full = full_disk_note(entry);
          fs::remove_all(entry, ec);
          return engine::StageOutcome::failed(err + full);
        }
        cache.mark_complete(key, "python " + version + " (" + real + ")");
      }
    }
    ctx.data()["cache"] = hit ? "hit" : "miss";
    ctx.data()["cache_dir"] = entry.string();
    auto entry_sites = python::venv_site_dirs(entry);
    std::string entry_sp = entry_sites.empty() ? std::string() : entry_sites.front().string();
    ctx.data()["dependencies"] = python::installed_versions(entry_sites).size();
    // The build's own venv, layered over the entry.
    auto v = make_venv(build_venv, false);
    if (!v.ok())
      return engine::StageOutcome::failed(describe_failure(v, ctx.output_tail(), "python -m venv"));
    auto build_sites = python::venv_site_dirs(build_venv);
    std::string sp = build_sites.empty() ? std::string() : build_sites.front().string();
    if (sp.empty()) return engine::StageOutcome::failed("the new venv has no site-packages folder");
    write_file_atomic(fs::path(sp) / "_pipewright_cached_env.pth",
                      "import site; site.addsitedir(" + python_literal(entry_sp) + ")\n");
    cache_note = hit ? "cached environment reused" : "environment built and cached";
  } else {
    auto v = make_venv(build_venv, true);
    if (!v.ok())
      return engine::StageOutcome::failed(describe_failure(v, ctx.output_tail(), "python -m venv"));
    std::string err = populate(build_venv);
    if (!err.empty()) return engine::StageOutcome::failed(err);
    ctx.data()["cache"] = "off";
    cache_note = "environment built (cache off)";
  }
  auto deps_ms = std::chrono::duration_cast<Millis>(Clock::now() - t_deps);
  ctx.data()["dependencies_ms"] = deps_ms.count();

  // The project itself, for this build only. First without its dependencies (the environment
  // normally has them, and pip's resolver is most of an install's time); then, only if one of
  // its declared dependencies is missing or at a version it excludes, again with them.
  auto t_proj = Clock::now();
  std::vector<std::string> what;
  if (!opt.build_isolation) what.push_back("--no-build-isolation");
  if (opt.editable) what.push_back("-e");
  std::string extras =
      plan.project_extras.empty() ? "" : "[" + join(plan.project_extras, ",") + "]";
  what.push_back(ws.string() + extras);
  std::vector<std::string> no_deps = what;
  no_deps.insert(no_deps.begin(), "--no-deps");
  // A project with static metadata is installed natively (what pip's editable install leaves,
  // written directly: milliseconds instead of a build backend's seconds); pip does the rest.
  // Where the sources are is the project model's answer (the one every stage uses), so the
  // .pth puts on sys.path the folder its packages are imported from.
  bool native = false;
  if (opt.editable && get_bool(spec, "native_install").value_or(true)) {
    std::string why_not;
    auto build_sites = python::venv_site_dirs(build_venv);
    auto proj = python::static_editable_project(ws, why_not);
    if (proj && !model.packages.empty()) {
      std::set<std::string> roots;
      for (const auto& pk : model.packages) roots.insert(pk.import_root());
      if (roots.size() == 1) {
        proj->source_root = roots.begin()->empty() ? ws : ws / *roots.begin();
      } else {
        why_not = "the packages are imported from several folders (" + model.package_list() + ")";
        proj.reset();
      }
    }
    if (proj && !build_sites.empty()) {
      python::install_editable(*proj, ws, build_sites.front(), build_venv / "bin", venv_python(ws));
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
    if (opt.editable && !build_sites.empty())
      // pip's flags without the workspace (the last argument): every build has its own.
      install_key = python::editable_install_key(
          ws, key + "\n" + join({no_deps.begin(), no_deps.end() - 1}, " ") + "\n" + extras,
          why_not);
    fs::path store = python::default_editable_store();
    if (install_key && python::restore_editable_install(store, *install_key, build_sites.front(),
                                                        build_venv / "bin", ws, why_not)) {
      reused = true;
      ctx.log(
          "reused pip's editable install of an earlier build with the same metadata files "
          "(key " +
          install_key->substr(0, 12) + ")");
    } else {
      if (!why_not.empty()) ctx.log("note: pip installs the project: " + why_not);
      std::set<std::string> site_before, bin_before;
      if (install_key) {
        site_before = python::files_under(build_sites.front());
        bin_before = python::files_under(build_venv / "bin");
      }
      p = pip_install(venv_python(ws), no_deps);
      if (!p.ok()) return engine::StageOutcome::failed(pip_failed(p, "pip install -e ."));
      if (install_key) {
        try {
          python::save_editable_install(store, *install_key, build_sites.front(),
                                        build_venv / "bin", site_before, bin_before, ws);
        } catch (const Error& e) {
          ctx.log("note: pip's install was not kept for later builds: " + std::string(e.what()));
        }
      }
    }
  }
  ctx.data()["project_install"] = native ? "native" : reused ? "reused" : "pip";
  std::vector<fs::path> sites = python::venv_site_dirs(build_venv);
  if (opt.cache) {
    auto entry_sites = python::venv_site_dirs(python::VenvCache::user_default().entry_dir(key));
    sites.insert(sites.end(), entry_sites.begin(), entry_sites.end());
  }
  if (opt.system_site_packages) sites.insert(sites.end(), system_sites.begin(), system_sites.end());
  auto missing =
      unmet_dependencies(python::venv_site_dirs(build_venv), python::installed_versions(sites));
  ctx.data()["project_dependencies_missing"] = missing;
  if (!missing.empty()) {
    ctx.log("the project needs " + join(missing, ", ") +
            ", which the environment lacks: installing them");
    p = pip_install(venv_python(ws), what);
    if (!p.ok()) return engine::StageOutcome::failed(pip_failed(p, "pip install -e ."));
  }
  // Local requirements (`-e ./plugin`, `./vendor/x`) point into this workspace: built here, with
  // build_isolation applying to them as to the project.
  for (const auto& l : plan.local) {
    std::vector<std::string> argv;
    if (!opt.build_isolation) argv.push_back("--no-build-isolation");
    if (l.editable) argv.push_back("-e");
    argv.push_back(l.path);
    auto li = pip_install(venv_python(ws), argv);
    if (!li.ok())
      return engine::StageOutcome::failed(
          pip_failed(li, "pip install " + l.path + " (" + l.origin + ")"));
  }
  auto proj_ms = std::chrono::duration_cast<Millis>(Clock::now() - t_proj);
  ctx.data()["project_ms"] = proj_ms.count();
  ctx.data()["venv"] = build_venv.string();
  std::string summary = "python " + version + ", " + cache_note + " (" + key.substr(0, 8) + ", " +
                        format_duration(deps_ms) + "), project installed in " +
                        format_duration(proj_ms);
  if (opt.system_dev_dependencies) {
    // Said in the summary, not only the log: a test's ImportError later has its cause here.
    std::string unmet = python::describe_unmet(stand_ins);
    summary += "; system packages stand in for " + std::to_string(stand_ins.size()) +
               " dev dependencies" + (unmet.empty() ? "" : " (not met: " + unmet + ")");
  }
  return engine::StageOutcome::ok(summary);
}

}  // namespace pw::stages
