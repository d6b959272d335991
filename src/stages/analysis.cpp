#include "stages/analysis.h"

#include <cstdio>
#include <filesystem>

#include "analysis/gate.h"
#include "analysis/new_code.h"
#include "analysis/project.h"
#include "analysis/writers.h"
#include "engine/build_store.h"
#include "exec/capture.h"
#include "project/pipeline_overrides.h"
#include "stages/registry.h"
#include "stages/settings.h"
#include "stages/sonar.h"
#include "util/fs.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;

namespace {

// A whole number setting, at least `min` (1 unless zero means something, such as "off").
std::optional<int> get_int(const pipeline::StageSpec& spec, const std::string& key,
                           std::vector<Diagnostic>* diags, int min = 1) {
  auto s = get_string(spec, key, diags);
  if (!s) return std::nullopt;
  auto v = parse_int(*s, min, std::numeric_limits<int>::max());
  if (v) return static_cast<int>(*v);
  report(diags, at(*spec.setting(key), "stage '" + spec.id + "' " + key +
                                           " must be a whole number, at least " +
                                           std::to_string(min) + ": " + v.error()));
  return std::nullopt;
}

// The commit of the newest earlier build that passed (SUCCESS or UNSTABLE).
std::string previous_successful_commit(engine::StageContext& ctx) {
  engine::BuildStore store(ctx.project_dir());
  for (int n = ctx.paths().number - 1; n >= 1; --n) {
    auto r = store.read(n);
    for (const auto& w : store.take_warnings()) ctx.log("# warning: " + w);
    if (r && (r->status == engine::Status::success || r->status == engine::Status::unstable) &&
        !r->commit.empty())
      return r->commit;
  }
  return {};
}

// The project's code, as sonar.sources: the detected packages (or the `sources` setting), so
// setup.py, noxfile.py, docs/, examples/ and vendored folders are not production code. Tests
// are measured apart (sonar.tests) and join only with include_tests.
void choose_sources(engine::StageContext& ctx, const fs::path& ws, analysis::AnalysisInput& in) {
  auto model = project::detect_project(ws, ctx.pipeline());
  auto glob_of = [](const std::string& path) {
    return path.ends_with(".py") || path.find('*') != std::string::npos ? path : path + "/**";
  };
  if (auto s = get_list(ctx.spec(), "sources")) {
    for (const auto& p : *s) in.include.push_back(glob_of(p));
  } else {
    for (const auto& p : model.package_paths()) in.include.push_back(glob_of(p));
  }
  if (in.include_tests && !in.include.empty())
    for (const auto& t : model.test_paths()) in.include.push_back(glob_of(t));
  ctx.data()["sources"] = in.include;
}

// The main branch as the workspace names it: the workspace is a clone, where the main branch
// may exist only as origin/main; "" when none is there.
std::string find_main_branch(const fs::path& ws) {
  for (const char* candidate : {"main", "origin/main", "master", "origin/master"})
    if (exec::git(ws, {"rev-parse", "--verify", "-q", std::string(candidate) + "^{commit}"}))
      return candidate;
  return {};
}

// New code on the main branch itself, which has no merge base to compare with (every gate would
// pass on no new code): as SonarQube, what changed since the previous version, the last tag,
// else the previous successful build's commit. Returns the definition.
std::string main_branch_new_code(engine::StageContext& ctx, const fs::path& ws,
                                 analysis::AnalysisInput& in) {
  auto tag = exec::git(ws, {"describe", "--tags", "--abbrev=0", "HEAD^"});
  if (tag && !trim(*tag).empty()) {
    in.new_code_reference = {analysis::ReferenceMode::commit, std::string(trim(*tag))};
    return "main branch: changes since the last tag " + std::string(trim(*tag));
  }
  if (auto prev = previous_successful_commit(ctx); !prev.empty()) {
    in.new_code_reference = {analysis::ReferenceMode::commit, prev};
    return "main branch: changes since the previous successful build (" + prev.substr(0, 12) +
           "; no tag)";
  }
  analysis::NewCode unknown;
  unknown.reason =
      "cannot compute new code: a first build of the main branch, with no tag and "
      "no earlier successful build";
  in.new_code = unknown;
  return "main branch: no tag and no earlier successful build";
}

// Resolves the new code reference (the merge base's branch, the main branch's own reference, the
// previous build's commit); returns which definition of new code this build uses, said in the
// gate's output.
std::string choose_new_code(engine::StageContext& ctx, const fs::path& ws,
                            analysis::AnalysisInput& in) {
  std::string definition;
  if (in.new_code_reference.mode == analysis::ReferenceMode::merge_base &&
      in.new_code_reference.value.empty()) {
    std::string main_branch = find_main_branch(ws);
    in.new_code_reference.value = main_branch;
    definition =
        "merge base with " + (main_branch.empty() ? std::string("the main branch") : main_branch);
    std::string branch = ctx.branch();
    bool on_main = branch == "main" || branch == "master";
    if (!on_main && !main_branch.empty()) {
      auto head = exec::git(ws, {"rev-parse", "HEAD"});
      auto base = exec::git(ws, {"rev-parse", main_branch + "^{commit}"});
      on_main = branch.empty() && head && base && trim(*head) == trim(*base);
    }
    if (on_main) definition = main_branch_new_code(ctx, ws, in);
  } else if (in.new_code_reference.mode == analysis::ReferenceMode::merge_base) {
    definition = "merge base with " + in.new_code_reference.value;
  } else if (in.new_code_reference.mode == analysis::ReferenceMode::commit) {
    definition = "changes since " + in.new_code_reference.value;
  } else {
    definition = "changes since the previous successful build";
  }
  if (in.new_code_reference.mode == analysis::ReferenceMode::previous_build) {
    in.new_code_reference.value = previous_successful_commit(ctx);
    if (in.new_code_reference.value.empty()) {
      analysis::NewCode unknown;
      unknown.reason = "cannot compute new code: no earlier successful build";
      in.new_code = unknown;
    }
  }
  return definition;
}

// Writes analysis.json and the generic issues JSON SonarQube imports.
void write_analysis_reports(engine::StageContext& ctx, const analysis::AnalysisResult& result) {
  const fs::path& reports = ctx.paths().reports;
  write_file_atomic(reports / "analysis.json", analysis::analysis_json(result));
  // SonarQube 10.3+ reads rules with clean code attributes and impacts; older servers only the
  // deprecated shape, chosen with sonar_issues_format: deprecated.
  auto sonar_format = ctx.settings().text_or("sonar_issues_format", "current") == "deprecated"
                          ? analysis::SonarIssuesFormat::deprecated
                          : analysis::SonarIssuesFormat::current;
  write_file_atomic(reports / "sonar-external-issues.json",
                    analysis::sonar_generic_issues_json(result, sonar_format));
}

// Records what the gate reads in the stage's data, also on another machine (build.json travels
// with the build folder).
void record_measures(engine::StageContext& ctx, const analysis::AnalysisResult& result,
                     const std::string& definition) {
  nlohmann::json measures = nlohmann::json::object(), details = nlohmann::json::object(),
                 hints = nlohmann::json::object();
  for (const auto& [k, v] : result.measures.values) measures[k] = v;
  for (const auto& [k, v] : result.measures.details) details[k] = v;
  for (const auto& [k, v] : result.measures.hints) hints[k] = v;
  ctx.data()["measures"] = measures;
  ctx.data()["measure_details"] = details;
  ctx.data()["measure_hints"] = hints;
  ctx.data()["new_code"] = {{"available", result.new_code_info.available},
                            {"reason", result.new_code_info.reason},
                            {"reference", result.new_code_info.reference},
                            {"definition", definition},
                            {"new_lines", result.new_code_info.new_lines}};
  ctx.data()["files"] = result.files.size();
}

// The stage's summary: size, duplication, coverage, new code, ratings and issue counts.
std::string analysis_summary(const analysis::AnalysisResult& result) {
  auto m = [&](const char* key) { return result.measures.get(key); };
  auto fmt = [&](const char* key) {
    auto v = m(key);
    return v ? analysis::format_value(key, *v) : std::string("-");
  };
  std::string s = fmt("ncloc") + " lines of code in " + std::to_string(result.files.size()) +
                  (result.files.size() == 1 ? " file" : " files") + "; duplication " +
                  fmt("duplicated_lines_density") + "; coverage " + fmt("coverage");
  if (result.new_code_info.available)
    s += " (new code: " + std::to_string(result.new_code_info.new_lines) + " lines, coverage " +
         fmt("new_coverage") + ")";
  else
    s += " (new code unknown)";
  s += std::string("; ratings ") + analysis::letter(result.overall.reliability) +
       analysis::letter(result.overall.security) +
       analysis::letter(result.overall.maintainability) + "; " + fmt("bugs") + " bugs, " +
       fmt("vulnerabilities") + " vulnerabilities, " + fmt("code_smells") + " smells, " +
       fmt("security_hotspots") + " hotspots";
  return s;
}

}  // namespace

void AnalysisStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                             std::vector<Diagnostic>& diags) {
  if (auto v = get_string(spec, "new_code", &diags); v && !analysis::parse_new_code_reference(*v))
    diags.push_back(at(*spec.setting("new_code"),
                       "new_code must be branch, branch:NAME, previous-build or commit:REV"));
  get_bool(spec, "include_tests", &diags);
  get_list(spec, "exclude", &diags);
  get_list(spec, "sources", &diags);
  get_int(spec, "min_tokens", &diags);
  get_int(spec, "min_lines", &diags);
  get_string(spec, "hotspot_reviews", &diags);
  read_sonar_settings(spec, &diags);
}

engine::StageOutcome AnalysisStage::run(engine::StageContext& ctx) {
  const auto& spec = ctx.spec();
  fs::path ws = ctx.workspace();
  const fs::path& reports = ctx.paths().reports;
  analysis::AnalysisInput in;
  in.root = ws;
  in.include_tests = get_bool(spec, "include_tests").value_or(false);
  in.exclude = get_list(spec, "exclude").value_or(std::vector<std::string>{});
  choose_sources(ctx, ws, in);
  if (fs::exists(reports / "coverage.xml")) in.coverage_xml = reports / "coverage.xml";
  if (fs::exists(reports / "report.xml")) in.junit_xml = reports / "report.xml";
  for (const char* s : {"quality.sarif", "dependency-scan.sarif"})
    if (fs::exists(reports / s)) in.sarif_files.push_back(reports / s);
  in.new_code_reference =
      *analysis::parse_new_code_reference(get_string(spec, "new_code").value_or("branch"));
  std::string definition = choose_new_code(ctx, ws, in);
  if (auto t = get_int(spec, "min_tokens", nullptr)) in.duplication.min_tokens = *t;
  if (auto l = get_int(spec, "min_lines", nullptr)) in.duplication.min_lines = *l;
  if (auto h = get_string(spec, "hotspot_reviews")) in.hotspot_reviews = ws / *h;

  auto result = analysis::analyse_project(in);
  for (const auto& w : result.warnings) ctx.log("warning: " + w.str());
  write_analysis_reports(ctx, result);
  record_measures(ctx, result, definition);
  std::string s = analysis_summary(result);
  // SonarQube mode runs after the native analysis, whose generic issues JSON it imports.
  if (auto sonar = read_sonar_settings(spec, nullptr)) return run_sonar_analysis(ctx, *sonar, s);
  return engine::StageOutcome::ok(s);
}

