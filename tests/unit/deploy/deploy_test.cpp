// The deploy layer's pure parts: the targets' grammar, the ssh argv, the remote scripts' text and
// report format, and the health loop's timing with a fake clock.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "deploy/config.h"
#include "deploy/health.h"
#include "deploy/remote.h"
#include "util/strings.h"

namespace pw::deploy {
namespace {

// The deploy stage's `targets` setting in `yaml`, read as the stage hands it to the layer.
DeployConfig config_with_targets(const std::string& yaml, std::vector<Diagnostic>& diags) {
  DeployConfig c;
  c.targets = read_targets(YAML::Load(yaml)["targets"], {"pipewright.yaml", 1, 1}, diags);
  return c;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

TEST(DeployConfig, ReadsTargetsWithDefaults) {
  std::vector<Diagnostic> d;
  auto c = config_with_targets(R"(
targets:
  - name: web1
    host: 127.0.0.1
    port: 2222
    user: deploy
    engine: podman
    container: demo-app
    ports: ["127.0.0.1:18080:8080"]
    env: {APP_MODE: production}
    credentials: [app-secrets]
    health: {url: "http://127.0.0.1:18080/health", timeout: 5s, interval: 250ms, body: ok}
  - host: web2.example.org
)",
                               d);
  ASSERT_TRUE(d.empty()) << join_diagnostics(d);
  ASSERT_EQ(c.targets.size(), 2u);
  const auto& t = c.targets[0];
  EXPECT_EQ(t.port, 2222);
  EXPECT_EQ(t.engine, "podman");
  EXPECT_EQ(t.env.at(0).second, "production");
  EXPECT_EQ(t.health.timeout, Millis(5000));
  EXPECT_EQ(t.health.interval, Millis(250));
  EXPECT_EQ(t.health.expect_status, 200);
  EXPECT_EQ(t.health.body_contains, "ok");
  EXPECT_FALSE(t.health.from_host);
  EXPECT_EQ(c.targets[1].name, "web2.example.org");  // the host names an unnamed target
  EXPECT_EQ(c.targets[1].port, 22);
  EXPECT_EQ(c.targets[1].engine, "docker");
  EXPECT_EQ(c.targets[1].restart, "unless-stopped");
}

TEST(DeployConfig, ReportsEveryProblemWithSuggestions) {
  std::vector<Diagnostic> d;
  config_with_targets(R"(
targets:
  - name: a
    hots: x
    port: 70000
    health: {url: "ftp://x", from: moon}
  - name: a
    host: "-oProxyCommand=evil"
)",
                      d);
  std::string all = join_diagnostics(d);
  EXPECT_NE(all.find("did you mean 'host'"), std::string::npos) << all;
  EXPECT_NE(all.find("needs a host"), std::string::npos) << all;
  EXPECT_NE(all.find("TCP port"), std::string::npos) << all;
  EXPECT_NE(all.find("http:// or https://"), std::string::npos) << all;
  EXPECT_NE(all.find("runner or host"), std::string::npos) << all;
  EXPECT_NE(all.find("named 'a'"), std::string::npos) << all;
  EXPECT_NE(all.find("not a host name"), std::string::npos) << all;
  EXPECT_GE(d.front().line, 2);  // located in the file, not just "somewhere in deploy"
}

TEST(DeployConfig, NoTargetsIsNotAnError) {
  std::vector<Diagnostic> d;
  auto c = config_with_targets("rollback: true\n", d);
  EXPECT_TRUE(d.empty());
  EXPECT_TRUE(c.targets.empty());
}

TEST(ImageRef, SplitsRegistryRepositoryTagDigest) {
  auto r = parse_image_ref("127.0.0.1:5000/demo/app:3-abc");
  EXPECT_EQ(r.registry, "127.0.0.1:5000");
  EXPECT_EQ(r.repository, "demo/app");
  EXPECT_EQ(r.tag, "3-abc");
  EXPECT_EQ(r.name, "127.0.0.1:5000/demo/app");
  auto h = parse_image_ref("user/python_jenkins:7");
  EXPECT_EQ(h.registry, "docker.io");
  EXPECT_EQ(h.repository, "user/python_jenkins");
  auto l = parse_image_ref("localhost/app@sha256:" + std::string(64, 'a'));
  EXPECT_EQ(l.registry, "localhost");
  EXPECT_EQ(l.tag, "");
  EXPECT_TRUE(is_sha256_digest(l.digest));
  EXPECT_FALSE(is_sha256_digest("sha256:xyz"));
}

TEST(Ssh, BatchModeStrictKeysAndOneRemoteCommand) {
  DeployTarget t;
  t.host = "10.0.0.5";
  t.port = 2222;
  t.user = "deploy";
  t.identity = "/keys/id";
  t.known_hosts = "/keys/known";
  auto a = ssh_argv(t, "sh -c 'true'");
  EXPECT_EQ(a.front(), "ssh");
  EXPECT_TRUE(has(a, "BatchMode=yes"));
  EXPECT_TRUE(has(a, "StrictHostKeyChecking=yes"));
  EXPECT_TRUE(has(a, "UserKnownHostsFile=/keys/known"));
  EXPECT_TRUE(has(a, "/keys/id"));
  EXPECT_TRUE(has(a, "2222"));
  EXPECT_TRUE(has(a, "deploy"));
  EXPECT_EQ(a[a.size() - 3], "--");
  EXPECT_EQ(a[a.size() - 2], "10.0.0.5");
  EXPECT_EQ(a.back(), "sh -c 'true'");
  t.host_key_check = HostKeyCheck::accept_new;
  EXPECT_TRUE(has(ssh_argv(t, "x"), "StrictHostKeyChecking=accept-new"));
  DeployTarget plain;
  plain.host = "h";
  auto b = ssh_argv(plain, "x");
  EXPECT_FALSE(has(b, "-p"));  // port 22 and the user left to ~/.ssh/config
  EXPECT_FALSE(has(b, "-l"));
}

TEST(Scripts, SwitchPullsBeforeTouchingTheOldContainerAndKeepsSecretsOff) {
  SwitchPlan p;
  p.engine = "podman";
  p.container = "demo-app";
  p.image = "127.0.0.1:5000/demo/app@sha256:" + std::string(64, 'b');
  p.registry = "127.0.0.1:5000";
  p.login = true;
  p.tls_verify = false;
  p.ports = {"127.0.0.1:18080:8080"};
  p.restart = "unless-stopped";
  p.labels = {{"org.pipewright.build", "3"}, {"org.pipewright.project", "it's"}};
  std::string s = switch_script(p);
  auto pos = [&](const std::string& x) { return s.find(x); };
  ASSERT_NE(pos("$E pull --tls-verify=false"), std::string::npos) << s;
  ASSERT_NE(pos("--password-stdin --tls-verify=false"), std::string::npos);
  EXPECT_LT(pos("$E pull"), pos("$E stop"));
  EXPECT_LT(pos("$E stop"), pos("$E rename \"$N\" \"$P\""));
  EXPECT_LT(pos("$E rename \"$N\" \"$P\""), pos("$E run -d"));
  EXPECT_NE(pos("--env-file \"$ENVF\""), std::string::npos);
  EXPECT_NE(pos("umask 077"), std::string::npos);
  EXPECT_NE(pos("-p 127.0.0.1:18080:8080"), std::string::npos);
  EXPECT_NE(pos("--label 'org.pipewright.project=it'\\''s'"), std::string::npos);
  EXPECT_NE(pos("$E logout"), std::string::npos);
  p.engine = "docker";  // docker takes insecure registries from its daemon's configuration
  EXPECT_EQ(switch_script(p).find("--tls-verify"), std::string::npos);
  EXPECT_EQ(switch_stdin("u", "pw", {{"A", "1"}, {"B", "x y"}}), "u\npw\nA=1\nB=x y\n");
}

TEST(Scripts, RemoteShQuotesTheScriptAsOneWord) {
  EXPECT_EQ(remote_sh("echo 'a'"), "sh -c 'echo '\\''a'\\'''");
}

TEST(Scripts, RollbackPrintsLogsOnlyWhenAsked) {
  EXPECT_NE(rollback_script("docker", "app", 30).find("logs --tail 30"), std::string::npos);
  EXPECT_EQ(rollback_script("docker", "app", 0).find("logs --tail"), std::string::npos);
  EXPECT_NE(finish_script("docker", "app").find("app-pw-previous"), std::string::npos);
}

TEST(Report, FactsLogsAndOtherOutput) {
  auto r = parse_report(
      "Trying to pull x...\n::pw:: previous_image a/b:1\n::pw:: previous_build <no value>\n"
      "::pw:: logs_begin\nboom\n::pw:: fake inside logs\n::pw:: logs_end\n::pw:: switched\n");
  EXPECT_EQ(r.facts.at("previous_image"), "a/b:1");
  EXPECT_EQ(r.facts.at("previous_build"), "");  // docker's word for a missing label
  EXPECT_TRUE(r.facts.count("switched"));
  EXPECT_FALSE(r.facts.count("fake"));
  ASSERT_EQ(r.container_log.size(), 2u);
  EXPECT_EQ(r.container_log[0], "boom");
  ASSERT_EQ(r.other.size(), 1u);
}

// Every script parses as POSIX sh (dash, as on Debian hosts), quoting of odd values included.
TEST(Scripts, AllParseAsPosixSh) {
  SwitchPlan p;
  p.engine = "docker";
  p.container = "app";
  p.image = "r/x@sha256:" + std::string(64, 'c');
  p.login = true;
  p.labels = {{"k", "a'b\"c $(x) `y`"}};
  HealthCheck h;
  h.url = "http://127.0.0.1:1/health?a=1&b='2'";
  h.body_contains = "\"ok\"";
  for (const auto& script :
       {switch_script(p), rollback_script("podman", "app", 30), finish_script("docker", "app"),
        inspect_script("docker", "app"), host_health_script(h)}) {
    std::string cmd = "sh -n -c " + shell_quote(script);
    EXPECT_EQ(std::system(cmd.c_str()), 0) << script;
  }
}

struct FakeTime {
  std::chrono::steady_clock::time_point t{};
  std::vector<Millis> sleeps;
};

TEST(Health, PassesOnTheFirstGoodAnswer) {
  HealthCheck h;
  h.url = "http://x/health";
  FakeTime ft;
  int n = 0;
  HealthLoop loop;
  loop.probe = [&] {
    ++n;
    return n < 3 ? HealthAnswer{0, "connection refused", ""} : HealthAnswer{200, "", "ok"};
  };
  loop.now = [&] { return ft.t; };
  loop.sleep = [&](Millis d) {
    ft.sleeps.push_back(d);
    ft.t += d;
  };
  auto r = poll_health(h, loop);
  EXPECT_TRUE(r.healthy);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(r.elapsed, Millis(2000));
  EXPECT_EQ(ft.sleeps.size(), 2u);
}

TEST(Health, GivesUpAtTheDeadlineWithoutOversleeping) {
  HealthCheck h;
  h.url = "http://x/health";
  h.timeout = Millis(2500);
  h.interval = Millis(1000);
  FakeTime ft;
  HealthLoop loop;
  loop.probe = [&] { return HealthAnswer{500, "", "err"}; };
  loop.now = [&] { return ft.t; };
  loop.sleep = [&](Millis d) {
    ft.sleeps.push_back(d);
    ft.t += d;
  };
  auto r = poll_health(h, loop);
  EXPECT_FALSE(r.healthy);
  EXPECT_EQ(r.attempts, 4);  // 0s, 1s, 2s, 2.5s
  EXPECT_EQ(ft.sleeps.back(), Millis(500));
  EXPECT_EQ(r.elapsed, Millis(2500));
  EXPECT_NE(r.last.find("HTTP 500"), std::string::npos);
  EXPECT_NE(describe(r).find("not healthy after"), std::string::npos);
}

TEST(Health, StatusAndBodyBothDecide) {
  HealthCheck h;
  h.expect_status = 204;
  h.body_contains = "";
  std::string why;
  EXPECT_TRUE(health_passes(h, {204, "", ""}, why));
  EXPECT_FALSE(health_passes(h, {200, "", ""}, why));
  EXPECT_NE(why.find("expected 204"), std::string::npos);
  h.expect_status = 200;
  h.body_contains = "\"status\": \"ok\"";
  EXPECT_FALSE(health_passes(h, {200, "", "{\"status\": \"down\"}"}, why));
  EXPECT_TRUE(health_passes(h, {200, "", "{\"status\": \"ok\"}"}, why));
}

TEST(Health, AContainerThatExitedEndsTheWaitEarly) {
  HealthCheck h;
  h.timeout = Millis(60000);
  h.interval = Millis(1000);
  FakeTime ft;
  int asked = 0;
  HealthLoop loop;
  loop.probe = [&] { return HealthAnswer{0, "connection refused", ""}; };
  loop.now = [&] { return ft.t; };
  loop.sleep = [&](Millis d) { ft.t += d; };
  loop.gone_every = Millis(3000);
  loop.gone = [&]() -> std::string {
    ++asked;
    return asked < 2 ? "" : "the container exited (exit code 3)";
  };
  auto r = poll_health(h, loop);
  EXPECT_FALSE(r.healthy);
  EXPECT_EQ(asked, 2);  // at 3s and 6s, not after every probe
  EXPECT_EQ(r.elapsed, Millis(6000));
  EXPECT_EQ(r.last, "the container exited (exit code 3)");
}

TEST(Health, AbortStopsTheLoop) {
  HealthCheck h;
  FakeTime ft;
  HealthLoop loop;
  loop.probe = [&] { return HealthAnswer{0, "refused", ""}; };
  loop.now = [&] { return ft.t; };
  loop.sleep = [&](Millis d) { ft.t += d; };
  loop.aborted = [] { return true; };
  auto r = poll_health(h, loop);
  EXPECT_TRUE(r.aborted);
  EXPECT_EQ(r.attempts, 1);
}

}  // namespace
}  // namespace pw::deploy
