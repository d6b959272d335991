// The step interpreter behind `pipewright run --jenkinsfile`. A step that fails throws StepError
// up to the nearest catchError/warnError/retry or the stage, as a Jenkins step's exception does;
// results only get worse (SUCCESS < UNSTABLE < FAILURE), as in Jenkins.
#include "stages/jenkins_steps.h"

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "exec/capture.h"
#include "jenkinsfile/translate.h"
#include "reports/junit.h"
#include "stages/analysis.h"
#include "stages/checkout.h"
#include "stages/container_engine.h"
#include "stages/dependency_scan.h"
#include "stages/post.h"
#include "stages/settings.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;
namespace jf = pw::jenkinsfile;
using engine::Status;
using jf::Kind;
using jf::Node;
using jf::NodePtr;

namespace {

using Clock = std::chrono::steady_clock;

struct StepError {
  std::string message;
};

struct Val {
  enum T { null, str, boolean, number } t = null;
  std::string s;
  bool b = false;
  double n = 0;
  static Val of(std::string v) { return {str, std::move(v), false, 0}; }
  static Val of_bool(bool v) { return {boolean, {}, v, 0}; }
  std::string text() const {
    switch (t) {
      case null:
        return "null";
      case str:
        return s;
      case boolean:
        return b ? "true" : "false";
      case number: {
        if (n == static_cast<long long>(n)) return std::to_string(static_cast<long long>(n));
        return std::to_string(n);
      }
    }
    return {};
  }
  bool truthy() const {  // Groovy truth
    switch (t) {
      case null:
        return false;
      case str:
        return !s.empty();
      case boolean:
        return b;
      case number:
        return n != 0;
    }
    return false;
  }
};

Status worse(Status a, Status b) {
  auto rank = [](Status s) {
    switch (s) {
      case Status::success:
        return 0;
      case Status::unstable:
        return 1;
      case Status::failure:
        return 2;
      default:
        return 3;
    }
  };
  return rank(a) >= rank(b) ? a : b;
}

Status result_named(const std::string& s, Status dflt) {
  if (s == "SUCCESS") return Status::success;
  if (s == "UNSTABLE") return Status::unstable;
  if (s == "FAILURE") return Status::failure;
  if (s == "ABORTED" || s == "NOT_BUILT") return Status::failure;
  return dflt;
}

struct Scope {
  std::map<std::string, std::string> env;  // everything sh sees beyond pipewright's own
  std::vector<std::string> names;          // env names Jenkins defined (passed to containers)
  fs::path cwd;
  std::optional<Clock::time_point> deadline;
  void set(const std::string& k, const std::string& v) {
    env[k] = v;
    if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
  }
};

class Interp {
 public:
  Interp(engine::StageContext& ctx, const jf::Pipeline& jp) : ctx_(ctx), jp_(jp) {
    const auto& spec = ctx.spec();
    if (const auto* s = spec.setting("params"); s && s->value.IsMap())
      for (const auto& kv : s->value)
        params_[kv.first.as<std::string>()] = kv.second.as<std::string>();
    skip_unsupported_ = get_bool(spec, "skip_unsupported").value_or(false);
    for (const auto& p : jp.parameters) {
      param_types_[p.name] = p.type;
      if (!params_.count(p.name)) params_[p.name] = p.default_value;
    }
  }

