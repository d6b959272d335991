// The Groovy reader and the Declarative model over every construct a declarative Jenkinsfile
// uses, the validator's invalid-pipeline cases, and golden files of the model.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "jenkinsfile/declarative.h"
#include "jenkinsfile/translate.h"
#include "util/fs.h"

namespace pw::jenkinsfile {
namespace {

NodePtr expr_of(const std::string& groovy) {
  auto root = parse_groovy("x = " + groovy + "\n", "t");
  EXPECT_EQ(root->items.size(), 1u);
  return root->items[0]->items[1];
}

std::string error_of(const std::string& text) {
  try {
    read_declarative(text, "Jenkinsfile");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Groovy, StringForms) {
  EXPECT_EQ(expr_of("'a\\'b\\\\c'")->text, "a'b\\c");
  EXPECT_EQ(expr_of("\"tab\\tnl\\n\\u00e9\\$x\"")->text, "tab\tnl\n\xc3\xa9$x");
  auto g = expr_of("\"a${b.c}d$e.f g\"");
  ASSERT_EQ(g->kind, Kind::gstring);
  ASSERT_EQ(g->parts.size(), 5u);
  EXPECT_EQ(g->parts[1].expr->kind, Kind::property);
  EXPECT_EQ(g->parts[3].expr->kind, Kind::property);
  EXPECT_EQ(g->parts[3].text, "e.f");
  EXPECT_EQ(expr_of("'''one\ntwo'''")->text, "one\ntwo");
  EXPECT_EQ(expr_of("\"\"\"x ${y}\n\"\"\"")->kind, Kind::gstring);
  EXPECT_EQ(expr_of("/a\\d+\\/b/")->text, "a\\d+/b");
  EXPECT_EQ(expr_of("$/x\\y $$z $/ w/$")->text, "x\\y $z / w");
  // Single quotes never interpolate.
  EXPECT_EQ(expr_of("'${x}'")->kind, Kind::string);
}

TEST(Groovy, Comments) {
  auto root = parse_groovy("#!/usr/bin/env groovy\n// a\n/* b\n c */ foo 'x' // d\n", "t");
  ASSERT_EQ(root->items.size(), 1u);
  EXPECT_EQ(root->items[0]->text, "foo");
}

TEST(Groovy, ListsMapsNamedArgs) {
  auto l = expr_of("[1, 'a', [b: 2]]");
  ASSERT_EQ(l->kind, Kind::list);
  EXPECT_EQ(l->items.size(), 3u);
  EXPECT_EQ(l->items[2]->kind, Kind::map);
  EXPECT_EQ(expr_of("[:]")->kind, Kind::map);
  auto c = parse_groovy("timeout(time: 5, unit: 'MINUTES') { sh 'x' }", "t")->items[0];
  EXPECT_EQ(c->kind, Kind::call);
  EXPECT_EQ(c->named("time")->value->text, "5");
  ASSERT_TRUE(c->closure);
  EXPECT_EQ(c->closure->items[0]->text, "sh");
}

TEST(Groovy, CallsWithAndWithoutParentheses) {
  auto root = parse_groovy(
      "sh 'a'\nsh('b')\nsh script: 'c', returnStatus: true\nagent any\n"
      "buildDiscarder logRotator(numToKeepStr: '5')\nsteps { echo \"x\" }\n"
      "stage('s')\n{\n echo 'y'\n}\n",
      "t");
  ASSERT_EQ(root->items.size(), 7u);
  EXPECT_EQ(root->items[0]->positional(0)->text, "a");
  EXPECT_TRUE(root->items[1]->parens);
  EXPECT_EQ(root->items[2]->named("returnStatus")->value->text, "true");
  EXPECT_EQ(root->items[3]->positional(0)->kind, Kind::ident);
  EXPECT_EQ(root->items[4]->positional(0)->kind, Kind::call);
  EXPECT_TRUE(root->items[5]->closure);
  EXPECT_TRUE(root->items[6]->closure);
}

TEST(Groovy, Expressions) {
  auto e = expr_of("env.A == 'x' && !(params.B != 'y') || c =~ /d/");
  EXPECT_EQ(e->kind, Kind::binary);
  EXPECT_EQ(e->text, "||");
  EXPECT_EQ(expr_of("a ? b : c")->kind, Kind::ternary);
  EXPECT_EQ(expr_of("x.trim()\n")->kind, Kind::call);
}

TEST(Groovy, ErrorsNameLineAndColumn) {
  EXPECT_NE(
      error_of("pipeline {\n  agent any\n").find("Jenkinsfile:1:10: this '{' is never closed"),
      std::string::npos);
  EXPECT_NE(error_of("pipeline { }\n}\n").find("Jenkinsfile:2:1: unexpected '}'"),
            std::string::npos);
  EXPECT_NE(error_of("pipeline {\n sh '''abc\n")
                .find("Jenkinsfile:2:5: unterminated triple-quoted string"),
            std::string::npos);
  EXPECT_NE(error_of("x = 'abc\n").find("unterminated string"), std::string::npos);
}

TEST(Groovy, DeepNestingIsAnErrorNotACrash) {
  std::string s = "pipeline { agent any; stages { stage('a') { steps { x = ";
  for (int i = 0; i < 100000; ++i) s += "[";
  std::string err = error_of(s);
  EXPECT_NE(err.find("nesting deeper than"), std::string::npos) << err;
  std::string p = "pipeline { agent any\n stages {\n";
  for (int i = 0; i < 5000; ++i) p += "stage('s" + std::to_string(i) + "') { parallel { ";
  EXPECT_NE(error_of(p).find("nesting deeper than"), std::string::npos);
}

TEST(Groovy, FiveMegabytes) {
  std::ostringstream o;
  o << "pipeline {\n agent any\n stages {\n";
  int n = 0;
  while (o.tellp() < 5 * 1024 * 1024) {
    o << "  stage('s" << n++ << "') { steps { sh 'echo " << std::string(200, 'x') << "' } }\n";
  }
  o << " }\n}\n";
  auto p = read_declarative(o.str(), "big");
  EXPECT_EQ(p.stages.size(), static_cast<size_t>(n));
}

TEST(Declarative, ScriptedGroovyBesidePipelineIsNamed) {
  // A scripted pipeline alone is read (scripted_test.cpp); beside a pipeline { } block it is not.
  std::string e = error_of(
      "timestamps { echo 'x' }\npipeline {\n  agent any\n  stages { stage('x') { "
      "steps { echo 'y' } } }\n}\n");
  EXPECT_NE(e.find("Jenkinsfile:1:1:"), std::string::npos) << e;
  EXPECT_NE(e.find("only declarative is supported"), std::string::npos) << e;
}

TEST(Declarative, ValidatorCases) {
  EXPECT_NE(error_of("pipeline { stages { stage('a') { steps { echo 'x' } } } }")
                .find("Missing required section \"agent\""),
            std::string::npos);
  EXPECT_NE(error_of("pipeline { agent any }").find("Missing required section \"stages\""),
            std::string::npos);
  EXPECT_NE(error_of("pipeline { agent any\n stages { stage('a') { steps { echo 'x' }\n parallel { "
                     "stage('b') { steps { echo 'y' } } } } } }")
                .find("Only one of \"matrix\", \"parallel\", \"stages\", or \"steps\" allowed for "
                      "stage \"a\""),
            std::string::npos);
  EXPECT_NE(error_of("pipeline { agent any\n stages { stage('a') { } } }")
                .find("Nothing to execute within stage \"a\""),
            std::string::npos);
  EXPECT_NE(error_of("pipeline { agent any\n stages { stage('a') { steps { echo 'x' } }\n "
                     "stage('a') { steps { echo 'y' } } } }")
                .find("Duplicate stage name: \"a\""),
            std::string::npos);
  EXPECT_NE(error_of("pipeline { agent any\n stages { stage('a') { sh 'x' } } }")
                .find("Unknown stage section \"sh\""),
            std::string::npos);
  EXPECT_NE(error_of("pipeline { agent any\n stages { stage('a') { steps { echo 'x' } } }\n post { "
                     "allways { echo 'x' } } }")
                .find("did you mean \"always\""),
            std::string::npos);
  EXPECT_NE(error_of("pipeline { agnet any\n stages { stage('a') { steps { echo 'x' } } } }")
                .find("Jenkinsfile:1:12: Undefined section \"agnet\"; did you mean \"agent\"?"),
            std::string::npos);
  EXPECT_NE(
      error_of(
          "pipeline { agent { kubernetess { } }\n stages { stage('a') { steps { echo 'x' } } } }")
          .find("Invalid agent type \"kubernetess\""),
      std::string::npos);
  EXPECT_NE(error_of("pipeline { agent any\n options { timout(time: 1) }\n stages { stage('a') { "
                     "steps { echo 'x' } } } }")
                .find("did you mean \"timeout\""),
            std::string::npos);
  EXPECT_NE(error_of("pipeline { agent any\n stages { stage('a') { when { brnch 'main' }\n steps { "
                     "echo 'x' } } } }")
                .find("did you mean \"branch\""),
            std::string::npos);
  EXPECT_NE(error_of("pipeline { agent any\n stages { stage('a') { parallel { stage('b') { "
                     "parallel { stage('c') { steps { echo 'x' } } } } } } } }")
                .find("Parallel stages or branches can only be included in a top-level stage"),
            std::string::npos);
}

TEST(Declarative, Options) {
  auto p = read_declarative(
      "pipeline { agent any\n options { timeout(time: 2, unit: 'HOURS'); retry(3); timestamps(); "
      "skipDefaultCheckout(); "
      "disableConcurrentBuilds(); buildDiscarder(logRotator(numToKeepStr: '5')) }\n"
      " stages { stage('a') { steps { echo 'x' } } } }",
      "J");
  EXPECT_EQ(p.options.timeout->count(), 2 * 3600 * 1000);
  EXPECT_EQ(p.options.retry, 2);
  EXPECT_TRUE(p.options.timestamps);
  EXPECT_TRUE(p.options.skip_default_checkout);
  EXPECT_TRUE(p.options.disable_concurrent);
  ASSERT_EQ(p.options.notes.size(), 1u);
  EXPECT_NE(p.options.notes[0].find("buildDiscarder"), std::string::npos);
}

TEST(Declarative, NumbersPastTheirRangeAreErrorsNotExceptions) {
  // Thirty digits once reached std::stoll, whose out_of_range escaped the reader.
  auto with = [](const std::string& options) {
    return error_of("pipeline { agent any\n options { " + options +
                    " }\n stages { stage('a') { steps { echo 'x' } } } }");
  };
  EXPECT_NE(
      with("timeout(time: 999999999999999999999999999999, unit: 'SECONDS')").find("Jenkinsfile:2:"),
      std::string::npos);
  EXPECT_NE(with("timeout(time: 999999999999999999999999999999)").find("whole number up to"),
            std::string::npos);
  EXPECT_NE(with("retry(999999999999999999999999)").find("retry takes a count from 1 to 1000"),
            std::string::npos);
  EXPECT_NE(with("retry(0)").find("retry takes a count"), std::string::npos);
  EXPECT_EQ(with("retry(1000)"), "");
}

TEST(Declarative, UnsupportedStepsNamePluginAndEquivalent) {
  auto p = read_declarative(
      "pipeline { agent any\n stages { stage('a') { steps {\n slackSend channel: '#x'\n"
      " script { for (f in files) { echo f } }\n checkout([$class: 'GitSCM'])\n frobnicate 'y'\n } "
      "} } }",
      "J");
  auto d = unsupported_steps(p);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].line, 3);
  EXPECT_NE(d[0].message.find("plugin slack"), std::string::npos);
  EXPECT_NE(d[1].message.find("script { }"), std::string::npos);
  EXPECT_EQ(d[1].line, 4);
  EXPECT_NE(d[2].message.find("checkout scm"), std::string::npos);
  EXPECT_NE(d[3].message.find("frobnicate"), std::string::npos);
}

// The Groovy public Jenkinsfiles put in script { } that pipewright runs: def and assignments,
// env.X =, if / else if / else, and sh/readFile/fileExists called for their values.
TEST(Declarative, ScriptGroovyThatRuns) {
  auto p = read_declarative(
      "pipeline { agent any\n stages { stage('a') { steps { script {\n"
      " def tag = sh(script: 'git describe', returnStdout: true).trim()\n"
      " int n = 0\n n += 1\n env.TAG = tag\n"
      " if (sh(script: 'test -f x', returnStatus: true) != 0) { error('no x') }\n"
      " else if (fileExists('y')) { echo readFile('y') } else { echo \"${tag} ${n}\" }\n"
      " } } } } }",
      "J");
  EXPECT_TRUE(unsupported_steps(p).empty()) << unsupported_steps(p).front().str();
  auto bad = read_declarative(
      "pipeline { agent any\n stages { stage('a') { steps { script {\n"
      " def v = sh(script: 'x', returnStdout: true).split(',')\n"
      " currentBuild.description = 'x'\n"
      " } } } } }",
      "J");
  auto d = unsupported_steps(bad);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].line, 3);
  EXPECT_NE(d[0].message.find("split"), std::string::npos) << d[0].message;
  EXPECT_EQ(d[1].line, 4);
}