namespace {

std::optional<std::vector<analysis::Condition>> read_conditions(const pipeline::StageSpec& spec,
                                                                std::vector<Diagnostic>* diags) {
  const pipeline::Setting* s = spec.setting("conditions");
  if (!s || s->value.IsNull()) return std::nullopt;
  std::vector<analysis::Condition> out;
  if (!s->value.IsSequence()) {
    report(diags, at(*s, "quality-gate conditions must be a list of {metric, op, threshold}"));
    return std::nullopt;
  }
  for (const auto& c : s->value) {
    if (!c.IsMap() || !c["metric"] || !c["op"] || !c["threshold"]) {
      report(diags, at(*s, "each condition needs metric, op (GT or LT) and threshold"));
      return std::nullopt;
    }
    analysis::Condition cond;
    cond.metric = c["metric"].Scalar();
    auto op = analysis::parse_op(c["op"].Scalar());
    if (!op) {
      report(diags, at(*s, "condition on " + cond.metric +
                               ": op must be GT or LT (the gate fails when "
                               "the value is greater / less than threshold)"));
      return std::nullopt;
    }
    cond.op = *op;
    auto threshold = parse_double(c["threshold"].Scalar());
    if (!threshold) {
      report(diags, at(*s, "condition on " + cond.metric +
                               ": threshold must be a number: " + threshold.error()));
      return std::nullopt;
    }
    cond.threshold = *threshold;
    out.push_back(cond);
  }
  auto problems = analysis::validate_conditions(out, s->where.file);
  for (auto& p : problems) {
    p.line = s->where.line;
    report(diags, p);
  }
  return out;
}

// The gate's options: what a build whose new code is unknown gets, the small changeset rule.
analysis::GateOptions gate_options(const pipeline::StageSpec& spec) {
  analysis::GateOptions opt;
  if (get_string(spec, "when_new_code_unknown").value_or("pass") == "fail")
    opt.when_new_code_unknown = analysis::WhenNewCodeUnknown::fail;
  if (auto n = get_int(spec, "small_changeset_lines", nullptr, 0)) opt.small_changeset_lines = *n;
  return opt;
}

// Shows the gate table and records the verdict in the stage's data; returns how many
// conditions failed and the first failure's message.
std::pair<int, std::string> show_gate(engine::StageContext& ctx, const analysis::GateResult& gate,
                                      const analysis::NewCodeInfo& nc,
                                      const std::string& new_code_definition) {
  // On the console whatever the verbosity: it is the stage's answer.
  std::string table = "quality gate: " + std::string(analysis::to_string(gate.status));
  int failed = 0;
  std::string first_failure;
  nlohmann::json cj = nlohmann::json::array();
  for (const auto& c : gate.conditions) {
    std::string actual = c.actual ? analysis::format_value(c.metric, *c.actual) : "-";
    char line[256];
    std::snprintf(line, sizeof line, "\n  %-8s %-40s %-10s %s %s",
                  std::string(analysis::to_string(c.status)).c_str(), c.name.c_str(),
                  actual.c_str(), c.op == analysis::Op::GT ? "must be at most" : "must be at least",
                  analysis::format_value(c.metric, c.threshold).c_str());
    table += line;
    // "no new code since X" once, below the table, rather than under every condition.
    bool no_new_code = contains(c.message, "no new code since");
    if (!c.message.empty() && !no_new_code) table += "\n           " + c.message;
    if (c.status == analysis::ConditionStatus::failed) {
      ++failed;
      if (first_failure.empty()) first_failure = c.message.empty() ? c.name : c.message;
    }
    cj.push_back({{"metric", c.metric},
                  {"status", std::string(analysis::to_string(c.status))},
                  {"actual", c.actual ? nlohmann::json(*c.actual) : nlohmann::json()},
                  {"threshold", c.threshold},
                  {"message", c.message}});
  }
  if (nc.available && nc.new_lines == 0)
    table += "\n  note: no new code since " + nc.reference + ": the new-code conditions pass";
  for (const auto& w : gate.warnings) table += "\n  note: " + w;
  if (!new_code_definition.empty()) table += "\n  new code: " + new_code_definition;
  ctx.data()["new_code_definition"] = new_code_definition;
  ctx.show(table);
  ctx.data()["status"] = std::string(analysis::to_string(gate.status));
  ctx.data()["conditions"] = cj;
  return {failed, first_failure};
}

}  // namespace

void QualityGateStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                                std::vector<Diagnostic>& diags) {
  read_conditions(spec, &diags);
  if (auto w = get_string(spec, "when_new_code_unknown", &diags); w && *w != "pass" && *w != "fail")
    diags.push_back(
        at(*spec.setting("when_new_code_unknown"), "when_new_code_unknown must be pass or fail"));
  get_int(spec, "small_changeset_lines", &diags, 0);
}

engine::StageOutcome QualityGateStage::run(engine::StageContext& ctx) {
  // A Jenkinsfile's stages keep their names: its gate reads the stage that ran the analysis.
  auto data = ctx.stage_data(get_string(ctx.spec(), "analysis_stage").value_or("analysis"));
  if (data.contains("sonar")) return run_sonar_gate(ctx, data["sonar"]);
  // Never fall back to the native gate when the team asked for the server's.
  if (const auto* a = ctx.pipeline().find("analysis"); a && a->setting("sonar"))
    return engine::StageOutcome::failed(
        "SonarQube mode is configured but the analysis stage submitted no SonarQube task in this "
        "build (see its log)");
  if (!data.contains("measures"))
    return engine::StageOutcome::failed("no analysis in this build: run the analysis stage first");
  auto recorded = analysis::read_recorded_analysis(data);
  const analysis::NewCodeInfo& nc = recorded.new_code;
  auto conditions = read_conditions(ctx.spec(), nullptr).value_or(analysis::default_gate());
  auto gate = analysis::evaluate_gate(recorded.measures, conditions, nc, gate_options(ctx.spec()));
  write_file_atomic(ctx.paths().reports / "quality-gate.json", analysis::quality_gate_json(gate));
  auto [failed, first_failure] = show_gate(ctx, gate, nc, recorded.new_code_definition);
  if (!gate.passed())
    return engine::StageOutcome::failed(std::to_string(failed) + " of " +
                                        std::to_string(gate.conditions.size()) +
                                        " conditions failed: " + first_failure);
  return engine::StageOutcome::ok("passed: " + std::to_string(gate.conditions.size()) +
                                  " conditions" +
                                  (nc.available && nc.new_lines == 0 ? " (no new code)" : ""));
}

namespace {
const BuiltinStage kAnalysisRegistered([](engine::StageRegistry& r) {
  // Not in SonarQube mode, which submits to a server: an effect, never skipped. New code moves
  // with the commit and the reference, which the key covers.
  r.add("analysis", make_stage<AnalysisStage>(), AnalysisStage::validate,
        {.cacheable = true,
         .applies = [](const auto& spec) { return spec.setting("sonar") == nullptr; },
         .outputs = {"reports/analysis.json", "reports/sonar-external-issues.json"},
         .extra = [](const auto& in) { return analysis::new_code_reference_state(in.workspace); }});
  // The gate reads only what analysis left, which its key covers.
  r.add("quality-gate", make_stage<QualityGateStage>(), QualityGateStage::validate,
        {.cacheable = true, .reads_tree = false, .outputs = {"reports/quality-gate.json"}});
});
}  // namespace

}  // namespace pw::stages
