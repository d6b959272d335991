// SonarQube mode: report-task.txt, the web API answers and the compute-engine wait, on a fake
// server function and a fake clock.
#include "analysis/sonar_task.h"

#include <gtest/gtest.h>

#include <deque>

namespace pw::analysis::sonar {
namespace {

using namespace std::chrono_literals;

TEST(SonarReportTask, ReadsWhatTheScannerWrites) {
  auto t = parse_report_task(
      "projectKey=my-service\n"
      "serverUrl=http://localhost:9000\n"
      "serverVersion=10.4.1.88267\n"
      "dashboardUrl=http://localhost:9000/dashboard?id=my-service\n"
      "ceTaskId=AYz3x_Qm1\n"
      "ceTaskUrl=http://localhost:9000/api/ce/task?id=AYz3x_Qm1\n");
  EXPECT_EQ(t.project_key, "my-service");
  EXPECT_EQ(t.server_url, "http://localhost:9000");
  EXPECT_EQ(t.server_version, "10.4.1.88267");
  EXPECT_EQ(t.dashboard_url, "http://localhost:9000/dashboard?id=my-service");
  EXPECT_EQ(t.ce_task_id, "AYz3x_Qm1");
  EXPECT_EQ(t.ce_task_url, "http://localhost:9000/api/ce/task?id=AYz3x_Qm1");
}

TEST(SonarReportTask, JavaPropertiesEscapesCommentsAndContinuations) {
  auto p = parse_properties(
      "# written by Properties.store\r\n"
      "! another comment\n"
      "  serverUrl=http\\://host\\:9000/sonar\n"
      "key\\ with\\ blanks : value\n"
      "long = first \\\n"
      "       second\n"
      "unicode=caf\\u00e9\n"
      "bare\n"
      "tab\\tkey=x\\ty\n");
  EXPECT_EQ(p["serverUrl"], "http://host:9000/sonar");
  EXPECT_EQ(p["key with blanks"], "value");
  EXPECT_EQ(p["long"], "first second");
  EXPECT_EQ(p["unicode"], "caf\xC3\xA9");
  EXPECT_EQ(p["bare"], "");
  EXPECT_EQ(p["tab\tkey"], "x\ty");
  EXPECT_EQ(p.size(), 6u);
}

TEST(SonarReportTask, NoTaskIdIsAClearError) {
  EXPECT_THROW(parse_report_task("projectKey=x\nserverUrl=http://h\n"), SonarError);
  EXPECT_THROW(parse_report_task(""), SonarError);
  EXPECT_THROW(parse_report_task("ceTaskId=   \n"), SonarError);
  try {
    parse_report_task("projectKey=x\n");
  } catch (const SonarError& e) {
    EXPECT_NE(std::string(e.what()).find("ceTaskId"), std::string::npos);
  }
}

TEST(SonarApi, ParsesTheCeTaskShape) {
  auto t = parse_ce_task(
      R"({"task":{"id":"AV1","type":"REPORT","componentKey":"k","status":"SUCCESS",)"
      R"("analysisId":"AN9","submittedAt":"2026-01-01T00:00:00+0000","executionTimeMs":420}})");
  EXPECT_EQ(t.id, "AV1");
  EXPECT_EQ(t.status, TaskStatus::success);
  EXPECT_EQ(t.analysis_id, "AN9");
  EXPECT_TRUE(t.finished());
  auto p = parse_ce_task(R"({"task":{"id":"AV1","status":"IN_PROGRESS"}})");
  EXPECT_EQ(p.status, TaskStatus::in_progress);
  EXPECT_FALSE(p.finished());
  auto f = parse_ce_task(R"({"task":{"id":"AV1","status":"FAILED","errorMessage":"boom"}})");
  EXPECT_EQ(f.status, TaskStatus::failed);
  EXPECT_EQ(f.error_message, "boom");
}

TEST(SonarApi, GarbageAndWrongShapesAreErrorsNotCrashes) {
  for (const char* body : {"", "<html>502 Bad Gateway</html>", "[]", "{\"task\": 3}", "{}",
                           "{\"task\":{\"status\":\"EXPLODED\"}}", "{\"task\":{\"status\":[1]}}",
                           "null", "{\"task\":{\"id\":"})
    EXPECT_THROW(parse_ce_task(body), SonarError) << body;
  for (const char* body : {"", "nope", "{}", "{\"projectStatus\":[]}", "{\"projectStatus\":{}}"})
    EXPECT_THROW(parse_project_status(body), SonarError) << body;
}

TEST(SonarApi, ParsesTheProjectStatusShape) {
  auto s = parse_project_status(R"({"projectStatus":{"status":"ERROR","ignoredConditions":false,
    "conditions":[
      {"status":"ERROR","metricKey":"new_coverage","comparator":"LT","periodIndex":1,
       "errorThreshold":"80","actualValue":"42.5"},
      {"status":"OK","metricKey":"new_duplicated_lines_density","comparator":"GT",
       "errorThreshold":"3","actualValue":"0.0"},
      {"status":"OK","metricKey":"new_security_hotspots_reviewed","comparator":"LT",
       "errorThreshold":"100"}],
    "periods":[{"index":1,"mode":"previous_version","date":"2026-01-01T00:00:00+0000"}]}})");
  EXPECT_EQ(s.status, "ERROR");
  EXPECT_FALSE(s.passed());
  ASSERT_EQ(s.conditions.size(), 3u);
  EXPECT_EQ(s.conditions[0].metric_key, "new_coverage");
  EXPECT_EQ(s.conditions[0].comparator, "LT");
  EXPECT_EQ(s.conditions[0].error_threshold, "80");
  EXPECT_EQ(s.conditions[0].actual_value, "42.5");
  EXPECT_EQ(s.conditions[0].status, "ERROR");
  EXPECT_EQ(s.conditions[2].actual_value, "");
  EXPECT_TRUE(parse_project_status(R"({"projectStatus":{"status":"OK"}})").passed());
  EXPECT_TRUE(parse_project_status(R"({"projectStatus":{"status":"NONE"}})").passed());
}

