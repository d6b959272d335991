#include <algorithm>

#include "engine/console.h"
#include "engine/stage.h"
#include "engine/stage_output.h"
#include "exec/interrupts.h"
#include "exec/masker.h"
#include "util/clock.h"
#include "util/strings.h"

namespace pw::engine {

StageContext::StageContext(BuildContext& build, const pipeline::StageSpec& spec,
                           StageOutput& output, Control control, nlohmann::json& data)
    : build_(build), spec_(spec), output_(output), control_(control), data_(data) {}

const pipeline::StageSettings& StageContext::settings() const {
  if (!settings_) settings_ = pipeline::resolve_settings(spec_);
  return *settings_;
}

std::filesystem::path StageContext::workspace() const {
  std::lock_guard<std::mutex> lock(build_.mu);
  if (!build_.record.workspace.empty()) return build_.record.workspace;
  return build_.overrides.in_place ? build_.project_dir : build_.paths.workspace;
}

std::string StageContext::commit() const {
  std::lock_guard<std::mutex> lock(build_.mu);
  return build_.record.commit;
}

std::string StageContext::branch() const {
  std::lock_guard<std::mutex> lock(build_.mu);
  return build_.record.branch;
}

void StageContext::set_source(const std::string& commit, const std::string& branch,
                              const std::filesystem::path& workspace) {
  std::lock_guard<std::mutex> lock(build_.mu);
  build_.record.commit = commit;
  build_.record.branch = branch;
  build_.record.workspace = workspace.string();
}

nlohmann::json StageContext::stage_data(const std::string& stage_id) const {
  std::lock_guard<std::mutex> lock(build_.mu);
  for (const auto& r : build_.record.stages)
    if (r.id == stage_id) return r.data;
  return nlohmann::json::object();
}

Status StageContext::status_so_far(const std::vector<std::string>& only) const {
  std::lock_guard<std::mutex> lock(build_.mu);
  std::vector<Status> st;
  for (const auto& r : build_.record.stages) {
    if (!only.empty() && std::find(only.begin(), only.end(), r.id) == only.end()) continue;
    if (r.id != "post" && r.status != Status::running) st.push_back(r.status);
  }
  return build_status(st, exec::Interrupts::raised(1));
}

std::vector<std::string> StageContext::environment() const {
  auto env = exec::current_environment();
  std::string num = std::to_string(build_.paths.number);
  exec::set_env(env, "PIPEWRIGHT", "1");
  exec::set_env(env, "PIPEWRIGHT_BUILD_NUMBER", num);
  exec::set_env(env, "BUILD_NUMBER", num);  // the name Jenkins jobs and scripts already use
  exec::set_env(env, "PIPEWRIGHT_STAGE", spec_.id);
  exec::set_env(env, "PIPEWRIGHT_BUILD_DIR", build_.paths.root.string());
  exec::set_env(env, "PIPEWRIGHT_REPORTS", build_.paths.reports.string());
  exec::set_env(env, "PIPEWRIGHT_ARTIFACTS", build_.paths.artifacts.string());
  exec::set_env(env, "PIPEWRIGHT_PROJECT_DIR", build_.project_dir.string());
  std::string ws = workspace().string();
  exec::set_env(env, "PIPEWRIGHT_WORKSPACE", ws);
  exec::set_env(env, "WORKSPACE", ws);
  exec::set_env(env, "GIT_COMMIT", commit());
  exec::set_env(env, "GIT_BRANCH", branch());
  for (const auto& [k, v] : spec_.env) exec::set_env(env, k, v);
  for (const auto& id : spec_.credentials)
    for (const auto& [k, v] : build_.credentials->env_for(id)) exec::set_env(env, k, v);
  return env;
}

bool StageContext::aborted() const { return control_.cancel && control_.cancel->cancelled(); }

bool StageContext::should_stop() const {
  return aborted() || (control_.deadline && std::chrono::steady_clock::now() >= *control_.deadline);
}

std::vector<std::string> StageContext::output_tail() const { return output_.tail(); }

void StageContext::log(const std::string& line) { output_.line(line); }

void StageContext::show(const std::string& text) {
  for (const auto& l : split_lines(text)) output_.line(l, StageOutput::Tail::skip);
  if (build_.console) build_.console->info("[" + spec_.id + "] " + masker().mask(text));
}

std::optional<std::string> StageContext::ask(const std::string& question,
                                             std::optional<TimePoint> deadline) {
  output_.line(question, StageOutput::Tail::skip);
  if (!build_.console) return std::nullopt;
  auto answer = build_.console->ask("[" + spec_.id + "] " + masker().mask(question), [&] {
    return should_stop() || (deadline && SteadyClock::now() >= *deadline);
  });
  // Not the answer itself: it may be a password parameter's.
  output_.line(answer ? "answered" : "no answer", StageOutput::Tail::skip);
  return answer;
}

void StageContext::warn(const std::string& line) {
  output_.line("warning: " + line);
  if (build_.console) build_.console->warn("[" + spec_.id + "] " + masker().mask(line));
}

exec::ProcessResult StageContext::spawn(const std::vector<std::string>& argv,
                                        const RunOptions& opts, std::string* capture_out,
                                        std::string* capture_err) {
  exec::ProcessSpec ps;
  ps.argv = argv;
  ps.cwd = opts.cwd.empty() ? workspace() : opts.cwd;
  ps.env = environment();
  for (const auto& [k, v] : opts.env) exec::set_env(ps.env, k, v);
  ps.stdin_data = opts.stdin_data;
  ps.merge_stderr = capture_out == nullptr;
  if (opts.log_command) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + shell_quote(a);
    output_.line("$ " + cmd);
  }
  exec::ProcessLimits limits;
  limits.deadline = control_.deadline;
  if (control_.cancel) limits.abort_fds.push_back(control_.cancel->fd());
  exec::MaskingStream capture_mask(build_.masker), err_mask(build_.masker);
  auto result = exec::run_process(ps, limits, [&](exec::Stream s, std::string_view data) {
    if (capture_out && s == exec::Stream::out) {
      capture_out->append(capture_mask.feed(data));
      return;
    }
    if (capture_err && s == exec::Stream::err) capture_err->append(err_mask.feed(data));
    output_.chunk(s == exec::Stream::out ? 0 : 1, data);
  });
  if (capture_out) capture_out->append(capture_mask.finish());
  if (capture_err) capture_err->append(err_mask.finish());
  output_.end_of_process();
  if (!result.spawn_error.empty()) output_.line(result.spawn_error);
  return result;
}

