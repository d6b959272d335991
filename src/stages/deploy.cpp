#include "stages/deploy.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "exec/masker.h"
#include "stages/deploy_config.h"
#include "stages/deploy_health.h"
#include "stages/deploy_remote.h"
#include "stages/outputs.h"
#include "stages/settings.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;
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

struct TargetRun {
  const DeployTarget* t = nullptr;
  std::string container;
  bool switched = false;  // the old container is kept aside; the new one may exist
  std::string previous_image, previous_build;
  std::string new_id;
  std::optional<HealthResult> health;
  std::string outcome = "not reached";  // deployed, rolled back, unchanged, failed, not reached
  std::string image_after;
  std::string restored_image;
  std::optional<HealthResult> restored_health;
  std::string new_state;
  std::string note;
  Millis duration{0};
};

void add_note(TargetRun& r, const std::string& text) {
  r.note += (r.note.empty() ? "" : "; ") + text;
}

nlohmann::json health_json(const HealthResult& h) {
  return {{"healthy", h.healthy},
          {"attempts", h.attempts},
          {"elapsed_ms", h.elapsed.count()},
          {"last", h.last}};
}

class Deployer {
 public:
  Deployer(engine::StageContext& ctx, DeployConfig cfg) : ctx_(ctx), cfg_(std::move(cfg)) {}

  engine::StageOutcome run();

 private:
  Session session(const DeployTarget& t, const std::string& script, const std::string& what,
                  const std::string& stdin_data = {});
  bool deploy(TargetRun& r);
  void roll_back(TargetRun& r, int log_lines);
  // `container`, when given, is asked for its state while the check fails.
  HealthResult check(const DeployTarget& t, const std::string& container = {});
  void finish(TargetRun& r);
  // Adds this deployment to reports/deploy.json; returns what was wrong with the history found
  // there ("" when nothing was).
  std::string record(const std::vector<TargetRun>& runs, const std::string& status, Millis took);

  engine::StageContext& ctx_;
  DeployConfig cfg_;
  std::string image_ref_, pinned_, digest_;
  ImageRef ref_;
  std::string user_, password_;
  bool tls_verify_ = true;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> env_;  // per target
  std::vector<std::pair<std::string, std::string>> labels_;
};

Session Deployer::session(const DeployTarget& t, const std::string& script, const std::string& what,
                          const std::string& stdin_data) {
  Session s;
  std::string dest = (t.user.empty() ? "" : t.user + "@") + t.host +
                     (t.port != 22 ? ":" + std::to_string(t.port) : "");
  ctx_.log("$ ssh " + dest + "  # " + what);
  std::string out;
  engine::RunOptions o;
  o.stdin_data = stdin_data;  // secrets travel here, never in argv
  o.log_command = false;
  s.result = ctx_.capture(ssh_argv(t, remote_sh(script)), out, o, &s.err);
  s.report = parse_report(out);
  for (const auto& l : s.report.other) ctx_.log(l);
  for (const auto& [k, v] : s.report.facts)
    if (k != "started" && !v.empty()) ctx_.log("  " + k + ": " + v);
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
    ctx_.log("health: " + describe(r));
    return r;
  }
  ctx_.log("health: GET " + h.url + " from this machine, expecting " +
           std::to_string(h.expect_status) +
           (h.body_contains.empty() ? "" : " with \"" + h.body_contains + "\"") + ", every " +
           format_duration(h.interval) + " for up to " + format_duration(h.timeout));
  HealthLoop loop;
  loop.probe = [&]() { return probe_http(h.url, std::min<Millis>(h.timeout, Millis(5000))); };
  loop.now = [] { return Clock::now(); };
  loop.sleep = [](Millis d) { std::this_thread::sleep_for(d); };
  loop.aborted = [&] { return ctx_.should_stop(); };
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
  ctx_.log("health: " + describe(r));
  return r;
}

