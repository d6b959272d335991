#include "stages/tests.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "project/ini.h"
#include "project/pipeline_overrides.h"
#include "python/toml.h"
#include "python/traceback.h"
#include "reports/cobertura.h"
#include "reports/junit.h"
#include "stages/cache_policies.h"
#include "stages/registry.h"
#include "stages/run_command.h"
#include "stages/settings.h"
#include "stages/setup_python.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;

namespace {
std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", v);
  return buf;
}

// What a pytest run that ended badly without a usable report means, from its exit code and the
// last lines it printed. `pytest_args`: the stage's setting is set, so the refused arguments
// may be the user's.
std::string explain_pytest_exit(int code, const std::vector<std::string>& tail, bool pytest_args) {
  for (const auto& l : tail) {
    if (contains(l, "No module named pytest"))
      return "pytest is not installed in the environment: add pytest to the requirements file";
    if (contains(l, "unrecognized arguments: --cov"))
      return "pytest-cov is not installed in the environment: add pytest-cov to the requirements "
             "file (or set tests.coverage: false)";
  }
  switch (code) {
    case 2:
      return "pytest was interrupted (exit code 2): a collection error or a KeyboardInterrupt";
    case 3:
      return "pytest hit an internal error (exit code 3)";
    case 4:
      // A usage error: pytest's own words follow (its configuration, such as a minversion the
      // installed pytest does not meet, or the command line pipewright built with pytest_args).
      // Named only when set: everycheese's refusal came from its pytest.ini alone.
      return std::string("pytest refused its configuration or arguments (exit code 4") +
             (pytest_args ? "; the arguments include tests.pytest_args)" : ")");
    case 5:
      return "no tests were collected (pytest exit code 5)";
    default:
      return "pytest failed with exit code " + std::to_string(code);
  }
}

// pytest's command line: JUnit XML, coverage by import name (coverage measures the package where
// Python imports it from: src/ through an editable install, site-packages through a regular one,
// as the project's tests see it), the user's pytest_args, and the detected test folders unless
// the arguments already name what to run.
std::vector<std::string> pytest_command(engine::StageContext& ctx, const fs::path& ws,
                                        const fs::path& py, const fs::path& junit,
                                        const fs::path& cov, bool coverage) {
  std::vector<std::string> argv = {
      py.string(), "-m", "pytest", "--junitxml=" + junit.string(), "-p", "no:cacheprovider"};
  auto model = project::detect_project(ws, ctx.pipeline());
  if (coverage) {
    for (const auto& name : model.import_names()) argv.push_back("--cov=" + name);
    if (model.packages.empty()) argv.push_back("--cov=.");
    argv.push_back("--cov-report=xml:" + cov.string());
    argv.push_back("--cov-report=term");
    if (ctx.settings().flag("branch", true)) argv.push_back("--cov-branch");
  }
  auto pytest_args = ctx.settings().list("pytest_args");
  argv.insert(argv.end(), pytest_args.begin(), pytest_args.end());
  bool names_paths = std::any_of(pytest_args.begin(), pytest_args.end(),
                                 [](const std::string& a) { return !a.starts_with("-"); });
  if (!names_paths)
    for (const auto& t : model.test_paths()) argv.push_back(t);
  return argv;
}

// A warning kills pytest only when the project's filterwarnings make warnings errors, which its
// own words do not say. A CoverageWarning comes from the coverage the stage itself starts
// (itsdangerous' [tool.coverage.report] exclude_also, an option Debian's coverage 6.5 does not
// know, under filterwarnings = ["error"]): the way on is then the stage's coverage setting.
std::string fatal_warning_note(const std::string& cause, bool coverage) {
  auto colon = cause.find(": ");
  if (colon == std::string::npos) return {};
  std::string type = cause.substr(0, colon);
  if (!type.ends_with("Warning")) return {};
  std::string note = " (a warning, made an error by the project's filterwarnings";
  if (coverage && type.ends_with("CoverageWarning"))
    note +=
        "; the coverage installed here, which the stage runs for its figures, warns about the "
        "project's coverage settings: install the coverage they are written for, or run the "
        "tests without it with tests: {coverage: false} in pipewright.yaml";
  return note + ")";
}

