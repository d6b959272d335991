#include "deploy/rollout.h"

#include <chrono>
#include <thread>

#include "util/numbers.h"
#include "util/strings.h"

namespace pw::deploy {

using Clock = std::chrono::steady_clock;

namespace {

constexpr int kLogLines = 30;  // of a failed container, in the stage's log

struct Session {
  exec::ProcessResult result;
  RemoteReport report;
  std::string err;
  std::string fact(const std::string& k) const {
    auto it = report.facts.find(k);
    return it == report.facts.end() ? "" : it->second;
  }
  bool has(const std::string& k) const { return report.facts.count(k) > 0; }
  bool ssh_failed() const { return result.exit_code == 255 || !result.spawn_error.empty(); }
  // The reason in a few words, from ssh's or the engine's last stderr line.
  std::string reason() const {
    if (!result.spawn_error.empty()) return result.spawn_error;
    auto lines = split_lines(err);
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
      std::string l(trim(*it));
      if (!l.empty() && l.rfind("Warning: Permanently added", 0) != 0) return l;
    }
    return result.describe();
  }
};

void add_note(TargetRun& r, const std::string& text) {
  r.note += (r.note.empty() ? "" : "; ") + text;
}

class Deployer {
 public:
  Deployer(const DeployConfig& cfg, const Release& rel, Io& io) : cfg_(cfg), rel_(rel), io_(io) {}

  Rollout run();

 private:
  Session session(const DeployTarget& t, const std::string& script, const std::string& what,
                  const std::string& stdin_data = {});
  bool deploy(TargetRun& r);
  void roll_back(TargetRun& r, int log_lines);
  // `container`, when given, is asked for its state while the check fails.
  HealthResult check(const DeployTarget& t, const std::string& container = {});
  void finish(TargetRun& r);

