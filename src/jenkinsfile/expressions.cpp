// Groovy values and expressions as far as a declarative Jenkinsfile needs them (strings and
// GStrings, env.X, params.X, currentBuild.result, String methods, comparisons, regexes), and the
// when conditions.
#include <regex>

#include "jenkinsfile/interpreter.h"
#include "util/strings.h"

namespace pw::jenkinsfile {

namespace {

// currentBuild.result: the build's status so far, or this stage's result when that is worse.
// A status beyond FAILURE (ABORTED, ...) stays.
std::string current_result(const std::string& so_far, Result stage) {
  auto rank = [](const std::string& s) {
    return s == "SUCCESS" ? 0 : s == "UNSTABLE" ? 1 : s == "FAILURE" ? 2 : 3;
  };
  std::string mine = to_string(stage);
  return rank(so_far) >= rank(mine) ? so_far : mine;
}

}  // namespace

[[noreturn]] void Interp::fail_at(const jf::Pos& p, const std::string& msg) {
  throw StepError{jp_.file + ":" + std::to_string(p.line) + ":" + std::to_string(p.col) + ": " +
                  msg};
}

Val Interp::lookup(const std::string& name, const jf::Pos& pos, const Scope& sc) {
  if (auto it = sc.vars->find(name); it != sc.vars->end()) return it->second;
  if (auto it = sc.env.find(name); it != sc.env.end()) return typed_param(name, it->second);
  if (auto v = std::getenv(name.c_str())) return Val::of(v);
  fail_at(pos, "groovy.lang.MissingPropertyException: No such property: " + name +
                   " for class: groovy.lang.Binding");
}

Val Interp::typed_param(const std::string& name, const std::string& v) {
  auto t = param_types_.find(name);
  if (t != param_types_.end() && t->second == "booleanParam") return Val::of_bool(v == "true");
  return Val::of(v);
}

Val Interp::eval(const NodePtr& n, const Scope& sc) {
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
          if (n->text == "number") return Val::of(std::to_string(facts_.number));
          if (n->text == "result" || n->text == "currentResult")
            return Val::of(current_result(host_.status_so_far(), result_));
        }
      }
      fail_at(n->pos, "`" + jf::to_source(n) +
                          "` is Groovy pipewright does not evaluate (env.X, params.X and "
                          "currentBuild.result are)");
    }
    case Kind::call: {
      if (n->target) return method(*n, eval(n->target, sc), sc);
      if (!n->closure && is_value_step(n->text)) return step_value(*n, sc);
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

Val Interp::method(const Node& n, const Val& on, const Scope& sc) {
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
  if (m == "length" || m == "toInteger") {
    Val v;
    v.t = Val::number;
    v.n = m == "length" ? static_cast<double>(s.size()) : std::strtod(s.c_str(), nullptr);
    return v;
  }
  fail_at(n.pos, "method " + m + "() is Groovy pipewright does not evaluate");
}

Val Interp::binary(const Node& n, const Scope& sc) {
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
  if (op == "+" && a.t == Val::number && b.t == Val::number) {
    a.n += b.n;
    a.s.clear();
    return a;
  }
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

bool Interp::match(const std::string& pattern, const std::string& comparator,
                   const std::string& text, bool ci) {
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

bool Interp::holds(const jf::WhenCondition& c, const Scope& sc, std::string& why) {
  if (c.kind == "branch") {
    std::string b = host_.branch();
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
    auto files = host_.changed_files();
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
}  // namespace pw::jenkinsfile