TEST(Declarative, RunPipelineOrder) {
  auto p = read_declarative_file(std::string(PW_FIXTURES) + "/jenkinsfile/styles.Jenkinsfile");
  auto run = to_run_pipeline(p, "styles.Jenkinsfile", {});
  std::vector<std::string> ids;
  for (const auto& s : run.stages) ids.push_back(s.id);
  // skipDefaultCheckout: no implicit checkout; matrix cells and parallel branches by name.
  ASSERT_GE(ids.size(), 6u);
  EXPECT_EQ(ids[0], "Test");
  const auto* b2 = run.find("B2");
  ASSERT_TRUE(b2);
  EXPECT_EQ(b2->needs, std::vector<std::string>{"B1"});
  const auto* deploy = run.find("Deploy");
  ASSERT_TRUE(deploy);
  EXPECT_EQ(deploy->needs, (std::vector<std::string>{"A", "B2"}));
  EXPECT_EQ(deploy->timeout->count(), 30000);
  EXPECT_TRUE(run.find("post"));
  // failFast true on 'Parallel': its branches stop each other; stages outside it do not (a
  // running stage beside a failure finishes, as in Jenkins without failFast).
  EXPECT_EQ(run.find("A")->fail_fast, std::optional<bool>(true));
  EXPECT_EQ(b2->fail_fast, std::optional<bool>(true));
  EXPECT_EQ(deploy->fail_fast, std::nullopt);
  EXPECT_FALSE(run.fail_fast);
}

