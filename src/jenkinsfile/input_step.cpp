// The input step and a stage's input directive (Jenkins' pipeline-input-step), asked at the
// terminal pipewright runs in. Proceed goes on; an abort ends the stage ABORTED, and with it the
// build, as a rejected input does in Jenkins. The directive's parameters become environment
// variables of the stage; the step's are asked and checked, but only script { } could use the
// value it returns, so nothing keeps them. Without a terminal the build never starts (see
// unsupported_steps), so the "no terminal" error below is for a terminal that went away.
#include <algorithm>

#include "jenkinsfile/interpreter.h"
#include "util/strings.h"

namespace pw::jenkinsfile {

namespace {

struct InputParam {
  std::string kind;  // string, text, password (typed visibly, kept out of the log), ...
  std::string name, dflt, description;
  std::vector<std::string> choices;
};

bool is_yes(const std::string& a) {
  auto l = to_lower(trim(a));
  return l == "true" || l == "yes" || l == "y" || l == "1";
}

bool is_no(const std::string& a) {
  auto l = to_lower(trim(a));
  return l == "false" || l == "no" || l == "n" || l == "0";
}

}  // namespace

void Interp::input(const Node& n, Scope& sc, bool directive) {
  // What is asked: message, ok and parameters, as named arguments (the step) or as calls in
  // the directive's block (message '...'; ok '...'; parameters { string(...) }).
  std::string message, ok = "Proceed";
  std::vector<NodePtr> param_calls;
  auto add_params = [&](const NodePtr& v) {
    if (!v) return;
    if (v->kind == Kind::list || v->kind == Kind::closure)
      for (const auto& p : v->items) param_calls.push_back(p);
  };
  if (directive) {
    if (n.closure)
      for (const auto& item : n.closure->items) {
        if (item->kind != Kind::call) continue;
        if (item->text == "message") message = arg_str(*item, "message", sc);
        if (item->text == "ok") ok = arg_str(*item, "ok", sc);
        if (item->text == "parameters") add_params(item->closure);
      }
  } else {
    message = arg_str(n, "message", sc);
    if (n.named("ok")) ok = arg_str(n, "ok", sc);
    if (const auto* p = n.named("parameters")) add_params(p->value);
  }
  std::vector<InputParam> params;
  for (const auto& c : param_calls) {
    if (c->kind != Kind::call) continue;
    InputParam p;
    p.kind = c->text;
    p.name = arg_str(*c, "name", sc);
    p.description = arg_str(*c, "description", sc);
    p.dflt = arg_str(*c, "defaultValue", sc);
    if (p.kind == "choice") {
      auto ch = arg_node(*c, "choices");
      if (ch && ch->kind == Kind::list)
        for (const auto& i : ch->items) p.choices.push_back(eval(i, sc).text());
      else if (ch)
        p.choices = split_lines(eval(ch, sc).text());
      if (!p.choices.empty()) p.dflt = p.choices.front();
    }
    if (p.kind == "booleanParam") p.dflt = is_yes(p.dflt) ? "true" : "false";
    if (!p.name.empty()) params.push_back(std::move(p));
  }

  auto ask = [&](const std::string& q) {
    auto a = host_.ask(q, sc.deadline);
    if (!a) {
      check_abort();
      if (sc.deadline && Clock::now() >= *sc.deadline) {
        rejected_ = true;  // Jenkins: a timeout around an input aborts the build
        throw StepError{"Timeout has been exceeded waiting for input: " + message};
      }
      fail_at(n.pos, "input: there is no terminal to ask at (stdin is not one)");
    }
    return *a;
  };
  host_.log("[Pipeline] input");
  while (true) {
    std::string a(trim(ask("Input requested: " + message + "  [Enter or '" + ok +
                           "' to proceed, 'abort' to abort]")));
    if (a.empty() || to_lower(a) == to_lower(ok) || to_lower(a) == "proceed" || is_yes(a)) break;
    if (to_lower(a) == "abort" || is_no(a)) {
      rejected_ = true;
      throw StepError{"input rejected at the terminal: " + message};
    }
  }
  for (const auto& p : params) {
    std::string value;
    while (true) {
      std::string hint = p.kind == "choice"         ? join(p.choices, "/")
                         : p.kind == "booleanParam" ? "true/false"
                                                    : "";
      std::string q = p.name + (p.description.empty() ? "" : " (" + p.description + ")") +
                      (hint.empty() ? "" : " {" + hint + "}") + " [" +
                      (p.kind == "password" ? "****" : p.dflt) + "]:";
      value = ask(q);
      if (value.empty()) value = p.dflt;
      if (p.kind == "booleanParam") {
        if (is_yes(value) || is_no(value)) {
          value = is_yes(value) ? "true" : "false";
          break;
        }
      } else if (p.kind == "choice") {
        if (std::find(p.choices.begin(), p.choices.end(), value) != p.choices.end()) break;
      } else {
        break;
      }
    }
    host_.log(p.name + " = " + (p.kind == "password" ? "****" : value));
    if (directive) sc.set(p.name, value);
  }
}

void Interp::stage_input(const NodePtr& directive, Scope& sc) {
  if (!host_.can_ask()) {
    std::string what = "the stage's input";
    if (!skip_unsupported_) fail_at(directive->pos, what + " has no terminal to ask at");
    host_.log("[Pipeline] " + what + " SKIPPED: no terminal (--skip-unsupported)");
    ++skipped_;
    return;
  }
  input(*directive, sc, true);
}

}  // namespace pw::jenkinsfile
