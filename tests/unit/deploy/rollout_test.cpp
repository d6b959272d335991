// The rollout's state machine without processes or hosts: each ssh session is answered by a
// scripted host that reads which script it was given and replies with the facts a real host
// prints. And the deploy.json history that a damaged file must not lose.
#include "deploy/rollout.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "deploy/history.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::deploy {
namespace {

namespace fs = std::filesystem;

struct FakeHosts : Io {
  std::set<std::string> pull_fails;   // hosts whose pull fails
  std::vector<std::string> sessions;  // "host kind" in order
  std::vector<std::string> warnings;
  std::string last_stdin;
  bool stop = false;

  exec::ProcessResult run(const std::vector<std::string>& argv, const std::string& stdin_data,
                          std::string& out, std::string& err) override {
    const std::string& host = argv[argv.size() - 2];
    const std::string& script = argv.back();
    exec::ProcessResult r;
    r.exit_code = 0;
    if (contains(script, "say switched")) {
      sessions.push_back(host + " switch");
      last_stdin = stdin_data;
      out = "::pw:: previous_image registry.example/app:6\n::pw:: previous_build 6\n";
      if (pull_fails.count(host)) {
        out += "::pw:: failed pull\n";
        err = "manifest unknown\n";
        r.exit_code = kPullFailed;
      } else {
        out += "::pw:: switched\n::pw:: started 0123456789abcdef\n";
      }
    } else if (contains(script, "say restored")) {
      sessions.push_back(host + " rollback");
      out = "::pw:: restored registry.example/app:6\n";
    } else if (contains(script, "say finished")) {
      sessions.push_back(host + " finish");
      out = "::pw:: finished\n";
    } else {
      sessions.push_back(host + " other");
    }
    return r;
  }
  void log(const std::string&) override {}
  void warn(const std::string& line) override { warnings.push_back(line); }
  bool should_stop() override { return stop; }
};

DeployConfig two_targets(bool rollback = true) {
  DeployConfig c;
  c.rollback = rollback;
  for (const char* h : {"web1", "web2"}) {
    DeployTarget t;
    t.name = t.host = h;
    c.targets.push_back(t);
  }
  return c;
}

Release release() {
  Release r;
  r.build = 7;
  r.image = "registry.example/team/app:7-abc";
  r.ref = parse_image_ref(r.image);
  r.digest = "sha256:" + std::string(64, 'a');
  r.pinned = pinned_reference(r.image, r.ref, r.digest);
  r.env["web1"] = {{"MODE", "production"}};
  return r;
}

TEST(Rollout, EveryTargetDeployedThenThePreviousContainersRemoved) {
  FakeHosts hosts;
  auto cfg = two_targets();
  auto rel = release();
  auto r = roll_out(cfg, rel, hosts);
  EXPECT_EQ(r.status(), Rollout::Status::deployed);
  EXPECT_EQ(hosts.sessions,
            (std::vector<std::string>{"web1 switch", "web2 switch", "web1 finish", "web2 finish"}));
  EXPECT_EQ(r.runs[0].container, "app");  // the repository's last part
  EXPECT_EQ(r.runs[0].image_after, "registry.example/team/app@" + rel.digest);
  EXPECT_EQ(r.runs[1].previous_build, "6");
  EXPECT_EQ(summary(r, rel, ""),
            "deployed build #7 (registry.example/team/app:7-abc) to web1 (no health check), "
            "web2 (no health check)");
  EXPECT_EQ(hosts.warnings.size(), 2u);  // no health check on either
}

TEST(Rollout, AFailedTargetRollsBackTheOnesAlreadySwitched) {
  FakeHosts hosts;
  hosts.pull_fails = {"web2"};
  auto cfg = two_targets();
  auto rel = release();
  auto r = roll_out(cfg, rel, hosts);
  EXPECT_EQ(r.status(), Rollout::Status::failed);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(hosts.sessions,
            (std::vector<std::string>{"web1 switch", "web2 switch", "web1 rollback"}));
  EXPECT_EQ(r.runs[1].outcome, "unchanged");
  EXPECT_EQ(r.runs[0].outcome, "rolled back");
  std::string s = summary(r, rel, "");
  EXPECT_TRUE(contains(s, "web2: the pull of registry.example/team/app@sha256:")) << s;
  EXPECT_TRUE(contains(s, "(manifest unknown): nothing was changed there")) << s;
  EXPECT_TRUE(contains(s, "web1: rolled back to registry.example/app:6 (build #6)")) << s;
}

TEST(Rollout, RollbackFalseKeepsTheSwitchedTargets) {
  FakeHosts hosts;
  hosts.pull_fails = {"web2"};
  auto cfg = two_targets(false);
  auto rel = release();
  auto r = roll_out(cfg, rel, hosts);
  EXPECT_EQ(hosts.sessions,
            (std::vector<std::string>{"web1 switch", "web2 switch", "web1 finish"}));
  EXPECT_TRUE(contains(summary(r, rel, ""), "web1 kept on the new build (rollback: false)"));
}

TEST(Rollout, AnAbortStartsNoFurtherTarget) {
  FakeHosts hosts;
  hosts.stop = true;
  auto cfg = two_targets();
  auto rel = release();
  auto r = roll_out(cfg, rel, hosts);
  EXPECT_EQ(r.status(), Rollout::Status::aborted);
  EXPECT_TRUE(hosts.sessions.empty());
  EXPECT_EQ(summary(r, rel, ""), "aborted before deploy target 'web1'");
  EXPECT_STREQ(r.status_name(), "aborted");
}

TEST(Rollout, SecretsTravelOnStdinNotInTheScript) {
  FakeHosts hosts;
  DeployConfig cfg = two_targets();
  cfg.targets.pop_back();
  auto rel = release();
  rel.username = "bot";
  rel.password = "s3cret-pass";
  roll_out(cfg, rel, hosts);
  EXPECT_EQ(hosts.last_stdin, "bot\ns3cret-pass\nMODE=production\n");
}

TEST(History, AppendsAndKeepsADamagedFileAside) {
  auto dir = fs::temp_directory_path() / ("pw-deploy-history-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::path file = dir / "reports" / "deploy.json";
  FakeHosts hosts;
  auto cfg = two_targets();
  auto rel = release();
  auto r = roll_out(cfg, rel, hosts);
  auto rec = deployment_record(r, rel, cfg.rollback);
  EXPECT_EQ(rec["status"], "deployed");
  EXPECT_EQ(rec["targets"].size(), 2u);
  exec::Masker masker;
  EXPECT_EQ(append_history(file, rec, 7, masker, hosts), "");
  EXPECT_EQ(append_history(file, rec, 7, masker, hosts), "");
  EXPECT_EQ(nlohmann::json::parse(read_file(file)).size(), 2u);

  write_file_atomic(file, "{not json");
  std::string problem = append_history(file, rec, 7, masker, hosts);
  EXPECT_TRUE(contains(problem, "was damaged")) << problem;
  EXPECT_EQ(hosts.warnings.back(), problem);
  EXPECT_EQ(nlohmann::json::parse(read_file(file)).size(), 1u);
  int aside = 0;
  for (const auto& e : fs::directory_iterator(file.parent_path()))
    if (contains(e.path().filename().string(), "deploy.json.damaged-7-")) ++aside;
  EXPECT_EQ(aside, 1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pw::deploy