exec::ProcessResult StageContext::run(const std::vector<std::string>& argv,
                                      const RunOptions& opts) {
  return spawn(argv, opts, nullptr, nullptr);
}

exec::ProcessResult StageContext::capture(const std::vector<std::string>& argv, std::string& out,
                                          const RunOptions& opts, std::string* err) {
  out.clear();
  if (err) err->clear();
  return spawn(argv, opts, &out, err);
}

void StageRegistry::add(const std::string& kind, Factory factory, Validator validator,
                        CachePolicy cache) {
  entries_[kind] = {std::move(factory), std::move(validator), std::move(cache)};
}

const CachePolicy& StageRegistry::cache_policy(const std::string& kind) const {
  static const CachePolicy never;
  auto it = entries_.find(kind);
  return it == entries_.end() ? never : it->second.cache;
}

std::unique_ptr<Stage> StageRegistry::create(const pipeline::StageSpec& spec) const {
  auto it = entries_.find(spec.kind);
  if (it == entries_.end()) throw Error("no implementation for stage kind '" + spec.kind + "'");
  return it->second.factory(spec);
}

void StageRegistry::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline& p,
                             std::vector<Diagnostic>& diags) const {
  auto it = entries_.find(spec.kind);
  if (it == entries_.end()) {
    diags.push_back({spec.where.file, spec.where.line, spec.where.col,
                     "stage '" + spec.id + "': no implementation for kind '" + spec.kind + "'"});
    return;
  }
  // The table's types first, then a stage's own checks of what a type cannot say (names,
  // references, the grammar of a structured setting), so every problem is reported at once.
  pipeline::resolve_settings(spec, &diags);
  if (!it->second.validator) return;
  // A stage that reads its settings with the older helpers (setup-python, lock-check) checks
  // their types again on the way; the table already said so, once is enough.
  std::vector<Diagnostic> own;
  it->second.validator(spec, p, own);
  for (auto& d : own) {
    bool said = std::any_of(diags.begin(), diags.end(), [&](const Diagnostic& have) {
      return have.file == d.file && have.line == d.line && have.col == d.col &&
             have.message == d.message;
    });
    if (!said) diags.push_back(std::move(d));
  }
}

}  // namespace pw::engine