// Where the project's coverage settings name `module` as a coverage plugin ("setup.cfg:39
// [coverage:run] plugins"), as coverage reads them: .coveragerc, setup.cfg, tox.ini,
// pyproject.toml; "" when none does.
std::string coverage_plugin_place(const fs::path& ws, const std::string& module) {
  for (const auto& [file, section] : {std::pair<std::string, std::string>{".coveragerc", "run"},
                                      {"setup.cfg", "coverage:run"},
                                      {"tox.ini", "coverage:run"}}) {
    if (!fs::is_regular_file(ws / file)) continue;
    auto ini = project::parse_ini(read_file(ws / file), file);
    if (const auto* v = ini.get(section, "plugins"))
      for (const auto& [item, line] : project::ini_list(*v, true))
        if (item == module) return file + ":" + std::to_string(line) + " [" + section + "] plugins";
  }
  std::vector<Diagnostic> ignored;
  if (!fs::is_regular_file(ws / "pyproject.toml")) return {};
  if (auto doc = python::read_toml_file(ws / "pyproject.toml", ignored, "pyproject.toml")) {
    const auto* node = python::toml_at(*doc, "tool.coverage.run.plugins");
    for (const auto& item : python::toml_strings(node).value_or(std::vector<std::string>{}))
      if (item == module)
        return "pyproject.toml:" + std::to_string(python::toml_line(node)) +
               " [tool.coverage.run] plugins";
  }
  return {};
}

// pytest-cov starts coverage before any test, and coverage imports the plugins the project's
// settings name: one that is not installed (asottile's covdefaults, not in Debian) kills pytest
// with a ModuleNotFoundError that names neither the setting nor the way on.
std::string coverage_plugin_note(const fs::path& ws, const std::string& cause, bool coverage) {
  constexpr std::string_view kPrefix = "ModuleNotFoundError: No module named '";
  if (!coverage || !cause.starts_with(kPrefix) || !cause.ends_with("'")) return {};
  std::string module = cause.substr(kPrefix.size(), cause.size() - kPrefix.size() - 1);
  std::string place = coverage_plugin_place(ws, module.substr(0, module.find('.')));
  if (place.empty()) return {};
  return " (" + place +
         " names it, a coverage plugin, and coverage, which the stage runs for its figures, "
         "cannot import it: install it in the build's environment, or "
         "run the tests without coverage with tests: {coverage: false} in pipewright.yaml)";
}

// pytest's usage error ("ERROR: usage: __main__.py [options] ...") says what it refused on the
// line after: "__main__.py: error: unrecognized arguments: --ds=config.settings.test
// --reuse-db". That line, without the program's name; "" when there is none.
std::string unrecognized_arguments(const std::vector<std::string>& tail) {
  for (const auto& l : tail)
    if (auto k = l.find(": error: unrecognized arguments: "); k != std::string::npos)
      return std::string(trim(l.substr(k + 2)));
  return {};
}

// The project's own addopts, where pytest reads them (pytest.ini, pyproject.toml, tox.ini,
// setup.cfg: the first that configures pytest), when they pass `arg`: cookiecutter-django's
// pytest.ini passes pytest-django's --ds and --reuse-db, refused without the plugin.
std::string addopts_place(const fs::path& ws, const std::string& arg) {
  auto in_ini = [&](const std::string& file, const std::string& section) -> std::string {
    if (!fs::is_regular_file(ws / file)) return {};
    auto ini = project::parse_ini(read_file(ws / file), file);
    if (const auto* v = ini.get(section, "addopts"); v && contains(v->text, arg))
      return file + ":" + std::to_string(v->line) + " [" + section + "] addopts";
    return {};
  };
  if (auto p = in_ini("pytest.ini", "pytest"); !p.empty()) return p;
  std::vector<Diagnostic> ignored;
  if (fs::is_regular_file(ws / "pyproject.toml"))
    if (auto doc = python::read_toml_file(ws / "pyproject.toml", ignored, "pyproject.toml")) {
      const auto* node = python::toml_at(*doc, "tool.pytest.ini_options.addopts");
      std::string text = node && node->value<std::string>() ? *node->value<std::string>() : "";
      for (const auto& s : python::toml_strings(node).value_or(std::vector<std::string>{}))
        text += " " + s;
      if (node && contains(text, arg))
        return "pyproject.toml:" + std::to_string(python::toml_line(node)) +
               " [tool.pytest.ini_options] addopts";
    }
  if (auto p = in_ini("tox.ini", "pytest"); !p.empty()) return p;
  return in_ini("setup.cfg", "tool:pytest");
}

// Arguments pytest refused that the project's addopts pass: options of a pytest plugin the
// environment lacks. The way on: the plugin, or the addopts left out for this stage.
std::string addopts_note(const fs::path& ws, const std::string& refused) {
  constexpr std::string_view kWhat = "error: unrecognized arguments: ";
  if (!refused.starts_with(kWhat)) return {};
  auto args = split(refused.substr(kWhat.size()), ' ');
  if (args.empty() || args.front().empty()) return {};
  std::string first = args.front().substr(0, args.front().find('='));
  std::string place = addopts_place(ws, first);
  if (place.empty()) return {};
  return " (" + place +
         " passes them: options of a pytest plugin the environment lacks: install the plugin "
         "the project's tests use, or leave its addopts out with tests: {pytest_args: "
         "[\"-oaddopts=\"]} in pipewright.yaml)";
}