  const DeployConfig& cfg_;
  const Release& rel_;
  Io& io_;
};

Session Deployer::session(const DeployTarget& t, const std::string& script, const std::string& what,
                          const std::string& stdin_data) {
  Session s;
  std::string dest = (t.user.empty() ? "" : t.user + "@") + t.host +
                     (t.port != 22 ? ":" + std::to_string(t.port) : "");
  io_.log("$ ssh " + dest + "  # " + what);
  std::string out;
  s.result = io_.run(ssh_argv(t, remote_sh(script)), stdin_data, out, s.err);
  s.report = parse_report(out);
  for (const auto& l : s.report.other) io_.log(l);
  for (const auto& [k, v] : s.report.facts)
    if (k != "started" && !v.empty()) io_.log("  " + k + ": " + v);
  return s;
}

HealthResult Deployer::check(const DeployTarget& t, const std::string& container) {
  const HealthCheck& h = t.health;
  if (h.from_host) {
    auto t0 = Clock::now();
    auto s = session(t, host_health_script(h), "health check of " + h.url + " on the host");
    HealthResult r;
    r.elapsed = std::chrono::duration_cast<Millis>(Clock::now() - t0);
    std::string v = s.has("health_ok") ? s.fact("health_ok") : s.fact("health_failed");
    auto parts = split(v, ' ');
    if (!parts.empty()) r.attempts = static_cast<int>(parse_int(parts[0], 0, 1000000).value_or(0));
    r.healthy = s.result.ok() && s.has("health_ok");
    if (r.healthy)
      r.last = "HTTP " + (parts.size() > 1 ? parts[1] : std::string("?"));
    else if (s.ssh_failed())
      r.last = "ssh: " + s.reason();
    else if (s.has("health_error"))
      r.last = s.fact("health_error");
    else if (parts.size() > 1)
      r.last = parts[1] == "000" ? "no answer" : "HTTP " + parts[1];
    else
      r.last = s.reason();
    io_.log("health: " + describe(r));
    return r;
  }
  io_.log("health: GET " + h.url + " from this machine, expecting " +
          std::to_string(h.expect_status) +
          (h.body_contains.empty() ? "" : " with \"" + h.body_contains + "\"") + ", every " +
          format_duration(h.interval) + " for up to " + format_duration(h.timeout));
  HealthLoop loop;
  loop.probe = [&]() { return probe_http(h.url, std::min<Millis>(h.timeout, Millis(5000))); };
  loop.now = [] { return Clock::now(); };
  loop.sleep = [](Millis d) { std::this_thread::sleep_for(d); };
  loop.aborted = [&] { return io_.should_stop(); };
  if (!container.empty()) {
    // A container that exited will not become healthy: say so now rather than at the timeout.
    loop.gone = [&]() -> std::string {
      auto s = session(t, state_script(t.engine, container), "state of " + container);
      auto st = split(s.fact("state"), ' ');
      if (!s.result.ok() || st.empty()) return "";
      if (st[0] == "absent") return "the container is gone";
      // While restarting, podman reports exit code 0 whatever the last exit was.
      std::string code = st.size() > 1 && st[1] != "0" ? " (exit code " + st[1] + ")" : "";
      // With a restart policy a crashing container keeps coming back: its restarts tell.
      if (st.size() > 2 && st[2] != "0")
        return "the container keeps exiting" + code + ", restarted " + st[2] + " times";
      if (st[0] == "exited" || st[0] == "dead") return "the container " + st[0] + code;
      return "";
    };
  }
  auto r = poll_health(h, loop);
  io_.log("health: " + describe(r));
  return r;
}

bool Deployer::deploy(TargetRun& r) {
  const DeployTarget& t = *r.t;
  SwitchPlan p;
  p.engine = t.engine;
  p.container = r.container;
  p.image = rel_.pinned;
  p.registry = rel_.ref.registry;
  p.login = !rel_.password.empty();
  p.tls_verify = rel_.tls_verify;
  p.ports = t.ports;
  p.restart = t.restart;
  p.stop_timeout = t.stop_timeout;
  p.labels = rel_.labels;
  static const std::vector<std::pair<std::string, std::string>> no_env;
  auto env = rel_.env.find(t.name);
  auto s = session(
      t, switch_script(p), "pull " + rel_.pinned + " and replace container " + r.container,
      switch_stdin(rel_.username, rel_.password, env == rel_.env.end() ? no_env : env->second));
  r.previous_image = s.fact("previous_image") == "none" ? "" : s.fact("previous_image");
  r.previous_build = s.fact("previous_build");
  r.switched = s.has("switched");
  if (!r.switched) {
    r.outcome = "unchanged";
    r.image_after = r.previous_image;
    std::string f = s.fact("failed");
    if (s.ssh_failed())
      r.note = "could not connect over SSH (" + s.reason() + ")";
    else if (f == "login")
      r.note = "the registry login on the host failed (" + s.reason() + ")";
    else if (f == "pull")
      r.note = "the pull of " + rel_.pinned + " failed (" + s.reason() + ")";
    else if (f == "stop" || f == "rename")
      r.note = "could not stop the running container (" + s.reason() + ")";
    else if (f == "no-engine")
      r.note = "'" + t.engine + "' is not installed on the host";
    else
      r.note = "the host could not prepare the deployment (" + s.reason() + ")";
    r.note += ": nothing was changed there";
    if (!r.previous_image.empty()) r.note += ", " + r.container + " still runs " + r.previous_image;
    return false;
  }
  if (!s.result.ok()) {
    r.note = s.fact("failed") == "run" ? "the new container did not start (" + s.reason() + ")"
                                       : "the session ended during the switch (" + s.reason() + ")";
    roll_back(r, kLogLines);
    return false;
  }
  r.new_id = s.fact("started");
  io_.log(t.name + ": started " + r.container + " (" + r.new_id.substr(0, 12) + ") from " +
          rel_.pinned);
  if (t.health.url.empty()) {
    io_.warn("deploy target '" + t.name +
             "' has no health check: the new container counts as "
             "deployed once started");
    r.outcome = "deployed";
    r.image_after = rel_.pinned;
    return true;
  }
  r.health = check(t, r.container);
  if (r.health->healthy) {
    r.outcome = "deployed";
    r.image_after = rel_.pinned;
    return true;
  }
  r.note = r.health->aborted ? "aborted during the health check"
                             : "health check failed: " + describe(*r.health);
  roll_back(r, kLogLines);
  return false;
}

void Deployer::roll_back(TargetRun& r, int log_lines) {
  const DeployTarget& t = *r.t;
  auto s = session(t, rollback_script(t.engine, r.container, log_lines),
                   "roll back " + r.container + " to the previous container");
  r.new_state = s.fact("new_state");
  if (!s.report.container_log.empty()) {
    io_.log("last " + std::to_string(s.report.container_log.size()) + " log lines of the new " +
            r.container + " on " + t.name + (r.new_state.empty() ? "" : " (" + r.new_state + ")") +
            ":");
    for (const auto& l : s.report.container_log) io_.log("  | " + l);
  } else if (log_lines > 0 && s.has("new_state")) {
    // Said, so that an empty log reads as the container's silence, not as a log left out.
    io_.log("the new " + r.container + " on " + t.name + " printed nothing" +
            (r.new_state.empty() ? "" : " (" + r.new_state + ")"));
  }
  if (!s.result.ok() || !s.has("restored")) {
    r.outcome = "failed";
    add_note(r, "the roll back failed too (" + s.reason() + "): check " + t.name + " by hand");
    return;
  }
  r.restored_image = s.fact("restored") == "none" ? "" : s.fact("restored");
  if (r.restored_image.empty()) {
    r.outcome = "removed";
    r.image_after = "";
    add_note(r, "nothing to roll back to (first deployment on " + t.name +
                    "): removed the new container");
    return;
  }
  r.outcome = "rolled back";
  r.image_after = r.restored_image;
  std::string what = "rolled back to " + r.restored_image +
                     (r.previous_build.empty() ? "" : " (build #" + r.previous_build + ")");
  if (!t.health.url.empty()) {
    r.restored_health = check(t);
    what += r.restored_health->healthy ? ", healthy again" : ", which is not healthy either";
  }
  add_note(r, what);
}

void Deployer::finish(TargetRun& r) {
  auto s = session(*r.t, finish_script(r.t->engine, r.container),
                   "remove the previous container " + previous_name(r.container));
  if (!s.result.ok())
    io_.warn("deploy target '" + r.t->name + "': could not remove " + previous_name(r.container) +
             " (" + s.reason() + "); the next deployment removes it");
}

Rollout Deployer::run() {
  auto t0 = Clock::now();
  Rollout out;
  auto& runs = out.runs;
  runs.resize(cfg_.targets.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    runs[i].t = &cfg_.targets[i];
    runs[i].container = container_name(cfg_.targets[i], rel_.ref);
  }
  io_.log("deploying build #" + std::to_string(rel_.build) + " (" + rel_.pinned + ") to " +
          std::to_string(runs.size()) + " target(s), one after another");
  out.failed = runs.size();
  for (size_t i = 0; i < runs.size(); ++i) {
    if (io_.should_stop()) {
      out.aborted = true;
      out.failed = i;
      break;
    }
    auto ti = Clock::now();
    bool ok = deploy(runs[i]);
    runs[i].duration = std::chrono::duration_cast<Millis>(Clock::now() - ti);
    if (!ok) {
      out.failed = i;
      break;
    }
  }

  if (out.failed < runs.size()) {
    // Hosts already switched: back to what they ran, newest first, unless the team chose to
    // keep them on the new build.
    for (size_t j = out.failed; j-- > 0;) {
      auto& r = runs[j];
      if (cfg_.rollback && !out.aborted) {
        auto tj = Clock::now();
        roll_back(r, 0);
        r.duration += std::chrono::duration_cast<Millis>(Clock::now() - tj);
        out.others.push_back(r.t->name + ": " + r.note);
      } else {
        finish(r);
        out.others.push_back(r.t->name + " kept on the new build" +
                             (out.aborted ? "" : " (rollback: false)"));
      }
    }
  } else {
    for (auto& r : runs) finish(r);
  }
  out.took = std::chrono::duration_cast<Millis>(Clock::now() - t0);
  return out;
}

}  // namespace

