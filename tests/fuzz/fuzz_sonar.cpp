// SonarQube's side: report-task.txt as sonar-scanner leaves it, and the server's answers to
// api/ce/task and api/qualitygates/project_status, also through the gate's polling loop (fake
// clock: it ends at the wait's timeout).
#include <chrono>

#include "analysis/sonar_task.h"
#include "fuzz_http_answer.h"

PW_FUZZ_TARGET(text) {
  using namespace pw::analysis::sonar;
  (void)parse_properties(text);
  auto each = [](auto&& call) {
    try {
      call();
    } catch (const pw::Error&) {
    }
  };
  each([&] { (void)parse_report_task(text); });
  each([&] { (void)parse_ce_task(text); });
  each([&] { (void)parse_project_status(text); });
  pw::net::Response answer = pw::fuzz::http_answer(text);
  Client client;
  client.host_url = "http://127.0.0.1:9000";
  client.token = "squ_token";
  client.fetch = [&](const pw::net::Request&) { return answer; };
  std::chrono::steady_clock::time_point now{};
  WaitHooks hooks;
  hooks.now = [&] { return now; };
  hooks.sleep = [&](std::chrono::milliseconds d) { now += d; };
  WaitOptions options;
  options.timeout = std::chrono::seconds(60);
  each([&] {
    auto task = wait_for_task(client, "AY-task", options, hooks);
    (void)fetch_project_status(client, task.analysis_id);
  });
}
