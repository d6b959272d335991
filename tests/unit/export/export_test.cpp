// The three generators on one small pipeline that has every feature they carry over: parallel
// branches, a non-blocking stage, a timeout, a retry, a `when`, credentials, post conditions,
// and stage ids two of the engines do not accept as job names.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>

#include "export/common.h"
#include "export/diff.h"
#include "export/generate.h"
#include "pipeline/dag.h"
#include "pipeline/loader.h"
#include "pipeline/writer.h"
#include "util/error.h"
#include "util/fs.h"

namespace pw::ci {

namespace {

// A default of our own: checkout is the one built-in every exported job relies on.
const char* kDefault = R"(
version: 1
stages:
  checkout:
    timeout: 10m
  post:
    timeout: 5m
)";

const char* kUser = R"(
version: 1
export:
  setup: ./install-pipewright.sh
  credentials:
    sonar-token: []
stages:
  build:
    run: make build
  unit:
    run: make unit
    needs: [build]
  lint:
    run: make lint
    needs: [build]
    blocking: false
    timeout: 5m
    retry: 2
  docs:
    run: make docs
    needs: [build]
    when: {branch: "release/*", changes: ["docs/**"]}
  publish:
    run: make publish
    needs: [unit, lint, docs]
    credentials: [dockerhub, sonar-token]
    env: {TARGET: "prod $x"}
  variables:
    run: echo keyword
  1st:
    run: echo digit
  post:
    always: [echo always]
    failure: ["./notify.sh failed"]
    changed: [echo changed]
)";

struct Fixture {
  pipeline::Pipeline p = pipeline::load_pipeline_text(kDefault, kUser);
  pipeline::Graph g = pipeline::resolve(p);
  Output run(Engine e) { return generate(e, p, g); }
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool any_warning(const Output& o, const std::string& part) {
  for (const auto& w : o.warnings)
    if (has(w, part)) return true;
  return false;
}

// The text between "<name>:" at the start of a line and the next line at that indentation.
std::string yaml_block(const std::string& text, const std::string& key, const std::string& indent) {
  size_t at = text.find("\n" + indent + key + ":");
  if (at == std::string::npos) return "";
  size_t end = at + 1;
  while (true) {
    end = text.find("\n", end + 1);
    if (end == std::string::npos) return text.substr(at);
    if (text.compare(end + 1, indent.size(), indent) == 0 &&
        end + 1 + indent.size() < text.size() && text[end + 1 + indent.size()] != ' ' &&
        text[end + 1 + indent.size()] != '#')
      return text.substr(at, end - at);
  }
}

}  // namespace

TEST(Export, UnknownEngineListsTheKnownOnes) {
  try {
    parse_engine("gitlb");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    std::string m = e.what();
    EXPECT_TRUE(has(m, "jenkins, github, gitlab")) << m;
    EXPECT_TRUE(has(m, "did you mean 'gitlab'")) << m;
  }
  EXPECT_EQ(parse_engine("github"), Engine::github);
  EXPECT_EQ(default_output(Engine::github), ".github/workflows/pipewright.yml");
}

TEST(Export, CredentialNamesFollowTheEnginesRule) {
  // The README's examples of engine/credentials.h's rule.
  EXPECT_EQ(pipeline::credential_env_name("dockerhub", "password"), "DOCKERHUB_PASSWORD");
  EXPECT_EQ(pipeline::credential_env_name("aws-prod", "secret_key"), "AWS_PROD_SECRET_KEY");
  EXPECT_EQ(pipeline::credential_env_name("sonar-token", ""), "SONAR_TOKEN");
}

TEST(Export, ExportSectionIsReadAndChecked) {
  Fixture f;
  EXPECT_EQ(f.p.exports.setup, "./install-pipewright.sh");
  ASSERT_EQ(f.p.exports.credentials.size(), 1u);
  EXPECT_EQ(f.p.exports.credentials[0].first, "sonar-token");
  EXPECT_TRUE(f.p.exports.credentials[0].second.empty());
  // plan --yaml reproduces it.
  EXPECT_TRUE(has(pipeline::to_yaml(f.p), "setup: ./install-pipewright.sh"));
  try {
    pipeline::load_pipeline_text(kDefault, "export:\n  imag: x\n");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(
        has(e.what(), "pipewright.yaml:2:3: unknown key 'imag' in export; did you mean 'image'?"))
        << e.what();
  }
}

