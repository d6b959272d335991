#include "stages/quality.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "project/pipeline_overrides.h"
#include "project/ruff_flake8.h"
#include "python/venv_cache.h"
#include "reports/sarif.h"
#include "reports/tool_outputs.h"
#include "stages/cache_policies.h"
#include "stages/quality_tools.h"
#include "stages/registry.h"
#include "stages/run_command.h"
#include "stages/settings.h"
#include "stages/setup_python.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;
using reports::FindingsResult;
using reports::ParseOptions;

namespace {

std::vector<std::string> default_paths(const pipeline::StageSpec& spec, const pipeline::Pipeline& p,
                                       const fs::path& ws) {
  auto model = project::detect_project(ws, p);
  if (spec.kind == "audit") {
    auto files = model.requirements_files();
    return files.empty() ? std::vector<std::string>{} : std::vector<std::string>{files.front()};
  }
  std::vector<std::string> out;
  std::vector<std::string> candidates = model.package_paths();
  if (spec.kind == "lint" || spec.kind == "format-ruff" || spec.kind == "format-black")
    for (const auto& t : model.test_paths()) candidates.push_back(t);
  // A path inside another one (tests kept in the package, pkg/tests) is left out: flake8 and
  // bandit check a file once per path naming it, so pkg/tests beside pkg doubled every finding
  // of the tests against what the tool says run on the package alone.
  auto inside = [](const std::string& path, const std::string& folder) {
    return folder == "." || path == folder || path.starts_with(folder + "/");
  };
  for (const auto& c : candidates) {
    if (!fs::exists(ws / c)) continue;
    if (std::any_of(candidates.begin(), candidates.end(),
                    [&](const std::string& o) { return o != c && inside(c, o); }))
      continue;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

std::string install_hint(const Tool& t, const pipeline::Pipeline& p, const fs::path& ws) {
  std::string pkg = t.package.empty() ? t.name : t.package;
  return pkg + " is not installed in the build's environment nor on PATH: add " + pkg + " to " +
         project::detect_project(ws, p).dev_dependencies_place();
}

// Merges every reports/quality/*.sarif into reports/quality.sarif, under a lock, since the
// sub-stages finish in any order and at the same time. The lock lives in the build's tmp/, not
// among the reports it guards, which are published and cached as they are.
void merge_sarif(const engine::BuildPaths& paths, const std::string& root) {
  const fs::path& reports_dir = paths.reports;
  fs::path dir = reports_dir / "quality";
  fs::create_directories(paths.root / "tmp");
  python::EntryLock lock(paths.root / "tmp" / "quality-merge.lock");
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".sarif") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<reports::ToolRun> runs;
  for (const auto& f : files) {
    auto parsed = reports::read_sarif_file(f, {.source = f.string(), .root = root});
    if (!parsed.ok()) continue;
    for (auto& r : parsed.value) runs.push_back(std::move(r));
  }
  write_file_atomic(reports_dir / "quality.sarif", reports::write_sarif(runs, {.root = root}));
}

// flake8 in ruff's place reads the project's ruff settings (project/ruff_flake8.h): logs what
// carries over and returns them when they apply.
std::optional<project::Flake8StandIn> ruff_stand_in(engine::StageContext& ctx, const Tool& tool,
                                                    const fs::path& ws, bool defaults = false) {
  if (tool.name != "flake8") return std::nullopt;
  auto s = project::flake8_for_ruff(ws, defaults);
  for (const auto& d : s.problems) ctx.log("note: " + d.str());
  if (!s.applies) return std::nullopt;
  ctx.log("flake8 stands in for ruff with " + s.source + "'s settings: " + join(s.mapped, "; "));
  if (!s.unmapped.empty()) ctx.log("not carried into flake8: " + join(s.unmapped, "; "));
  ctx.data()["ruff_settings_mapped"] = s.mapped;
  ctx.data()["ruff_settings_unmapped"] = s.unmapped;
  return s;
}

// The tool's command line after `argv`: its own args, the stand-in's (the user's args come after
// them, so they win), the tool's cache and interpreter options, the user's args, the paths.
std::vector<std::string> tool_command(engine::StageContext& ctx, const Tool& tool,
                                      std::vector<std::string> argv,
                                      const std::vector<std::string>& stand_in_args,
                                      const std::vector<std::string>& paths) {
  auto user_args = ctx.settings().list("args");
  const auto& p = ctx.pipeline();
  argv.insert(argv.end(), tool.args.begin(), tool.args.end());
  argv.insert(argv.end(), stand_in_args.begin(), stand_in_args.end());
  if (!tool.cache_option.empty() &&
      std::none_of(user_args.begin(), user_args.end(), [&](const std::string& a) {
        return a.starts_with(tool.cache_option.substr(0, tool.cache_option.size() - 1));
      })) {
    std::string project =
        p.project.name.empty() ? ctx.project_dir().filename().string() : p.project.name;
    argv.push_back(tool.cache_option + (cache_home() / "tools" / tool.name / project).string());
  }
  if (!tool.interpreter_option.empty())
    argv.insert(argv.end(), {tool.interpreter_option, venv_python(ctx.workspace()).string()});
  argv.insert(argv.end(), user_args.begin(), user_args.end());
  argv.insert(argv.end(), paths.begin(), paths.end());
  return argv;
}

struct ToolRun {
  std::string out, err;
  exec::ProcessResult result;
  bool found = false;  // the tool was there to run
};

// Runs the tool from the build's environment first (python -m), else from PATH. The module is
// tried directly; "No module named X" from python sends us to PATH. (A probe first would cost an
// interpreter start per tool per build.)
ToolRun run_tool(engine::StageContext& ctx, const Tool& tool, const fs::path& ws,
                 const std::vector<std::string>& stand_in_args,
                 const std::vector<std::string>& paths) {
  ToolRun run;
  fs::path py = venv_python(ws);
  std::string exe = find_on_path(tool.exe);
  if (fs::exists(py) && !tool.module.empty()) {
    run.result =
        ctx.capture(tool_command(ctx, tool, {py.string(), "-m", tool.module}, stand_in_args, paths),
                    run.out, {.cwd = ws}, &run.err);
    run.found = !(run.result.exit_code == 1 && contains(run.err, "No module named " + tool.module));
  }
  if (!run.found && !exe.empty()) {
    run.result = ctx.capture(tool_command(ctx, tool, {exe}, stand_in_args, paths), run.out,
                             {.cwd = ws}, &run.err);
    run.found = true;
  }
  return run;
}

// The outcome when the tool is not installed: how to install it, failed when the stage blocks.
engine::StageOutcome missing_tool(engine::StageContext& ctx, const Tool& tool, const fs::path& ws) {
  std::string hint = install_hint(tool, ctx.pipeline(), ws);
  if (ctx.spec().kind == "audit")
    hint += " (pipewright's dependency scan checks the same pins offline)";
  ctx.log(hint);
  ctx.data()["missing"] = true;
  if (ctx.spec().blocking) return engine::StageOutcome::failed(hint);
  return engine::StageOutcome::skipped(hint);
}

// Leaves out what ruff would not report, each one named in the log: the stage stands in for
// ruff, and its verdict should be the one ruff would give. Returns how many were left out.
size_t drop_ruff_exemptions(engine::StageContext& ctx, const fs::path& ws,
                            const project::Flake8StandIn& stand_in,
                            std::vector<reports::Finding>& findings) {
  size_t exempted = 0;
  std::map<std::string, std::vector<std::string>> sources;
  std::erase_if(findings, [&](const reports::Finding& f) {
    auto [it, fresh] = sources.try_emplace(f.file);
    if (fresh) {
      try {
        it->second = split_lines(read_file(ws / f.file));
      } catch (const Error&) {
      }
    }
    auto why =
        project::ruff_exemption(f.rule_id, f.message, it->second, f.line, stand_in.line_length);
    if (why.empty()) return false;
    ctx.log("left out, ruff would not report it (" + why + "): " + f.file + ":" +
            std::to_string(f.line) + " " + f.rule_id + " " + f.message);
    ++exempted;
    return true;
  });
  ctx.data()["ruff_exempted"] = exempted;
  return exempted;
}

// Fingerprints, sorts and logs the findings; writes the stage's SARIF and the merged report.
void publish_findings(engine::StageContext& ctx, const Tool& tool, const fs::path& ws,
                      std::vector<reports::Finding>& findings) {
  reports::assign_fingerprints(findings);
  reports::sort_findings(findings);
  for (const auto& f : findings)
    ctx.log(f.file + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) + ": " +
            std::string(reports::to_string(f.level)) + " " + f.rule_id + " " + f.message);
  fs::path qdir = ctx.paths().reports / "quality";
  fs::create_directories(qdir);
  auto runs = reports::group_by_tool(findings, {}, {tool.name});
  write_file_atomic(qdir / (ctx.spec().id + ".sarif"),
                    reports::write_sarif(runs, {.root = ws.string()}));
  merge_sarif(ctx.paths(), ws.string());
}

// The stage's outcome from the counted findings and the tool's exit code (`exit_code` after
// ruff's exemptions, `raw_exit_code` as the tool gave it).
engine::StageOutcome verdict(engine::StageContext& ctx, const Tool& tool,
                             const std::vector<reports::Finding>& findings, size_t exempted,
                             int exit_code, int raw_exit_code) {
  auto c = reports::count(findings);
  ctx.data()["findings"] = c.by_name();
  std::string summary = tool.name + ": ";
  auto n = [](size_t k, const char* what) {
    return std::to_string(k) + " " + what + (k == 1 ? "" : "s");
  };
  if (c.total == 0) {
    summary += "clean";
  } else if (tool.name == "black" || tool.name == "ruff-format") {
    // A formatter's own figure is files ("15 files would be reformatted"); each change in
    // them is a finding.
    std::set<std::string> files;
    for (const auto& f : findings) files.insert(f.file);
    ctx.data()["files"] = files.size();
    summary += n(files.size(), "file") + " would be reformatted (" + n(c.total, "change") + ")";
  } else {
    summary += n(c.total, "finding");
    std::vector<std::string> parts;
    if (c.errors) parts.push_back(n(c.errors, "error"));
    if (c.warnings) parts.push_back(n(c.warnings, "warning"));
    if (c.notes) parts.push_back(n(c.notes, "note"));
    summary += " (" + join(parts, ", ") + ")";
  }
  if (c.total > 0) {
    const auto& first = findings.front();
    summary += ", first " + first.file + ":" + std::to_string(first.line) + " " + first.rule_id;
  }
  if (exempted > 0)
    summary += " (" + std::to_string(exempted) + " more that ruff would not report: see the log)";
  if (exit_code != 0 && c.total == 0)
    return engine::StageOutcome::failed(tool.name + " failed with exit code " +
                                        std::to_string(raw_exit_code) + " and reported nothing");
  if (exit_code != 0 || c.errors + c.warnings > 0) return engine::StageOutcome::failed(summary);
  return engine::StageOutcome::ok(summary);
}

}  // namespace

