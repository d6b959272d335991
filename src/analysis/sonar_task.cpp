#include "analysis/sonar_task.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "util/duration.h"
#include "util/json.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::analysis::sonar {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// Java's Properties.load unescaping: \t \n \r \f, \uXXXX (written back as UTF-8), \x for x.
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        unsigned cp = 0;
        size_t j = 0;
        for (; j < 4 && i + 1 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1]));
             ++j)
          cp = cp * 16 + static_cast<unsigned>(parse_uint(s.substr(++i, 1), 15, 16).value_or(0));
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        break;
      }
      default:
        out += c;
    }
  }
  return out;
}

// Ends with an odd number of backslashes: the logical line goes on.
bool continues(std::string_view line) {
  size_t n = 0;
  for (size_t i = line.size(); i > 0 && line[i - 1] == '\\'; --i) ++n;
  return n % 2 == 1;
}

std::string excerpt(std::string_view body) {
  std::string s = sanitize_for_display(body.substr(0, 80));
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return body.size() > 80 ? s + "..." : s;
}

nlohmann::json parse_json(std::string_view body, const char* what) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    throw SonarError(std::string("SonarQube's answer to ") + what + " is not JSON: \"" +
                     excerpt(body) + "\"");
  return j;
}

// A field that must be a string when present; numbers are accepted as SonarQube's own clients do.
std::string str(const nlohmann::json& obj, const char* key) {
  if (!obj.contains(key) || obj[key].is_null()) return {};
  const auto& v = obj[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return dump_json(v);
  return {};
}

std::string strip_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// SonarQube's error answers are {"errors": [{"msg": "..."}]}: the first message, if any.
std::string server_message(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("errors") || !j["errors"].is_array() ||
      j["errors"].empty() || !j["errors"][0].is_object())
    return {};
  return sanitize_for_display(str(j["errors"][0], "msg").substr(0, 200));
}

}  // namespace

std::map<std::string, std::string> parse_properties(std::string_view text) {
  std::map<std::string, std::string> out;
  std::vector<std::string> lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view first = lines[i];
    size_t start = 0;
    while (start < first.size() && is_space(first[start])) ++start;
    if (start == first.size() || first[start] == '#' || first[start] == '!') continue;
    std::string logical(first.substr(start));
    while (continues(logical) && i + 1 < lines.size()) {
      logical.pop_back();
      std::string_view next = lines[++i];
      size_t k = 0;
      while (k < next.size() && is_space(next[k])) ++k;
      logical += next.substr(k);
    }
    if (continues(logical)) logical.pop_back();  // a continuation at the end of the file
    // The key ends at the first unescaped '=', ':' or blank.
    size_t k = 0;
    while (k < logical.size()) {
      char c = logical[k];
      if (c == '\\') {
        k += 2;
        continue;
      }
      if (c == '=' || c == ':' || is_space(c)) break;
      ++k;
    }
    k = std::min(k, logical.size());
    std::string key = unescape(std::string_view(logical).substr(0, k));
    size_t v = k;
    while (v < logical.size() && is_space(logical[v])) ++v;
    if (v < logical.size() && (logical[v] == '=' || logical[v] == ':')) ++v;
    while (v < logical.size() && is_space(logical[v])) ++v;
    out[key] = unescape(std::string_view(logical).substr(v));
  }
  return out;
}

ReportTask parse_report_task(std::string_view text) {
  auto p = parse_properties(text);
  auto get = [&](const char* k) {
    auto it = p.find(k);
    return it == p.end() ? std::string() : std::string(trim(it->second));
  };
  ReportTask t{get("projectKey"),   get("serverUrl"), get("serverVersion"),
               get("dashboardUrl"), get("ceTaskId"),  get("ceTaskUrl")};
  if (t.ce_task_id.empty())
    throw SonarError("report-task.txt has no ceTaskId: sonar-scanner did not upload an analysis");
  return t;
}

std::string_view to_string(TaskStatus status) {
  switch (status) {
    case TaskStatus::pending:
      return "PENDING";
    case TaskStatus::in_progress:
      return "IN_PROGRESS";
    case TaskStatus::success:
      return "SUCCESS";
    case TaskStatus::failed:
      return "FAILED";
    case TaskStatus::canceled:
      return "CANCELED";
  }
  return "?";
}

CeTask parse_ce_task(std::string_view body) {
  auto j = parse_json(body, "api/ce/task");
  if (!j.contains("task") || !j["task"].is_object())
    throw SonarError("SonarQube's answer to api/ce/task has no \"task\" object: \"" +
                     excerpt(body) + "\"");
  const auto& t = j["task"];
  CeTask task;
  task.id = str(t, "id");
  task.status_text = str(t, "status");
  task.analysis_id = str(t, "analysisId");
  task.error_message = sanitize_for_display(str(t, "errorMessage"));
  static const TaskStatus all[] = {TaskStatus::pending, TaskStatus::in_progress,
                                   TaskStatus::success, TaskStatus::failed, TaskStatus::canceled};
  for (auto s : all)
    if (task.status_text == to_string(s)) {
      task.status = s;
      return task;
    }
  throw SonarError("SonarQube's answer to api/ce/task has an unknown task status \"" +
                   excerpt(task.status_text) + "\"");
}

