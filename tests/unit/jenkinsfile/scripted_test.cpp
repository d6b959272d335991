// Scripted pipelines read into the Declarative model: stages in order through their wrappers,
// statements between stages, try/catch/finally, if, parallel, old-style stages, and what is
// refused (with its line) because pipewright needs the stages before the build.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "jenkinsfile/declarative.h"
#include "jenkinsfile/translate.h"
#include "util/fs.h"

namespace pw::jenkinsfile {
namespace {

std::string scripted_error(const std::string& text) {
  try {
    read_declarative(text, "Jenkinsfile");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> names(const std::vector<Stage>& stages) {
  std::vector<std::string> out;
  for (const auto& s : stages) out.push_back(s.name);
  return out;
}

std::vector<std::string> steps_of(const Stage& s) {
  std::vector<std::string> out;
  if (s.steps)
    for (const auto& st : s.steps->items) out.push_back(to_source(st));
  return out;
}

TEST(Scripted, StagesInOrderThroughWrappers) {
  auto p = read_declarative(
      "node('linux') {\n"
      "  stage('Checkout') { checkout scm }\n"
      "  timestamps {\n"
      "    withEnv(['A=1']) {\n"
      "      stage('Test') { sh 'pytest' }\n"
      "      dir('sub') { stage('Lint') { sh 'flake8' } }\n"
      "    }\n"
      "  }\n"
      "}\n",
      "Jenkinsfile");
  EXPECT_TRUE(p.scripted);
  EXPECT_TRUE(p.options.skip_default_checkout);  // scripted Jenkins checks out nothing itself
  EXPECT_EQ(names(p.stages), (std::vector<std::string>{"Checkout", "Test", "Lint"}));
  EXPECT_EQ(steps_of(p.stages[0]), (std::vector<std::string>{"checkout(scm)"}));
  EXPECT_EQ(steps_of(p.stages[1]), (std::vector<std::string>{"withEnv(['A=1']) { sh('pytest') }"}));
  EXPECT_EQ(steps_of(p.stages[2]),
            (std::vector<std::string>{"withEnv(['A=1']) { dir('sub') { sh('flake8') } }"}));
  EXPECT_EQ(p.stages[1].pos.line, 5);
  // The run pipeline: no implicit checkout, each stage needing the one before.
  auto run = to_run_pipeline(p, "Jenkinsfile", {});
  ASSERT_EQ(run.stages.size(), 3u);
  EXPECT_EQ(run.stages[0].id, "Checkout");
  EXPECT_EQ(run.stages[2].needs, (std::vector<std::string>{"Test"}));
}

TEST(Scripted, StatementsBetweenStagesRunWithTheNextStage) {
  auto p = read_declarative(
      "def v = '1'\n"
      "node {\n"
      "  properties([pipelineTriggers([pollSCM('H/5 * * * *')])])\n"
      "  stage('A') { echo v }\n"
      "  env.X = 'y'\n"
      "  withEnv(['B=2']) { sh 'between' }\n"
      "  stage('B') { echo 'b' }\n"
      "  echo 'after'\n"
      "}\n",
      "Jenkinsfile");
  EXPECT_EQ(steps_of(p.stages[0]), (std::vector<std::string>{"def v = '1'", "echo(v)"}));
  ASSERT_EQ(p.notes.size(), 1u);  // properties([...]) inside node: left out, with a note
  EXPECT_NE(p.notes[0].find("properties([...])"), std::string::npos) << p.notes[0];
  EXPECT_EQ(steps_of(p.stages[1]),
            (std::vector<std::string>{"env.X = 'y'", "withEnv(['B=2']) { sh('between') }",
                                      "echo('b')", "echo('after')"}));
}

TEST(Scripted, TryCatchFinallyBecomePost) {
  auto p = read_declarative(
      "node {\n"
      "  try {\n"
      "    stage('Test') { sh 'pytest' }\n"
      "  } catch (Exception err) {\n"
      "    currentBuild.result = 'FAILURE'\n"
      "    echo \"failed: ${err}\"\n"
      "    throw err\n"
      "  } finally {\n"
      "    junit 'report.xml'\n"
      "  }\n"
      "}\n",
      "Jenkinsfile");
  ASSERT_EQ(p.post.conditions.size(), 2u);
  EXPECT_EQ(p.post.conditions[0].first, "failure");
  // The rethrow and the result are dropped (the failed stage fails the build already); the
  // caught error's name stays usable.
  ASSERT_EQ(p.post.conditions[0].second->items.size(), 2u);
  EXPECT_EQ(p.post.conditions[0].second->items[0]->kind, Kind::decl);
  EXPECT_EQ(p.post.conditions[0].second->items[0]->text, "err");
  EXPECT_EQ(p.post.conditions[1].first, "always");
  EXPECT_EQ(to_source(p.post.conditions[1].second), "{ junit('report.xml') }");
  EXPECT_TRUE(p.notes.empty());
  // A catch that swallows the error is noted: the build still fails here.
  p = read_declarative("node { try { stage('A') { sh 'x' } } catch (e) { echo 'no' } }\n",
                       "Jenkinsfile");
  ASSERT_EQ(p.notes.size(), 1u);
  EXPECT_NE(p.notes[0].find("does not rethrow"), std::string::npos) << p.notes[0];
}

TEST(Scripted, IfAroundStagesIsWhen) {
  auto p = read_declarative(
      "node {\n"
      "  if (env.BRANCH_NAME == 'main') {\n"
      "    stage('Deploy') { sh 'deploy' }\n"
      "  } else {\n"
      "    stage('Skip') { echo 'no' }\n"
      "  }\n"
      "}\n",
      "Jenkinsfile");
  ASSERT_EQ(p.stages.size(), 2u);
  ASSERT_EQ(p.stages[0].when.conditions.size(), 1u);
  EXPECT_EQ(p.stages[0].when.conditions[0].kind, "expression");
  EXPECT_EQ(to_source(p.stages[0].when.conditions[0].expr), "{ env.BRANCH_NAME == 'main' }");
  EXPECT_EQ(to_source(p.stages[1].when.conditions[0].expr), "{ !env.BRANCH_NAME == 'main' }");
}

TEST(Scripted, ParallelInAStageIsBranches) {
  auto p = read_declarative(
      "node {\n"
      "  stage('Checks') {\n"
      "    parallel(lint: { sh 'flake8' }, 'unit tests': { sh 'pytest' }, failFast: true)\n"
      "  }\n"
      "  stage('After') { parallel 'x': { echo 'x' } }\n"
      "}\n",
      "Jenkinsfile");
  ASSERT_EQ(p.stages.size(), 2u);
  EXPECT_TRUE(p.stages[0].fail_fast);
  EXPECT_FALSE(p.stages[0].steps);
  EXPECT_EQ(names(p.stages[0].parallel), (std::vector<std::string>{"lint", "unit tests"}));
  EXPECT_EQ(steps_of(p.stages[0].parallel[1]), (std::vector<std::string>{"sh('pytest')"}));
  EXPECT_EQ(names(p.stages[1].parallel), (std::vector<std::string>{"x"}));
  auto run = to_run_pipeline(p, "Jenkinsfile", {});
  std::vector<std::string> ids;
  for (const auto& s : run.stages) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"lint", "unit tests", "x"}));
}

TEST(Scripted, OldStyleStageTakesTheStatementsAfterIt) {
  auto p = read_declarative(
      "node {\n"
      "  stage 'Checkout'\n"
      "  checkout scm\n"
      "  stage 'Test'\n"
      "  sh 'pytest'\n"
      "  sh 'flake8'\n"
      "}\n",
      "Jenkinsfile");
  EXPECT_EQ(names(p.stages), (std::vector<std::string>{"Checkout", "Test"}));
  EXPECT_EQ(steps_of(p.stages[1]), (std::vector<std::string>{"sh('pytest')", "sh('flake8')"}));
}

TEST(Scripted, RefusedWithTheirLine) {
  auto e = scripted_error("node {\n  stage(\"Test ${x}\") { sh 'x' }\n}\n");
  EXPECT_NE(e.find("Jenkinsfile:2:9: a stage needs its name as a plain string"), std::string::npos)
      << e;
  e = scripted_error("node {\n  for (v in ['3.11', '3.12']) {\n    stage(v) { sh 'x' }\n  }\n}\n");
  EXPECT_NE(e.find("Jenkinsfile:2:3: `for"), std::string::npos) << e;
  e = scripted_error("node {\n  lock('db') {\n    stage('A') { sh 'x' }\n  }\n}\n");
  EXPECT_NE(e.find("Jenkinsfile:2:3: `lock` holds stages"), std::string::npos) << e;
  e = scripted_error("node {\n  stage('A') {\n    sh 'x'\n    parallel(a: { sh 'y' })\n  }\n}\n");
  EXPECT_NE(e.find("Jenkinsfile:4:5: parallel in stage \"A\" has other statements"),
            std::string::npos)
      << e;
  e = scripted_error("def b = [:]\nnode {\n  stage('A') { parallel b }\n}\n");
  EXPECT_NE(e.find("Jenkinsfile:3:25: parallel takes branches written out"), std::string::npos)
      << e;
  e = scripted_error(
      "parallel a: { node { stage('A') { parallel(x: { sh 'x' }) } } }, b: { stage('B') { } }\n");
  EXPECT_NE(e.find("Jenkinsfile:1:22: stage \"A\" runs branches in parallel inside branch \"a\""),
            std::string::npos)
      << e;
  e = scripted_error("node {\n  sh 'make'\n  parallel a: { stage('A') { sh 'x' } }\n}\n");
  EXPECT_NE(e.find("Jenkinsfile:2:3: `sh('make')` before parallel, whose branches run in parallel"),
            std::string::npos)
      << e;
  e = scripted_error("node {\n  stage('A') { sh 'x' }\n  stage('A') { sh 'y' }\n}\n");
  EXPECT_NE(e.find("Jenkinsfile:3:3: a second stage named \"A\""), std::string::npos) << e;
  e = scripted_error(
      "def lint(dir) {\n  sh \"flake8 ${dir}\"\n}\nnode { stage('A') { lint('src') } }\n");
  EXPECT_NE(e.find("Jenkinsfile:1:1: method definitions (def lint(...) { }) are Groovy"),
            std::string::npos)
      << e;
  e = scripted_error("node {\n  sh 'make'\n}\n");
  EXPECT_NE(e.find("Jenkinsfile:1:1: no stage('name')"), std::string::npos) << e;
}

// Groovy a stage's steps hold that pipewright does not run is named before the build, as in
// script { }; what it runs (try/catch/finally, throw of the caught error, currentBuild.result,
// a stage inside a stage) is not.
TEST(Scripted, UnsupportedGroovyIsNamedBeforeTheBuild) {
  auto p = read_declarative(
      "node {\n"
      "  stage('A') {\n"
      "    try { sh 'pytest' } catch (e) { currentBuild.result = 'UNSTABLE'; throw e }\n"
      "    finally { junit 'r.xml' }\n"
      "    stage('inner') { print 'x' }\n"
      "    def out = sh(script: 'git rev-parse HEAD', returnStdout: true).trim()\n"
      "    if (out) { echo out }\n"
      "  }\n"
      "  stage('B') {\n"
      "    for (f in files) { sh 'x' }\n"
      "    docker.image('python:3.12').inside { sh 'pytest' }\n"
      "  }\n"
      "}\n",
      "Jenkinsfile");
  auto d = unsupported_steps(p);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].line, 10);
  EXPECT_NE(d[0].message.find("`for"), std::string::npos) << d[0].message;
  EXPECT_EQ(d[1].line, 11);
  EXPECT_NE(d[1].message.find("docker.image"), std::string::npos) << d[1].message;
}