const std::vector<std::string>& quality_substages() {
  static const std::vector<std::string> ids = {"lint",      "format-ruff",   "format-black",
                                               "typecheck", "security-lint", "audit"};
  return ids;
}

engine::StageOutcome QualityToolStage::run(engine::StageContext& ctx) {
  const auto& spec = ctx.spec();
  fs::path ws = ctx.workspace();
  const Tool* tool = find_tool(tool_for(spec, ctx.settings(), ws));
  if (!tool) return engine::StageOutcome::failed("no tool configured");
  ctx.data()["tool"] = tool->name;
  auto paths =
      ctx.settings().list_if_set("paths").value_or(default_paths(spec, ctx.pipeline(), ws));
  if (paths.empty() && spec.kind == "audit")
    return engine::StageOutcome::skipped(
        "no requirements file to audit (the project declares its dev "
        "dependencies elsewhere); dependency-scan checks the environment");
  if (paths.empty())
    return engine::StageOutcome::skipped("nothing to check: none of the paths exist");
  auto stand_in = ruff_stand_in(ctx, *tool, ws);

  ToolRun run =
      run_tool(ctx, *tool, ws, stand_in ? stand_in->args : std::vector<std::string>{}, paths);
  // A default tool that is not installed (not asked for by name) has one standing in for it,
  // said in the log (flake8 with ruff's settings or defaults for ruff, mypy for pyright).
  const auto* chosen = ctx.settings().find("tool");
  std::string instead = tool->stand_in;
  if (!run.found && !instead.empty() && (!chosen || chosen->from_default)) {
    ctx.log(tool->name + " is not installed: " + instead + " stands in for it (" + spec.kind +
            ": {tool: " + tool->name + "} requires " + tool->name + ")");
    ctx.data()["in_place_of"] = tool->name;
    tool = find_tool(instead);
    ctx.data()["tool"] = tool->name;
    stand_in = ruff_stand_in(ctx, *tool, ws, true);
    run = run_tool(ctx, *tool, ws, stand_in ? stand_in->args : std::vector<std::string>{}, paths);
  }
  if (!run.found) return missing_tool(ctx, *tool, ws);
  const auto& r = run.result;
  if (r.aborted) return {engine::Status::aborted, "aborted"};
  if (r.timed_out || !r.spawn_error.empty())
    return engine::StageOutcome::failed(describe_failure(r, ctx.output_tail(), tool->name));
  // The tool's machine-readable output is not echoed by capture: keep it in the log too.
  ctx.data()["tool_exit_code"] = r.exit_code;
  if (!run.out.empty())
    ctx.log(run.out.size() > 200000 ? run.out.substr(0, 200000) + "\n[...]" : run.out);

  ParseOptions po;
  po.root = ws.string();
  po.source = tool->name == "pip-audit" ? paths.front() : tool->name + " output";
  auto parsed = tool->parse(tool->wants_stderr ? run.err + run.out : run.out, po);
  if (!parsed.ok()) {
    // Output we cannot read: a crash, or text where JSON was asked for.
    return engine::StageOutcome::failed(
        tool->name + " (exit code " + std::to_string(r.exit_code) +
        ") gave output pipewright cannot read: " + parsed.errors.front().str());
  }
  for (const auto& w : parsed.warnings) ctx.log("note: " + w.str());
  auto& findings = parsed.value;
  int exit_code = r.exit_code;
  size_t exempted = 0;
  if (stand_in) {
    exempted = drop_ruff_exemptions(ctx, ws, *stand_in, findings);
    // flake8 exits 1 for findings; with all of them left out, nothing failed.
    if (exempted > 0 && exit_code == 1 && findings.empty()) exit_code = 0;
  }
  publish_findings(ctx, *tool, ws, findings);
  return verdict(ctx, *tool, findings, exempted, exit_code, r.exit_code);
}

