#include "stages/sonar.h"

#include <filesystem>
#include <thread>

#include "analysis/sonar_gate.h"
#include "analysis/sonar_task.h"
#include "exec/masker.h"
#include "project/pipeline_overrides.h"
#include "stages/settings.h"
#include "util/duration.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

const std::vector<std::string> kSonarKeys = {"host_url", "token",         "project_key",
                                             "timeout",  "poll_interval", "properties"};

// The project's name as a SonarQube key.
std::string default_project_key(const engine::StageContext& ctx) {
  std::string name = ctx.pipeline().project.name;
  if (name.empty()) name = ctx.project_dir().filename().string();
  return analysis::sonar::project_key_for(name);
}

std::string jstr(const nlohmann::json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) && obj[key].is_string() ? obj[key].get<std::string>()
                                                                      : std::string();
}

// The token for a credential id: its single value, or its field `token`.
std::optional<std::string> token_of(const engine::StageContext& ctx, const std::string& id,
                                    std::string& problem) {
  const auto& creds = ctx.credentials();
  if (!creds.has(id)) {
    problem = "credential '" + id + "' (the analysis stage's sonar.token) is not in " +
              creds.path().string() +
              " (add it there, or set PIPEWRIGHT_CREDENTIALS to the file that has it)";
    return std::nullopt;
  }
  std::string v = creds.field(id, "");
  if (v.empty()) v = creds.field(id, "token");
  if (v.empty()) {
    problem = "credential '" + id + "' has no token: give it a single value or a field `token`";
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<SonarSettings> read_sonar_settings(const pipeline::StageSpec& spec,
                                                 std::vector<Diagnostic>* diags) {
  const pipeline::Setting* s = spec.setting("sonar");
  if (!s || s->value.IsNull()) return std::nullopt;
  auto at_node = [&](const YAML::Node& n, const std::string& msg) {
    Diagnostic d = at(*s, msg);
    if (!n.Mark().is_null()) {
      d.line = n.Mark().line + 1;
      d.col = n.Mark().column + 1;
    }
    return d;
  };
  const std::string where = "stage '" + spec.id + "' sonar";
  if (!s->value.IsMap()) {
    report(diags, at(*s, where + " must be a mapping with host_url and token (see docs/sonar.md)"));
    return std::nullopt;
  }
  SonarSettings out;
  bool ok = true;
  auto fail = [&](const YAML::Node& n, const std::string& msg) {
    report(diags, at_node(n, msg));
    ok = false;
  };
  auto scalar = [&](const YAML::Node& n, const std::string& key) -> std::optional<std::string> {
    if (!n.IsScalar()) {
      fail(n, where + "." + key + " must be a single value");
      return std::nullopt;
    }
    return n.Scalar();
  };
  for (const auto& kv : s->value) {
    std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "host_url") {
      if (auto u = scalar(v, key)) {
        if (!u->starts_with("http://") && !u->starts_with("https://"))
          fail(v, where + ".host_url must be an http:// or https:// URL, not '" + *u + "'");
        else if (u->substr(0, u->find('/', u->find("://") + 3)).find('@') != std::string::npos)
          fail(v, where + ".host_url must not carry credentials; name the token in `token`");
        else
          out.host_url = *u;
      }
    } else if (key == "token") {
      if (auto t = scalar(v, key)) {
        if (analysis::sonar::looks_like_token(*t))
          fail(v, where +
                      ".token names a credential id of the credentials file, not the token "
                      "itself: remove the token from this file and revoke it");
        else
          out.token_credential = *t;
      }
    } else if (key == "project_key") {
      if (auto k = scalar(v, key)) out.project_key = *k;
    } else if (key == "timeout" || key == "poll_interval") {
      if (auto t = scalar(v, key)) {
        auto d = parse_duration(*t);
        if (!d || d->count() <= 0)
          fail(v, where + "." + key + " must be a positive duration (90s, 5m, 1h30m)");
        else
          (key == "timeout" ? out.timeout : out.poll_interval) = *d;
      }
    } else if (key == "properties") {
      if (!v.IsMap()) {
        fail(v, where + ".properties must map scanner property names to values");
        continue;
      }
      for (const auto& p : v) {
        std::string name = p.first.Scalar();
        if (!p.second.IsScalar()) {
          fail(p.second, where + ".properties." + name + " must be a single value");
        } else if (std::string why = analysis::sonar::refused_property(name); !why.empty()) {
          fail(p.first, where + ".properties: " + name + " " + why);
        } else {
          out.properties.emplace_back(name, p.second.Scalar());
        }
      }
    } else {
      std::string msg = "unknown key '" + key + "' in " + where;
      std::string best = closest_match(key, kSonarKeys);
      msg += best.empty() ? " (valid keys: " + join(kSonarKeys, ", ") + ")"
                          : "; did you mean '" + best + "'?";
      fail(kv.first, msg);
    }
  }
  if (!s->value["host_url"]) fail(s->value, where + " needs host_url (the SonarQube server's URL)");
  if (!s->value["token"])
    fail(s->value, where + " needs token: the id of the credential holding the SonarQube token");
  if (!ok) return std::nullopt;
  return out;
}

engine::StageOutcome run_sonar_analysis(engine::StageContext& ctx, const SonarSettings& settings,
                                        const std::string& native_summary) {
  std::string exe = find_on_path("sonar-scanner");
  if (exe.empty())
    return engine::StageOutcome::failed(
        "SonarQube mode needs sonar-scanner on PATH, and there is none: install SonarScanner "
        "CLI (https://docs.sonarsource.com/sonarqube-server/latest/analyzing-source-code/"
        "scanners/sonarscanner/) and put its bin folder on PATH, or remove the analysis stage's "
        "sonar setting to use the native analysis and gate");
  std::string problem;
  auto token = token_of(ctx, settings.token_credential, problem);
  if (!token) return engine::StageOutcome::failed(problem);

  const fs::path ws = ctx.workspace();
  const fs::path& reports = ctx.paths().reports;
  const fs::path work = ctx.paths().root / "sonar-scanner";
  const fs::path task_file = work / "report-task.txt";
  std::error_code ec;
  fs::remove(task_file, ec);  // a retry must not read the previous attempt's task
  std::string key = settings.project_key.empty() ? default_project_key(ctx) : settings.project_key;

  std::vector<std::string> argv = {exe};
  auto D = [&](const std::string& k, const std::string& v) { argv.push_back("-D" + k + "=" + v); };
  D("sonar.host.url", settings.host_url);
  D("sonar.projectKey", key);
  D("sonar.projectBaseDir", ws.string());
  D("sonar.working.directory", work.string());
  auto model = project::detect_project(ws, ctx.pipeline());
  D("sonar.sources", model.packages.empty() ? std::string(".") : join(model.package_paths(), ","));
  if (!model.tests.empty() && !model.packages.empty())
    D("sonar.tests", join(model.test_paths(), ","));
  if (fs::exists(reports / "coverage.xml"))
    D("sonar.python.coverage.reportPaths", (reports / "coverage.xml").string());
  if (fs::exists(reports / "report.xml"))
    D("sonar.python.xunit.reportPath", (reports / "report.xml").string());
  if (fs::exists(reports / "sonar-external-issues.json"))
    D("sonar.externalIssuesReportPaths", (reports / "sonar-external-issues.json").string());
  if (auto ex = get_list(ctx.spec(), "exclude"); ex && !ex->empty())
    D("sonar.exclusions", join(*ex, ","));
  if (std::string commit = ctx.commit(); !commit.empty()) D("sonar.scm.revision", commit);
  for (const auto& [k, v] : settings.properties) D(k, v);

  engine::RunOptions opts;
  opts.cwd = ws;
  // sonar-scanner reads SONAR_TOKEN itself: the token is never an argument.
  opts.env.emplace_back("SONAR_TOKEN", *token);
  auto result = ctx.run(argv, opts);
  if (!result.ok()) {
    std::string why = result.describe();
    auto tail = ctx.output_tail();
    for (auto it = tail.rbegin(); it != tail.rend(); ++it)
      if (!std::string(trim(*it)).empty()) {
        why += ": " + std::string(trim(*it));
        break;
      }
    return engine::StageOutcome::failed("sonar-scanner failed (" + why + ")");
  }
  if (!fs::exists(task_file))
    return engine::StageOutcome::failed("sonar-scanner finished but wrote no " +
                                        task_file.string() + ": it did not upload an analysis to " +
                                        settings.host_url);
  std::string text = read_file(task_file);
  analysis::sonar::ReportTask task;
  try {
    task = analysis::sonar::parse_report_task(text);
  } catch (const analysis::sonar::SonarError& e) {
    return engine::StageOutcome::failed(e.what());
  }
  write_file_atomic(reports / "sonar-report-task.txt", ctx.masker().mask(text));
  ctx.log("SonarQube task " + task.ce_task_id + " submitted; dashboard " + task.dashboard_url);
  // What the gate needs, also when it runs later from build.json: the credential's id, never
  // its value.
  ctx.data()["sonar"] = {{"host_url", settings.host_url},
                         {"token_credential", settings.token_credential},
                         {"project_key", task.project_key.empty() ? key : task.project_key},
                         {"ce_task_id", task.ce_task_id},
                         {"ce_task_url", task.ce_task_url},
                         {"server_url", task.server_url},
                         {"server_version", task.server_version},
                         {"dashboard_url", task.dashboard_url},
                         {"timeout_ms", settings.timeout.count()},
                         {"poll_interval_ms", settings.poll_interval.count()}};
  return engine::StageOutcome::ok(
      native_summary + "; sent to SonarQube as task " + task.ce_task_id +
      (task.dashboard_url.empty() ? "" : " (" + task.dashboard_url + ")"));
}

engine::StageOutcome run_sonar_gate(engine::StageContext& ctx, const nlohmann::json& sonar) {
  namespace sq = analysis::sonar;
  auto start = std::chrono::steady_clock::now();
  std::string task_id = jstr(sonar, "ce_task_id");
  std::string host = jstr(sonar, "host_url");
  std::string cred = jstr(sonar, "token_credential");
  if (task_id.empty() || host.empty() || cred.empty())
    return engine::StageOutcome::failed(
        "the analysis stage recorded no complete SonarQube task (ce_task_id, host_url, "
        "token_credential): run the analysis stage first");
  if (ctx.spec().setting("conditions"))
    ctx.log("note: in SonarQube mode the server's quality gate decides; `conditions` are unused");
  std::string problem;
  auto token = token_of(ctx, cred, problem);
  if (!token) return engine::StageOutcome::failed(problem);

  sq::Client client;
  client.host_url = host;
  client.token = *token;
  client.token_source = "credential '" + cred + "'";
  sq::WaitOptions wait;
  auto ms = [&](const char* k, milliseconds d) {
    return sonar.contains(k) && sonar[k].is_number_integer() && sonar[k].get<long long>() > 0
               ? milliseconds(sonar[k].get<long long>())
               : d;
  };
  wait.timeout = ms("timeout_ms", wait.timeout);
  wait.interval = ms("poll_interval_ms", wait.interval);
  // The stage's own timeout only stops programs it runs; end the wait a second before it, so the
  // message says what was being waited for.
  if (const auto& t = ctx.spec().timeout; t && *t - milliseconds(1000) < wait.timeout) {
    wait.timeout = std::max(milliseconds(1000), *t - milliseconds(1000));
    ctx.log("waiting at most " + format_duration(wait.timeout) + " (the stage's timeout)");
  }
  sq::WaitHooks hooks;
  hooks.cancelled = [&] { return ctx.should_stop(); };
  hooks.sleep = [&](milliseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    while (!ctx.should_stop() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::min(
          milliseconds(100),
          std::chrono::duration_cast<milliseconds>(until - std::chrono::steady_clock::now())));
  };
  hooks.on_poll = [&](const sq::CeTask& t) {
    ctx.log("SonarQube task " + task_id + ": " + std::string(sq::to_string(t.status)));
  };
  sq::CeTask task;
  sq::ProjectStatus gate;
  try {
    task = sq::wait_for_task(client, task_id, wait, hooks);
    if (ctx.should_stop())
      return engine::StageOutcome::failed(ctx.aborted() ? "aborted while waiting for SonarQube"
                                                        : "timed out while waiting for SonarQube");
    gate = sq::fetch_project_status(client, task.analysis_id);
  } catch (const sq::SonarError& e) {
    return engine::StageOutcome::failed(e.what());
  }
  auto waited = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);

  std::string dashboard = jstr(sonar, "dashboard_url");
  auto out = sq::gate_report(
      gate, {host, jstr(sonar, "project_key"), task_id, task.analysis_id, dashboard});
  ctx.show(out.table);
  write_file_atomic(ctx.paths().reports / "quality-gate.json",
                    ctx.masker().mask(dump_json(out.report, 2) + "\n"));
  ctx.data()["status"] = gate.status;
  ctx.data()["source"] = "sonarqube";
  ctx.data()["analysis_id"] = task.analysis_id;
  ctx.data()["dashboard_url"] = dashboard;
  ctx.data()["conditions"] = out.data_conditions;
  ctx.data()["waited_ms"] = waited.count();

  if (!gate.passed()) {
    std::string s = "SonarQube quality gate ERROR: " + std::to_string(out.failed.size()) + " of " +
                    std::to_string(gate.conditions.size()) +
                    " conditions failed: " + join(out.failed, "; ");
    return engine::StageOutcome::failed(s);
  }
  return engine::StageOutcome::ok("SonarQube quality gate " + gate.status + ": " +
                                  std::to_string(gate.conditions.size()) + " conditions (waited " +
                                  format_duration(waited) + ")");
}

}  // namespace pw::stages