// The outcome when pytest ended without a report to read: aborted, timed out, not started,
// no tests collected (exit 5), or died before writing report.xml.
std::optional<engine::StageOutcome> pytest_failed_to_report(engine::StageContext& ctx,
                                                            const exec::ProcessResult& r,
                                                            const fs::path& junit, bool coverage) {
  if (r.aborted) return engine::StageOutcome{engine::Status::aborted, "aborted"};
  if (r.timed_out)
    return engine::StageOutcome::failed("the test suite timed out (its processes were killed)");
  if (!r.spawn_error.empty()) return engine::StageOutcome::failed(r.spawn_error);
  if (r.exit_code == 5)
    return engine::StageOutcome::failed(explain_pytest_exit(5, ctx.output_tail(), false));
  if (!fs::exists(junit)) {
    // pytest died before reporting: the line that says why beats an exit code.
    std::string cause = python::failure_cause(ctx.output_tail());
    if (auto refused = unrecognized_arguments(ctx.output_tail()); !refused.empty())
      cause = refused + addopts_note(ctx.workspace(), refused);
    return engine::StageOutcome::failed(
        explain_pytest_exit(r.exit_code, ctx.output_tail(),
                            !ctx.settings().list("pytest_args").empty()) +
        " (no report.xml was written)" + (cause.empty() ? "" : ": " + cause) +
        fatal_warning_note(cause, coverage) +
        coverage_plugin_note(ctx.workspace(), cause, coverage));
  }
  return std::nullopt;
}

// A failure's one line. pytest reports a test module it could not import as "collection
// failure" and puts why (the ModuleNotFoundError of a test dependency that is not installed, as
// itsdangerous' freezegun here) only in its traceback's last "E   " line: that line says it.
std::string failure_reason(const reports::FailedTest& f) {
  std::string first_line = f.message.substr(0, f.message.find('\n'));
  if (first_line != "collection failure") return first_line;
  std::string last;
  for (const auto& line : split_lines(f.details))
    if (line.starts_with("E   ")) last = std::string(trim(line.substr(1)));
  return last.empty() ? first_line : first_line + ": " + last;
}

// Records the totals and (up to 100) failures in the stage's data, each failure logged.
void record_results(engine::StageContext& ctx, const reports::JUnitReport& report) {
  const auto& t = report.totals;
  ctx.data()["tests"] = {{"tests", t.tests},     {"passed", t.passed},
                         {"failed", t.failed},   {"errors", t.errors},
                         {"skipped", t.skipped}, {"xfailed", t.xfailed},
                         {"xpassed", t.xpassed}, {"duration_s", t.duration_s}};
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : report.failures) {
    std::string where = f.file.empty() ? "" : f.file + ":" + std::to_string(f.line);
    std::string first_line = failure_reason(f);
    ctx.log(std::string(f.kind == reports::FailureKind::error ? "ERROR  " : "FAILED ") + f.nodeid +
            (where.empty() ? "" : "  (" + where + ")") +
            (first_line.empty() ? "" : ": " + first_line));
    if (failures.size() < 100)
      failures.push_back({{"nodeid", f.nodeid},
                          {"kind", f.kind == reports::FailureKind::error ? "error" : "failure"},
                          {"message", f.message},
                          {"file", f.file},
                          {"line", f.line}});
  }
  ctx.data()["failures"] = failures;
}

// "N passed, N failed, N errors, N skipped in S.Ss", the counts that are not zero.
std::string tests_summary(const reports::TestTotals& t) {
  std::string summary = std::to_string(t.passed) + " passed";
  if (t.failed) summary += ", " + std::to_string(t.failed) + " failed";
  if (t.errors) summary += ", " + std::to_string(t.errors) + " errors";
  if (t.skipped) summary += ", " + std::to_string(t.skipped) + " skipped";
  if (t.xfailed) summary += ", " + std::to_string(t.xfailed) + " xfailed";
  if (t.xpassed) summary += ", " + std::to_string(t.xpassed) + " xpassed";
  char dur[32];
  std::snprintf(dur, sizeof dur, " in %.1fs", t.duration_s);
  summary += dur;
  return summary;
}