engine::StageOutcome QualityStage::run(engine::StageContext& ctx) {
  fs::path sarif = ctx.paths().reports / "quality.sarif";
  // Merged again here: a sub-stage restored from the stage cache does not merge its report.
  if (fs::exists(ctx.paths().reports / "quality"))
    merge_sarif(ctx.paths(), ctx.workspace().string());
  if (!fs::exists(sarif)) return engine::StageOutcome::skipped("no quality tool ran");
  auto parsed =
      reports::read_sarif_file(sarif, {.source = sarif.string(), .root = ctx.workspace().string()});
  if (!parsed.ok())
    return engine::StageOutcome::failed("cannot read " + parsed.errors.front().str());
  nlohmann::json per_tool = nlohmann::json::object();
  std::vector<std::string> parts;
  int total = 0;
  for (const auto& run : parsed.value) {
    auto c = reports::count(run.findings);
    per_tool[run.tool.name] = c.by_name();
    total += c.total;
    parts.push_back(run.tool.name + " " + std::to_string(c.total));
  }
  ctx.data()["by_tool"] = per_tool;
  ctx.data()["total"] = total;
  ctx.data()["sarif"] = "reports/quality.sarif";
  return engine::StageOutcome::ok(std::to_string(total) + " finding" + (total == 1 ? "" : "s") +
                                  " (" + join(parts, ", ") + ") in reports/quality.sarif");
}