Rollout::Status Rollout::status() const {
  if (aborted) return Status::aborted;
  return failed < runs.size() ? Status::failed : Status::deployed;
}

const char* Rollout::status_name() const {
  switch (status()) {
    case Status::aborted:
      return "aborted";
    case Status::failed:
      return "failed";
    case Status::deployed:
      break;
  }
  return "deployed";
}

Rollout roll_out(const DeployConfig& cfg, const Release& release, Io& io) {
  return Deployer(cfg, release, io).run();
}

std::string summary(const Rollout& r, const Release& release, const std::string& history_problem) {
  switch (r.status()) {
    case Rollout::Status::aborted:
      return "aborted before deploy target '" + r.runs[r.failed].t->name + "'";
    case Rollout::Status::failed: {
      const auto& f = r.runs[r.failed];
      std::string s = f.t->name + ": " + f.note;
      std::vector<std::string> others = r.others;
      if (!history_problem.empty()) others.push_back(history_problem);
      if (!others.empty()) s += "; " + join(others, "; ");
      size_t unreached = r.runs.size() - r.failed - 1;
      if (unreached) s += "; " + std::to_string(unreached) + " later target(s) not touched";
      return s;
    }
    case Rollout::Status::deployed:
      break;
  }
  std::vector<std::string> parts;
  for (const auto& t : r.runs)
    parts.push_back(t.t->name +
                    (t.health ? " (" + describe(*t.health) + ")" : " (no health check)"));
  std::string s = "deployed build #" + std::to_string(release.build) + " (" + release.image +
                  ") to " + join(parts, ", ");
  // Deployed, but its history was damaged: named, so that someone looks at the file.
  if (!history_problem.empty()) s += "; " + history_problem;
  return s;
}

}  // namespace pw::deploy
