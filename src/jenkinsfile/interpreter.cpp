// The stage and post runs, the step dispatch (control flow, files, plugin steps) and what a step
// with no local meaning does. See interpreter.h for the other parts.
#include "jenkinsfile/interpreter.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "jenkinsfile/translate.h"
#include "util/strings.h"

namespace pw::jenkinsfile {

std::string to_string(Result r) {
  switch (r) {
    case Result::success:
      return "SUCCESS";
    case Result::unstable:
      return "UNSTABLE";
    case Result::failure:
      return "FAILURE";
  }
  return {};
}

Result worse(Result a, Result b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

Result result_named(const std::string& s, Result dflt) {
  if (s == "SUCCESS") return Result::success;
  if (s == "UNSTABLE") return Result::unstable;
  if (s == "FAILURE") return Result::failure;
  if (s == "ABORTED" || s == "NOT_BUILT") return Result::failure;
  return dflt;
}

Interp::Interp(StepHost& host, const BuildFacts& facts, const Pipeline& jp,
               const RunSettings& settings)
    : host_(host), facts_(facts), jp_(jp) {
  params_ = settings.params;
  skip_unsupported_ = settings.skip_unsupported;
  for (const auto& p : jp.parameters) {
    param_types_[p.name] = p.type;
    if (!params_.count(p.name)) params_[p.name] = p.default_value;
  }
}

NodePtr Interp::arg_node(const Node& n, const char* name, size_t pos) {
  if (auto* a = n.named(name)) return a->value;
  return n.positional(pos);
}

std::string Interp::arg_str(const Node& n, const char* name, const Scope& sc, size_t pos) {
  auto v = arg_node(n, name, pos);
  return v ? eval(v, sc).text() : std::string();
}

bool Interp::arg_bool(const Node& n, const char* name, const Scope& sc, bool dflt) {
  auto* a = n.named(name);
  return a ? eval(a->value, sc).truthy() : dflt;
}

void Interp::block(const NodePtr& closure, Scope& sc) {
  if (!closure) return;
  for (const auto& st : closure->items) step(st, sc);
}

void Interp::check_abort() {
  if (host_.aborted()) throw StepError{"aborted"};
}

// A step with no local meaning (not in the step table, or Groovy that is not a step call, or a
// checkout of something other than scm): SKIPPED with --skip-unsupported, else the stage fails.
bool Interp::skipped_as_unsupported(const NodePtr& st, const std::string& name) {
  const Node& n = *st;
  jf::StepInfo info = jf::step_info(name);
  if (name.empty() || !info.supported || (name == "input" && !host_.can_ask()) ||
      (name == "checkout" && !(n.positional(0) && n.positional(0)->text == "scm"))) {
    std::string what =
        name.empty() ? "`" + jf::to_source(st).substr(0, 60) + "`" : "step '" + name + "'";
    if (skip_unsupported_) {
      host_.log("[Pipeline] " + what + " SKIPPED: no local meaning (--skip-unsupported)");
      ++skipped_;
      return true;
    }
    fail_at(n.pos, what + " has no local meaning");
  }
  return false;
}

bool Interp::script_statement(const NodePtr& st, Scope& sc) {
  const Node& n = *st;
  if (n.kind == Kind::decl) {
    (*sc.vars)[n.text] = n.items.empty() ? Val{} : eval(n.items[0], sc);
    set_build_var(n.text, (*sc.vars)[n.text]);
    return true;
  }
  if (n.kind == Kind::keyword && n.text == "try" && !n.items.empty()) {
    try_statement(n, sc);
    return true;
  }
  if (n.kind == Kind::keyword && n.text == "throw" && n.items.size() == 1 &&
      n.items[0]->kind == Kind::ident) {
    auto it = caught_errors_.find(n.items[0]->text);
    if (it != caught_errors_.end()) throw it->second;
  }
  if (n.kind == Kind::assign && n.items.size() == 2) {
    const NodePtr& target = n.items[0];
    Val v = eval(n.items[1], sc);
    if (n.text == "+=") {
      auto plus = std::make_shared<Node>();
      plus->kind = Kind::binary;
      plus->pos = n.pos;
      plus->text = "+";
      plus->items = {target, n.items[1]};
      v = eval(plus, sc);
    }
    if (target->kind == Kind::ident) {
      (*sc.vars)[target->text] = v;
      set_build_var(target->text, v);
      return true;
    }
    // currentBuild.result = 'UNSTABLE': the build's result (only ever worse, as in Jenkins).
    if (target->kind == Kind::property && target->text == "result" && target->target &&
        target->target->kind == Kind::ident && target->target->text == "currentBuild") {
      std::string r = v.text() == "FAILED" ? "FAILURE" : v.text();
      build_ = worse(build_, result_named(r, Result::success));
      return true;
    }
    if (target->kind == Kind::property && target->target && target->target->kind == Kind::ident &&
        target->target->text == "env") {
      sc.set(target->text, v.text());
      set_build_env(target->text, v.text());
      return true;
    }
    fail_at(n.pos, "`" + jf::to_source(st).substr(0, 60) +
                       "`: only a variable or env.NAME can be assigned here");
  }
  if (n.kind == Kind::keyword && n.text == "if" && n.items.size() >= 2) {
    // items: the condition, the body, then an else body or an `else if` statement.
    const NodePtr& chosen = eval(n.items[0], sc).truthy() ? n.items[1]
                            : n.items.size() > 2          ? n.items[2]
                                                          : nullptr;
    if (!chosen) return true;
    if (chosen->kind == Kind::closure)
      block(chosen, sc);
    else
      step(chosen, sc);
    return true;
  }
  return false;
}

void Interp::step(const NodePtr& st, Scope& sc) {
  check_abort();
  const Node& n = *st;
  if (script_statement(st, sc)) return;
  std::string name = (n.kind == Kind::call && !n.target) || n.kind == Kind::ident ? n.text : "";
  if (skipped_as_unsupported(st, name)) return;
  ++run_;
  if (name == "sh") return sh(n, sc, nullptr);
  if (name == "input") return input(n, sc, false);
  if (name == "echo") {
    host_.log(arg_str(n, "message", sc));
    return;
  }
  if (name == "error") throw StepError{arg_str(n, "message", sc)};
  if (name == "sleep") {
    double t = std::strtod(arg_str(n, "time", sc).c_str(), nullptr);
    std::string unit = n.named("unit") ? arg_str(n, "unit", sc) : "SECONDS";
    double ms = t * (unit == "MILLISECONDS" ? 1
                     : unit == "MINUTES"    ? 60000
                     : unit == "HOURS"      ? 3600000
                                            : 1000);
    auto end = Clock::now() + std::chrono::milliseconds(static_cast<long long>(ms));
    while (Clock::now() < end) {
      check_abort();
      if (sc.deadline && Clock::now() >= *sc.deadline) throw StepError{"Timeout has been exceeded"};
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return;
  }
  if (name == "dir") {
    Scope inner = sc;
    fs::path p = arg_str(n, "path", sc);
    inner.cwd = p.is_absolute() ? p : sc.cwd / p;
    fs::create_directories(inner.cwd);
    return block(n.closure, inner);
  }
  if (name == "withEnv") {
    Scope inner = sc;
    auto l = n.positional(0);
    if (!l || l->kind != Kind::list)
      fail_at(n.pos, "withEnv takes a list: withEnv(['A=b']) { ... }");
    for (const auto& e : l->items) {
      std::string kv = eval(e, sc).text();
      auto eq = kv.find('=');
      if (eq == std::string::npos) fail_at(e->pos, "withEnv entries are NAME=value");
      std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
      // Jenkins' PATH+NAME=dir puts dir in front of PATH (NAME only tells entries apart).
      if (key.starts_with("PATH+")) {
        auto it = inner.env.find("PATH");
        const char* own = std::getenv("PATH");
        std::string path = it != inner.env.end() ? it->second : own ? own : "";
        inner.set("PATH", path.empty() ? value : value + ":" + path);
        continue;
      }
      inner.set(key, value);
    }
    return block(n.closure, inner);
  }
  if (name == "withCredentials") return with_credentials(n, sc);
  if (name == "timeout") {
    Scope inner = sc;
    double t = std::strtod(arg_str(n, "time", sc).c_str(), nullptr);
    std::string unit = n.named("unit") ? arg_str(n, "unit", sc) : "MINUTES";
    double ms = t * (unit == "MILLISECONDS" ? 1
                     : unit == "SECONDS"    ? 1000
                     : unit == "HOURS"      ? 3600000
                     : unit == "DAYS"       ? 86400000
                                            : 60000);
    auto dl = Clock::now() + std::chrono::milliseconds(static_cast<long long>(ms));
    if (!inner.deadline || dl < *inner.deadline) inner.deadline = dl;
    block(n.closure, inner);
    return;
  }
  if (name == "retry") {
    int count = std::atoi(arg_str(n, "count", sc).c_str());
    if (count < 1) count = 1;
    for (int attempt = 1;; ++attempt) {
      try {
        Scope inner = sc;
        block(n.closure, inner);
        return;
      } catch (const StepError& e) {
        if (host_.aborted() || attempt >= count) throw;
        host_.log("[Pipeline] retry: attempt " + std::to_string(attempt) + " of " +
                  std::to_string(count) + " failed (" + e.message + "); retrying");
      }
    }
  }
  if (name == "catchError" || name == "warnError") {
    bool warn = name == "warnError";
    Result build =
        warn ? Result::unstable : result_named(arg_str(n, "buildResult", sc, 99), Result::failure);
    Result stage =
        warn ? Result::unstable : result_named(arg_str(n, "stageResult", sc, 99), Result::success);
    std::string message = warn ? arg_str(n, "message", sc)
                               : (n.named("message") ? arg_str(n, "message", sc, 99) : "");
    try {
      Scope inner = sc;
      block(n.closure, inner);
    } catch (const StepError& e) {
      if (host_.aborted()) throw;
      host_.log("[Pipeline] " + name + ": " + (message.empty() ? "" : message + ": ") + e.message);
      caught_.push_back(e.message);
      build_ = worse(build_, build);
      result_ = worse(result_, stage);
    }
    return;
  }
  if (name == "unstable") {
    std::string msg = arg_str(n, "message", sc);
    host_.log("[Pipeline] unstable: " + msg);
    caught_.push_back(msg);
    result_ = worse(result_, Result::unstable);
    build_ = worse(build_, Result::unstable);
    return;
  }
  if (name == "script" || name == "timestamps" || name == "ansiColor") return block(n.closure, sc);
  // A stage inside a stage (a scripted parallel branch's `stage('x') { }`): part of the stage
  // pipewright runs, its name in the log.
  if (name == "stage") {
    host_.log("[Pipeline] stage '" + arg_str(n, "name", sc) + "'");
    return block(n.closure, sc);
  }
  if (name == "print" || name == "println") {
    host_.log(arg_str(n, "message", sc));
    return;
  }
  // node('label') { ... } inside a stage: this machine is every agent, as for agent { label }.
  // (Jenkins would give the block a workspace of that agent's; here it is the stage's.)
  if (name == "node" && n.closure) {
    std::string label = arg_str(n, "label", sc);
    host_.log("[Pipeline] node" + (label.empty() ? std::string() : " ('" + label + "')") +
              ": runs on this machine, in the stage's workspace");
    return block(n.closure, sc);
  }
  if (name == "checkout") {
    if (fs::is_directory(host_.workspace()) && !host_.commit().empty()) {
      host_.log("[Pipeline] checkout scm: the workspace is already checked out at " +
                host_.commit());
      return;
    }
    return builtin("checkout");
  }
  if (name == "deleteDir" || name == "cleanWs") {
    if (facts_.in_place) {
      host_.warn(name + " skipped: with --in-place the workspace is your project folder");
      return;
    }
    fs::path target = name == "cleanWs" ? host_.workspace() : sc.cwd;
    std::error_code ec;
    if (name == "cleanWs") {
      for (auto& e : fs::directory_iterator(target, ec)) fs::remove_all(e.path(), ec);
    } else {
      fs::remove_all(target, ec);
    }
    return;
  }
  if (name == "writeFile") {
    fs::path f = arg_str(n, "file", sc);
    if (!f.is_absolute()) f = sc.cwd / f;
    fs::create_directories(f.parent_path());
    std::ofstream o(f, std::ios::binary | std::ios::trunc);
    o << arg_str(n, "text", sc, 1);
    return;
  }
  if (name == "readFile" || name == "fileExists" || name == "isUnix" || name == "pwd") {
    if (name == "readFile") {
      fs::path f = arg_str(n, "file", sc);
      if (!f.is_absolute()) f = sc.cwd / f;
      if (!fs::exists(f)) throw StepError{"java.nio.file.NoSuchFileException: " + f.string()};
    }
    return;  // a value nobody uses as a statement
  }
  if (name == "stash") return stash(n, sc);
  if (name == "unstash") return unstash(n, sc);
  if (name == "archiveArtifacts") return archive(n, sc);
  if (name == "junit") return junit(n, sc);
  if (name == "dependencyCheck") {
    host_.log("[Pipeline] dependencyCheck: done by pipewright's offline dependency-scan");
    return builtin("dependency-scan");
  }
  if (name == "dependencyCheckPublisher") {
    host_.log(
        "[Pipeline] dependencyCheckPublisher: thresholds applied by the dependency-scan "
        "(fail_on)");
    return;
  }
  if (name == "withSonarQubeEnv") {
    in_sonar_ = true;
    Scope inner = sc;
    try {
      block(n.closure, inner);
    } catch (...) {
      in_sonar_ = false;
      throw;
    }
    in_sonar_ = false;
    return;
  }
  if (name == "waitForQualityGate") {
    bool abort = arg_bool(n, "abortPipeline", sc, false);
    try {
      builtin("quality-gate");
    } catch (const StepError& e) {
      if (abort) throw;
      host_.log("[Pipeline] waitForQualityGate: " + e.message + " (abortPipeline is false)");
    }
    return;
  }
  fail_at(n.pos, "step '" + name + "' is not implemented");
}

// try's clauses are named by the node's params ("catch e", "finally"; groovy.cpp). A catch gets
// the step's error under its name (its message as the value), `throw e` in it raises it again;
// finally runs whatever happened, and an error nobody caught goes on after it.
void Interp::try_statement(const Node& n, Scope& sc) {
  std::optional<StepError> pending;
  try {
    block(n.items[0], sc);
  } catch (const StepError& e) {
    if (host_.aborted()) throw;
    pending = e;
  }
  for (size_t i = 1; i < n.items.size(); ++i) {
    std::string clause = i - 1 < n.params.size() ? n.params[i - 1] : "";
    if (clause.starts_with("catch") && pending) {
      std::string var = clause.size() > 6 ? clause.substr(6) : "";
      StepError e = *pending;
      pending.reset();
      (*sc.vars)[var] = Val::of(e.message);
      caught_errors_[var] = e;
      try {
        block(n.items[i], sc);
      } catch (const StepError& again) {
        caught_errors_.erase(var);
        pending = again;
      }
      caught_errors_.erase(var);
    } else if (clause == "finally") {
      block(n.items[i], sc);
    }
  }
  if (pending) throw *pending;
}

// A built-in stage doing a plugin step's work in this stage's context.
void Interp::builtin(const std::string& what) {
  auto out = host_.run_builtin(what);
  host_.log("[Pipeline] " + what + ": " + out.status +
            (out.summary.empty() ? "" : ": " + out.summary));
  if (out.result == Result::failure) {
    if (out.fails_build) fails_build_ = true;
    throw StepError{what + ": " + out.summary};
  }
  if (out.result == Result::unstable) result_ = worse(result_, Result::unstable);
  if (!out.summary.empty()) builtin_summary_ = what + ": " + out.summary;
}

void Interp::post(const Post& p, const std::vector<std::string>& conds, Scope& sc) {
  if (p.empty()) return;
  // Jenkins' order: always, changed, fixed, regression, aborted, failure, success, unstable,
  // unsuccessful, cleanup (cleanup last, whatever else ran).
  for (const auto& c : conds) {
    for (const auto& [name, steps] : p.conditions) {
      if (name != c) continue;
      host_.log("[Pipeline] post: " + name);
      post_run_.push_back(name);
      try {
        Scope inner = sc;
        block(steps, inner);
      } catch (const StepError& e) {
        host_.log("[Pipeline] post " + name + " failed: " + e.message);
        caught_.push_back("post " + name + ": " + e.message);
        result_ = worse(result_, Result::failure);
      }
    }
  }
}

namespace {

RunOutcome with_result(Result r, std::string summary) {
  RunOutcome out;
  out.kind = r == Result::failure    ? RunOutcome::Kind::failure
             : r == Result::unstable ? RunOutcome::Kind::unstable
                                     : RunOutcome::Kind::success;
  out.summary = std::move(summary);
  return out;
}

RunOutcome failed(std::string summary) { return with_result(Result::failure, std::move(summary)); }

// What a post run did: its failures, else the conditions whose blocks ran.
std::string post_summary(const Interp& in) {
  if (!in.caught_.empty()) return join(in.caught_, "; ");
  if (in.post_run_.empty()) return "no post condition held";
  return "post: " + join(in.post_run_, ", ");
}

}  // namespace

RunOutcome run_pipeline_post(StepHost& host, const BuildFacts& facts, const Pipeline& jp,
                             const RunSettings& settings,
                             const std::vector<std::string>& conditions) {
  Interp in(host, facts, jp, settings);
  try {
    Scope sc = in.base_scope();
    in.apply_env(jp.environment, sc);
    in.post(jp.post, conditions, sc);
    if (in.result_ == Result::failure) return failed(join(in.caught_, "; "));
    // A junit step here with failed tests makes the build UNSTABLE, as the JUnit plugin does
    // wherever the step is (a scripted pipeline's `finally { junit ... }` is this post).
    std::string summary = post_summary(in);
    if (!in.tests_summary_.empty()) summary += "; junit: " + in.tests_summary_;
    return with_result(worse(in.result_, in.build_), summary);
  } catch (const StepError& e) {
    return failed(e.message);
  }
}

namespace {

// A stage entered: the pipeline's, its parents' and its own environment in the scope, the
// nearest agent; `done` holds the outcome when it must not run (no such stage, or a when on
// the way that does not hold: SKIPPED).
struct Entered {
  const Stage* stage = nullptr;
  Agent agent;
  std::optional<RunOutcome> done;
};

Entered enter_stage(Interp& in, const Pipeline& jp, const std::string& path, Scope& sc,
                    bool ask_input) {
  Entered e;
  in.apply_env(jp.environment, sc);
  auto idx = parse_path(path);
  e.stage = find_stage(jp, idx);
  if (!e.stage) {
    e.done = failed("stage path " + path + " not found in " + jp.file);
    return e;
  }
  e.agent = jp.agent;
  // Parents first: their environment, when and agent apply to the stages inside them.
  for (size_t k = 1; k <= idx.size(); ++k) {
    const Stage* s = find_stage(jp, std::vector<int>(idx.begin(), idx.begin() + k));
    in.apply_env(s->environment, sc);
    // The stage's input comes before its when, unless `when { beforeInput true }`.
    bool input = ask_input && s == e.stage && s->input;
    if (input && !s->when.before_input) in.stage_input(s->input, sc);
    std::string why;
    for (const auto& c : s->when.conditions)
      if (!in.holds(c, sc, why)) {
        RunOutcome skipped;
        skipped.kind = RunOutcome::Kind::skipped;
        skipped.summary = "Stage \"" + e.stage->name + "\" skipped due to when conditional: " + why;
        e.done = skipped;
        return e;
      }
    if (input && s->when.before_input) in.stage_input(s->input, sc);
    if (!s->agent.type.empty()) e.agent = s->agent;
  }
  return e;
}

RunOutcome aborted_with(std::string summary) {
  RunOutcome out;
  out.kind = RunOutcome::Kind::aborted;
  out.summary = std::move(summary);
  return out;
}

}  // namespace

RunOutcome run_stage_post(StepHost& host, const BuildFacts& facts, const Pipeline& jp,
                          const RunSettings& settings, const std::string& path,
                          const std::vector<std::string>& conditions) {
  Interp in(host, facts, jp, settings);
  try {
    Scope sc = in.base_scope();
    auto e = enter_stage(in, jp, path, sc, false);
    if (e.done) return *e.done;
    in.prepare_agent(e.agent);
    in.post(e.stage->post, conditions, sc);
    RunOutcome out = with_result(worse(in.result_, in.build_), post_summary(in));
    out.fails_build = in.fails_build_;
    return out;
  } catch (const StepError& e) {
    return failed(e.message);
  }
}

RunOutcome run_stage(StepHost& host, const BuildFacts& facts, const Pipeline& jp,
                     const RunSettings& settings, const std::string& path,
                     const PostConditions& post_conditions) {
  Interp in(host, facts, jp, settings);
  try {
    Scope sc = in.base_scope();
    auto e = enter_stage(in, jp, path, sc, true);
    if (e.done) return *e.done;
    const Stage* stage = e.stage;
    // skipDefaultCheckout without `checkout scm`: Jenkins' steps run in an empty workspace.
    std::error_code ec;
    if (!facts.in_place) fs::create_directories(host.workspace(), ec);
    in.prepare_agent(e.agent);
    std::string error;
    try {
      in.block(stage->steps, sc);
    } catch (const StepError& e) {
      error = e.message;
      in.result_ = worse(in.result_, Result::failure);
    }
    in.post(stage->post, post_conditions(in.result_), sc);
    if (host.aborted()) return aborted_with("aborted");
    if (in.rejected_) return aborted_with(error);
    Result status = worse(in.result_, in.build_);
    std::string summary = !error.empty() ? error : join(in.caught_, "; ");
    if (summary.empty())
      summary = !in.builtin_summary_.empty() ? in.builtin_summary_ : in.tests_summary_;
    if (in.skipped_ > 0 && in.run_ == 0) {
      RunOutcome skipped;
      skipped.kind = RunOutcome::Kind::skipped;
      skipped.summary = "every step has no local meaning (--skip-unsupported)";
      return skipped;
    }
    if (in.skipped_ > 0)
      summary += (summary.empty() ? "" : "; ") + std::to_string(in.skipped_) +
                 " unsupported step(s) SKIPPED";
    RunOutcome out = with_result(status, summary);
    out.fails_build = in.fails_build_;
    return out;
  } catch (const StepError& e) {
    return in.rejected_ ? aborted_with(e.message) : failed(e.message);
  }
}

}  // namespace pw::jenkinsfile