namespace {
// The tools a sub-stage may run from PATH rather than the environment (pyright from npm, a ruff
// installed by hand), each with its file's size and time: installing, upgrading or removing
// one reruns what it checks, which the environment's digest would not see.
std::string tools_on_path(const engine::KeyInputs&) {
  std::string out;
  std::set<std::string> exes;
  for (const auto& tool : all_tools()) exes.insert(tool.exe);
  for (const auto& t : exes) {
    std::string path = find_on_path(t);
    std::error_code ec;
    auto size = path.empty() ? 0 : fs::file_size(path, ec);
    auto time = path.empty() ? fs::file_time_type{} : fs::last_write_time(path, ec);
    out += t + "=" + path + " " + std::to_string(size) + " " +
           std::to_string(time.time_since_epoch().count()) + "\n";
  }
  return out;
}

const BuiltinStage kQualityRegistered([](engine::StageRegistry& r) {
  for (const auto& id : quality_substages())
    r.add(id, make_stage<QualityToolStage>(), {},
          {.cacheable = true,
           .inputs = quality_inputs,
           .outputs = {"reports/quality/{id}.sarif"},
           .extra = tools_on_path});
  // The merge reads only what the sub-stages left, which their keys cover.
  r.add("quality", make_stage<QualityStage>(), {},
        {.cacheable = true, .reads_tree = false, .outputs = {"reports/quality.sarif"}});
});
}  // namespace

}  // namespace pw::stages
