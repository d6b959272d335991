// The pipeline as a .gitlab-ci.yml: one job per stage with the plan's `needs`, the build folder
// passed on as artifacts (GitLab hands a job the artifacts of the jobs it needs), GitLab stages
// by DAG level for the pipeline graph's columns, masked CI/CD variables for credentials, and a
// `post` job in .post whose dotenv status drives one job per post condition.
#include <set>

#include "export/generate.h"
#include "util/strings.h"

namespace pw::ci {

namespace {

const char* kGitlabBuild = "$CI_PIPELINE_IID";

std::string level_stage(int level) { return "level-" + std::to_string(level + 1); }

// GitLab expands $ in variables' values; $$ is a literal dollar.
std::string gitlab_literal(const std::string& v) {
  std::string out;
  for (char c : v) out += c == '$' ? std::string("$$") : std::string(1, c);
  return out;
}

// `reports` are lines under artifacts:reports (none for a stage's job).
void artifacts(Text& t, const std::vector<std::string>& reports) {
  t.line("artifacts:").in();
  t.line("when: always  # a failed stage's logs travel too");
  t.line("expire_in: 1 week");
  t.line("paths:").in();
  t.line("- .pipewright/builds/" + std::string(kGitlabBuild) + "/").out();
  if (!reports.empty()) {
    t.line("reports:").in();
    for (const auto& r : reports) t.line(r);
    t.out();
  }
  t.out();
}

void needs_list(Text& t, const Plan& plan, const std::vector<std::string>& restore,
                const std::vector<std::string>& optional) {
  if (restore.empty()) {
    t.line("needs: []");
    return;
  }
  std::set<std::string> opt(optional.begin(), optional.end());
  t.line("needs:").in();
  for (const auto& r : restore) {
    if (opt.count(r))
      t.line("- {job: " + yaml_quote(plan.job_name(r)) +
             ", optional: true}  # may be left out by its rules");
    else
      t.line("- " + yaml_quote(plan.job_name(r)));
  }
  t.out();
}

void rules(Text& t, const pipeline::StageSpec& s) {
  if (s.when.empty()) return;
  t.line("rules:").in();
  bool first = true;
  auto item = [&](const std::string& line) {
    t.line((first ? "- " : "  ") + line);
    first = false;
  };
  if (!s.when.branch.empty())
    item("if: " + yaml_quote("$CI_COMMIT_BRANCH =~ /" + glob_to_regex(s.when.branch) + "/"));
  if (!s.when.changes.empty()) {
    std::vector<std::string> q;
    for (const auto& c : s.when.changes) q.push_back(yaml_quote(c));
    item("changes: [" + join(q, ", ") + "]");
  }
  t.out();
}

void gitlab_stage_job(Text& t, Plan& plan, const Job& j) {
  const pipeline::StageSpec& s = *j.spec;
  if (!s.description.empty()) t.line("# " + sanitize_for_display(s.description));
  t.line(yaml_quote(j.name) + ":").in();
  t.line("stage: " + level_stage(j.level));
  needs_list(t, plan, j.restore, j.optional);
  rules(t, s);
  if (!j.credentials.empty()) {
    std::vector<std::string> vars;
    for (const auto& c : j.credentials)
      for (const auto& f : c.fields) vars.push_back(f.second);
    t.line("# credentials: masked CI/CD variables " + join(vars, ", ") +
           " (Settings > CI/CD > Variables)");
  }
  std::vector<std::pair<std::string, std::string>> env = s.env;
  if (!j.credentials.empty())
    env.emplace_back("PIPEWRIGHT_CREDENTIALS_FROM_ENV", credentials_from_env_spec(j.credentials));
  if (!env.empty()) {
    t.line("variables:").in();
    for (const auto& [k, v] : env) t.line(k + ": " + yaml_quote(gitlab_literal(v)));
    t.out();
  }
  t.line("script:").in();
  t.line("- " + yaml_quote(stage_command(j, kGitlabBuild))).out();
  if (!s.blocking) {
    t.line("allow_failure:  # non-blocking: exit 3 is UNSTABLE; exit 1 (fail_on, say) still fails")
        .in();
    t.line("exit_codes: [3]").out();
  }
  if (auto limit = job_timeout(s))
    t.line("timeout: " + std::to_string((limit->count() + 59999) / 60000) +
           " minutes  # pipewright stops each attempt at " + duration_to_yaml(*s.timeout));
  if (s.retry) {
    // pipewright retries a failed attempt itself; GitLab retries only what the runner lost.
    t.line("retry:  # pipewright retries failures itself: retry " + std::to_string(s.retry)).in();
    t.line("max: " + std::to_string(std::min(s.retry, 2)));
    t.line("when: [runner_system_failure, stuck_or_timeout_failure]").out();
  }
  artifacts(t, {});
  t.out();
  t.line();
}

void post_jobs(Text& t, Plan& plan) {
  const pipeline::StageSpec& post = *plan.post;
  auto conds = post_commands(post);
  t.line(
      "# Always last: pipewright's post stage archives, counts and runs post.always; the post-*");
  t.line("# jobs below run the other conditions' commands, keyed on this job's PW_STATUS.");
  t.line(yaml_quote(plan.post_name) + ":").in();
  t.line("stage: .post");
  std::vector<std::string> all, optional;
  for (const auto& j : plan.jobs) {
    all.push_back(j.stage);
    if (!j.spec->when.empty()) optional.push_back(j.stage);
  }
  needs_list(t, plan, all, optional);
  t.line("when: always");
  for (const auto& c : post_commands_of(conds, "always"))
    t.line("# post.always: " + sanitize_for_display(c));
  t.line("script:").in();
  // Without --unstable-ok: the exit code tells UNSTABLE from SUCCESS for PW_STATUS.
  std::string cmd = post_stage_command(post, kGitlabBuild, "always");
  cmd = cmd.substr(0, cmd.size() - std::string(" --unstable-ok").size());
  t.line("- " + yaml_quote("code=0; " + cmd + " || code=$?"));
  t.line("- " + yaml_quote(report_command(kGitlabBuild)));
  t.line("- " +
         yaml_quote("case $code in 0) s=SUCCESS;; 3) s=UNSTABLE;; 130) s=ABORTED;; *) s=FAILURE;; "
                    "esac; echo \"PW_STATUS=$s\" > pipewright.env"));
  t.line("- " + yaml_quote("test \"$code\" = 0 || test \"$code\" = 3"));
  t.out();
  std::vector<std::string> reports = {"dotenv: pipewright.env"};
  if (plan.has_tests) {
    reports.push_back("junit: .pipewright/builds/$CI_PIPELINE_IID/reports/report.xml");
    reports.push_back(
        "coverage_report: {coverage_format: cobertura, path: "
        ".pipewright/builds/$CI_PIPELINE_IID/reports/coverage.xml}");
  }
  artifacts(t, reports);
  t.out();
  t.line();
  for (const auto& [cond, cmds] : conds)
    if (cond == "changed" || cond == "fixed" || cond == "regression")
      t.line("# post." + cond +
             ": left out - GitLab does not give a job the previous pipeline's result");
  std::vector<std::string> condition_names;
  for (const auto& [cond, name] : plan.condition_jobs) {
    std::string test;
    if (cond == "success")
      test = "[ \"$PW_STATUS\" = SUCCESS ]";
    else if (cond == "failure")
      test = "[ \"$PW_STATUS\" = FAILURE ]";
    else if (cond == "unstable")
      test = "[ \"$PW_STATUS\" = UNSTABLE ]";
    else if (cond == "aborted")
      test = "[ \"$PW_STATUS\" = ABORTED ]";
    else if (cond == "unsuccessful")
      test = "[ \"$PW_STATUS\" != SUCCESS ]";
    t.line(yaml_quote(name) + ":").in();
    t.line("stage: .post");
    t.line("needs:").in();
    t.line("- " + yaml_quote(plan.post_name));
    for (const auto& n : cond == "cleanup" ? condition_names : std::vector<std::string>{})
      t.line("- {job: " + yaml_quote(n) + ", artifacts: false}");
    t.out();
    t.line("when: always");
    for (const auto& c : post_commands_of(conds, cond))
      t.line("# post." + cond + ": " + sanitize_for_display(c));
    t.line("script:").in();
    if (!test.empty())
      t.line("- " + yaml_quote("if ! " + test + "; then echo \"post." + cond +
                               " does not hold: the build is $PW_STATUS\"; exit 0; fi"));
    std::string run = post_stage_command(post, kGitlabBuild, cond);
    // The build already failed: the job says whether the commands ran, the post log how.
    if (cond == "failure" || cond == "unsuccessful" || cond == "aborted") run += " || true";
    t.line("- " + yaml_quote(run));
    t.out();
    artifacts(t, {});
    t.out();
    t.line();
    condition_names.push_back(name);
  }
}

}  // namespace

std::string render_gitlab(Plan& plan) {
  Text t;
  for (const auto& c : comment_block(plan, "# ")) t.line(c);
  t.line("stages:").in();
  for (int lv = 0; lv < plan.levels; ++lv) t.line("- " + level_stage(lv));
  t.out();
  t.line("variables:").in();
  t.line("GIT_DEPTH: \"0\"  # the analysis' new code needs the history");
  t.out();
  if (!plan.options->image.empty() || !plan.options->setup.empty()) {
    t.line("default:").in();
    if (!plan.options->image.empty()) t.line("image: " + yaml_quote(plan.options->image));
    if (!plan.options->setup.empty()) {
      t.line("before_script:").in();
      t.line("- " + yaml_quote(plan.options->setup)).out();
    }
    t.out();
  }
  t.line();
  for (const auto& j : plan.jobs) gitlab_stage_job(t, plan, j);
  if (plan.post) post_jobs(t, plan);
  std::string s = t.str();
  while (s.size() >= 2 && s[s.size() - 1] == '\n' && s[s.size() - 2] == '\n') s.pop_back();
  return s;
}

}  // namespace pw::ci
