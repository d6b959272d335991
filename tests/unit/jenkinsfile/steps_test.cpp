// The step interpreter with a fake StepHost: no processes, no engine. What sh sees (argv, cwd,
// environment with credentials bound), when conditions, catchError and unstable results, the
// unsupported-step rule, and the plugin steps handed to the host's built-in stages.
#include "jenkinsfile/steps.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace pw::jenkinsfile {
namespace {

namespace fs = std::filesystem;

struct FakeHost : StepHost {
  fs::path ws;
  std::vector<std::string> lines;
  std::vector<std::vector<std::string>> scripts;
  std::vector<EnvList> envs;
  std::vector<std::string> builtins;
  int exit_code = 0;
  BuiltinOutcome builtin_outcome;
  std::optional<reports::TestTotals> tests;

  fs::path workspace() override { return ws; }
  std::string commit() override { return "abc123"; }
  std::string branch() override { return "main"; }
  std::optional<std::vector<std::string>> changed_files() override { return std::nullopt; }
  std::string status_so_far() override { return "SUCCESS"; }
  bool aborted() override { return false; }
  void log(const std::string& line) override { lines.push_back(line); }
  void warn(const std::string& line) override { lines.push_back("warn: " + line); }
  bool has_credential(const std::string& id) override { return id == "db"; }
  std::string credential_field(const std::string& id, const std::string& field) override {
    if (id != "db") return {};
    if (field == "username") return "alice";
    if (field == "password") return "s3cret";
    return {};
  }
  exec::ProcessResult run(const std::vector<std::string>&) override { return {}; }
  exec::ProcessResult run_script(const std::vector<std::string>& argv, const fs::path&,
                                 const EnvList& env, std::string*) override {
    scripts.push_back(argv);
    envs.push_back(env);
    exec::ProcessResult r;
    r.exit_code = exit_code;
    return r;
  }
  std::optional<std::string> container_engine(std::string& why) override {
    why = "none here";
    return std::nullopt;
  }
  BuiltinOutcome run_builtin(const std::string& kind) override {
    builtins.push_back(kind);
    return builtin_outcome;
  }
  void record_tests(const reports::TestTotals& t) override { tests = t; }

  std::string env_of(size_t call, const std::string& name) const {
    for (const auto& [k, v] : envs.at(call))
      if (k == name) return v;
    return "<unset>";
  }
  bool logged(const std::string& text) const {
    for (const auto& l : lines)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }
};

class StepsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() /
           ("pw-steps-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root);
    fs::create_directories(root / "ws");
    host.ws = root / "ws";
    facts.number = 7;
    facts.job = "app";
    facts.stage_name = "Build";
    facts.root = root / "build";
    facts.artifacts = root / "build" / "artifacts";
    facts.reports = root / "build" / "reports";
    facts.credentials_file = root / "credentials.yaml";
  }
  void TearDown() override { fs::remove_all(root); }

  RunOutcome run(const std::string& steps, const std::string& extra = "") {
    jp = read_declarative("pipeline {\n  agent any\n" + extra +
                              "  stages {\n    stage('Build') {\n" + steps + "    }\n  }\n}\n",
                          "Jenkinsfile");
    auto conds = [](Result r) {
      return std::vector<std::string>{"always", r == Result::success ? "success" : "failure"};
    };
    return run_stage(host, facts, jp, settings, "0", conds);
  }

  fs::path root;
  FakeHost host;
  BuildFacts facts;
  RunSettings settings;
  Pipeline jp;
};

TEST_F(StepsTest, ShSeesJenkinsVariablesAndEnvironment) {
  auto out =
      run("      environment { GREETING = \"hi ${BUILD_NUMBER}\" }\n"
          "      steps { sh 'echo $GREETING' }\n");
  EXPECT_EQ(out.kind, RunOutcome::Kind::success) << out.summary;
  ASSERT_EQ(host.scripts.size(), 1u);
  EXPECT_EQ(host.scripts[0][0], "/bin/sh");
  EXPECT_EQ(host.scripts[0][1], "-xe");
  EXPECT_EQ(host.env_of(0, "GREETING"), "hi 7");
  EXPECT_EQ(host.env_of(0, "JOB_NAME"), "app");
  EXPECT_EQ(host.env_of(0, "GIT_BRANCH"), "main");
  EXPECT_EQ(host.env_of(0, "STAGE_NAME"), "Build");
}