// Import: a scripted pipeline's variables set to strings are shell variables, at the top of every
// later stage's script too (they are the whole build's); pipewright's checkout stays when a
// stage checks out.
TEST(Scripted, ImportCarriesVariablesIntoLaterStages) {
  auto p = read_declarative(
      "node {\n"
      "  def out = 'build/out'\n"
      "  stage('Checkout') { checkout scm }\n"
      "  withEnv([\"DEST=${out}\"]) { stage('Test') { env.MODE = 'fast'; sh 'make' } }\n"
      "  stage('Report') { echo \"in ${out} ${currentBuild.number}\" }\n"
      "}\n",
      "Jenkinsfile");
  std::string y = to_pipewright_yaml(p, "Jenkinsfile");
  EXPECT_EQ(y.find("checkout: {enabled: false}"), std::string::npos) << y;
  EXPECT_NE(y.find("    run: |\n      out=build/out\n      (\n        export \"DEST=${out}\"\n"
                   "        export MODE=fast\n        make\n      )\n"),
            std::string::npos)
      << y;
  // ${currentBuild.number} is no shell name: that echo stays single-quoted, as before.
  EXPECT_NE(y.find("      out=build/out\n      export MODE=fast\n      echo 'in ${out} "
                   "${currentBuild.number}'\n"),
            std::string::npos)
      << y;
}