// A scripted server: each request gets the next answer (or throws TransportError for status 0),
// and the requests are kept for inspection.
struct FakeServer {
  std::deque<net::Response> answers;
  std::vector<net::Request> seen;
  Client client() {
    Client c;
    c.host_url = "http://sonar.test:9000/";
    c.token = "squ_secret";
    c.token_source = "credential 'sonar-token'";
    c.fetch = [this](const net::Request& r) {
      seen.push_back(r);
      if (answers.empty()) throw net::TransportError("no more answers");
      net::Response a = answers.front();
      answers.pop_front();
      if (a.status == 0) throw net::TransportError("Failed to connect to sonar.test port 9000");
      return a;
    };
    return c;
  }
  void add(long status, std::string body) {
    net::Response r;
    r.status = status;
    r.body = std::move(body);
    answers.push_back(r);
  }
  void task(const std::string& status, const std::string& extra = "") {
    add(200, R"({"task":{"id":"T1","status":")" + status + "\"" + extra + "}}");
  }
};

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const SonarError& e) {
    return e.what();
  }
  return "(no error)";
}

// A clock that advances only when the wait sleeps.
struct FakeClock {
  std::chrono::steady_clock::time_point t{};
  std::vector<std::chrono::milliseconds> sleeps;
  WaitHooks hooks() {
    WaitHooks h;
    h.now = [this] { return t; };
    h.sleep = [this](std::chrono::milliseconds d) {
      sleeps.push_back(d);
      t += d;
    };
    return h;
  }
};

TEST(SonarWait, PollsUntilSuccessWithTheBearerToken) {
  FakeServer s;
  s.task("PENDING");
  s.task("IN_PROGRESS");
  s.task("SUCCESS", R"(,"analysisId":"A7")");
  FakeClock clock;
  std::vector<TaskStatus> polled;
  auto hooks = clock.hooks();
  hooks.on_poll = [&](const CeTask& t) { polled.push_back(t.status); };
  auto task = wait_for_task(s.client(), "T1", {60s, 2s}, hooks);
  EXPECT_EQ(task.analysis_id, "A7");
  EXPECT_EQ(polled, (std::vector<TaskStatus>{TaskStatus::pending, TaskStatus::in_progress,
                                             TaskStatus::success}));
  EXPECT_EQ(clock.sleeps, (std::vector<std::chrono::milliseconds>{2s, 2s}));
  ASSERT_EQ(s.seen.size(), 3u);
  EXPECT_EQ(s.seen[0].url, "http://sonar.test:9000/api/ce/task?id=T1");
  EXPECT_EQ(s.seen[0].bearer_token, "squ_secret");
  // The token goes to libcurl's option, never into the URL or a header we build.
  for (const auto& [k, v] : s.seen[0].headers) EXPECT_EQ(v.find("squ_secret"), std::string::npos);
}

