// What the three CI generators share: the resolved pipeline turned into a list of CI jobs (a
// name the engine accepts, the plan's needs, whose build folder to restore), the command each
// job runs, the credential bindings, and text helpers. jenkins.cpp, github.cpp and gitlab.cpp
// only render this plan in their engine's idiom, so the three files always describe one graph.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/dag.h"
#include "pipeline/model.h"

namespace pw::ci {

enum class Engine { jenkins, github, gitlab };

// "jenkins", "github", "gitlab", in that order.
const std::vector<std::string>& engine_names();
// Throws ConfigError naming the known engines (and the closest one).
Engine parse_engine(const std::string& name);
std::string engine_name(Engine engine);
// Where the engine reads its file: Jenkinsfile, .github/workflows/pipewright.yml, .gitlab-ci.yml.
std::string default_output(Engine engine);

// One credential id as environment variables, under the names pipewright's engine gives them
// (engine/credentials.h: <ID>_<FIELD>, upper-cased, other characters '_'; a single value <ID>).
struct Credential {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;  // (field, env name); field "" single
  bool declared = false;  // in export.credentials; else assumed a username and a password
  bool is_username_password() const;
};

// The value of PIPEWRIGHT_CREDENTIALS_FROM_ENV that makes pipewright take these credentials from
// the environment the engine's secret store filled: "dockerhub=username,password sonar-token".
std::string credentials_from_env_spec(const std::vector<Credential>& credentials);

struct Job {
  std::string stage;  // the pipewright stage id
  std::string name;   // the job's name on the engine (the id, unless the engine forbids it)
  const pipeline::StageSpec* spec = nullptr;
  std::vector<std::string> needs;  // stage ids: the plan's effective needs, in graph order
  // Stage ids whose saved build folder this job restores, ancestors first. A need with a `when`
  // may not run; its own sources are restored too, and it is in `optional` as well.
  std::vector<std::string> restore;
  std::vector<std::string> optional;
  std::vector<Credential> credentials;
  int level = 0;                   // longest path from a root; jobs of one level are independent
  bool after_conditional = false;  // an ancestor has a `when`, so a need may be skipped
  bool cache = false;              // export.cache: the job may restore stages from the cache
};

struct Plan {
  Engine engine = Engine::gitlab;
  std::string source;     // "the built-in default pipeline" or "... + pipewright.yaml"
  std::vector<Job> jobs;  // in the graph's order
  const pipeline::StageSpec* post = nullptr;  // the post stage, when enabled
  std::string post_name;                      // its job name
  int levels = 0;
  bool has_tests = false;  // a built-in `tests` stage runs: JUnit and Cobertura to publish
  bool fail_fast = false;  // the pipeline's fail_fast (a stage's own is on its spec)
  const pipeline::ExportSpec* options = nullptr;
  // Things the engine cannot express, each said once as a warning (and as a comment in place).
  std::vector<std::string> warnings;
  // Job names that differ from their stage id, each with why.
  std::vector<std::string> renames;

  const Job* find(const std::string& stage) const;
  const std::string& job_name(const std::string& stage) const;

  // Jobs for the post stage's conditions that the engine runs apart from the `post` job
  // (GitHub, GitLab): condition -> job name. Jenkins uses its own post blocks instead.
  std::vector<std::pair<std::string, std::string>> condition_jobs;
};

// Builds the plan: job names valid on the engine and unique (a stage id the engine forbids is
// mapped, and said in `renames`), levels, what each job restores. `options` is the pipeline's
// export section.
Plan make_plan(Engine engine, const pipeline::Pipeline& pipeline, const pipeline::Graph& graph);

// Post conditions in the order Jenkins (and pipewright's post stage) evaluates them, with the
// commands the post stage lists for each; empty lists are left out.
std::vector<std::pair<std::string, std::vector<std::string>>> post_commands(
    const pipeline::StageSpec& post);
// The commands post_commands lists for one condition; empty when it lists none.
std::vector<std::string> post_commands_of(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& conds,
    const std::string& cond);

// The command a job runs for its stage. `build_var` is how the shell names the build number
// ("$BUILD_NUMBER"). A blocking stage passes --unstable-ok: an earlier non-blocking failure in
// the same build must not fail this job; its own failure still exits 1.
std::string stage_command(const Job& job, const std::string& build_var);

// The engine's own limit for a stage's job: pipewright stops each attempt at the stage's
// timeout; the job gets every attempt plus 10 minutes for the agent, setup and artifacts.
// nullopt when the stage has no timeout.
std::optional<Millis> job_timeout(const pipeline::StageSpec& spec);

// Where the build folder lives relative to the job's checkout, with `build_var` for the number.
std::string build_dir(const std::string& build_var);

// The command that runs pipewright's post stage for the conditions the engine judged to hold
// (PIPEWRIGHT_POST_CONDITIONS): the commands then run with pipewright's environment, logging
// and masking, and the stage archives and counts as it does locally.
std::string post_stage_command(const pipeline::StageSpec& post, const std::string& build_var,
                               const std::string& condition);

// After post: one self-contained HTML page of the build (`pipewright report --html`) into its
// artifacts, so the engine archives it with them. Never fails the job: it is a view.
std::string report_command(const std::string& build_var);

// The header comment every file starts with, one line each (no comment markers).
std::vector<std::string> header_lines(const Plan& plan);

// The header, renames and notes as comment lines of at most 100 columns, `marker` ("# ", "// ")
// first on each.
std::vector<std::string> comment_block(const Plan& plan, const std::string& marker);

// A glob over branch names as a POSIX extended regex (anchored), for engines that match with
// regexes; '*' matches within a path segment and '**' across, as pipewright's glob does.
std::string glob_to_regex(const std::string& glob);

// Indented lines, for the generators.
class Text {
 public:
  Text& line(const std::string& s = "");
  Text& in() {
    ++depth_;
    return *this;
  }
  Text& out() {
    --depth_;
    return *this;
  }
  const std::string& str() const { return text_; }

 private:
  int depth_ = 0;
  std::string text_;
};

// Quoting for the generated files.
std::string groovy_quote(const std::string& s);  // '...' with \ ' and control characters escaped
std::string yaml_quote(const std::string& s);    // plain when safe, else "..." escaped
std::string seconds_text(Millis d);              // whole seconds, rounded up

}  // namespace pw::ci