ProjectStatus parse_project_status(std::string_view body) {
  auto j = parse_json(body, "api/qualitygates/project_status");
  if (!j.contains("projectStatus") || !j["projectStatus"].is_object())
    throw SonarError(
        "SonarQube's answer to api/qualitygates/project_status has no \"projectStatus\" "
        "object: \"" +
        excerpt(body) + "\"");
  const auto& ps = j["projectStatus"];
  ProjectStatus out;
  out.status = str(ps, "status");
  if (out.status.empty())
    throw SonarError("SonarQube's answer to api/qualitygates/project_status has no status");
  if (ps.contains("conditions") && ps["conditions"].is_array()) {
    for (const auto& c : ps["conditions"]) {
      if (!c.is_object()) continue;
      out.conditions.push_back({sanitize_for_display(str(c, "metricKey")), str(c, "comparator"),
                                str(c, "errorThreshold"), str(c, "actualValue"), str(c, "status")});
    }
  }
  return out;
}

std::string get(const Client& client, const std::string& path_and_query, const std::string& what) {
  std::string host = strip_slash(client.host_url);
  net::Request req;
  req.url = host + path_and_query;
  req.bearer_token = client.token;
  req.timeout_seconds = client.request_timeout_seconds;
  req.headers.push_back({"Accept", "application/json"});
  std::string shown = net::redact_url(req.url);
  net::Response r;
  try {
    r = client.fetch(req);
  } catch (const net::TransportError& e) {
    throw SonarError("SonarQube at " + host + " did not answer " + what + " (" + e.what() +
                     "): is the server up and sonar.host_url right?");
  }
  if (r.ok()) return r.body;
  std::string msg = server_message(r.body);
  std::string tail = msg.empty() ? "" : " (the server says: " + msg + ")";
  std::string src =
      client.token_source.empty() ? "the token" : "the token from " + client.token_source;
  switch (r.status) {
    case 401:
      throw SonarError("SonarQube at " + host + " refused " + src + " (HTTP 401 on " + what +
                       "): check that it is a valid, unexpired token "
                       "for this server" +
                       tail);
    case 403:
      throw SonarError("SonarQube at " + host + " forbids " + what + " to " + src +
                       " (HTTP 403): its user needs the Browse permission on the project" + tail);
    case 404:
      throw SonarError("SonarQube at " + host + " has no " + what + " (HTTP 404 on " + shown +
                       "): is sonar.host_url the server the scanner reported to?" + tail);
    default:
      throw SonarError("SonarQube at " + host + " answered " + what + " with HTTP " +
                       std::to_string(r.status) + tail);
  }
}

CeTask fetch_task(const Client& client, const std::string& task_id) {
  return parse_ce_task(
      get(client, "/api/ce/task?id=" + percent_encode(task_id), "the analysis task " + task_id));
}

ProjectStatus fetch_project_status(const Client& client, const std::string& analysis_id) {
  return parse_project_status(
      get(client, "/api/qualitygates/project_status?analysisId=" + percent_encode(analysis_id),
          "the quality gate status of analysis " + analysis_id));
}

CeTask wait_for_task(const Client& client, const std::string& task_id, const WaitOptions& options,
                     const WaitHooks& hooks) {
  auto start = hooks.now();
  auto deadline = start + options.timeout;
  for (;;) {
    CeTask task = fetch_task(client, task_id);
    if (hooks.on_poll) hooks.on_poll(task);
    switch (task.status) {
      case TaskStatus::success:
        if (task.analysis_id.empty())
          throw SonarError("SonarQube's analysis task " + task_id +
                           " succeeded but names no analysis (no analysisId)");
        return task;
      case TaskStatus::failed:
        throw SonarError("SonarQube could not process the analysis: task " + task_id + " FAILED" +
                         (task.error_message.empty() ? "" : ": " + task.error_message));
      case TaskStatus::canceled:
        throw SonarError("SonarQube's analysis task " + task_id +
                         " was CANCELED on the server (an administrator or a newer analysis "
                         "cancelled it)");
      case TaskStatus::pending:
      case TaskStatus::in_progress:
        break;
    }
    auto now = hooks.now();
    if (now >= deadline)
      throw SonarError("SonarQube's analysis task " + task_id + " is still " +
                       std::string(to_string(task.status)) + " after " +
                       format_duration(options.timeout) +
                       " of waiting (sonar timeout): the server's compute engine is busy or "
                       "stuck");
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    hooks.sleep(std::min(options.interval, left));
    if (hooks.cancelled()) return task;
  }
}

}  // namespace pw::analysis::sonar