// Reads coverage.xml into the stage's data and the summary, setting `cov_pct`; the failed
// outcome when it cannot be read.
std::optional<engine::StageOutcome> add_coverage(engine::StageContext& ctx, const fs::path& cov,
                                                 const reports::ParseOptions& po,
                                                 std::string& summary,
                                                 std::optional<double>& cov_pct) {
  auto c = reports::parse_cobertura_file(cov, po);
  if (!c.ok()) return engine::StageOutcome::failed("cannot read " + c.errors.front().str());
  const auto& cv = c.value;
  double line_pct = cv.lines_valid ? 100.0 * cv.lines_covered / cv.lines_valid : 100.0;
  double branch_pct = cv.branches_valid ? 100.0 * cv.branches_covered / cv.branches_valid : 100.0;
  cov_pct = cv.percent();
  ctx.data()["coverage"] = {{"percent", cv.percent()},
                            {"line_percent", line_pct},
                            {"branch_percent", branch_pct},
                            {"lines_valid", cv.lines_valid},
                            {"lines_covered", cv.lines_covered},
                            {"branches_valid", cv.branches_valid},
                            {"branches_covered", cv.branches_covered},
                            {"files", cv.files.size()}};
  // The total first, as coverage.py's TOTAL and the analysis stage give it (lines and
  // branches together); the parts after it.
  if (cv.has_branch_data)
    summary += "; coverage " + pct(cv.percent()) + " (" + pct(line_pct) + " lines, " +
               pct(branch_pct) + " branches)";
  else
    summary += "; coverage " + pct(line_pct) + " lines";
  return std::nullopt;
}

// The stage's outcome: failed on failing tests (naming the first) or pytest's non-zero exit, or
// coverage under fail_under.
engine::StageOutcome verdict(engine::StageContext& ctx, const reports::JUnitReport& report,
                             const exec::ProcessResult& r, const std::string& summary,
                             std::optional<double> cov_pct) {
  const auto& t = report.totals;
  if (t.failed || t.errors || r.exit_code != 0) {
    std::string first;
    if (!report.failures.empty()) {
      const auto& f = report.failures.front();
      first = ": " + f.nodeid;
      if (!f.file.empty()) first += " (" + f.file + ":" + std::to_string(f.line) + ")";
      if (f.kind == reports::FailureKind::error && f.message == "collection failure")
        first += ": " + failure_reason(f);
    } else if (r.exit_code != 0 && r.exit_code != 1) {
      first = ": " + explain_pytest_exit(r.exit_code, ctx.output_tail(),
                                         !ctx.settings().list("pytest_args").empty());
    }
    return engine::StageOutcome::failed(summary + first);
  }
  if (auto fu = ctx.settings().percentage("fail_under"); fu && cov_pct && *cov_pct < *fu) {
    char limit[32];
    std::snprintf(limit, sizeof limit, "%g%%", *fu);
    return engine::StageOutcome::failed(summary + ": coverage is below fail_under " + limit);
  }
  return engine::StageOutcome::ok(summary);
}

}  // namespace

engine::StageOutcome TestsStage::run(engine::StageContext& ctx) {
  fs::path ws = ctx.workspace();
  fs::path py = venv_python(ws);
  if (!fs::exists(py))
    return engine::StageOutcome::failed("no Python environment at " + (ws / ".venv").string() +
                                        ": run setup-python first");
  bool coverage = ctx.settings().flag("coverage", true);
  fs::path junit = ctx.paths().reports / "report.xml";
  fs::path cov = ctx.paths().reports / "coverage.xml";
  std::error_code ec;
  fs::remove(junit, ec);
  fs::remove(cov, ec);

  auto r = ctx.run(pytest_command(ctx, ws, py, junit, cov, coverage), {.cwd = ws});
  if (auto failed = pytest_failed_to_report(ctx, r, junit, coverage)) return *failed;
  reports::ParseOptions po;
  po.root = ws.string();
  auto report = reports::parse_junit_file(junit, po);
  if (!report.ok())
    return engine::StageOutcome::failed("cannot read " + report.errors.front().str());
  // An unexpected pass is a plain pass in JUnit: pytest's own summary line says how many.
  auto& totals = report.value.totals;
  if (int xpassed = reports::pytest_summary_counts(ctx.output_tail())["xpassed"]; xpassed > 0) {
    totals.xpassed = std::min(xpassed, totals.passed);
    totals.passed -= totals.xpassed;
  }
  record_results(ctx, report.value);
  std::string summary = tests_summary(report.value.totals);
  std::optional<double> cov_pct;
  if (coverage) {
    if (!fs::exists(cov)) {
      ctx.warn("pytest wrote no coverage.xml");
    } else if (auto failed = add_coverage(ctx, cov, po, summary, cov_pct)) {
      return *failed;
    }
  }
  return verdict(ctx, report.value, r, summary, cov_pct);
}

namespace {
const BuiltinStage kTestsRegistered([](engine::StageRegistry& r) {
  // Cached on the whole tree: tests import anything.
  r.add("tests", make_stage<TestsStage>(), {},
        {.cacheable = true, .outputs = {"reports/report.xml", "reports/coverage.xml"}});
});
}  // namespace

}  // namespace pw::stages
