#include "deploy/health.h"

#include <algorithm>

#include "net/http.h"
#include "util/strings.h"

namespace pw::deploy {

bool health_passes(const HealthCheck& h, const HealthAnswer& a, std::string& why) {
  if (a.status == 0) {
    why = a.error.empty() ? "no answer" : a.error;
    return false;
  }
  if (a.status != h.expect_status) {
    why =
        "HTTP " + std::to_string(a.status) + " (expected " + std::to_string(h.expect_status) + ")";
    return false;
  }
  if (!h.body_contains.empty() && !contains(a.body, h.body_contains)) {
    why = "HTTP " + std::to_string(a.status) + " without \"" + h.body_contains + "\" in the body";
    return false;
  }
  why = "HTTP " + std::to_string(a.status);
  return true;
}

HealthResult poll_health(const HealthCheck& h, const HealthLoop& loop) {
  HealthResult r;
  auto start = loop.now();
  auto deadline = start + h.timeout;
  auto last_gone_check = start;
  while (true) {
    ++r.attempts;
    HealthAnswer a = loop.probe();
    std::string why;
    bool ok = health_passes(h, a, why);
    r.last = why;
    auto now = loop.now();
    r.elapsed = std::chrono::duration_cast<Millis>(now - start);
    if (ok) {
      r.healthy = true;
      return r;
    }
    if (loop.aborted && loop.aborted()) {
      r.aborted = true;
      return r;
    }
    if (now >= deadline) return r;
    if (loop.gone && now - last_gone_check >= loop.gone_every) {
      last_gone_check = now;
      if (std::string why_gone = loop.gone(); !why_gone.empty()) {
        r.last = why_gone;
        r.elapsed = std::chrono::duration_cast<Millis>(loop.now() - start);
        return r;
      }
    }
    // Never sleep past the deadline: the last probe lands on it.
    auto left = std::chrono::duration_cast<Millis>(deadline - now);
    loop.sleep(std::min<Millis>(h.interval, left));
  }
}

HealthAnswer probe_http(const std::string& url, Millis limit) {
  HealthAnswer a;
  net::Request req;
  req.url = url;
  long secs = std::max<long>(1, static_cast<long>((limit.count() + 999) / 1000));
  req.timeout_seconds = std::min<long>(secs, 10);
  req.connect_timeout_seconds = std::min<long>(secs, 5);
  try {
    auto resp = net::send(req);
    a.status = resp.status;
    a.body = resp.body.substr(0, 64 * 1024);
  } catch (const net::TransportError& e) {
    a.error = e.what();
  } catch (const Error& e) {
    a.error = e.what();
  }
  return a;
}

std::string describe(const HealthResult& r) {
  if (r.healthy)
    return "healthy after " + std::to_string(r.attempts) + " attempt" +
           (r.attempts == 1 ? "" : "s") + " in " + format_duration(r.elapsed);
  if (r.aborted) return "health check aborted";
  return "not healthy after " + format_duration(r.elapsed) + " (" + std::to_string(r.attempts) +
         " attempt" + (r.attempts == 1 ? "" : "s") + ", last: " + r.last + ")";
}

}  // namespace pw::deploy