bool Deployer::deploy(TargetRun& r) {
  const DeployTarget& t = *r.t;
  SwitchPlan p;
  p.engine = t.engine;
  p.container = r.container;
  p.image = pinned_;
  p.registry = ref_.registry;
  p.login = !password_.empty();
  p.tls_verify = tls_verify_;
  p.ports = t.ports;
  p.restart = t.restart;
  p.stop_timeout = t.stop_timeout;
  p.labels = labels_;
  auto s = session(t, switch_script(p), "pull " + pinned_ + " and replace container " + r.container,
                   switch_stdin(user_, password_, env_[t.name]));
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
      r.note = "the pull of " + pinned_ + " failed (" + s.reason() + ")";
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
  ctx_.log(t.name + ": started " + r.container + " (" + r.new_id.substr(0, 12) + ") from " +
           pinned_);
  if (t.health.url.empty()) {
    ctx_.warn("deploy target '" + t.name +
              "' has no health check: the new container counts as "
              "deployed once started");
    r.outcome = "deployed";
    r.image_after = pinned_;
    return true;
  }
  r.health = check(t, r.container);
  if (r.health->healthy) {
    r.outcome = "deployed";
    r.image_after = pinned_;
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
    ctx_.log("last " + std::to_string(s.report.container_log.size()) + " log lines of the new " +
             r.container + " on " + t.name + (r.new_state.empty() ? "" : " (" + r.new_state + ")") +
             ":");
    for (const auto& l : s.report.container_log) ctx_.log("  | " + l);
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
    ctx_.warn("deploy target '" + r.t->name + "': could not remove " + previous_name(r.container) +
              " (" + s.reason() + "); the next deployment removes it");
}

std::string Deployer::record(const std::vector<TargetRun>& runs, const std::string& status,
                             Millis took) {
  nlohmann::json d = {{"build", ctx_.paths().number},
                      {"image", image_ref_},
                      {"digest", digest_},
                      {"pulled", pinned_},
                      {"status", status},
                      {"finished", iso8601_now()},
                      {"duration_ms", took.count()},
                      {"rollback", cfg_.rollback}};
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& r : runs) {
    nlohmann::json j = {{"name", r.t->name},
                        {"host", r.t->host},
                        {"port", r.t->port},
                        {"container", r.container},
                        {"outcome", r.outcome},
                        {"image_before", r.previous_image},
                        {"build_before", r.previous_build},
                        {"image_after", r.image_after},
                        {"duration_ms", r.duration.count()},
                        {"note", r.note}};
    if (r.health) j["health"] = health_json(*r.health);
    if (r.restored_health) j["restored_health"] = health_json(*r.restored_health);
    if (!r.new_state.empty()) j["new_container_state"] = r.new_state;
    targets.push_back(j);
  }
  d["targets"] = targets;
  ctx_.data()["deployment"] = d;
  // Every deployment of this build, the redeploys and roll backs of later days included.
  fs::path file = ctx_.paths().reports / "deploy.json";
  nlohmann::json all = nlohmann::json::array();
  std::error_code ec;
  std::string problem;
  if (fs::exists(file, ec)) {
    std::string damage;
    try {
      all = nlohmann::json::parse(read_file(file));
      if (!all.is_array()) damage = "not a JSON array";
    } catch (const std::exception& e) {
      damage = e.what();
    }
    if (!damage.empty()) {
      // The history is not ours to lose: the damaged file is kept beside the new one, and the
      // stage says so, rather than starting over without a word.
      fs::path aside = file;
      aside += ".damaged-" + std::to_string(ctx_.paths().number) + "-" +
               std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
      fs::rename(file, aside, ec);
      problem =
          file.string() + " was damaged (" + damage + "); kept as " +
          (ec ? file.string() + " (could not move it: " + ec.message() + ")" : aside.string()) +
          ", and this deployment starts a new history";
      ctx_.warn(problem);
      all = nlohmann::json::array();
      if (ec) {
        ctx_.data()["deployment_history_problem"] = problem;
        return problem;  // never overwrite the only copy of the history
      }
    }
  }
  all.push_back(d);
  fs::create_directories(ctx_.paths().reports, ec);
  write_file_atomic(file, ctx_.masker().mask(dump_json(all, 2) + "\n"));
  if (!problem.empty()) ctx_.data()["deployment_history_problem"] = problem;
  return problem;
}