TEST(Export, PlanRestoresAroundAConditionalNeedAndMapsNames) {
  Fixture f;
  Plan gh = make_plan(Engine::github, f.p, f.g);
  const Job* publish = gh.find("publish");
  ASSERT_NE(publish, nullptr);
  EXPECT_EQ(publish->needs, (std::vector<std::string>{"checkout", "unit", "lint", "docs"}));
  // unit and lint each hold checkout and build (docs' own need, were docs skipped).
  EXPECT_EQ(publish->restore, (std::vector<std::string>{"unit", "lint", "docs"}));
  EXPECT_EQ(publish->optional, (std::vector<std::string>{"docs"}));
  EXPECT_TRUE(publish->after_conditional);
  EXPECT_EQ(publish->level, 3);
  EXPECT_EQ(gh.find("unit")->level, gh.find("lint")->level);
  EXPECT_EQ(gh.job_name("1st"), "stage_1st");
  EXPECT_EQ(gh.job_name("variables"), "variables");
  Plan gl = make_plan(Engine::gitlab, f.p, f.g);
  EXPECT_EQ(gl.job_name("variables"), "variables-stage");
  EXPECT_EQ(gl.job_name("1st"), "1st");
  ASSERT_EQ(publish->credentials.size(), 2u);
  EXPECT_TRUE(publish->credentials[0].is_username_password());
  EXPECT_EQ(credentials_from_env_spec(publish->credentials),
            "dockerhub=username,password sonar-token");
}

TEST(Export, RenamedJobsStayUnique) {
  auto p =
      pipeline::load_pipeline_text(kDefault, "stages:\n  1st: {run: a}\n  stage_1st: {run: b}\n");
  Plan gh = make_plan(Engine::github, p, pipeline::resolve(p));
  std::set<std::string> names;
  for (const auto& j : gh.jobs) names.insert(j.name);
  EXPECT_EQ(names.size(), gh.jobs.size());
  EXPECT_EQ(gh.renames.size(), 2u);
}

TEST(Export, Jenkinsfile) {
  Fixture f;
  Output o = f.run(Engine::jenkins);
  const std::string& t = o.text;
  EXPECT_EQ(t.rfind("// Generated by `pipewright export jenkins`", 0), 0u);
  EXPECT_TRUE(has(t, "pipeline {\n  agent none\n"));
  // unit, lint and docs have no path between them: one parallel level, in plan order. Without
  // fail_fast the branches beside a failure finish, as in a local run: no failFast.
  EXPECT_TRUE(has(t, "stage('unit | lint | docs') {\n      parallel {"));
  EXPECT_FALSE(has(t, "failFast"));
  Fixture ff;
  ff.p.fail_fast = true;
  EXPECT_TRUE(
      has(ff.run(Engine::jenkins).text, "stage('unit | lint | docs') {\n      failFast true"));
  std::regex order(
      "stage\\('unit'\\)[^]*stage\\('lint'\\)[^]*stage\\('docs'\\)[^]*stage\\('publish'\\)");
  EXPECT_TRUE(std::regex_search(t, order));
  EXPECT_TRUE(has(t,
                  "catchError(buildResult: 'UNSTABLE', stageResult: 'UNSTABLE') {\n"
                  "              sh 'pipewright run --build \"$BUILD_NUMBER\" --only lint'"));
  EXPECT_TRUE(has(t, "timeout(time: 25, unit: 'MINUTES')"));  // 3 attempts of 5m + 10m
  EXPECT_TRUE(has(t, "retry(count: 3, conditions: [agent(), nonresumable()])"));
  EXPECT_TRUE(has(t, "branch pattern: 'release/*', comparator: 'GLOB'"));
  EXPECT_TRUE(has(t, "changeset pattern: 'docs/**', comparator: 'GLOB'"));
  EXPECT_TRUE(has(t,
                  "usernamePassword(credentialsId: 'dockerhub', usernameVariable: "
                  "'DOCKERHUB_USERNAME', passwordVariable: 'DOCKERHUB_PASSWORD')"));
  EXPECT_TRUE(has(t, "string(credentialsId: 'sonar-token', variable: 'SONAR_TOKEN')"));
  EXPECT_TRUE(has(t, "TARGET = 'prod $x'"));
  EXPECT_TRUE(has(t, "--only publish --unstable-ok"));
  // publish restores unit and lint (each holds build) and tries docs, which its when may skip.
  EXPECT_TRUE(
      std::regex_search(t, std::regex("unstash 'pw-unit'\\s+unstash 'pw-lint'\\s+script \\{")));
  EXPECT_TRUE(has(t, "for (name in ['pw-docs'])"));
  EXPECT_TRUE(has(t, "sh './install-pipewright.sh'"));
  // Jenkins judges every post condition itself, changed included.
  std::regex post("post \\{\n    always \\{[^]*changed \\{[^]*failure \\{");
  EXPECT_TRUE(std::regex_search(t, post));
  EXPECT_TRUE(has(t, "// failure: ./notify.sh failed"));
  EXPECT_TRUE(has(t, "PIPEWRIGHT_POST_CONDITIONS=failure pipewright run"));
  EXPECT_TRUE(
      has(t,
          "archiveArtifacts artifacts: \".pipewright/builds/${env.BUILD_NUMBER}/artifacts/**\", "
          "fingerprint: true"));
  EXPECT_FALSE(any_warning(o, "post.changed"));
  // Secrets appear by name only.
  EXPECT_FALSE(has(t, "s3cret"));
}