  Scope base_scope() {
    Scope sc;
    sc.cwd = ctx_.workspace();
    std::string num = std::to_string(ctx_.paths().number);
    std::string job = ctx_.pipeline().project.name.empty() ? ctx_.project_dir().filename().string()
                                                           : ctx_.pipeline().project.name;
    std::string branch = ctx_.branch();
    for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
             {"BUILD_NUMBER", num},
             {"BUILD_ID", num},
             {"BUILD_TAG", "jenkins-" + job + "-" + num},
             {"JOB_NAME", job},
             {"JOB_BASE_NAME", job},
             {"WORKSPACE", ctx_.workspace().string()},
             {"GIT_COMMIT", ctx_.commit()},
             {"GIT_BRANCH", branch},
             {"BRANCH_NAME", branch},
             {"BUILD_URL", ""},
             {"JOB_URL", ""},
             {"JENKINS_URL", ""},
             {"CI", "true"},
             {"NODE_NAME", "built-in"},
             {"STAGE_NAME", ctx_.spec().description}})
      sc.set(k, v);
    for (const auto& [k, v] : params_) sc.set(k, v);  // params are environment variables too
    return sc;
  }

  // environment { } entries, in order, each seeing the ones before.
  void apply_env(const std::vector<jf::EnvEntry>& entries, Scope& sc) {
    for (const auto& e : entries) {
      if (!e.credential.empty()) {
        bind_environment_credential(e, sc);
        continue;
      }
      sc.set(e.name, eval(e.value, sc).text());
    }
  }

  // ------------------------------------------------------------------ expressions

  [[noreturn]] void fail_at(const jf::Pos& p, const std::string& msg) {
    throw StepError{jp_.file + ":" + std::to_string(p.line) + ":" + std::to_string(p.col) + ": " +
                    msg};
  }

  Val lookup(const std::string& name, const jf::Pos& pos, const Scope& sc) {
    if (auto it = sc.env.find(name); it != sc.env.end()) return typed_param(name, it->second);
    if (auto v = std::getenv(name.c_str())) return Val::of(v);
    fail_at(pos, "groovy.lang.MissingPropertyException: No such property: " + name +
                     " for class: groovy.lang.Binding");
  }

  Val typed_param(const std::string& name, const std::string& v) {
    auto t = param_types_.find(name);
    if (t != param_types_.end() && t->second == "booleanParam") return Val::of_bool(v == "true");
    return Val::of(v);
  }

  Val eval(const NodePtr& n, const Scope& sc) {
    if (!n) return {};
    switch (n->kind) {
      case Kind::string:
        return Val::of(n->text);
      case Kind::number: {
        Val v;
        v.t = Val::number;
        v.n = std::strtod(n->text.c_str(), nullptr);
        v.s = n->text;
        return v;
      }
      case Kind::boolean:
        return Val::of_bool(n->text == "true");
      case Kind::null:
        return {};
      case Kind::gstring: {
        std::string out;
        for (const auto& p : n->parts) out += p.is_expr ? eval(p.expr, sc).text() : p.text;
        return Val::of(out);
      }
      case Kind::ident:
        return lookup(n->text, n->pos, sc);
      case Kind::property: {
        if (n->target && n->target->kind == Kind::ident) {
          const std::string& obj = n->target->text;
          if (obj == "env") {
            if (auto it = sc.env.find(n->text); it != sc.env.end()) return Val::of(it->second);
            if (auto v = std::getenv(n->text.c_str())) return Val::of(v);
            return {};  // env.UNSET is null in Jenkins
          }
          if (obj == "params") {
            if (auto it = params_.find(n->text); it != params_.end())
              return typed_param(n->text, it->second);
            return {};
          }
          if (obj == "currentBuild") {
            if (n->text == "number") return Val::of(std::to_string(ctx_.paths().number));
            if (n->text == "result" || n->text == "currentResult")
              return Val::of(engine::to_string(worse(ctx_.status_so_far(), result_)));
          }
        }
        fail_at(n->pos, "`" + jf::to_source(n) +
                            "` is Groovy pipewright does not evaluate (env.X, params.X and "
                            "currentBuild.result are)");
      }
      case Kind::call: {
        if (n->target) return method(*n, eval(n->target, sc), sc);
        fail_at(n->pos, "`" + jf::to_source(n) +
                            "`: calls in expressions are Groovy pipewright does not evaluate");
      }
      case Kind::unary: {
        Val v = eval(n->items[0], sc);
        if (n->text == "!") return Val::of_bool(!v.truthy());
        break;
      }
      case Kind::binary:
        return binary(*n, sc);
      case Kind::ternary:
        return eval(n->items[0], sc).truthy() ? eval(n->items[1], sc) : eval(n->items[2], sc);
      case Kind::closure: {  // expression { ... }: the value of the last statement or return
        Val last;
        for (const auto& st : n->items) {
          if (st->kind == Kind::keyword && st->text == "return")
            return st->items.empty() ? Val{} : eval(st->items[0], sc);
          last = eval(st, sc);
        }
        return last;
      }
      case Kind::keyword:
        if (n->text == "return" && !n->items.empty()) return eval(n->items[0], sc);
        break;
      default:
        break;
    }
    fail_at(n->pos, "`" + jf::to_source(n) + "` is Groovy pipewright does not evaluate");
  }

  Val method(const Node& n, const Val& on, const Scope& sc) {
    std::string s = on.text();
    auto arg = [&](size_t i) {
      return n.positional(i) ? eval(n.positional(i), sc).text() : std::string();
    };
    const std::string& m = n.text;
    if (m == "trim") return Val::of(std::string(trim(s)));
    if (m == "toLowerCase") return Val::of(to_lower(s));
    if (m == "toUpperCase") return Val::of(to_upper(s));
    if (m == "toBoolean") return Val::of_bool(to_lower(std::string(trim(s))) == "true");
    if (m == "toString") return Val::of(s);
    if (m == "startsWith") return Val::of_bool(s.starts_with(arg(0)));
    if (m == "endsWith") return Val::of_bool(s.ends_with(arg(0)));
    if (m == "contains") return Val::of_bool(contains(s, arg(0)));
    if (m == "equals") return Val::of_bool(s == arg(0));
    if (m == "equalsIgnoreCase") return Val::of_bool(to_lower(s) == to_lower(arg(0)));
    if (m == "isEmpty") return Val::of_bool(s.empty());
    fail_at(n.pos, "method " + m + "() is Groovy pipewright does not evaluate");
  }

  Val binary(const Node& n, const Scope& sc) {
    const std::string& op = n.text;
    if (op == "&&")
      return Val::of_bool(eval(n.items[0], sc).truthy() && eval(n.items[1], sc).truthy());
    if (op == "||")
      return Val::of_bool(eval(n.items[0], sc).truthy() || eval(n.items[1], sc).truthy());
    Val a = eval(n.items[0], sc), b = eval(n.items[1], sc);
    auto eq = [&] {
      if (a.t == Val::null || b.t == Val::null) return a.t == b.t;
      if (a.t == Val::boolean || b.t == Val::boolean) return a.truthy() == b.truthy() && a.t == b.t;
      if (a.t == Val::number && b.t == Val::number) return a.n == b.n;
      return a.text() == b.text();
    };
    if (op == "==") return Val::of_bool(eq());
    if (op == "!=") return Val::of_bool(!eq());
    if (op == "?:") return a.truthy() ? a : b;
    if (op == "+") return Val::of(a.text() + b.text());
    if (op == "=~" || op == "==~") {
      try {
        std::regex re(b.text());
        return Val::of_bool(op == "==~" ? std::regex_match(a.text(), re)
                                        : std::regex_search(a.text(), re));
      } catch (const std::regex_error&) {
        fail_at(n.pos, "bad regular expression " + b.text());
      }
    }
    if (op == "<" || op == ">" || op == "<=" || op == ">=") {
      double x = a.t == Val::number ? a.n : std::strtod(a.text().c_str(), nullptr);
      double y = b.t == Val::number ? b.n : std::strtod(b.text().c_str(), nullptr);
      bool r = op == "<" ? x < y : op == ">" ? x > y : op == "<=" ? x <= y : x >= y;
      return Val::of_bool(r);
    }
    fail_at(n.pos, "operator " + op + " is Groovy pipewright does not evaluate");
  }

  // ------------------------------------------------------------------ when

  bool match(const std::string& pattern, const std::string& comparator, const std::string& text,
             bool ci) {
    std::string p = ci ? to_lower(pattern) : pattern, t = ci ? to_lower(text) : text;
    if (comparator == "EQUALS") return p == t;
    if (comparator == "REGEXP") {
      try {
        return std::regex_match(t, std::regex(p));
      } catch (const std::regex_error&) {
        return false;
      }
    }
    return glob_match(p, t);
  }

  std::optional<std::vector<std::string>> changed_files() {
    const auto& prev = ctx_.previous();
    if (!prev || prev->commit.empty()) return std::nullopt;
    auto out = exec::git(ctx_.workspace(), {"diff", "--name-only", prev->commit, "HEAD"});
    if (!out) return std::nullopt;
    return split_lines(*out);
  }

  bool holds(const jf::WhenCondition& c, const Scope& sc, std::string& why) {
    if (c.kind == "branch") {
      std::string b = ctx_.branch();
      bool ok = match(c.pattern, c.comparator, b, false);
      if (!ok) why = "branch '" + b + "' does not match '" + c.pattern + "'";
      return ok;
    }
    if (c.kind == "environment") {
      auto it = sc.env.find(c.name);
      std::string v = it == sc.env.end() ? "" : it->second;
      bool ok = it != sc.env.end() &&
                (c.case_insensitive ? to_lower(v) == to_lower(c.value) : v == c.value);
      if (!ok) why = c.name + " is not '" + c.value + "'";
      return ok;
    }
    if (c.kind == "changeset") {
      auto files = changed_files();
      if (!files) return true;  // no previous build: everything counts as changed
      for (const auto& f : *files)
        if (match(c.pattern, c.comparator, f, c.case_insensitive)) return true;
      why = "no changed file matches '" + c.pattern + "'";
      return false;
    }
    if (c.kind == "expression") {
      bool ok = eval(c.expr, sc).truthy();
      if (!ok) why = "expression " + jf::to_source(c.expr) + " is false";
      return ok;
    }
    if (c.kind == "equals") {
      bool ok = eval(c.expr, sc).text() == eval(c.actual, sc).text();
      if (!ok) why = "equals is false";
      return ok;
    }
    if (c.kind == "not") {
      std::string ignore;
      bool ok = !holds(c.children[0], sc, ignore);
      if (!ok) why = "not { } is false";
      return ok;
    }
    if (c.kind == "allOf") {
      for (const auto& k : c.children)
        if (!holds(k, sc, why)) return false;
      return true;
    }
    if (c.kind == "anyOf") {
      std::vector<std::string> whys;
      for (const auto& k : c.children) {
        std::string w;
        if (holds(k, sc, w)) return true;
        whys.push_back(w);
      }
      why = join(whys, " and ");
      return false;
    }
    if (c.kind == "triggeredBy") {
      bool ok = contains(c.pattern, "UserIdCause");  // a local run is started by its user
      if (!ok) why = "a local run is triggered by its user, not " + c.pattern;
      return ok;
    }
    why = c.kind + " does not hold in a local run (not a tag or change-request build)";
    return false;
  }

  // ------------------------------------------------------------------ credentials

  std::string cred_file(const std::string& content, const std::string& name) {
    fs::path dir = ctx_.paths().root / "tmp" / "secrets";
    fs::create_directories(dir);
    ::chmod(dir.c_str(), 0700);
    static std::atomic<long> counter{0};
    fs::path f = dir / (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    {
      std::ofstream o(f, std::ios::binary | std::ios::trunc);
      o << content;
    }
    ::chmod(f.c_str(), 0600);
    secret_paths_.push_back(f);
    return f.string();
  }

  std::string field(const std::string& id, std::initializer_list<const char*> names) {
    for (const char* n : names) {
      std::string v = ctx_.credentials().field(id, n);
      if (!v.empty()) return v;
    }
    return {};
  }

  void need_credential(const std::string& id, const jf::Pos& pos) {
    if (!ctx_.credentials().has(id))
      fail_at(pos, "credential '" + id + "' is not in " + ctx_.credentials().path().string() +
                       " (add it there, or set PIPEWRIGHT_CREDENTIALS to the file that has it)");
  }

  // environment { X = credentials('id') }: secret text -> X; username/password -> X=user:pass,
  // X_USR, X_PSW; a key or file -> X is the path of a file holding it.
  void bind_environment_credential(const jf::EnvEntry& e, Scope& sc) {
    need_credential(e.credential, e.pos);
    std::string user = field(e.credential, {"username", "user"});
    std::string pass = field(e.credential, {"password", "token"});
    std::string single = ctx_.credentials().field(e.credential, "");
    if (!single.empty()) {
      sc.set(e.name, single);
    } else if (!user.empty() && !pass.empty()) {
      sc.set(e.name, user + ":" + pass);
      sc.set(e.name + "_USR", user);
      sc.set(e.name + "_PSW", pass);
    } else if (auto key = field(e.credential, {"private_key", "key"}); !key.empty()) {
      sc.set(e.name, cred_file(key, e.name));
      if (!user.empty()) sc.set(e.name + "_USR", user);
    } else if (auto content = field(e.credential, {"file", "content"}); !content.empty()) {
      sc.set(e.name, cred_file(content, e.name));
    } else {
      fail_at(e.pos, "credential '" + e.credential +
                         "' has no value pipewright can bind (a single value, username+password, "
                         "private_key or file)");
    }
  }

  void with_credentials(const Node& n, Scope sc) {
    auto list = n.positional(0);
    if (!list || list->kind != Kind::list)
      fail_at(n.pos,
              "withCredentials takes a list of bindings: withCredentials([string(...)]) { ... }");
    for (const auto& b : list->items) {
      if (b->kind != Kind::call)
        fail_at(b->pos,
                "a binding must be usernamePassword(...), string(...), file(...) or "
                "sshUserPrivateKey(...)");
      auto arg = [&](const char* k) {
        auto* a = b->named(k);
        return a ? eval(a->value, sc).text() : std::string();
      };
      std::string id = arg("credentialsId");
      need_credential(id, b->pos);
      const std::string& kind = b->text;
      if (kind == "usernamePassword" || kind == "usernameColonPassword") {
        std::string user = field(id, {"username", "user"}), pass = field(id, {"password", "token"});
        if (kind == "usernameColonPassword")
          sc.set(arg("variable"), user + ":" + pass);
        else {
          sc.set(arg("usernameVariable"), user);
          sc.set(arg("passwordVariable"), pass);
        }
      } else if (kind == "string") {
        std::string v = ctx_.credentials().field(id, "");
        if (v.empty()) v = field(id, {"secret", "token", "password", "value"});
        sc.set(arg("variable"), v);
      } else if (kind == "file") {
        std::string v = ctx_.credentials().field(id, "");
        if (v.empty()) v = field(id, {"file", "content"});
        sc.set(arg("variable"), cred_file(v, arg("variable")));
      } else if (kind == "sshUserPrivateKey") {
        sc.set(arg("keyFileVariable"),
               cred_file(field(id, {"private_key", "key"}), arg("keyFileVariable")));
        if (!arg("usernameVariable").empty())
          sc.set(arg("usernameVariable"), field(id, {"username", "user"}));
        if (!arg("passphraseVariable").empty())
          sc.set(arg("passphraseVariable"), field(id, {"passphrase"}));
      } else {
        fail_at(
            b->pos,
            "binding " + kind +
                " has no local meaning; use usernamePassword, string, file or sshUserPrivateKey");
      }
    }
    block(n.closure, sc);
  }

  // ------------------------------------------------------------------ steps

  NodePtr arg_node(const Node& n, const char* name, size_t pos = 0) {
    if (auto* a = n.named(name)) return a->value;
    return n.positional(pos);
  }
  std::string arg_str(const Node& n, const char* name, const Scope& sc, size_t pos = 0) {
    auto v = arg_node(n, name, pos);
    return v ? eval(v, sc).text() : std::string();
  }
  bool arg_bool(const Node& n, const char* name, const Scope& sc, bool dflt) {
    auto* a = n.named(name);
    return a ? eval(a->value, sc).truthy() : dflt;
  }

  void block(const NodePtr& closure, Scope& sc) {
    if (!closure) return;
    for (const auto& st : closure->items) step(st, sc);
  }

  void check_abort() {
    if (ctx_.aborted()) throw StepError{"aborted"};
  }

  void step(const NodePtr& st, Scope& sc) {
    check_abort();
    const Node& n = *st;
    std::string name = (n.kind == Kind::call && !n.target) || n.kind == Kind::ident ? n.text : "";
    jf::StepInfo info = jf::step_info(name);
    if (name.empty() || !info.supported ||
        (name == "checkout" && !(n.positional(0) && n.positional(0)->text == "scm"))) {
      std::string what =
          name.empty() ? "`" + jf::to_source(st).substr(0, 60) + "`" : "step '" + name + "'";
      if (skip_unsupported_) {
        ctx_.log("[Pipeline] " + what + " SKIPPED: no local meaning (--skip-unsupported)");
        ++skipped_;
        return;
      }
      fail_at(n.pos, what + " has no local meaning");
    }
    ++run_;
    if (name == "sh") return sh(n, sc, nullptr);
    if (name == "echo") {
      ctx_.log(arg_str(n, "message", sc));
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
        if (sc.deadline && Clock::now() >= *sc.deadline)
          throw StepError{"Timeout has been exceeded"};
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
        inner.set(kv.substr(0, eq), kv.substr(eq + 1));
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
          if (ctx_.aborted() || attempt >= count) throw;
          ctx_.log("[Pipeline] retry: attempt " + std::to_string(attempt) + " of " +
                   std::to_string(count) + " failed (" + e.message + "); retrying");
        }
      }
    }
    if (name == "catchError" || name == "warnError") {
      bool warn = name == "warnError";
      Status build = warn ? Status::unstable
                          : result_named(arg_str(n, "buildResult", sc, 99), Status::failure);
      Status stage = warn ? Status::unstable
                          : result_named(arg_str(n, "stageResult", sc, 99), Status::success);
      std::string message = warn ? arg_str(n, "message", sc)
                                 : (n.named("message") ? arg_str(n, "message", sc, 99) : "");
      try {
        Scope inner = sc;
        block(n.closure, inner);
      } catch (const StepError& e) {
        if (ctx_.aborted()) throw;
        ctx_.log("[Pipeline] " + name + ": " + (message.empty() ? "" : message + ": ") + e.message);
        caught_.push_back(e.message);
        build_ = worse(build_, build);
        result_ = worse(result_, stage);
      }
      return;
    }
    if (name == "unstable") {
      std::string msg = arg_str(n, "message", sc);
      ctx_.log("[Pipeline] unstable: " + msg);
      caught_.push_back(msg);
      result_ = worse(result_, Status::unstable);
      build_ = worse(build_, Status::unstable);
      return;
    }
    if (name == "script" || name == "timestamps" || name == "ansiColor")
      return block(n.closure, sc);
    if (name == "checkout") {
      if (fs::is_directory(ctx_.workspace()) && !ctx_.commit().empty()) {
        ctx_.log("[Pipeline] checkout scm: the workspace is already checked out at " +
                 ctx_.commit());
        return;
      }
      return builtin(CheckoutStage{}, "checkout");
    }
    if (name == "deleteDir" || name == "cleanWs") {
      if (ctx_.overrides().in_place) {
        ctx_.warn(name + " skipped: with --in-place the workspace is your project folder");
        return;
      }
      fs::path target = name == "cleanWs" ? ctx_.workspace() : sc.cwd;
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
      ctx_.log("[Pipeline] dependencyCheck: done by pipewright's offline dependency-scan");
      return builtin(DependencyScanStage{}, "dependency-scan");
    }
    if (name == "dependencyCheckPublisher") {
      ctx_.log(
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
        builtin(QualityGateStage{}, "quality-gate");
      } catch (const StepError& e) {
        if (abort) throw;
        ctx_.log("[Pipeline] waitForQualityGate: " + e.message + " (abortPipeline is false)");
      }
      return;
    }
    fail_at(n.pos, "step '" + name + "' is not implemented");
  }

  // A built-in stage doing a plugin step's work in this stage's context.
  void builtin(engine::Stage&& stage, const std::string& what) {
    auto out = stage.run(ctx_);
    ctx_.log("[Pipeline] " + what + ": " + engine::to_string(out.status) +
             (out.summary.empty() ? "" : ": " + out.summary));
    if (out.status == Status::failure) {
      if (out.fails_build) fails_build_ = true;
      throw StepError{what + ": " + out.summary};
    }
    if (out.status == Status::unstable) result_ = worse(result_, Status::unstable);
    if (!out.summary.empty()) builtin_summary_ = what + ": " + out.summary;
  }

  // ------------------------------------------------------------------ sh

  void sh(const Node& n, const Scope& sc, std::string* stdout_out) {
    std::string script = arg_str(n, "script", sc);
    bool return_status = arg_bool(n, "returnStatus", sc, false);
    bool return_stdout = arg_bool(n, "returnStdout", sc, false);
    std::string label = n.named("label") ? arg_str(n, "label", sc) : "";
    if (in_sonar_ && contains(script, "sonar-scanner")) {
      ctx_.log("[Pipeline] sonar-scanner: done by pipewright's analysis (withSonarQubeEnv)");
      fs::path cov = sc.cwd / "coverage.xml";
      if (fs::exists(cov) && !fs::exists(ctx_.paths().reports / "coverage.xml")) {
        std::error_code ec;
        fs::create_directories(ctx_.paths().reports, ec);
        fs::copy_file(cov, ctx_.paths().reports / "coverage.xml", ec);
      }
      return builtin(AnalysisStage{}, "analysis");
    }
    ctx_.log("[Pipeline] sh" + (label.empty() ? "" : " (" + label + ")"));
    // As Jenkins: the script goes to a file; a #! line picks the interpreter, else sh -xe.
    fs::path dir = ctx_.paths().root / "tmp" / "sh";
    fs::create_directories(dir);
    // Parallel stages share this process: the counter is global so their scripts never collide.
    static std::atomic<long> counter{0};
    fs::path file =
        dir / ("script-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".sh");
    {
      std::ofstream o(file, std::ios::binary | std::ios::trunc);
      o << script;
    }
    ::chmod(file.c_str(), 0700);
    std::vector<std::string> inner;
    if (script.starts_with("#!"))
      inner = {file.string()};
    else
      inner = {"/bin/sh", "-xe", file.string()};

    engine::RunOptions opts;
    opts.cwd = sc.cwd;
    opts.log_command = false;
    for (const auto& [k, v] : sc.env) opts.env.emplace_back(k, v);
    std::vector<std::string> argv = inner;
    if (!image_.empty()) {
      argv = {engine_path_, "run",
              "--rm",       "-i",
              "-v",         ctx_.workspace().string() + ":" + ctx_.workspace().string(),
              "-v",         dir.string() + ":" + dir.string(),
              "-w",         sc.cwd.string()};
      if (fs::exists(ctx_.paths().root / "tmp" / "secrets")) {
        std::string s = (ctx_.paths().root / "tmp" / "secrets").string();
        argv.insert(argv.end(), {"-v", s + ":" + s + ":ro"});
      }
      // Names only: the values travel in the engine's environment, never on its command line.
      for (const auto& k : sc.names) argv.insert(argv.end(), {"-e", k});
      for (const auto& a : split(agent_args_, ' '))
        if (!a.empty()) argv.push_back(a);
      argv.push_back(image_);
      argv.insert(argv.end(), inner.begin(), inner.end());
    }
    // JENKINS_HOME is unset as on an agent. A timeout { } block's deadline is coreutils'
    // timeout, which signals the script's whole process group (the stage's own deadline still
    // holds over it).
    std::vector<std::string> prefix;
    if (std::getenv("JENKINS_HOME"))
      prefix = {"env", "-u", "JENKINS_HOME"};  // one exec less when unset
    bool timed = false;
    if (sc.deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*sc.deadline - Clock::now())
                      .count();
      if (left <= 0) throw StepError{"Timeout has been exceeded"};
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3f", left / 1000.0);
      prefix.insert(prefix.end(), {"timeout", "-k", "5", buf});
      timed = true;
    }
    argv.insert(argv.begin(), prefix.begin(), prefix.end());
    exec::ProcessResult r;
    std::string out;
    if (return_stdout || stdout_out)
      r = ctx_.capture(argv, out, opts);
    else
      r = ctx_.run(argv, opts);
    std::error_code ec;
    fs::remove(file, ec);
    if (r.aborted || ctx_.aborted()) throw StepError{"aborted"};
    if (r.timed_out ||
        (timed && (r.exit_code == 124 || r.exit_code == 137) && Clock::now() >= *sc.deadline))
      throw StepError{"Timeout has been exceeded"};
    if (!r.spawn_error.empty()) throw StepError{r.spawn_error};
    if (stdout_out) *stdout_out = out;
    if (return_status) {
      ctx_.log("[Pipeline] sh returned status " + std::to_string(r.exit_code));
      return;
    }
    if (!r.ok()) {
      if (r.term_signal) throw StepError{"script was " + r.describe()};
      throw StepError{"script returned exit code " + std::to_string(r.exit_code)};
    }
  }

  // ------------------------------------------------------------------ files

  std::vector<fs::path> glob_files(const fs::path& base, const std::string& includes,
                                   const std::string& excludes) {
    std::vector<fs::path> out;
    auto incl = split(includes, ',');
    auto excl = split(excludes, ',');
    std::error_code ec;
    if (!fs::is_directory(base)) return out;
    for (auto it = fs::recursive_directory_iterator(
             base, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (!it->is_regular_file()) continue;
      std::string rel = fs::relative(it->path(), base).string();
      if (rel.starts_with(".pipewright/") || rel.starts_with(".git/")) continue;
      auto any = [&](const std::vector<std::string>& pats) {
        for (auto p : pats) {
          std::string q(trim(p));
          if (q.empty()) continue;
          if (q.ends_with("/")) q += "**";
          if (glob_match(q, rel)) return true;
        }
        return false;
      };
      if (any(incl) && !any(excl)) out.push_back(rel);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void stash(const Node& n, const Scope& sc) {
    std::string name = arg_str(n, "name", sc);
    std::string includes = n.named("includes") ? arg_str(n, "includes", sc, 99) : "**";
    std::string excludes = n.named("excludes") ? arg_str(n, "excludes", sc, 99) : "";
    fs::path to = ctx_.paths().root / "stash" / name;
    std::error_code ec;
    fs::remove_all(to, ec);
    auto files = glob_files(sc.cwd, includes, excludes);
    if (files.empty() && !arg_bool(n, "allowEmpty", sc, false))
      throw StepError{"No files included in stash '" + name + "'"};
    for (const auto& f : files) {
      fs::create_directories((to / f).parent_path());
      fs::copy_file(sc.cwd / f, to / f, fs::copy_options::overwrite_existing, ec);
    }
    ctx_.log("[Pipeline] stash " + name + ": " + std::to_string(files.size()) + " file(s)");
  }

  void unstash(const Node& n, const Scope& sc) {
    std::string name = arg_str(n, "name", sc);
    fs::path from = ctx_.paths().root / "stash" / name;
    if (!fs::is_directory(from)) throw StepError{"No such saved stash '" + name + "'"};
    std::error_code ec;
    fs::copy(from, sc.cwd, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    if (ec) throw StepError{"unstash " + name + ": " + ec.message()};
  }

  void archive(const Node& n, const Scope& sc) {
    std::string pattern = arg_str(n, "artifacts", sc);
    std::string excludes = n.named("excludes") ? arg_str(n, "excludes", sc, 99) : "";
    auto files = glob_files(sc.cwd, pattern, excludes);
    if (files.empty()) {
      if (arg_bool(n, "allowEmptyArchive", sc, false)) {
        ctx_.log("[Pipeline] archiveArtifacts: no artifacts found that match " + pattern);
        return;
      }
      throw StepError{"No artifacts found that match the file pattern \"" + pattern + "\""};
    }
    fs::path art = ctx_.paths().artifacts;
    std::error_code ec;
    for (const auto& f : files) {
      fs::create_directories((art / f).parent_path(), ec);
      fs::copy_file(sc.cwd / f, art / f, fs::copy_options::overwrite_existing, ec);
      if (ec) throw StepError{"cannot archive " + f.string() + ": " + ec.message()};
    }
    // Fingerprints as SHA-256 (Jenkins uses MD5), in sha256sum's format over all of artifacts/.
    std::string sums;
    for (const auto& f : glob_files(art, "**", "SHA256SUMS"))
      sums += sha256_file_hex(art / f) + "  " + f.string() + "\n";
    write_file_atomic(art / "SHA256SUMS", sums);
    ctx_.log("[Pipeline] archiveArtifacts: " + std::to_string(files.size()) +
             " file(s), fingerprints in artifacts/SHA256SUMS");
    archived_ += files.size();
  }

  void junit(const Node& n, const Scope& sc) {
    std::string pattern = arg_str(n, "testResults", sc);
    auto files = glob_files(sc.cwd, pattern, "");
    if (files.empty()) {
      if (arg_bool(n, "allowEmptyResults", sc, false)) return;
      throw StepError{"No test report files were found. Configuration error?"};
    }
    reports::TestTotals t;
    for (const auto& f : files) {
      auto r = reports::parse_junit_file(sc.cwd / f);
      if (!r.ok()) throw StepError{"cannot read " + f.string() + ": " + r.errors[0].str()};
      t.tests += r.value.totals.tests;
      t.passed += r.value.totals.passed;
      t.failed += r.value.totals.failed;
      t.errors += r.value.totals.errors;
      t.skipped += r.value.totals.skipped;
      std::error_code ec;
      fs::create_directories(ctx_.paths().reports, ec);
      fs::copy_file(sc.cwd / f, ctx_.paths().reports / f.filename(),
                    fs::copy_options::overwrite_existing, ec);
    }
    ctx_.data()["tests"] = {{"tests", t.tests},
                            {"passed", t.passed},
                            {"failed", t.failed},
                            {"errors", t.errors},
                            {"skipped", t.skipped}};
    std::string s =
        std::to_string(t.tests) + " tests, " + std::to_string(t.failed + t.errors) + " failed";
    ctx_.log("[Pipeline] junit: " + s);
    tests_summary_ = s;
    // As the JUnit plugin: failed tests make the build UNSTABLE, not FAILED.
    if (t.failed + t.errors > 0 && !arg_bool(n, "skipMarkingBuildUnstable", sc, false)) {
      result_ = worse(result_, Status::unstable);
      build_ = worse(build_, Status::unstable);
    }
  }

  // ------------------------------------------------------------------ agent

  // The stage's effective agent: the nearest one set on it or its parents, else the pipeline's.
  void prepare_agent(const jf::Agent& agent) {
    if (!agent.container()) return;
    std::string why;
    auto eng = find_container_engine(ctx_, "", why);
    if (!eng) throw StepError{"agent " + agent.type + " needs a container engine: " + why};
    engine_path_ = eng->path;
    agent_args_ = agent.args;
    if (agent.type == "docker") {
      image_ = agent.image;
      return;
    }
    fs::path ctxdir = ctx_.workspace() / agent.dir;
    fs::path df = ctxdir / agent.dockerfile;
    if (!fs::exists(df)) throw StepError{"agent dockerfile: " + df.string() + " does not exist"};
    std::string tag = "pipewright-jenkins-agent:" +
                      sha256_hex(read_file(df) + agent.additional_build_args).substr(0, 16);
    std::vector<std::string> argv = {engine_path_, "build", "-t", tag, "-f", df.string()};
    for (const auto& a : split(agent.additional_build_args, ' '))
      if (!a.empty()) argv.push_back(a);
    argv.push_back(ctxdir.string());
    auto r = ctx_.run(argv);
    if (!r.ok()) throw StepError{"agent dockerfile: the image build failed (" + r.describe() + ")"};
    image_ = tag;
  }

  // ------------------------------------------------------------------ post

  void post(const jf::Post& p, Status current, std::optional<Status> previous, Scope& sc) {
    if (p.empty()) return;
    auto conds = post_conditions(current, previous);
    // Jenkins' order: always, changed, fixed, regression, aborted, failure, success, unstable,
    // unsuccessful, cleanup (cleanup last, whatever else ran).
    for (const auto& c : conds) {
      for (const auto& [name, steps] : p.conditions) {
        if (name != c) continue;
        ctx_.log("[Pipeline] post: " + name);
        try {
          Scope inner = sc;
          block(steps, inner);
        } catch (const StepError& e) {
          ctx_.log("[Pipeline] post " + name + " failed: " + e.message);
          caught_.push_back("post " + name + ": " + e.message);
          result_ = worse(result_, Status::failure);
        }
      }
    }
  }

  engine::StageContext& ctx_;
  const jf::Pipeline& jp_;
  std::map<std::string, std::string> params_;
  std::map<std::string, std::string> param_types_;
  bool skip_unsupported_ = false;

 public:
  Status result_ = Status::success;  // the stage's result
  Status build_ = Status::success;   // what it does to the build's result
  std::vector<std::string> caught_;
  std::string tests_summary_, builtin_summary_;
  size_t archived_ = 0;
  int skipped_ = 0, run_ = 0;
  bool fails_build_ = false;
  std::string image_, engine_path_, agent_args_;
  bool in_sonar_ = false;
  int scripts_ = 0, secret_files_ = 0;
  std::vector<fs::path> secret_paths_;

  ~Interp() {
    std::error_code ec;
    for (const auto& p : secret_paths_) fs::remove(p, ec);
  }
};

}  // namespace

void JenkinsStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                            std::vector<Diagnostic>& diags) {
  if (!get_string(spec, "jenkinsfile", &diags))
    diags.push_back({spec.where.file, spec.where.line, spec.where.col,
                     "stage '" + spec.id + "': a jenkins stage needs its jenkinsfile setting"});
}

engine::StageOutcome JenkinsStage::run(engine::StageContext& ctx) {
  auto file = get_string(ctx.spec(), "jenkinsfile").value_or("");
  std::shared_ptr<const jf::Pipeline> jp;
  try {
    jp = jf::load_cached(file);
  } catch (const Error& e) {
    return engine::StageOutcome::failed(e.what());
  }
  std::string path = get_string(ctx.spec(), "path").value_or("");
  Interp in(ctx, *jp);
  try {
    Scope sc = in.base_scope();
    in.apply_env(jp->environment, sc);
    if (path == "post") {
      // The pipeline's post: conditions on the build's result so far against the previous build.
      Status current = ctx.status_so_far();
      std::optional<Status> prev;
      if (ctx.previous()) prev = ctx.previous()->status;
      if (current == Status::skipped || current == Status::not_built) current = Status::success;
      in.post(jp->post, current, prev, sc);
      if (in.result_ == Status::failure)
        return engine::StageOutcome::failed(join(in.caught_, "; "));
      return engine::StageOutcome::ok();
    }
    auto idx = jf::parse_path(path);
    const jf::Stage* stage = jf::find_stage(*jp, idx);
    if (!stage) return engine::StageOutcome::failed("stage path " + path + " not found in " + file);
    // Parents first: their environment, when and agent apply to the stages inside them.
    std::vector<const jf::Stage*> chain;
    for (size_t k = 1; k <= idx.size(); ++k)
      chain.push_back(jf::find_stage(*jp, std::vector<int>(idx.begin(), idx.begin() + k)));
    jf::Agent agent = jp->agent;
    for (const auto* s : chain) {
      in.apply_env(s->environment, sc);
      std::string why;
      for (const auto& c : s->when.conditions)
        if (!in.holds(c, sc, why))
          return engine::StageOutcome::skipped("Stage \"" + stage->name +
                                               "\" skipped due to when conditional: " + why);
      if (!s->agent.type.empty()) agent = s->agent;
    }
    // skipDefaultCheckout without `checkout scm`: Jenkins' steps run in an empty workspace.
    std::error_code ec;
    if (!ctx.overrides().in_place) fs::create_directories(ctx.workspace(), ec);
    in.prepare_agent(agent);
    std::string error;
    try {
      in.block(stage->steps, sc);
    } catch (const StepError& e) {
      error = e.message;
      in.result_ = worse(in.result_, Status::failure);
    }
    std::optional<Status> prev;
    if (ctx.previous())
      for (const auto& r : ctx.previous()->stages)
        if (r.id == ctx.spec().id) prev = r.status;
    in.post(stage->post, in.result_, prev, sc);
    if (ctx.aborted()) return {Status::aborted, "aborted"};
    Status status = worse(in.result_, in.build_);
    std::string summary = !error.empty() ? error : join(in.caught_, "; ");
    if (summary.empty())
      summary = !in.builtin_summary_.empty() ? in.builtin_summary_ : in.tests_summary_;
    if (in.skipped_ > 0 && in.run_ == 0)
      return engine::StageOutcome::skipped("every step has no local meaning (--skip-unsupported)");
    if (in.skipped_ > 0)
      summary += (summary.empty() ? "" : "; ") + std::to_string(in.skipped_) +
                 " unsupported step(s) SKIPPED";
    engine::StageOutcome out{status, summary};
    out.fails_build = in.fails_build_;
    return out;
  } catch (const StepError& e) {
    return engine::StageOutcome::failed(e.message);
  }
}

}  // namespace pw::stages
