// SonarQube mode of the analysis and the gate: what sonar-scanner leaves behind
// (report-task.txt), the two web API answers the gate needs (api/ce/task and
// api/qualitygates/project_status), and the wait on the server's compute engine that Jenkins'
// waitForQualityGate does. HTTP goes through net::send behind an injectable function, and the
// wait takes its clock and sleep as parameters, so every decision is unit-tested without a server.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.h"
#include "util/error.h"

namespace pw::analysis::sonar {

// Anything the SonarQube side got wrong or refused; the message is what a developer reads in the
// stage's summary, and never carries the token.
class SonarError : public Error {
 public:
  explicit SonarError(const std::string& message) : Error(message) {}
};

// A Java .properties file, as the scanner writes report-task.txt: `key=value` (or `key: value`,
// `key value`), `#` and `!` comments, backslash escapes and continuation lines.
std::map<std::string, std::string> parse_properties(std::string_view text);

// <sonar.working.directory>/report-task.txt, written by sonar-scanner after it uploaded the
// analysis report.
struct ReportTask {
  std::string project_key;
  std::string server_url;
  std::string server_version;
  std::string dashboard_url;
  std::string ce_task_id;
  std::string ce_task_url;
};
// Throws SonarError when ceTaskId is missing or empty (the scanner did not upload a report).
ReportTask parse_report_task(std::string_view text);

// api/ce/task: {"task": {"id", "status", "analysisId", "errorMessage", ...}}.
enum class TaskStatus { pending, in_progress, success, failed, canceled };
struct CeTask {
  std::string id;
  TaskStatus status = TaskStatus::pending;
  std::string status_text;  // as the server wrote it
  std::string analysis_id;  // set once the task succeeded
  std::string error_message;
  bool finished() const {
    return status != TaskStatus::pending && status != TaskStatus::in_progress;
  }
};
// Throws SonarError for a body that is not that JSON shape or has an unknown status.
CeTask parse_ce_task(std::string_view body);

// api/qualitygates/project_status: {"projectStatus": {"status", "conditions": [{"status",
// "metricKey", "comparator", "errorThreshold", "actualValue", "periodIndex"}]}}.
struct GateCondition {
  std::string metric_key;
  std::string comparator;       // GT or LT
  std::string error_threshold;  // SonarQube sends numbers as strings
  std::string actual_value;     // "" when the metric has no value
  std::string status;           // OK, ERROR (WARN on old servers)
};
struct ProjectStatus {
  std::string status;  // OK, ERROR, WARN or NONE (no gate for the project)
  std::vector<GateCondition> conditions;
  bool passed() const { return status != "ERROR"; }
};
// Throws SonarError for a body that is not that JSON shape.
ProjectStatus parse_project_status(std::string_view body);

// How the gate talks to the server. `fetch` is net::send except in unit tests.
struct Client {
  std::string host_url;  // the configured sonar.host_url, the one the token belongs to
  std::string token;
  // Named in a message when the server refuses the token: "credential 'sonar-token'".
  std::string token_source;
  long request_timeout_seconds = 30;
  std::function<net::Response(const net::Request&)> fetch = net::send;
};

// GET host_url + path_and_query with the token as a Bearer header. Returns the body of a 2xx
// answer; throws SonarError for no answer (server down), 401 (token refused), 403 (token lacks
// the permission), 404 and any other status, naming `what` and the URL without its query.
std::string get(const Client& client, const std::string& path_and_query, const std::string& what);

CeTask fetch_task(const Client& client, const std::string& task_id);
ProjectStatus fetch_project_status(const Client& client, const std::string& analysis_id);

struct WaitOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};  // sonar.qualitygate.timeout's 300 s
  std::chrono::milliseconds interval{std::chrono::seconds(5)};
};

// Time and side effects of the wait, passed in so tests run it on a fake clock.
struct WaitHooks {
  std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
  std::function<void(std::chrono::milliseconds)> sleep;  // required
  std::function<bool()> cancelled = [] { return false; };
  std::function<void(const CeTask&)> on_poll;  // each answer, for the log
};

// Polls api/ce/task until the task ends. Returns the SUCCESS task (with its analysis id); throws
// SonarError for FAILED or CANCELED (with the server's error message), for a task still pending
// after options.timeout, for a SUCCESS without an analysis id, and for whatever get() throws.
// Returns early with the last answer when hooks.cancelled() (the caller checks it).
CeTask wait_for_task(const Client& client, const std::string& task_id, const WaitOptions& options,
                     const WaitHooks& hooks);

std::string_view to_string(TaskStatus status);  // "PENDING", ..., "CANCELED"

}  // namespace pw::analysis::sonar