// docker.image('x').inside { } is the agent of the stages inside it, or of a stage whose whole
// body it is; elsewhere in a stage it is Groovy, named before the build.
TEST(Scripted, DockerImageInsideIsTheStagesAgent) {
  auto p = read_declarative(
      "node {\n"
      "  docker.image('python:3.12').inside('-u root') {\n"
      "    stage('Test') { sh 'pytest' }\n"
      "  }\n"
      "  stage('Lint') {\n"
      "    docker.image('python:3.11').inside { sh 'flake8' }\n"
      "  }\n"
      "  stage('Host') { sh 'true' }\n"
      "}\n",
      "Jenkinsfile");
  ASSERT_EQ(p.stages.size(), 3u);
  EXPECT_EQ(p.stages[0].agent.type, "docker");
  EXPECT_EQ(p.stages[0].agent.image, "python:3.12");
  EXPECT_EQ(p.stages[0].agent.args, "-u root");
  EXPECT_EQ(p.stages[1].agent.image, "python:3.11");
  EXPECT_EQ(steps_of(p.stages[1]), (std::vector<std::string>{"sh('flake8')"}));
  EXPECT_EQ(p.stages[2].agent.type, "");
  auto e = scripted_error(
      "def img = 'python'\nnode {\n  docker.image(img).inside {\n    stage('A') { sh 'x' }\n  "
      "}\n}\n");
  EXPECT_NE(e.find("Jenkinsfile:3:16: docker.image(...) needs the image as a plain string"),
            std::string::npos)
      << e;
  // Once, not again for the stage inside.
  EXPECT_EQ(e.find("needs the image"), e.rfind("needs the image")) << e;
}