// Golden files: the model of each fixture Jenkinsfile, as `plan --jenkinsfile --model` prints it.
// Regenerate with PW_UPDATE_GOLDEN=1 after a deliberate change, and review the diff.
TEST(Declarative, GoldenModels) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(PW_FIXTURES) / "jenkinsfile";
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".Jenkinsfile") continue;
    ++n;
    auto p = read_declarative_file(e.path().filename().string() == "" ? "" : e.path().string());
    std::string got = dump(p);
    // Positions are relative to the fixture; the file name is not part of the model.
    fs::path golden = e.path();
    golden.replace_extension(".model");
    if (std::getenv("PW_UPDATE_GOLDEN")) write_file_atomic(golden, got);
    ASSERT_TRUE(fs::exists(golden)) << golden;
    EXPECT_EQ(got, read_file(golden)) << e.path();
  }
  EXPECT_GE(n, 3);
}

}  // namespace
}  // namespace pw::jenkinsfile

namespace pw::jenkinsfile {
namespace {

// The seed's Jenkinsfile imported: a golden pipewright.yaml (PW_UPDATE_GOLDEN=1 rewrites it).
TEST(Import, SeedGolden) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(PW_FIXTURES) / "jenkinsfile";
  auto p = read_declarative_file((dir / "seed.Jenkinsfile").string());
  std::string got = to_pipewright_yaml(p, "Jenkinsfile");
  fs::path golden = dir / "seed.pipewright.yaml";
  if (std::getenv("PW_UPDATE_GOLDEN")) write_file_atomic(golden, got);
  EXPECT_EQ(got, read_file(golden));
}

}  // namespace
}  // namespace pw::jenkinsfile

namespace pw::jenkinsfile {
namespace {

TEST(Declarative, WhenExpressionsThatNeedGroovyAreNamedBeforeTheBuild) {
  auto p = read_declarative(
      "pipeline { agent any\n stages {\n"
      " stage('ok') { when { expression { return env.A == 'x' && !params.B.toBoolean() } }\n steps "
      "{ echo 'x' } }\n"
      " stage('groovy') { when { expression { return sh(script: 'test -f x', returnStatus: true) "
      "== 0 } }\n steps { echo 'y' } }\n"
      " } }",
      "J");
  auto d = unsupported_steps(p);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].line, 5);
  EXPECT_NE(d[0].message.find("is Groovy pipewright does not evaluate"), std::string::npos)
      << d[0].message;
}

}  // namespace
}  // namespace pw::jenkinsfile
