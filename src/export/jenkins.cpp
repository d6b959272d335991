// The pipeline as a declarative Jenkinsfile. Declarative stages run in sequence, so the DAG
// becomes levels (a stage's level is its longest path from the start): each level is one stage,
// or a `parallel` block when it holds several. That is never looser than the plan's order. Each
// stage runs on its own agent and gets the build folder of its needs with unstash.
#include <set>

#include "export/generate.h"
#include "util/strings.h"

namespace pw::ci {

namespace {

const char* kJenkinsBuild = "$BUILD_NUMBER";

std::string stash_name(const std::string& stage) { return "pw-" + stage; }

// A GString for paths that need the build number inside a Groovy argument.
std::string build_glob(const std::string& rest) {
  return "\".pipewright/builds/${env.BUILD_NUMBER}" + rest + "\"";
}

std::string sh(const std::string& cmd) { return "sh " + groovy_quote(cmd); }

std::string binding(const Credential& c) {
  if (c.is_username_password())
    return "usernamePassword(credentialsId: " + groovy_quote(c.id) +
           ", usernameVariable: " + groovy_quote(c.fields[0].second) +
           ", passwordVariable: " + groovy_quote(c.fields[1].second) + ")";
  if (c.fields.size() == 1 && c.fields[0].first.empty())
    return "string(credentialsId: " + groovy_quote(c.id) +
           ", variable: " + groovy_quote(c.fields[0].second) + ")";
  return "";  // several fields: one secret text each, see bindings()
}

std::vector<std::string> bindings(const Credential& c) {
  std::string b = binding(c);
  if (!b.empty()) return {b};
  std::vector<std::string> out;
  for (const auto& [field, env] : c.fields)
    out.push_back("string(credentialsId: " + groovy_quote(c.id + "-" + field) +
                  ", variable: " + groovy_quote(env) + ")");
  return out;
}

void agent(Text& t, const Plan& plan) {
  if (plan.options->image.empty())
    t.line("agent any");
  else
    t.line("agent { docker { image " + groovy_quote(plan.options->image) + " } }");
}

void when_block(Text& t, const pipeline::StageSpec& s) {
  if (s.when.empty()) return;
  t.line("when {").in();
  t.line("beforeAgent true");
  if (!s.when.branch.empty())
    t.line("branch pattern: " + groovy_quote(s.when.branch) + ", comparator: 'GLOB'");
  if (!s.when.changes.empty()) {
    // Jenkins' changeset is the commits since the last build, as pipewright's `changes`; on a
    // job's first build it is empty, where pipewright counts everything as changed.
    t.line("anyOf {").in();
    for (const auto& c : s.when.changes)
      t.line("changeset pattern: " + groovy_quote(c) + ", comparator: 'GLOB'");
    t.out().line("}");
  }
  t.out().line("}");
}

void unstash_optional(Text& t, const std::vector<std::string>& stages, const std::string& why) {
  if (stages.empty()) return;
  std::vector<std::string> names;
  for (const auto& s : stages) names.push_back(groovy_quote(stash_name(s)));
  t.line("script {").in();
  t.line("for (name in [" + join(names, ", ") + "]) {").in();
  t.line("try { unstash name } catch (err) { echo \"${name}: " + why + "\" }");
  t.out().line("}");
  t.out().line("}");
}

void stage_block(Text& t, const Plan& plan, const Job& j) {
  const pipeline::StageSpec& s = *j.spec;
  t.line("stage(" + groovy_quote(j.name) + ") {").in();
  if (!s.description.empty()) t.line("// " + sanitize_for_display(s.description));
  agent(t, plan);
  auto limit = job_timeout(s);
  if (limit || s.retry) {
    t.line("options {").in();
    if (limit)
      t.line("timeout(time: " + std::to_string((limit->count() + 59999) / 60000) +
             ", unit: 'MINUTES')  // pipewright stops each attempt at " +
             duration_to_yaml(*s.timeout));
    if (s.retry) {
      // pipewright retries a failed attempt itself; Jenkins retries only a lost agent, so a
      // failing stage is not run (1 + retry)^2 times.
      t.line("retry(count: " + std::to_string(s.retry + 1) +
             ", conditions: [agent(), nonresumable()])  // pipewright retries failures: retry " +
             std::to_string(s.retry));
    }
    t.out().line("}");
  }
  when_block(t, s);
  std::vector<std::pair<std::string, std::string>> env = s.env;
  if (!j.credentials.empty())
    env.emplace_back("PIPEWRIGHT_CREDENTIALS_FROM_ENV", credentials_from_env_spec(j.credentials));
  if (!env.empty()) {
    t.line("environment {").in();
    for (const auto& [k, v] : env) t.line(k + " = " + groovy_quote(v));
    t.out().line("}");
  }
  t.line("steps {").in();
  std::set<std::string> optional(j.optional.begin(), j.optional.end());
  for (const auto& r : j.restore)
    if (!optional.count(r)) t.line("unstash " + groovy_quote(stash_name(r)));
  unstash_optional(t, j.optional, "skipped by its when, nothing to restore");
  if (!plan.options->setup.empty()) t.line(sh(plan.options->setup));
  std::string run = sh(stage_command(j, kJenkinsBuild));
  int closes = 0;
  if (!j.credentials.empty()) {
    std::vector<std::string> b;
    for (const auto& c : j.credentials)
      for (const auto& x : bindings(c)) b.push_back(x);
    t.line("withCredentials([" + join(b, ", ") + "]) {").in();
    ++closes;
  }
  if (!s.blocking) {
    // Non-blocking: a failure makes the stage and the build UNSTABLE, and the build goes on.
    t.line("catchError(buildResult: 'UNSTABLE', stageResult: 'UNSTABLE') {").in();
    ++closes;
  }
  t.line(run);
  for (int i = 0; i < closes; ++i) t.out().line("}");
  t.out().line("}");
  t.line("post {").in();
  t.line("always {").in();
  // Also after a failure: post (and a person reading the logs) needs every stage's folder.
  t.line("stash name: " + groovy_quote(stash_name(j.stage)) + ", includes: " + build_glob("/**") +
         ", useDefaultExcludes: false, allowEmpty: true");
  t.out().line("}");
  t.out().line("}");
  t.out().line("}");
}

// A post condition: Jenkins judges it (with its build history for changed, fixed and
// regression); pipewright's post stage then runs that condition's commands, shown here as
// comments, with the build's environment. `always` also publishes and archives.
void condition_block(Text& t, const Plan& plan, const std::string& cond,
                     const std::vector<std::string>& cmds) {
  const pipeline::StageSpec& post = *plan.post;
  t.line(cond + " {").in();
  t.line("node('') {").in();
  if (!plan.options->image.empty())
    t.line("docker.image(" + groovy_quote(plan.options->image) + ").inside {").in();
  t.line("checkout scm");
  if (cond == "always") {
    std::vector<std::string> all;
    for (const auto& j : plan.jobs) all.push_back(j.stage);
    unstash_optional(t, all, "did not run, nothing to restore");
  } else {
    unstash_optional(t, {post.id}, "post did not run, nothing to restore");
  }
  if (!plan.options->setup.empty()) t.line(sh(plan.options->setup));
  for (const auto& c : cmds) t.line("// " + cond + ": " + sanitize_for_display(c));
  // Exit 1 when pipewright judges the build FAILURE (a non-blocking stage's fail_on, say).
  t.line(sh(post_stage_command(post, kJenkinsBuild, cond)));
  if (cond == "always") t.line(sh(report_command(kJenkinsBuild)));
  if (cond == "always") {
    if (plan.has_tests) {
      t.line("junit allowEmptyResults: true, testResults: " + build_glob("/reports/report.xml"));
      t.line("recordCoverage(tools: [[parser: 'COBERTURA', pattern: " +
             build_glob("/reports/coverage.xml") + "]])");
    }
    t.line("archiveArtifacts artifacts: " + build_glob("/artifacts/**") +
           ", fingerprint: true, allowEmptyArchive: true");
    t.line("stash name: " + groovy_quote(stash_name(post.id)) + ", includes: " + build_glob("/**") +
           ", useDefaultExcludes: false, allowEmpty: true");
  }
  if (!plan.options->image.empty()) t.out().line("}");
  t.out().line("}");
  t.out().line("}");
}

void post_section(Text& t, Plan& plan) {
  auto conds = post_commands(*plan.post);
  t.line("post {").in();
  std::vector<std::string> always;
  for (const auto& [cond, cmds] : conds)
    if (cond == "always") always = cmds;
  condition_block(t, plan, "always", always);
  for (const auto& [cond, cmds] : conds)
    if (cond != "always") condition_block(t, plan, cond, cmds);
  t.out().line("}");
}

}  // namespace

std::string render_jenkins(Plan& plan) {
  Text t;
  for (const auto& c : comment_block(plan, "// ")) t.line(c);
  t.line("pipeline {").in();
  // Every stage names its own agent; the folder goes along with stash/unstash.
  t.line("agent none");
  t.line("stages {").in();
  for (int lv = 0; lv < plan.levels; ++lv) {
    std::vector<const Job*> group;
    for (const auto& j : plan.jobs)
      if (j.level == lv) group.push_back(&j);
    if (group.size() == 1) {
      stage_block(t, plan, *group[0]);
      continue;
    }
    std::vector<std::string> names;
    for (auto* j : group) names.push_back(j->name);
    t.line("stage(" + groovy_quote(join(names, " | ")) + ") {").in();
    // Without failFast the branches beside a failure finish and the next stages do not start,
    // as pipewright's default; fail_fast (pipeline-wide or on a stage of the level) stops them.
    bool fail_fast = plan.fail_fast;
    for (auto* j : group) fail_fast = fail_fast || (j->spec && j->spec->fail_fast.value_or(false));
    if (fail_fast)
      t.line("failFast true  // as pipewright's fail_fast: a failure stops the stages beside it");
    t.line("parallel {").in();
    for (auto* j : group) stage_block(t, plan, *j);
    t.out().line("}");
    t.out().line("}");
  }
  t.out().line("}");
  if (plan.post) post_section(t, plan);
  t.out().line("}");
  return t.str();
}

}  // namespace pw::ci