TEST(Export, GitHubWorkflow) {
  Fixture f;
  Output o = f.run(Engine::github);
  const std::string& t = o.text;
  EXPECT_EQ(t.rfind("# Generated by `pipewright export github`", 0), 0u);
  std::string publish = yaml_block(t, "publish", "  ");
  ASSERT_FALSE(publish.empty()) << t;
  EXPECT_TRUE(has(publish, "needs: [checkout, unit, lint, docs]")) << publish;
  // docs may be skipped by its when; pipewright runs a stage after a SKIPPED need.
  EXPECT_TRUE(has(publish, "if: '${{ !cancelled() && !failure() }}'")) << publish;
  EXPECT_TRUE(has(publish, "DOCKERHUB_PASSWORD: '${{ secrets.DOCKERHUB_PASSWORD }}'"));
  EXPECT_TRUE(has(publish, "SONAR_TOKEN: '${{ secrets.SONAR_TOKEN }}'"));
  EXPECT_TRUE(
      has(publish, "PIPEWRIGHT_CREDENTIALS_FROM_ENV: 'dockerhub=username,password sonar-token'"));
  EXPECT_TRUE(has(publish, "continue-on-error: true  # skipped by its when")) << publish;
  std::string lint = yaml_block(t, "lint", "  ");
  EXPECT_TRUE(has(lint, "continue-on-error: true  # non-blocking")) << lint;
  EXPECT_TRUE(has(lint, "timeout-minutes: 25"));
  EXPECT_TRUE(has(lint, "# retry: 2"));
  std::string docs = yaml_block(t, "docs", "  ");
  EXPECT_TRUE(has(docs, "startsWith(github.ref_name, ''release/'')")) << docs;
  EXPECT_TRUE(any_warning(o, "stage 'docs': when.changes"));
  EXPECT_TRUE(has(t, "\n  stage_1st:\n"));
  EXPECT_TRUE(any_warning(o, "stage '1st' runs as job 'stage_1st'"));
  std::string fail = yaml_block(t, "post-failure", "  ");
  EXPECT_TRUE(has(fail, "needs.post.outputs.status == ''FAILURE''")) << fail;
  EXPECT_TRUE(has(fail, "PIPEWRIGHT_POST_CONDITIONS=failure"));
  EXPECT_TRUE(yaml_block(t, "post-changed", "  ").empty());
  EXPECT_TRUE(any_warning(o, "post.changed"));
}