engine::StageOutcome Deployer::run() {
  auto t0 = Clock::now();
  int build = ctx_.paths().number;
  auto pushed = pushed_image(ctx_);
  if (!pushed)
    return engine::StageOutcome::skipped(
        "no image was pushed in build #" + std::to_string(build) +
        " (artifacts/dockerhub_image.txt is missing): image-push must succeed first");
  image_ref_ = pushed->reference;
  ref_ = parse_image_ref(image_ref_);
  if (image_ref_.empty() || ref_.repository.empty())
    return engine::StageOutcome::failed("artifacts/dockerhub_image.txt does not name an image");
  digest_ = pushed->digest;
  if (!digest_.empty() && !is_sha256_digest(digest_))
    return engine::StageOutcome::failed("artifacts/image_digest.txt holds '" + digest_ +
                                        "', not a sha256:<hex> digest");
  // By digest, so every host runs exactly the pushed bytes even if the tag moved since.
  pinned_ = digest_.empty() ? image_ref_ : ref_.name + "@" + digest_;
  if (digest_.empty()) ctx_.warn("no artifacts/image_digest.txt: deploying by tag " + image_ref_);

  // The push's registry credential and TLS choice, as image-push used them.
  std::string cred = pushed->credential;
  tls_verify_ = pushed->tls_verify;
  if (ctx_.credentials().has(cred)) {
    user_ = ctx_.credentials().field(cred, "username");
    password_ = ctx_.credentials().field(cred, "password");
    if (user_.empty() || password_.empty()) {
      ctx_.log("credential '" + cred + "' lacks username or password: pulling without a login");
      user_.clear();
      password_.clear();
    }
  } else {
    ctx_.log("no credential '" + cred + "': the hosts pull without a login");
  }

  std::vector<TargetRun> runs(cfg_.targets.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto& t = cfg_.targets[i];
    runs[i].t = &t;
    runs[i].container =
        t.container.empty() ? ref_.repository.substr(ref_.repository.rfind('/') + 1) : t.container;
    auto& env = env_[t.name];
    env = t.env;
    for (const auto& id : t.credentials) {
      if (!ctx_.credentials().has(id))
        return engine::StageOutcome::failed(
            "deploy target '" + t.name + "' needs credential '" + id + "', which is not in " +
            ctx_.credentials().path().string() + ": no host was touched");
      for (const auto& kv : ctx_.credentials().env_for(id)) {
        if (kv.second.find('\n') != std::string::npos)
          return engine::StageOutcome::failed(
              "credential '" + id +
              "' has a line break in a value, "
              "which an env file cannot carry: no host was touched");
        env.push_back(kv);
      }
    }
  }
  std::string project = ctx_.pipeline().project.name.empty()
                            ? ctx_.project_dir().filename().string()
                            : ctx_.pipeline().project.name;
  labels_ = {{kBuildLabel, std::to_string(build)},
             {"org.pipewright.project", project},
             {"org.pipewright.commit", ctx_.commit()},
             {"org.pipewright.image", image_ref_},
             {"org.pipewright.deployed", iso8601_now()}};

  ctx_.log("deploying build #" + std::to_string(build) + " (" + pinned_ + ") to " +
           std::to_string(runs.size()) + " target(s), one after another");
  size_t failed = runs.size();
  bool aborted = false;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (ctx_.should_stop()) {
      aborted = true;
      failed = i;
      break;
    }
    auto ti = Clock::now();
    bool ok = deploy(runs[i]);
    runs[i].duration = std::chrono::duration_cast<Millis>(Clock::now() - ti);
    if (!ok) {
      failed = i;
      break;
    }
  }

  std::vector<std::string> others;
  if (failed < runs.size()) {
    // Hosts already switched: back to what they ran, newest first, unless the team chose to
    // keep them on the new build.
    for (size_t j = failed; j-- > 0;) {
      auto& r = runs[j];
      if (cfg_.rollback && !aborted) {
        auto tj = Clock::now();
        roll_back(r, 0);
        r.duration += std::chrono::duration_cast<Millis>(Clock::now() - tj);
        others.push_back(r.t->name + ": " + r.note);
      } else {
        finish(r);
        others.push_back(r.t->name + " kept on the new build" +
                         (aborted ? "" : " (rollback: false)"));
      }
    }
  } else {
    for (auto& r : runs) finish(r);
  }
  auto took = std::chrono::duration_cast<Millis>(Clock::now() - t0);

  if (aborted) {
    record(runs, "aborted", took);
    return {engine::Status::aborted, "aborted before deploy target '" + runs[failed].t->name + "'"};
  }
  if (failed < runs.size()) {
    const auto& r = runs[failed];
    std::string history_problem = record(runs, "failed", took);
    std::string s = r.t->name + ": " + r.note;
    if (!history_problem.empty()) others.push_back(history_problem);
    if (!others.empty()) s += "; " + join(others, "; ");
    size_t unreached = runs.size() - failed - 1;
    if (unreached) s += "; " + std::to_string(unreached) + " later target(s) not touched";
    return engine::StageOutcome::failed(s);
  }
  std::string history_problem = record(runs, "deployed", took);
  std::vector<std::string> parts;
  for (const auto& r : runs)
    parts.push_back(r.t->name +
                    (r.health ? " (" + describe(*r.health) + ")" : " (no health check)"));
  std::string summary =
      "deployed build #" + std::to_string(build) + " (" + image_ref_ + ") to " + join(parts, ", ");
  // Deployed, but its history was damaged: UNSTABLE, so that someone looks at the file.
  if (!history_problem.empty())
    return engine::StageOutcome::unstable(summary + "; " + history_problem);
  return engine::StageOutcome::ok(summary);
}

}  // namespace

void DeployStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                           std::vector<Diagnostic>& diags) {
  read_deploy_config(spec, diags);
}

engine::StageOutcome DeployStage::run(engine::StageContext& ctx) {
  std::vector<Diagnostic> diags;
  auto cfg = read_deploy_config(ctx.spec(), diags);
  if (!diags.empty()) return engine::StageOutcome::failed(join_diagnostics(diags));
  if (cfg.targets.empty())
    return engine::StageOutcome::skipped(
        "no deploy targets configured (stages.deploy.targets in pipewright.yaml; see "
        "docs/deploy.md)");
  Deployer d(ctx, std::move(cfg));
  return d.run();
}

}  // namespace pw::stages
