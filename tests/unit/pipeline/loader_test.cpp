#include "pipeline/loader.h"

#include <gtest/gtest.h>

#include "pipeline/dag.h"
#include "pipeline/default_pipeline_text.h"
#include "pipeline/writer.h"
#include "util/error.h"

namespace pw::pipeline {

namespace {
Pipeline load(const std::string& user) { return load_pipeline_text(kDefaultPipelineYaml, user); }

std::string error_of(const std::string& user) {
  try {
    auto p = load(user);
    resolve(p);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Loader, DefaultPipelineLoadsWithoutAFile) {
  auto p = load("");
  ASSERT_NE(p.find("checkout"), nullptr);
  ASSERT_NE(p.find("preflight"), nullptr);
  ASSERT_NE(p.find("post"), nullptr);
  EXPECT_EQ(p.find("checkout")->kind, "checkout");
  EXPECT_EQ(p.project.package, "");  // detected from the project's files (src/project)
}

TEST(Loader, ProjectKeysTakeListsAndFailFastIsRead) {
  auto p = load(
      "fail_fast: true\nproject:\n  package: [src/a, b]\n  tests: tests\n"
      "stages:\n  lint:\n    fail_fast: false\n");
  EXPECT_EQ(ProjectSpec::list(p.project.package), (std::vector<std::string>{"src/a", "b"}));
  EXPECT_EQ(ProjectSpec::list(p.project.tests), std::vector<std::string>{"tests"});
  EXPECT_TRUE(p.fail_fast);
  EXPECT_EQ(p.find("lint")->fail_fast, std::optional<bool>(false));
  EXPECT_EQ(p.find("tests")->fail_fast, std::nullopt);
}

TEST(Loader, ReadsEveryGenericKey) {
  auto p = load(R"(
stages:
  lint:
    run: make lint
    needs: [preflight]
    blocking: false
    timeout: 5m
    retry: 2
    env: {A: "1", B: two}
    credentials: [dockerhub]
    when: {branch: "release/*", changes: ["src/**"]}
)");
  const StageSpec* s = p.find("lint");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->kind, "run");
  EXPECT_EQ(s->run, "make lint");
  EXPECT_EQ(s->needs, std::vector<std::string>{"preflight"});
  EXPECT_FALSE(s->blocking);
  EXPECT_EQ(s->timeout->count(), 300'000);
  EXPECT_EQ(s->retry, 2);
  ASSERT_EQ(s->env.size(), 2u);
  EXPECT_EQ(s->env[1].second, "two");
  EXPECT_EQ(s->credentials, std::vector<std::string>{"dockerhub"});
  EXPECT_EQ(s->when.branch, "release/*");
  EXPECT_EQ(s->when.changes, std::vector<std::string>{"src/**"});
}

TEST(Loader, OverridesOneKeyOfABuiltin) {
  auto p = load("stages:\n  preflight:\n    timeout: 30s\n");
  const StageSpec* s = p.find("preflight");
  EXPECT_EQ(s->timeout->count(), 30'000);
  EXPECT_EQ(s->needs, std::vector<std::string>{"checkout"});  // kept from the default
  EXPECT_EQ(s->kind, "preflight");
}

TEST(Loader, EnabledFalseRemovesABuiltin) {
  auto p = load(
      "stages:\n  preflight:\n    enabled: false\n  x:\n    run: 'true'\n    needs: [preflight]\n");
  auto g = resolve(p);
  EXPECT_EQ(std::count(g.order.begin(), g.order.end(), "preflight"), 0);
  // The need on the disabled stage is bridged to what it needed.
  EXPECT_EQ(g.needs.at("x"), std::vector<std::string>{"checkout"});
}

TEST(Loader, SyntaxErrorNamesFileLineAndColumn) {
  std::string e = error_of("stages:\n  a:\n    run: [unclosed\n");
  EXPECT_NE(e.find("pipewright.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("YAML syntax error"), std::string::npos) << e;
}

TEST(Loader, UnknownKeySuggestsTheClosest) {
  std::string e = error_of("stages:\n  a:\n    run: x\n    neds: [checkout]\n");
  EXPECT_NE(e.find("pipewright.yaml:4:5: unknown key 'neds'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'needs'"), std::string::npos) << e;
}

TEST(Loader, ReportsEveryProblemAtOnce) {
  std::string e = error_of(
      "stages:\n  a:\n    run: x\n    timeout: soon\n    retry: many\n    blockin: true\n");
  EXPECT_NE(e.find("timeout 'soon'"), std::string::npos) << e;
  EXPECT_NE(e.find("retry must be"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'blocking'"), std::string::npos) << e;
}

TEST(Loader, StageWithoutRunThatIsNotBuiltin) {
  std::string e = error_of("stages:\n  chekout:\n    timeout: 5s\n");
  EXPECT_NE(e.find("no `run` command and is not a built-in stage"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean the built-in 'checkout'"), std::string::npos) << e;
}

TEST(Loader, DuplicateKeysAreAnError) {
  std::string e = error_of("stages:\n  a:\n    run: x\n    run: y\n");
  EXPECT_NE(e.find("duplicate key 'run'"), std::string::npos) << e;
}

TEST(Dag, CycleIsNamed) {
  std::string e = error_of(
      "stages:\n  a:\n    run: x\n    needs: [c]\n  b:\n    run: x\n    needs: [a]\n  c:\n    run: "
      "x\n    needs: [b]\n");
  EXPECT_NE(e.find("cycle"), std::string::npos) << e;
  EXPECT_TRUE(e.find("a -> b -> c -> a") != std::string::npos ||
              e.find("b -> c -> a -> b") != std::string::npos ||
              e.find("c -> a -> b -> c") != std::string::npos)
      << e;
}

TEST(Dag, UnknownNeedWithSuggestion) {
  std::string e = error_of("stages:\n  a:\n    run: x\n    needs: [prefligt]\n");
  EXPECT_NE(e.find("needs 'prefligt', which is not a stage; did you mean 'preflight'"),
            std::string::npos)
      << e;
}

TEST(Dag, RunStagesNeedCheckoutImplicitly) {
  auto p = load("stages:\n  a:\n    run: x\n  b:\n    run: y\n    needs: [a]\n");
  auto g = resolve(p);
  EXPECT_EQ(g.needs.at("a"), std::vector<std::string>{"checkout"});
  EXPECT_EQ(g.needs.at("b"), (std::vector<std::string>{"checkout", "a"}));
  EXPECT_EQ(g.order.front(), "checkout");
}

TEST(Dag, SelectTakesTargetsAndWhatTheyNeed) {
  auto p = load("stages:\n  a:\n    run: x\n  b:\n    run: y\n    needs: [a]\n  c:\n    run: z\n");
  auto g = resolve(p);
  EXPECT_EQ(select(g, p, {"b"}, false), (std::vector<std::string>{"checkout", "a", "b"}));
  EXPECT_EQ(select(g, p, {"b"}, true), (std::vector<std::string>{"b"}));
  EXPECT_THROW(select(g, p, {"nope"}, false), ConfigError);
}

TEST(Writer, PlanYamlReproducesThePipeline) {
  auto p = load(R"(
project: {name: demo, package: src}
stages:
  preflight: {timeout: 45s}
  lint:
    run: |
      echo one
      echo two
    blocking: false
    retry: 1
    env: {X: "a b"}
    when: {branch: main}
  post:
    always: [echo done]
)");
  std::string once = to_yaml(p);
  auto again = load_pipeline_text(kDefaultPipelineYaml, once);
  EXPECT_EQ(to_yaml(again), once);
  EXPECT_EQ(again.project.package, "src");
  EXPECT_EQ(again.find("lint")->run, "echo one\necho two\n");
}

}  // namespace pw::pipeline
