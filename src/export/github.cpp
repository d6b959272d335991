// The pipeline as a GitHub Actions workflow: one job per stage with the plan's needs, the build
// folder passed on as a tar in an artifact (upload-artifact keeps neither symlinks nor modes,
// and a venv has both), secrets as environment variables, and a final `post` job whose status
// output drives one job per post condition.
#include <set>

#include "export/generate.h"
#include "util/strings.h"

namespace pw::ci {

namespace {

const char* kGithubBuild = "$PIPEWRIGHT_BUILD";
const char* kBuildExpr = "${{ github.run_number }}";

std::string artifact(const std::string& stage) { return "pipewright-build-" + stage; }

std::string flow(const std::vector<std::string>& items) {
  std::vector<std::string> q;
  for (const auto& i : items) q.push_back(yaml_quote(i));
  return "[" + join(q, ", ") + "]";
}

// A branch glob as a job condition, when GitHub's functions can say it: exact, a prefix or a
// suffix. A prefix test is looser than a '*' that stops at '/': pipewright, which evaluates
// `when` again inside the job, skips the stage then.
std::string branch_condition(const std::string& glob) {
  auto special = [](const std::string& s) { return s.find_first_of("*?[") != std::string::npos; };
  auto lit = [](const std::string& s) { return "'" + s + "'"; };
  if (glob.find('\'') != std::string::npos) return "";
  if (!special(glob)) return "github.ref_name == " + lit(glob);
  size_t star = glob.find('*');
  std::string head = glob.substr(0, star);
  std::string tail = glob.substr(glob.find_last_of('*') + 1);
  std::string middle = glob.substr(star, glob.size() - star - tail.size());
  if (special(head) || special(tail) || middle.find_first_not_of('*') != std::string::npos)
    return "";
  std::vector<std::string> parts;
  if (!head.empty()) parts.push_back("startsWith(github.ref_name, " + lit(head) + ")");
  if (!tail.empty()) parts.push_back("endsWith(github.ref_name, " + lit(tail) + ")");
  return parts.empty() ? "true" : join(parts, " && ");
}

void checkout_steps(Text& t, const Plan& plan) {
  t.line("- uses: actions/checkout@v4").in();
  t.line("with:").in();
  t.line("fetch-depth: 0  # the analysis' new code needs the history");
  t.out().out();
  if (!plan.options->setup.empty()) {
    t.line("- name: Set up pipewright").in();
    t.line("run: " + yaml_quote(plan.options->setup)).out();
  }
}

// Unpacks every build folder the steps before downloaded to $RUNNER_TEMP/pipewright-in.
void unpack_step(Text& t) {
  t.line("- name: Unpack the build folders").in();
  t.line(
       "run: for f in \"$RUNNER_TEMP\"/pipewright-in/*/build.tar; do [ -f \"$f\" ] && tar -xf "
       "\"$f\"; "
       "done; true")
      .out();
}

void restore_steps(Text& t, const std::vector<std::string>& restore,
                   const std::vector<std::string>& optional) {
  if (restore.empty()) return;
  std::set<std::string> opt(optional.begin(), optional.end());
  for (const auto& r : restore) {
    t.line("- name: " + yaml_quote("Restore the build folder of " + r)).in();
    t.line("uses: actions/download-artifact@v4");
    if (opt.count(r)) t.line("continue-on-error: true  # skipped by its when: nothing saved");
    t.line("with:").in();
    t.line("name: " + artifact(r));
    t.line("path: ${{ runner.temp }}/pipewright-in/" + r);
    t.out().out();
  }
  unpack_step(t);
}

void save_steps(Text& t, const std::string& stage) {
  t.line("- name: Save the build folder").in();
  t.line("if: always()");
  t.line(
       "run: mkdir -p \"$RUNNER_TEMP/pipewright-out\" && tar -cf "
       "\"$RUNNER_TEMP/pipewright-out/build.tar\" "
       "\".pipewright/builds/$PIPEWRIGHT_BUILD\"")
      .out();
  t.line("- uses: actions/upload-artifact@v4").in();
  t.line("if: always()");
  t.line("with:").in();
  t.line("name: " + artifact(stage));
  t.line("path: ${{ runner.temp }}/pipewright-out/build.tar");
  t.line("retention-days: 7");
  t.out().out();
}

void job_head(Text& t, const Plan& plan, const std::string& name) {
  t.line(name + ":").in();
  t.line("runs-on: ubuntu-latest");
  if (!plan.options->image.empty()) t.line("container: " + yaml_quote(plan.options->image));
}

void github_stage_job(Text& t, Plan& plan, const Job& j) {
  const pipeline::StageSpec& s = *j.spec;
  if (!s.description.empty()) t.line("# " + sanitize_for_display(s.description));
  job_head(t, plan, j.name);
  if (j.name != j.stage) t.line("name: " + yaml_quote(j.stage));
  if (!j.needs.empty()) {
    std::vector<std::string> needs;
    for (const auto& n : j.needs) needs.push_back(plan.job_name(n));
    t.line("needs: " + flow(needs));
  }
  std::vector<std::string> cond;
  // A need skipped by its `when` would skip this job too; pipewright runs it after a SKIPPED.
  if (j.after_conditional) cond.push_back("!cancelled() && !failure()");
  if (!s.when.branch.empty()) {
    std::string b = branch_condition(s.when.branch);
    if (b.empty()) {
      t.line("# when.branch " + s.when.branch +
             ": no GitHub expression says it; pipewright "
             "evaluates it inside the job (SKIPPED)");
      plan.warnings.push_back("stage '" + s.id + "': when.branch '" + s.when.branch +
                              "' has no GitHub expression; pipewright evaluates it in the job");
    } else {
      cond.push_back(b);
    }
  }
  if (!s.when.changes.empty()) {
    t.line(
        "# when.changes " + join(s.when.changes, ", ") +
        ": GitHub filters paths per workflow, "
        "not per job; pipewright evaluates it inside the job (on a runner with no earlier build, "
        "every path counts as changed)");
    plan.warnings.push_back("stage '" + s.id +
                            "': when.changes cannot be a GitHub job condition; "
                            "pipewright evaluates it in the job");
  }
  if (!cond.empty()) t.line("if: " + yaml_quote("${{ " + join(cond, " && ") + " }}"));
  if (!s.blocking)
    t.line("continue-on-error: true  # non-blocking: a failure leaves the build UNSTABLE");
  if (auto limit = job_timeout(s))
    t.line("timeout-minutes: " + std::to_string((limit->count() + 59999) / 60000) +
           "  # pipewright stops each attempt at " + duration_to_yaml(*s.timeout));
  if (s.retry)
    t.line("# retry: " + std::to_string(s.retry) +
           " - pipewright retries the stage inside the job "
           "(GitHub has no job retry)");
  std::vector<std::pair<std::string, std::string>> env = s.env;
  if (!j.credentials.empty()) {
    env.emplace_back("PIPEWRIGHT_CREDENTIALS_FROM_ENV", credentials_from_env_spec(j.credentials));
    for (const auto& c : j.credentials)
      for (const auto& f : c.fields) env.emplace_back(f.second, "${{ secrets." + f.second + " }}");
  }
  if (!env.empty()) {
    t.line("env:").in();
    for (const auto& [k, v] : env) t.line(k + ": " + yaml_quote(v));
    t.out();
  }
  t.line("steps:").in();
  checkout_steps(t, plan);
  restore_steps(t, j.restore, j.optional);
  t.line("- name: " + yaml_quote(s.id)).in();
  t.line("run: " + yaml_quote(stage_command(j, kGithubBuild))).out();
  save_steps(t, j.stage);
  t.out().out();
}

void post_job(Text& t, Plan& plan) {
  const pipeline::StageSpec& post = *plan.post;
  auto conds = post_commands(post);
  t.line("# Always last: pipewright's post stage archives, counts and runs post.always; the");
  t.line("# post-* jobs below run the other conditions' commands, keyed on this job's status.");
  job_head(t, plan, plan.post_name);
  std::vector<std::string> needs;
  for (const auto& j : plan.jobs) needs.push_back(j.name);
  if (!needs.empty()) t.line("needs: " + flow(needs));
  t.line("if: always()");
  t.line("outputs:").in();
  t.line("status: ${{ steps.post.outputs.status }}").out();
  t.line("steps:").in();
  checkout_steps(t, plan);
  t.line("- name: Restore every stage's build folder").in();
  t.line("uses: actions/download-artifact@v4");
  t.line("with:").in();
  t.line("pattern: pipewright-build-*");
  t.line("path: ${{ runner.temp }}/pipewright-in");
  t.out().out();
  unpack_step(t);
  for (const auto& c : post_commands_of(conds, "always"))
    t.line("# post.always: " + sanitize_for_display(c));
  t.line("- name: " + yaml_quote(post.id)).in();
  t.line("id: post");
  t.line("shell: bash");
  t.line("run: |").in();
  t.line("set +e");
  // Without --unstable-ok: the exit code tells UNSTABLE from SUCCESS for the status output.
  std::string cmd = post_stage_command(post, kGithubBuild, "always");
  cmd = cmd.substr(0, cmd.size() - std::string(" --unstable-ok").size());
  t.line(cmd + " | tee \"$RUNNER_TEMP/pipewright-post.txt\"");
  t.line("code=${PIPESTATUS[0]}");
  t.line(
      "case $code in 0) status=SUCCESS;; 3) status=UNSTABLE;; 130) status=ABORTED;; *) "
      "status=FAILURE;; esac");
  t.line("echo \"status=$status\" >> \"$GITHUB_OUTPUT\"");
  t.line(report_command(kGithubBuild));
  t.line(
      "{ echo \"### pipewright build $PIPEWRIGHT_BUILD: $status\"; echo; echo '```'; "
      "cat \"$RUNNER_TEMP/pipewright-post.txt\"; echo '```'; } >> \"$GITHUB_STEP_SUMMARY\"");
  t.line("[ \"$code\" = 0 ] || [ \"$code\" = 3 ]");
  t.out().out();
  t.line("- name: Code scanning (SARIF reports)").in();
  t.line("if: always() && hashFiles('.pipewright/builds/*/reports/*.sarif') != ''");
  t.line("uses: github/codeql-action/upload-sarif@v3");
  t.line("with:").in();
  t.line("sarif_file: .pipewright/builds/" + std::string(kBuildExpr) + "/reports");
  t.out().out();
  t.line("- name: Archive the artifacts").in();
  t.line("if: always()");
  t.line("uses: actions/upload-artifact@v4");
  t.line("with:").in();
  t.line("name: pipewright-artifacts");
  t.line("path: .pipewright/builds/" + std::string(kBuildExpr) + "/artifacts");
  t.line("include-hidden-files: true");
  t.out().out();
  save_steps(t, post.id);
  t.out().out();

  for (const auto& [cond, cmds] : conds)
    if (cond == "changed" || cond == "fixed" || cond == "regression")
      t.line("# post." + cond +
             ": left out - GitHub does not give a job the previous run's result");
  std::vector<std::string> condition_names;
  for (const auto& [cond, name] : plan.condition_jobs) {
    std::string status = "needs." + plan.post_name + ".outputs.status";
    std::string test;
    if (cond == "success")
      test = status + " == 'SUCCESS'";
    else if (cond == "failure")
      test = status + " == 'FAILURE'";
    else if (cond == "unstable")
      test = status + " == 'UNSTABLE'";
    else if (cond == "aborted")
      test = "(cancelled() || " + status + " == 'ABORTED')";
    else if (cond == "unsuccessful")
      test = status + " != 'SUCCESS'";
    job_head(t, plan, name);
    std::vector<std::string> n{plan.post_name};
    if (cond == "cleanup") n.insert(n.end(), condition_names.begin(), condition_names.end());
    t.line("needs: " + flow(n));
    t.line("if: " + yaml_quote("${{ always()" + (test.empty() ? "" : " && " + test) + " }}"));
    t.line("steps:").in();
    checkout_steps(t, plan);
    restore_steps(t, {post.id}, {});
    for (const auto& c : post_commands_of(conds, cond))
      t.line("# post." + cond + ": " + sanitize_for_display(c));
    t.line("- name: " + yaml_quote("post." + cond)).in();
    std::string run = post_stage_command(post, kGithubBuild, cond);
    // The build already failed: the job says whether the commands ran, the post log how.
    if (cond == "failure" || cond == "unsuccessful" || cond == "aborted") run += " || true";
    t.line("run: " + yaml_quote(run)).out();
    t.out().out();
    condition_names.push_back(name);
  }
}

}  // namespace

std::string render_github(Plan& plan) {
  Text t;
  for (const auto& c : comment_block(plan, "# ")) t.line(c);
  t.line("name: pipewright");
  t.line("on:").in();
  t.line("push:");
  t.line("pull_request:");
  t.line("workflow_dispatch:");
  t.out();
  t.line("permissions:").in();
  t.line("contents: read");
  t.line("actions: read");
  t.line("security-events: write  # SARIF reports to code scanning");
  t.out();
  t.line("env:").in();
  t.line("PIPEWRIGHT_BUILD: " + std::string(kBuildExpr) +
         "  # image tags and paths as the seed's BUILD_NUMBER");
  t.out();
  t.line("jobs:").in();
  for (const auto& j : plan.jobs) github_stage_job(t, plan, j);
  if (plan.post) post_job(t, plan);
  t.out();
  return t.str();
}

}  // namespace pw::ci