TEST_F(StepsTest, WithCredentialsBindsUsernameAndPassword) {
  auto out =
      run("      steps {\n"
          "        withCredentials([usernamePassword(credentialsId: 'db', usernameVariable: 'U', "
          "passwordVariable: 'P')]) { sh 'true' }\n"
          "        sh 'true'\n"
          "      }\n");
  EXPECT_EQ(out.kind, RunOutcome::Kind::success) << out.summary;
  ASSERT_EQ(host.envs.size(), 2u);
  EXPECT_EQ(host.env_of(0, "U"), "alice");
  EXPECT_EQ(host.env_of(0, "P"), "s3cret");
  EXPECT_EQ(host.env_of(1, "P"), "<unset>");  // only inside the block
}

TEST_F(StepsTest, MissingCredentialNamesTheFile) {
  auto out = run("      environment { T = credentials('nope') }\n      steps { echo 'x' }\n");
  EXPECT_EQ(out.kind, RunOutcome::Kind::failure);
  EXPECT_NE(out.summary.find("credential 'nope' is not in"), std::string::npos) << out.summary;
  EXPECT_NE(out.summary.find("credentials.yaml"), std::string::npos) << out.summary;
}

TEST_F(StepsTest, WhenFalseSkipsTheStage) {
  auto out = run("      when { branch 'release/*' }\n      steps { sh 'true' }\n");
  EXPECT_EQ(out.kind, RunOutcome::Kind::skipped);
  EXPECT_NE(out.summary.find("branch 'main' does not match 'release/*'"), std::string::npos)
      << out.summary;
  EXPECT_TRUE(host.scripts.empty());
}

TEST_F(StepsTest, CatchErrorKeepsTheStageGoingAndFailsTheBuild) {
  host.exit_code = 3;
  auto out =
      run("      steps {\n"
          "        catchError(buildResult: 'UNSTABLE', stageResult: 'FAILURE') { sh 'false' }\n"
          "        echo 'after'\n"
          "      }\n");
  EXPECT_EQ(out.kind, RunOutcome::Kind::failure);
  EXPECT_EQ(out.summary, "script returned exit code 3");
  EXPECT_TRUE(host.logged("after"));
}

TEST_F(StepsTest, UnstableStepAndPostConditions) {
  auto out =
      run("      steps { unstable 'flaky' }\n"
          "      post { always { echo 'always ran' } failure { echo 'failure ran' } }\n");
  EXPECT_EQ(out.kind, RunOutcome::Kind::unstable);
  EXPECT_EQ(out.summary, "flaky");
  EXPECT_TRUE(host.logged("always ran"));
  EXPECT_TRUE(host.logged("failure ran"));  // the fake's conditions: not success
}

TEST_F(StepsTest, UnsupportedStepFailsOrIsSkipped) {
  auto out = run("      steps { slackSend 'hi' }\n");
  EXPECT_EQ(out.kind, RunOutcome::Kind::failure);
  EXPECT_NE(out.summary.find("step 'slackSend' has no local meaning"), std::string::npos)
      << out.summary;
  settings.skip_unsupported = true;
  out = run("      steps { slackSend 'hi' }\n");
  EXPECT_EQ(out.kind, RunOutcome::Kind::skipped);
  out = run("      steps { slackSend 'hi'\n echo 'x' }\n");
  EXPECT_EQ(out.kind, RunOutcome::Kind::success);
  EXPECT_EQ(out.summary, "1 unsupported step(s) SKIPPED");
}