TEST(Export, GitLabCi) {
  Fixture f;
  Output o = f.run(Engine::gitlab);
  const std::string& t = o.text;
  EXPECT_EQ(t.rfind("# Generated by `pipewright export gitlab`", 0), 0u);
  std::string lint = yaml_block(t, "lint", "");
  EXPECT_TRUE(has(lint, "allow_failure:")) << lint;
  EXPECT_TRUE(has(lint, "exit_codes: [3]"));
  EXPECT_TRUE(has(lint, "timeout: 25 minutes"));
  EXPECT_TRUE(has(lint, "max: 2"));
  std::string docs = yaml_block(t, "docs", "");
  EXPECT_TRUE(has(docs, "- if: '$CI_COMMIT_BRANCH =~ /^release\\/[^\\/]*$/'")) << docs;
  EXPECT_TRUE(has(docs, "changes: ['docs/**']"));
  std::string publish = yaml_block(t, "publish", "");
  EXPECT_TRUE(has(publish, "- unit\n    - lint\n    - {job: docs, optional: true}")) << publish;
  EXPECT_TRUE(
      has(publish, "masked CI/CD variables DOCKERHUB_USERNAME, DOCKERHUB_PASSWORD, SONAR_TOKEN"));
  EXPECT_TRUE(has(publish, "TARGET: 'prod $$x'"));  // GitLab would expand $x
  EXPECT_TRUE(has(publish, "before_script") == false);
  EXPECT_TRUE(has(t, "default:\n  before_script:\n    - './install-pipewright.sh'\n"));
  EXPECT_TRUE(has(t, "\nvariables-stage:\n"));
  EXPECT_TRUE(has(t, "'variables' is a GitLab CI keyword"));
  std::string post = yaml_block(t, "post", "");
  EXPECT_TRUE(has(post, "stage: .post\n  needs:")) << post;
  EXPECT_TRUE(has(post, "{job: docs, optional: true}"));
  EXPECT_TRUE(has(post, "when: always"));
  EXPECT_TRUE(has(post, "dotenv: pipewright.env"));
  std::string fail = yaml_block(t, "post-failure", "");
  EXPECT_TRUE(has(fail, "[ \"$PW_STATUS\" = FAILURE ]")) << fail;
  EXPECT_TRUE(any_warning(o, "post.changed"));
}

TEST(Export, SamePipelineSameBytes) {
  for (Engine e : {Engine::jenkins, Engine::github, Engine::gitlab}) {
    Fixture a, b;
    EXPECT_EQ(a.run(e).text, b.run(e).text) << engine_name(e);
  }
}

// The whole of each file for the fixture, so that any change to an output is seen in review.
// PW_UPDATE_GOLDEN=1 rewrites them after an intended change.
TEST(Export, GoldenFiles) {
  for (Engine e : {Engine::jenkins, Engine::github, Engine::gitlab}) {
    Fixture f;
    std::string text = f.run(e).text;
    std::filesystem::path golden = std::filesystem::path(PW_SOURCE_DIR) /
                                   "tests/unit/export/golden" / (engine_name(e) + ".txt");
    if (std::getenv("PW_UPDATE_GOLDEN")) write_file_atomic(golden, text);
    ASSERT_TRUE(std::filesystem::exists(golden)) << golden << ": run with PW_UPDATE_GOLDEN=1";
    EXPECT_EQ(text, read_file(golden)) << unified_diff(read_file(golden), text, "golden", "now");
  }
}

TEST(Export, GlobsBecomeAnchoredRegexes) {
  EXPECT_EQ(glob_to_regex("main"), "^main$");
  EXPECT_EQ(glob_to_regex("release/*"), "^release\\/[^\\/]*$");
  EXPECT_EQ(glob_to_regex("feat/**"), "^feat\\/.*$");
  EXPECT_EQ(glob_to_regex("v1.?"), "^v1\\.[^\\/]$");
  std::regex r(
      glob_to_regex("release/*"));  // GitLab reads /.../ with \/ escapes, as ECMAScript does
  EXPECT_TRUE(std::regex_match("release/1.2", r));
  EXPECT_FALSE(std::regex_match("release/1/2", r));
}

TEST(Export, Quoting) {
  EXPECT_EQ(yaml_quote("checkout"), "checkout");
  EXPECT_EQ(yaml_quote("yes"), "'yes'");
  EXPECT_EQ(yaml_quote("1st"), "'1st'");
  EXPECT_EQ(yaml_quote("it's \"x\""), "'it''s \"x\"'");
  EXPECT_EQ(yaml_quote("a\nb"), "\"a\\nb\"");
  EXPECT_EQ(groovy_quote("it's a \\ path"), "'it\\'s a \\\\ path'");
}

TEST(Export, UnifiedDiff) {
  EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "x", "y"), "");
  std::string d =
      unified_diff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nfive\n6\n7\n8\n", "old", "new");
  EXPECT_TRUE(has(d, "--- old\n+++ new\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"))
      << d;
  EXPECT_TRUE(has(unified_diff("a", "a\n", "x", "y"), "final newline"));
}

}  // namespace pw::ci