TEST(SonarWait, ANeverEndingTaskTimesOutWithoutSleepingPastTheDeadline) {
  FakeServer s;
  for (int i = 0; i < 20; ++i) s.task("IN_PROGRESS");
  FakeClock clock;
  std::string m = message_of([&] { wait_for_task(s.client(), "T1", {5s, 2s}, clock.hooks()); });
  EXPECT_NE(m.find("still IN_PROGRESS after 5"), std::string::npos) << m;
  // 2 + 2 + 1: the last sleep is cut to the deadline, then one final poll.
  EXPECT_EQ(clock.sleeps, (std::vector<std::chrono::milliseconds>{2s, 2s, 1s}));
  EXPECT_EQ(s.seen.size(), 4u);
}

TEST(SonarWait, FailedAndCanceledTasksAreFailuresWithTheServersReason) {
  FakeServer s;
  s.task("PENDING");
  s.task("FAILED", R"(,"errorMessage":"Unsupported language")");
  FakeClock clock;
  std::string m = message_of([&] { wait_for_task(s.client(), "T1", {60s, 1s}, clock.hooks()); });
  EXPECT_NE(m.find("FAILED: Unsupported language"), std::string::npos) << m;

  FakeServer c;
  c.task("CANCELED");
  m = message_of([&] { wait_for_task(c.client(), "T1", {60s, 1s}, clock.hooks()); });
  EXPECT_NE(m.find("CANCELED"), std::string::npos) << m;

  FakeServer n;
  n.task("SUCCESS");
  m = message_of([&] { wait_for_task(n.client(), "T1", {60s, 1s}, clock.hooks()); });
  EXPECT_NE(m.find("no analysisId"), std::string::npos) << m;
}

TEST(SonarWait, StopsWhenCancelled) {
  FakeServer s;
  for (int i = 0; i < 5; ++i) s.task("PENDING");
  FakeClock clock;
  auto hooks = clock.hooks();
  int polls = 0;
  hooks.on_poll = [&](const CeTask&) { ++polls; };
  hooks.cancelled = [&] { return polls >= 2; };
  auto t = wait_for_task(s.client(), "T1", {60s, 1s}, hooks);
  EXPECT_EQ(t.status, TaskStatus::pending);
  EXPECT_EQ(polls, 2);
}

TEST(SonarApi, HttpProblemsAreClearAndNeverNameTheToken) {
  struct Case {
    long status;
    std::string body;
    std::string expect;
  };
  std::vector<Case> cases = {
      {0, "", "did not answer"},
      {401, "", "refused the token from credential 'sonar-token' (HTTP 401"},
      {403, R"({"errors":[{"msg":"Insufficient privileges"}]})", "Insufficient privileges"},
      {404, "", "HTTP 404"},
      {500, "<html>oops</html>", "with HTTP 500"},
      {503, R"({"errors":[{"msg":"Server is starting"}]})", "the server says: Server is starting"},
  };
  for (const auto& c : cases) {
    FakeServer s;
    s.add(c.status, c.body);
    std::string m = message_of([&] { fetch_task(s.client(), "T1"); });
    EXPECT_NE(m.find(c.expect), std::string::npos) << c.status << ": " << m;
    EXPECT_EQ(m.find("squ_secret"), std::string::npos) << m;
  }
  FakeServer g;
  g.add(200, "this is not json at all");
  std::string m = message_of([&] { fetch_project_status(g.client(), "A1"); });
  EXPECT_NE(m.find("is not JSON"), std::string::npos) << m;
}

TEST(SonarApi, ProjectStatusIsAskedForByAnalysisId) {
  FakeServer s;
  s.add(200, R"({"projectStatus":{"status":"OK","conditions":[]}})");
  auto st = fetch_project_status(s.client(), "AN 1");
  EXPECT_TRUE(st.passed());
  ASSERT_EQ(s.seen.size(), 1u);
  EXPECT_EQ(s.seen[0].url,
            "http://sonar.test:9000/api/qualitygates/project_status?analysisId=AN%201");
}

}  // namespace
}  // namespace pw::analysis::sonar