TEST_F(StepsTest, PluginStepsRunTheHostsBuiltins) {
  host.builtin_outcome = {Result::failure, "FAILURE", "gate failed", false};
  auto out = run("      steps { waitForQualityGate abortPipeline: false\n dependencyCheck() }\n");
  EXPECT_EQ(host.builtins, (std::vector<std::string>{"quality-gate", "dependency-scan"}));
  EXPECT_EQ(out.kind, RunOutcome::Kind::failure);  // dependencyCheck's failure is the stage's
  EXPECT_EQ(out.summary, "dependency-scan: gate failed");
  EXPECT_TRUE(host.logged("(abortPipeline is false)"));
}

TEST_F(StepsTest, CurrentBuildResultIsTheWorseOfBuildAndStage) {
  auto out =
      run("      steps {\n"
          "        unstable 'u'\n"
          "        echo \"result ${currentBuild.result}\"\n"
          "      }\n");
  EXPECT_TRUE(host.logged("result UNSTABLE")) << out.summary;
}

// A scripted pipeline's stages: try/catch/finally inside a stage with the caught error rethrown
// or swallowed, currentBuild.result, and variables that later stages see (kept in the build
// folder, as a scripted pipeline's top-level `def` is one Groovy program's).
TEST_F(StepsTest, ScriptedTryCatchFinallyAndBuildWideVariables) {
  jp = read_declarative(
      "def suffix = 'xml'\n"
      "node {\n"
      "  stage('Test') {\n"
      "    try { sh 'pytest' } catch (e) { echo \"caught ${e}\"; throw e }\n"
      "    finally { echo \"report.${suffix}\" }\n"
      "  }\n"
      "  stage('Lint') {\n"
      "    try { sh 'flake8' } catch (err) { currentBuild.result = 'UNSTABLE' }\n"
      "    echo \"after ${suffix}\"\n"
      "  }\n"
      "}\n",
      "Jenkinsfile");
  auto conds = [](Result) { return std::vector<std::string>{"always"}; };
  host.exit_code = 2;
  auto out = run_stage(host, facts, jp, settings, "0", conds);
  EXPECT_EQ(out.kind, RunOutcome::Kind::failure);
  EXPECT_EQ(out.summary, "script returned exit code 2");
  EXPECT_TRUE(host.logged("caught script returned exit code 2"));
  EXPECT_TRUE(host.logged("report.xml"));  // finally ran, after the catch
  // The second stage: the top-level variable set in the first stage is seen; the swallowed
  // error leaves the stage going and its result UNSTABLE.
  out = run_stage(host, facts, jp, settings, "1", conds);
  EXPECT_EQ(out.kind, RunOutcome::Kind::unstable) << out.summary;
  EXPECT_TRUE(host.logged("after xml"));
}

// junit in the pipeline's post (a scripted pipeline's finally) with failed tests: the post, and so
// the build, is UNSTABLE, as the JUnit plugin makes it wherever the step runs.
TEST_F(StepsTest, JunitInThePipelinePostMakesTheBuildUnstable) {
  std::ofstream(host.ws / "report.xml")
      << "<testsuite name=\"s\" tests=\"2\"><testcase classname=\"t\" name=\"ok\"/>"
         "<testcase classname=\"t\" name=\"bad\"><failure message=\"no\"/></testcase>"
         "</testsuite>";
  jp = read_declarative(
      "node {\n  try { stage('Test') { sh 'pytest || true' } }\n"
      "  finally { junit 'report.xml' }\n}\n",
      "Jenkinsfile");
  auto out = run_pipeline_post(host, facts, jp, settings, {"always"});
  EXPECT_EQ(out.kind, RunOutcome::Kind::unstable) << out.summary;
  EXPECT_EQ(out.summary, "post: always; junit: 2 tests, 1 failed");
  ASSERT_TRUE(host.tests);
  EXPECT_EQ(host.tests->failed, 1);
}

}  // namespace
}  // namespace pw::jenkinsfile