// A parallel holding stages (one branch per Python version, each in its node): a declarative
// parallel of branches with their stages in order; what comes before it runs in each branch when
// it only sets variables.
TEST(Scripted, ParallelOfBranchesWithStages) {
  auto p = read_declarative(
      "node { stage('Checkout') { checkout scm } }\n"
      "env.LEVEL = 'full'\n"
      "parallel(\n"
      "  py311: { node { stage('Test 3.11') { sh 'tox -e py311' }\n"
      "                  stage('Report 3.11') { junit 'a.xml' } } },\n"
      "  lint: { node { sh 'flake8' } },\n"
      "  failFast: true)\n"
      "stage('Package') { sh 'python3 -m build' }\n",
      "Jenkinsfile");
  EXPECT_EQ(names(p.stages), (std::vector<std::string>{"Checkout", "Parallel", "Package"}));
  const Stage& par = p.stages[1];
  EXPECT_TRUE(par.fail_fast);
  EXPECT_EQ(names(par.parallel), (std::vector<std::string>{"py311", "lint"}));
  EXPECT_EQ(names(par.parallel[0].stages), (std::vector<std::string>{"Test 3.11", "Report 3.11"}));
  EXPECT_EQ(steps_of(par.parallel[0].stages[0]),
            (std::vector<std::string>{"env.LEVEL = 'full'", "sh('tox -e py311')"}));
  EXPECT_EQ(steps_of(par.parallel[1]),
            (std::vector<std::string>{"env.LEVEL = 'full'", "node { sh('flake8') }"}));
  auto run = to_run_pipeline(p, "Jenkinsfile", {});
  std::map<std::string, std::vector<std::string>> needs;
  for (const auto& s : run.stages) needs[s.id] = s.needs;
  EXPECT_EQ(needs["Test 3.11"], (std::vector<std::string>{"Checkout"}));
  EXPECT_EQ(needs["Report 3.11"], (std::vector<std::string>{"Test 3.11"}));
  EXPECT_EQ(needs["lint"], (std::vector<std::string>{"Checkout"}));
  auto pk = needs["Package"];
  std::sort(pk.begin(), pk.end());
  EXPECT_EQ(pk, (std::vector<std::string>{"Report 3.11", "lint"}));
}

}  // namespace
}  // namespace pw::jenkinsfile
