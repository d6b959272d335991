#include "engine/build_record.h"

#include "exec/masker.h"
#include "util/error.h"

namespace pw::engine {

StageRecord* BuildRecord::find(const std::string& id) {
  for (auto& s : stages)
    if (s.id == id) return &s;
  return nullptr;
}

void BuildRecord::put(const StageRecord& r) {
  if (StageRecord* s = find(r.id))
    *s = r;
  else
    stages.push_back(r);
}

namespace {
void mask_strings(nlohmann::json& j, const exec::Masker& m) {
  if (j.is_string()) {
    j = m.mask(j.get<std::string>());
  } else if (j.is_array() || j.is_object()) {
    for (auto& v : j) mask_strings(v, m);
  }
}
}  // namespace

nlohmann::json BuildRecord::to_json(const exec::Masker* masker) const {
  nlohmann::json j;
  j["format"] = kFormat;
  j["number"] = number;
  j["status"] = to_string(status);
  j["project"] = project;
  j["commit"] = commit;
  j["branch"] = branch;
  j["started"] = started;
  j["duration_ms"] = duration_ms;
  j["workspace"] = workspace;
  j["trigger"] = trigger;
  j["reason"] = reason;
  j["stages"] = nlohmann::json::array();
  for (const auto& s : stages) {
    nlohmann::json r;
    r["id"] = s.id;
    r["status"] = to_string(s.status);
    r["blocking"] = s.blocking;
    r["duration_ms"] = s.duration_ms;
    r["summary"] = s.summary;
    r["started"] = s.started;
    r["attempts"] = s.attempts;
    r["log"] = s.log;
    r["data"] = s.data;
    if (!s.cache.is_null()) r["cache"] = s.cache;
    if (auto it = needs.find(s.id); it != needs.end()) r["needs"] = it->second;
    j["stages"].push_back(std::move(r));
  }
  if (masker && !masker->empty()) mask_strings(j, *masker);
  return j;
}

BuildRecord BuildRecord::from_json(const nlohmann::json& j) {
  try {
    BuildRecord b;
    b.number = j.at("number").get<int>();
    b.status = status_from_string(j.value("status", "RUNNING")).value_or(Status::running);
    b.project = j.value("project", "");
    b.commit = j.value("commit", "");
    b.branch = j.value("branch", "");
    b.started = j.value("started", "");
    b.duration_ms = j.value("duration_ms", int64_t{0});
    b.workspace = j.value("workspace", "");
    b.trigger = j.value("trigger", "");
    b.reason = j.value("reason", "");
    for (const auto& r : j.value("stages", nlohmann::json::array())) {
      StageRecord s;
      s.id = r.at("id").get<std::string>();
      s.status = status_from_string(r.value("status", "NOT_BUILT")).value_or(Status::not_built);
      s.blocking = r.value("blocking", true);
      s.duration_ms = r.value("duration_ms", int64_t{0});
      s.summary = r.value("summary", "");
      s.started = r.value("started", "");
      s.attempts = r.value("attempts", 0);
      s.log = r.value("log", "");
      s.data = r.value("data", nlohmann::json::object());
      if (r.contains("cache")) s.cache = r["cache"];
      if (auto n = r.find("needs"); n != r.end() && n->is_array()) {
        auto& list = b.needs[s.id];
        for (const auto& x : *n)
          if (x.is_string()) list.push_back(x.get<std::string>());
      }
      b.stages.push_back(std::move(s));
    }
    return b;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a pipewright build record: ") + e.what());
  }
}

std::string build_trigger(const std::function<std::string(const char*)>& getenv) {
  auto by = [&](const char* var) {
    std::string who = getenv(var);
    return who.empty() ? std::string() : " by " + who;
  };
  if (!getenv("GITHUB_ACTIONS").empty())
    return "GitHub Actions " + getenv("GITHUB_EVENT_NAME") + by("GITHUB_ACTOR");
  if (!getenv("GITLAB_CI").empty())
    return "GitLab CI " + getenv("CI_PIPELINE_SOURCE") + by("GITLAB_USER_LOGIN");
  if (!getenv("JENKINS_URL").empty()) {
    std::string job = getenv("JOB_NAME"), n = getenv("BUILD_NUMBER");
    return "Jenkins" + (job.empty() ? "" : " " + job) + (n.empty() ? "" : " #" + n);
  }
  if (!getenv("CI").empty()) return "CI";
  std::string user = getenv("USER");
  if (user.empty()) user = getenv("LOGNAME");
  return user.empty() ? "user" : "user " + user;
}

}  // namespace pw::engine
