// The health check that decides a deployment: an HTTP URL polled at an interval until it
// answers the expected status (and body text), or until the deadline. The loop takes its probe,
// clock and sleep as parameters, so its timing is tested without servers or waiting.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "deploy/config.h"

namespace pw::deploy {

struct HealthAnswer {
  long status = 0;    // 0: no HTTP answer
  std::string error;  // why there was no answer (refused, timed out, ...)
  std::string body;
};

struct HealthResult {
  bool healthy = false;
  int attempts = 0;
  Millis elapsed{0};
  std::string last;  // the last answer, in words: "HTTP 500", "connection refused", ...
  bool aborted = false;
};

// Whether one answer passes; `why` says what was wrong when it does not.
bool health_passes(const HealthCheck& h, const HealthAnswer& a, std::string& why);

struct HealthLoop {
  std::function<HealthAnswer()> probe;
  std::function<std::chrono::steady_clock::time_point()> now;
  std::function<void(Millis)> sleep;
  std::function<bool()> aborted;  // may be empty
  // Asked after a failed probe, at most once per `gone_every`: a reason when waiting on is
  // pointless (the container exited), else "". May be empty.
  std::function<std::string()> gone;
  Millis gone_every{3000};
};

// Probes until a pass, the check's timeout, or an abort. The first probe is immediate; at least
// one probe is always made.
HealthResult poll_health(const HealthCheck& h, const HealthLoop& loop);

// One GET of the check's URL from this machine (net::send), bounded by `limit`.
HealthAnswer probe_http(const std::string& url, Millis limit);

// "healthy after 3 attempts in 2.1s" / "not healthy after 60s (12 attempts, last: HTTP 500)".
std::string describe(const HealthResult& r);

}  // namespace pw::deploy
