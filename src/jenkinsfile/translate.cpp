// Declarative model -> pipewright: the run pipeline, the step table, and the imported YAML.
#include "jenkinsfile/translate.h"

#include <algorithm>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>

#include "pipeline/loader.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::jenkinsfile {

namespace {

struct Row {
  const char* name;
  const char* plugin;
  bool supported;
  const char* builtin;
  const char* nearest;
};

// Steps of Jenkins core and the plugins the seed's kind of pipeline uses. Unsupported rows name
// the nearest local equivalent, so the stop message tells the user what to do.
const Row kSteps[] = {
    {"sh", "workflow-durable-task-step", true, "", ""},
    {"echo", "workflow-basic-steps", true, "", ""},
    {"error", "workflow-basic-steps", true, "", ""},
    {"sleep", "workflow-basic-steps", true, "", ""},
    {"dir", "workflow-basic-steps", true, "", ""},
    {"withEnv", "workflow-basic-steps", true, "", ""},
    {"timeout", "workflow-basic-steps", true, "", ""},
    {"retry", "workflow-basic-steps", true, "", ""},
    {"catchError", "workflow-basic-steps", true, "", ""},
    {"warnError", "workflow-basic-steps", true, "", ""},
    {"unstable", "workflow-basic-steps", true, "", ""},
    {"deleteDir", "workflow-basic-steps", true, "", ""},
    {"writeFile", "workflow-basic-steps", true, "", ""},
    {"readFile", "workflow-basic-steps", true, "", ""},
    {"fileExists", "workflow-basic-steps", true, "", ""},
    {"isUnix", "workflow-basic-steps", true, "", ""},
    {"pwd", "workflow-basic-steps", true, "", ""},
    {"timestamps", "timestamper", true, "", ""},
    {"ansiColor", "ansicolor", true, "", ""},
    {"script", "pipeline-model-definition", true, "", ""},
    // A stage inside a stage's steps (a scripted parallel branch's): run as part of it.
    {"stage", "pipeline-stage-step", true, "", ""},
    {"print", "Groovy", true, "", ""},
    {"println", "Groovy", true, "", ""},
    {"stash", "workflow-basic-steps", true, "", ""},
    {"unstash", "workflow-basic-steps", true, "", ""},
    {"archiveArtifacts", "core", true, "", ""},
    {"junit", "junit", true, "", ""},
    {"checkout", "workflow-scm-step", true, "checkout", ""},
    {"cleanWs", "ws-cleanup", true, "", ""},
    {"withCredentials", "credentials-binding", true, "", ""},
    {"dependencyCheck", "dependency-check-jenkins-plugin", true, "dependency-scan", ""},
    {"dependencyCheckPublisher", "dependency-check-jenkins-plugin", true, "dependency-scan", ""},
    {"withSonarQubeEnv", "sonar", true, "analysis", ""},
    {"waitForQualityGate", "sonar", true, "quality-gate", ""},
    {"bat", "workflow-durable-task-step", false, "", "sh (pipewright runs on Linux)"},
    {"powershell", "workflow-durable-task-step", false, "", "sh"},
    {"pwsh", "workflow-durable-task-step", false, "", "sh"},
    // Supported when pipewright runs on a terminal (asked there); without one, unsupported
    // with this nearest equivalent (check_block, Interp::skipped_as_unsupported).
    {"input", "pipeline-input-step", true, "",
     "run the stages before it, check, then run the rest with pipewright run STAGE"},
    {"build", "pipeline-build-step", false, "", "pipewright run -C <other project>"},
    {"mail", "mailer", false, "", "a post { failure { sh '...' } } command that sends it"},
    {"emailext", "email-ext", false, "", "a post { failure { sh '...' } } command that sends it"},
    {"slackSend", "slack", false, "", "a post { } sh step calling Slack's webhook with curl"},
    {"git", "git", false, "", "checkout scm (pipewright's checkout)"},
    {"publishHTML", "htmlpublisher", false, "",
     "archiveArtifacts (the report is kept in the build's artifacts/)"},
    {"recordIssues", "warnings-ng", false, "",
     "pipewright's quality stage (findings merged into reports/quality.sarif)"},
    {"cobertura", "cobertura", false, "", "pipewright's tests stage (reads coverage.xml natively)"},
    {"recordCoverage", "coverage", false, "",
     "pipewright's tests stage (reads coverage.xml natively)"},
    {"publishCoverage", "code-coverage-api", false, "",
     "pipewright's tests stage (reads coverage.xml natively)"},
    {"sshagent", "ssh-agent", false, "", "withCredentials([sshUserPrivateKey(...)])"},
    {"s3Upload", "pipeline-aws", false, "", "pipewright's upload stage"},
    {"withAWS", "pipeline-aws", false, "", "pipewright's upload stage"},
    {"milestone", "pipeline-milestone-step", false, "", "none needed locally"},
    {"lock", "lockable-resources", false, "", "pipewright run -j 1"},
    {"parallel", "workflow-cps", false, "", "a parallel { } block of stages"},
    // With a body: run on this machine (Interp), its steps carried over by import.
    {"node", "workflow-durable-task-step", true, "", "agent"},
    {"load", "workflow-cps", false, "", "none: pipewright does not run Groovy"},
    {"library", "workflow-cps-global-lib", false, "", "none: pipewright does not run Groovy"},
    {"properties", "workflow-multibranch", false, "", "options { }"},
    {"kubernetesDeploy", "kubernetes-cd", false, "", "pipewright's deploy stage"},
    {"httpRequest", "http_request", false, "", "sh 'curl ...'"},
    {"nexusArtifactUploader", "nexus-artifact-uploader", false, "", "sh with twine or curl"},
    {"step", "workflow-basic-steps", false, "", "the plugin's own step name"},
};

void collect_steps(const NodePtr& block, const std::function<void(const Node&)>& f) {
  if (!block) return;
  for (const auto& st : block->items) {
    f(*st);
    if (st->kind == Kind::call && st->closure) collect_steps(st->closure, f);
  }
}

// Every steps block of the pipeline, with post blocks.
void each_block(const Pipeline& p, const std::function<void(const NodePtr&)>& f) {
  std::function<void(const Stage&)> stage = [&](const Stage& s) {
    if (s.steps) f(s.steps);
    for (const auto& c : s.stages) stage(c);
    for (const auto& c : s.parallel) stage(c);
    for (const auto& [_, b] : s.post.conditions) f(b);
  };
  for (const auto& s : p.stages) stage(s);
  for (const auto& [_, b] : p.post.conditions) f(b);
}

// Where check_block's statements are: a declarative steps block, script { } in one, or a
// scripted pipeline's stage (Groovy statements too, as script { }'s).
constexpr int kInSteps = 0, kInScript = 1, kInScripted = 2;

// Defined below with `when`'s checks; `value_steps` also accepts the steps script { } calls
// for their value (is_value_step).
const Node* not_evaluable(const NodePtr& n, bool value_steps = false);

void check_block(const NodePtr& block, int in_script, std::vector<Diagnostic>& out,
                 const std::string& file, bool have_terminal);

// script { }'s Groovy beyond step calls, as the interpreter runs it (Interp::script_statement):
// `def x = v`, `x = v`, `x += v`, `env.X = v`, and if / else if / else over such statements
// and steps. True when `n` is one of them (its problems then added to `out`).
bool check_script_statement(const Node& n, int mode, std::vector<Diagnostic>& out,
                            const std::string& file, bool have_terminal) {
  auto value = [&](const NodePtr& v) {
    if (const Node* bad = not_evaluable(v, true))
      out.push_back({file, bad->pos.line, bad->pos.col,
                     "script { }: `" +
                         to_source(std::shared_ptr<const Node>(std::shared_ptr<const Node>{}, bad))
                             .substr(0, 60) +
                         "` is Groovy pipewright does not evaluate (it evaluates literals, "
                         "variables, env.X, params.X, sh/readFile/fileExists values, "
                         "comparisons, =~, &&, ||, !, + and string methods)"});
  };
  if (n.kind == Kind::decl) {
    if (!n.items.empty()) value(n.items[0]);
    return true;
  }
  if (n.kind == Kind::assign && n.text == "=" && n.items[0]->kind == Kind::property &&
      n.items[0]->text == "result" && n.items[0]->target &&
      n.items[0]->target->kind == Kind::ident && n.items[0]->target->text == "currentBuild") {
    value(n.items[1]);
    return true;
  }
  if (n.kind == Kind::assign && n.items.size() == 2 && (n.text == "=" || n.text == "+=")) {
    const NodePtr& t = n.items[0];
    bool env = t->kind == Kind::property && t->target && t->target->kind == Kind::ident &&
               t->target->text == "env";
    if (t->kind != Kind::ident && !env) return false;
    value(n.items[1]);
    return true;
  }
  if (n.kind == Kind::keyword && n.text == "try" && !n.items.empty()) {
    for (const auto& body : n.items) check_block(body, mode, out, file, have_terminal);
    return true;
  }
  // `throw e` of the error a catch caught (Interp::try_statement); another throw is Groovy.
  if (n.kind == Kind::keyword && n.text == "throw" && n.items.size() == 1 &&
      n.items[0]->kind == Kind::ident)
    return true;
  if (n.kind == Kind::keyword && n.text == "if" && n.items.size() >= 2) {
    value(n.items[0]);
    for (size_t i = 1; i < n.items.size(); ++i) {
      const NodePtr& body = n.items[i];
      if (body->kind == Kind::closure) {
        check_block(body, mode, out, file, have_terminal);
      } else {
        auto one = std::make_shared<Node>();
        one->kind = Kind::closure;
        one->items = {body};
        check_block(one, mode, out, file, have_terminal);
      }
    }
    return true;
  }
  return false;
}

void check_block(const NodePtr& block, int in_script, std::vector<Diagnostic>& out,
                 const std::string& file, bool have_terminal) {
  if (!block) return;
  for (const auto& st : block->items) {
    const Node& n = *st;
    if (in_script && check_script_statement(n, in_script, out, file, have_terminal)) continue;
    if (n.kind != Kind::call ||
        (n.target && !(n.target->kind == Kind::ident && n.target->text == "steps"))) {
      if (n.kind == Kind::ident) {  // a step without arguments: deleteDir, cleanWs
        StepInfo i = step_info(n.text);
        if (i.supported) continue;
      }
      out.push_back({file, n.pos.line, n.pos.col,
                     std::string(in_script == kInScripted ? "a scripted stage "
                                 : in_script              ? "script { } "
                                                          : "steps ") +
                         "holds Groovy that is not a plain step (`" + to_source(st).substr(0, 60) +
                         "`): pipewright runs " +
                         (in_script == kInScripted ? "scripted stages" : "script { }") +
                         " made of supported steps, def and assignments, env.X =, if / else" +
                         (in_script == kInScripted ? " and try / catch / finally" : "") +
                         "; write the rest as steps or an sh script"});
      continue;
    }
    StepInfo i = step_info(n.text);
    if (!i.supported || (n.text == "input" && !have_terminal)) {
      std::string msg = "step '" + n.text + "'";
      if (!i.plugin.empty())
        msg += " (plugin " + i.plugin + ")";
      else
        msg += " (not a step of Jenkins core or of a plugin pipewright maps)";
      msg += n.text == "input" ? " waits for a person and there is no terminal (stdin is not one)"
                               : " has no local meaning";
      if (!i.nearest.empty()) msg += "; nearest local equivalent: " + i.nearest;
      msg += " (--skip-unsupported runs the build with it SKIPPED)";
      out.push_back({file, n.pos.line, n.pos.col, msg});
      continue;
    }
    if (n.text == "checkout") {
      auto a = n.positional(0);
      if (!a || a->kind != Kind::ident || a->text != "scm")
        out.push_back({file, n.pos.line, n.pos.col,
                       "checkout with an explicit SCM (`" + to_source(st).substr(0, 50) +
                           "`) has no local meaning; nearest local equivalent: checkout scm "
                           "(pipewright's checkout of this repository, or --repo URL --ref REF)"});
    }
    if (n.closure)
      check_block(n.closure,
                  in_script            ? in_script
                  : n.text == "script" ? kInScript
                                       : kInSteps,
                  out, file, have_terminal);
  }
}

void slug_into(std::string& out, const std::string& name) {
  bool dash = false;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      if (dash && !out.empty()) out += '-';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      dash = false;
    } else {
      dash = true;
    }
  }
}

}  // namespace

bool is_value_step(const std::string& name) {
  return name == "sh" || name == "readFile" || name == "fileExists" || name == "pwd" ||
         name == "isUnix";
}

StepInfo step_info(const std::string& name) {
  for (const auto& r : kSteps)
    if (name == r.name) return {r.name, r.plugin, r.supported, r.builtin, r.nearest};
  return {name, "", false, "", ""};
}

namespace {

// Whether `when { expression { } }` can be evaluated without Groovy: literals, env.X, params.X,
// currentBuild.result/number, bare variables, comparisons, =~ ==~, && || !, ?: and a few string
// methods. Returns the first node that cannot, else null.
const Node* not_evaluable(const NodePtr& n, bool value_steps) {
  if (!n) return nullptr;
  static const std::set<std::string> ops = {
      "==", "!=", "<", ">", "<=", ">=", "=~", "==~", "&&", "||", "?:", "+"};
  static const std::set<std::string> methods = {
      "trim",       "toLowerCase", "toUpperCase", "toBoolean", "toString",
      "startsWith", "endsWith",    "contains",    "equals",    "equalsIgnoreCase",
      "isEmpty",    "length",      "toInteger"};
  switch (n->kind) {
    case Kind::string:
    case Kind::number:
    case Kind::boolean:
    case Kind::null:
    case Kind::ident:
      return nullptr;
    case Kind::gstring:
      for (const auto& p : n->parts)
        if (p.is_expr)
          if (auto* b = not_evaluable(p.expr, value_steps)) return b;
      return nullptr;
    case Kind::property:
      if (n->target && n->target->kind == Kind::ident &&
          (n->target->text == "env" || n->target->text == "params" ||
           (n->target->text == "currentBuild" &&
            (n->text == "result" || n->text == "currentResult" || n->text == "number"))))
        return nullptr;
      return n.get();
    case Kind::call:
      if (value_steps && !n->target && !n->closure && is_value_step(n->text)) {
        for (const auto& a : n->args)
          if (auto* b = not_evaluable(a.value, value_steps)) return b;
        return nullptr;
      }
      if (!n->target || !methods.count(n->text) || n->closure) return n.get();
      for (const auto& a : n->args)
        if (auto* b = not_evaluable(a.value, value_steps)) return b;
      return not_evaluable(n->target, value_steps);
    case Kind::unary:
      return n->text == "!" ? not_evaluable(n->items[0], value_steps) : n.get();
    case Kind::binary:
      if (!ops.count(n->text)) return n.get();
      [[fallthrough]];
    case Kind::ternary:
      for (const auto& i : n->items)
        if (auto* b = not_evaluable(i, value_steps)) return b;
      return nullptr;
    case Kind::closure:
      for (const auto& i : n->items)
        if (auto* b = not_evaluable(i, value_steps)) return b;
      return nullptr;
    case Kind::keyword:
      if (n->text != "return") return n.get();
      for (const auto& i : n->items)
        if (auto* b = not_evaluable(i, value_steps)) return b;
      return nullptr;
    default:
      return n.get();
  }
}

void check_when(const WhenCondition& c, const std::string& file, std::vector<Diagnostic>& out) {
  if (c.kind == "expression" || c.kind == "equals") {
    for (const auto& e : {c.expr, c.actual})
      if (auto* bad = not_evaluable(e))
        out.push_back(
            {file, bad->pos.line, bad->pos.col,
             "when " + c.kind + ": `" +
                 to_source(std::shared_ptr<const Node>(std::shared_ptr<const Node>{}, bad))
                     .substr(0, 60) +
                 "` is Groovy pipewright does not evaluate (it evaluates env.X, params.X, "
                 "currentBuild.result, literals, comparisons, =~, ==~, &&, ||, ! and "
                 "string methods); nearest local equivalent: when { environment name: ..., "
                 "value: ... } or branch"});
  }
  for (const auto& k : c.children) check_when(k, file, out);
}

}  // namespace

std::vector<Diagnostic> unsupported_steps(const Pipeline& p, bool have_terminal) {
  std::vector<Diagnostic> out;
  // A scripted pipeline's steps are Groovy statements, as script { }'s are.
  each_block(p, [&](const NodePtr& b) {
    check_block(b, p.scripted ? kInScripted : kInSteps, out, p.file, have_terminal);
  });
  std::function<void(const Stage&)> stage = [&](const Stage& s) {
    for (const auto& c : s.when.conditions) check_when(c, p.file, out);
    if (s.input && !have_terminal)
      out.push_back(
          {p.file, s.input->pos.line, s.input->pos.col,
           "stage \"" + s.name +
               "\": input (plugin pipeline-input-step) waits for a person and there is no "
               "terminal; nearest local equivalent: run the stages before it, check, then run the "
               "rest "
               "with pipewright run STAGE"});
    for (const auto& c : s.stages) stage(c);
    for (const auto& c : s.parallel) stage(c);
  };
  for (const auto& s : p.stages) stage(s);
  return out;
}

bool fails_fast(const Pipeline& p) {
  std::function<bool(const std::vector<Stage>&)> any = [&](const std::vector<Stage>& stages) {
    for (const auto& s : stages)
      if (s.fail_fast || s.options.fail_fast || any(s.stages) || any(s.parallel)) return true;
    return false;
  };
  return p.options.fail_fast || any(p.stages);
}

std::vector<std::pair<std::string, Pos>> credential_ids(const Pipeline& p) {
  std::vector<std::pair<std::string, Pos>> out;
  auto env = [&](const std::vector<EnvEntry>& e) {
    for (const auto& v : e)
      if (!v.credential.empty()) out.emplace_back(v.credential, v.pos);
  };
  env(p.environment);
  std::function<void(const Stage&)> stage = [&](const Stage& s) {
    env(s.environment);
    for (const auto& c : s.stages) stage(c);
    for (const auto& c : s.parallel) stage(c);
  };
  for (const auto& s : p.stages) stage(s);
  each_block(p, [&](const NodePtr& b) {
    collect_steps(b, [&](const Node& n) {
      if (n.kind != Kind::call || n.text != "withCredentials") return;
      auto list = n.positional(0);
      if (!list || list->kind != Kind::list) return;
      for (const auto& b : list->items) {
        if (b->kind != Kind::call) continue;
        std::string id;
        if (auto* a = b->named("credentialsId"); a && a->value->literal(id))
          out.emplace_back(id, b->pos);
      }
    });
  });
  return out;
}

std::string path_string(const std::vector<int>& path) {
  std::string s;
  for (size_t i = 0; i < path.size(); ++i) s += (i ? "." : "") + std::to_string(path[i]);
  return s;
}

std::vector<int> parse_path(const std::string& s) {
  std::string_view v = s;
  if (v.ends_with("/post")) v.remove_suffix(5);
  std::vector<int> out;
  for (const auto& part : split(std::string(v), '.')) {
    auto n = parse_int(part, 0, 1 << 20).opt();
    if (!n) return {};
    out.push_back(static_cast<int>(*n));
  }
  return out;
}

std::vector<std::string> builtins_of(const Stage& s) {
  std::vector<std::string> out;
  collect_steps(s.steps, [&](const Node& n) {
    if (n.kind != Kind::call) return;
    StepInfo i = step_info(n.text);
    if (!i.builtin.empty() && std::find(out.begin(), out.end(), i.builtin) == out.end())
      out.push_back(i.builtin);
  });
  return out;
}

std::shared_ptr<const Pipeline> load_cached(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Pipeline>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  auto p = std::make_shared<const Pipeline>(read_declarative_file(path));
  cache[path] = p;
  return p;
}

namespace {

YAML::Node yaml_str(const std::string& s) { return YAML::Node(s); }

struct Builder {
  const Pipeline& jp;
  std::string path;
  const RunSettings& settings;
  pipeline::Pipeline out;
  std::set<std::string> ids;
  std::string analysis_stage;
  std::string checkout_id;
  // Inside a `parallel` with failFast true: a failing branch stops the others (pipewright's
  // fail_fast on each branch), where without it they finish, as in Jenkins.
  bool fail_fast = false;

  pipeline::Setting setting(const std::string& key, YAML::Node v, Pos pos) {
    return {key, v, {path, pos.line, pos.col}};
  }

  std::string unique_id(const std::string& name, const std::string& parent) {
    std::string id = name;
    for (char& c : id)
      if (c == '/' || c == '\n' || c == '\0') c = '-';
    if (ids.count(id) && !parent.empty()) id = parent + " » " + id;
    std::string base = id;
    for (int k = 2; ids.count(id); ++k) id = base + " (" + std::to_string(k) + ")";
    ids.insert(id);
    return id;
  }

  void common(pipeline::StageSpec& s, const std::vector<int>& p, Pos pos) {
    s.settings.push_back(setting("jenkinsfile", yaml_str(path), pos));
    s.settings.push_back(setting("path", yaml_str(path_string(p)), pos));
    YAML::Node params(YAML::NodeType::Map);
    for (const auto& [k, v] : settings.params) params[k] = v;
    s.settings.push_back(setting("params", params, pos));
    s.settings.push_back(setting("skip_unsupported", YAML::Node(settings.skip_unsupported), pos));
  }

  // Returns the ids that end this stage (what the next stage needs).
  std::vector<std::string> stage(const Stage& st, std::vector<int> p,
                                 const std::vector<std::string>& needs, const std::string& parent,
                                 std::optional<Millis> timeout) {
    if (st.options.timeout && (!timeout || *st.options.timeout < *timeout))
      timeout = st.options.timeout;
    if (st.steps) {
      pipeline::StageSpec s;
      s.id = unique_id(st.name, parent);
      s.kind = "jenkins";
      s.description = st.name;
      s.needs = needs;
      s.where = {path, st.pos.line, st.pos.col};
      s.timeout = timeout;
      s.retry = st.options.retry;
      if (fail_fast) s.fail_fast = true;
      common(s, p, st.pos);
      for (const auto& b : builtins_of(st))
        if (b == "analysis") analysis_stage = s.id;
      // dependencyCheckPublisher's thresholds become the scan's fail_on.
      collect_steps(st.steps, [&](const Node& n) {
        if (n.kind != Kind::call || n.text != "dependencyCheckPublisher") return;
        static const std::pair<const char*, const char*> th[] = {
            {"failedTotalLow", "low"},
            {"failedTotalMedium", "medium"},
            {"failedTotalHigh", "high"},
            {"failedTotalCritical", "critical"}};
        for (const auto& [k, sev] : th) {
          if (n.named(k)) {
            s.settings.push_back(setting("fail_on", yaml_str(sev), n.pos));
            break;
          }
        }
      });
      out.stages.push_back(std::move(s));
      return {out.stages.back().id};
    }
    size_t first = out.stages.size();
    std::vector<std::string> ends = nested(st, p, needs, timeout);
    if (st.post.empty()) return ends;
    // Jenkins runs a stage's post after the stages inside it, whatever they ended as: an
    // `always` stage that needs each of them, and that the next stage needs beside them (so
    // that a failure inside still stops what comes after).
    pipeline::StageSpec s;
    s.id = unique_id(st.name + ": post", parent);
    s.kind = "jenkins";
    s.description = st.name;  // STAGE_NAME in the post block is the stage's own
    for (size_t k = first; k < out.stages.size(); ++k) s.needs.push_back(out.stages[k].id);
    s.always = true;
    s.where = {path, st.post.pos.line, st.post.pos.col};
    s.timeout = timeout;
    common(s, p, st.post.pos);
    for (auto& set : s.settings)
      if (set.key == "path") set.value = yaml_str(path_string(p) + "/post");
    out.stages.push_back(std::move(s));
    ends.push_back(out.stages.back().id);
    return ends;
  }

  // The stages inside a stage, in sequence or in parallel; returns the ids that end them.
  std::vector<std::string> nested(const Stage& st, const std::vector<int>& p,
                                  const std::vector<std::string>& needs,
                                  std::optional<Millis> timeout) {
    std::vector<std::string> cur = needs;
    if (!st.stages.empty()) {
      for (size_t i = 0; i < st.stages.size(); ++i) {
        auto q = p;
        q.push_back(static_cast<int>(i));
        cur = stage(st.stages[i], q, cur, st.name, timeout);
      }
      return cur;
    }
    std::vector<std::string> ends;
    bool outer = fail_fast;
    fail_fast = fail_fast || st.fail_fast;
    for (size_t i = 0; i < st.parallel.size(); ++i) {
      auto q = p;
      q.push_back(static_cast<int>(i));
      auto e = stage(st.parallel[i], q, needs, st.name, timeout);
      ends.insert(ends.end(), e.begin(), e.end());
    }
    fail_fast = outer;
    return ends;
  }
};

}  // namespace

pipeline::Pipeline to_run_pipeline(const Pipeline& jp, const std::string& path,
                                   const RunSettings& settings) {
  Builder b{jp, path, settings, {}, {}, {}, {}};
  b.out.config_file = path;
  b.out.fail_fast = jp.options.fail_fast;  // parallelsAlwaysFailFast
  std::vector<std::string> needs;
  if (!jp.options.skip_default_checkout && jp.agent.type != "none") {
    pipeline::StageSpec c;
    c.id = "Declarative: Checkout SCM";
    c.kind = "checkout";
    c.description = "Jenkins' implicit checkout scm (skipDefaultCheckout turns it off)";
    c.where = {path, jp.pos.line, jp.pos.col};
    c.timeout = Millis(10 * 60 * 1000);
    b.ids.insert(c.id);
    b.out.stages.push_back(c);
    needs = {c.id};
  }
  for (size_t i = 0; i < jp.stages.size(); ++i)
    needs = b.stage(jp.stages[i], {static_cast<int>(i)}, needs, "", jp.options.timeout);
  if (!b.analysis_stage.empty())
    for (auto& s : b.out.stages)
      if (s.kind == "jenkins")
        s.settings.push_back(b.setting("analysis_stage", yaml_str(b.analysis_stage), {}));
  if (!jp.post.empty()) {
    pipeline::StageSpec s;
    s.id = "post";
    s.kind = "post";
    s.description = "Declarative: Post Actions";
    s.where = {path, jp.post.pos.line, jp.post.pos.col};
    b.common(s, {}, jp.post.pos);
    for (auto& st : s.settings)
      if (st.key == "path") st.value = YAML::Node("post");
    b.out.stages.push_back(std::move(s));
  }
  return b.out;
}

// ---------------------------------------------------------------------------------------------
// import

namespace {

// A YAML double-quoted scalar.
std::string yq(const std::string& s) { return double_quoted(s); }

// The script of `sh(script: '...', returnStdout: true)`, bare or with .trim(): an environment
// value the shell computes the same way with "$(...)" (which drops trailing newlines, as trim
// does at that end). nullopt for anything else.
std::optional<std::string> stdout_script(const NodePtr& n) {
  NodePtr call = n;
  if (call && call->kind == Kind::call && call->text == "trim" && call->target &&
      call->args.empty())
    call = call->target;
  if (!call || call->kind != Kind::call || call->target || call->text != "sh") return std::nullopt;
  const Arg* out = call->named("returnStdout");
  if (!out || !out->value || out->value->text != "true") return std::nullopt;
  const Arg* script = call->named("script");
  std::string text;
  if (!script || !script->value || !script->value->literal(text)) return std::nullopt;
  return text;
}

std::string literal_or_source(const NodePtr& n) {
  std::string s;
  if (n && n->literal(s)) return s;
  if (n && n->kind == Kind::gstring) {
    // ${env.X} and ${X} become the shell's ${X}: the same value at run time.
    std::string out;
    for (const auto& p : n->parts) {
      if (!p.is_expr) {
        out += p.text;
        continue;
      }
      std::string e = p.text;
      if (e.rfind("env.", 0) == 0) e = e.substr(4);
      if (e.rfind("params.", 0) == 0) e = e.substr(7);
      out += "${" + e + "}";
    }
    return out;
  }
  return to_source(n);
}

// A Groovy string as one shell word: a GString in double quotes, so that its ${X} (Groovy's
// variables and env.X, as literal_or_source writes them) expand in the shell as they did in
// Groovy; anything else in single quotes.
std::string shell_word(const NodePtr& n) {
  std::string v = literal_or_source(n);
  if (!n || n->kind != Kind::gstring) return shell_quote(v);
  // Only names the shell can expand: ${currentBuild.number} would be a bad substitution there.
  for (const auto& p : n->parts) {
    if (!p.is_expr) continue;
    std::string e = p.text;
    if (e.rfind("env.", 0) == 0) e = e.substr(4);
    if (e.rfind("params.", 0) == 0) e = e.substr(7);
    bool name = !e.empty() && !std::isdigit(static_cast<unsigned char>(e[0]));
    for (char c : e) name = name && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!name) return shell_quote(v);
  }
  std::string q = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\' || c == '`') q += '\\';
    q += c;
  }
  return q + "\"";
}

// A withEnv entry as the word after `export`: Jenkins' PATH+NAME=dir, which puts dir in front
// of PATH, becomes PATH=dir:$PATH (PATH+NAME is no shell name).
std::string env_word(const NodePtr& n) {
  std::string w = shell_word(n);
  if (w.size() > 7 && (w[0] == '"' || w[0] == '\'') && w.compare(1, 5, "PATH+") == 0) {
    auto eq = w.find('=');
    if (eq != std::string::npos && eq + 1 < w.size()) {
      std::string dir = w.substr(eq + 1, w.size() - eq - 2);  // without the closing quote
      return w[0] == '"' ? "\"PATH=" + dir + ":$PATH\"" : "'PATH=" + dir + ":'\"$PATH\"";
    }
  }
  return w;
}

// `def x = v`, `x = v`, `env.X = v` of a scripted pipeline as a shell assignment, when v is a
// string or sh's output; nullopt for other values.
std::optional<std::string> shell_assignment(const Node& n) {
  std::string name;
  NodePtr value;
  bool env = false;
  if (n.kind == Kind::decl && !n.items.empty()) {
    name = n.text;
    value = n.items[0];
  } else if (n.kind == Kind::assign && n.text == "=" && n.items.size() == 2) {
    const NodePtr& t = n.items[0];
    env = t->kind == Kind::property && t->target && t->target->kind == Kind::ident &&
          t->target->text == "env";
    if (t->kind != Kind::ident && !env) return std::nullopt;
    name = t->text;
    value = n.items[1];
  } else {
    return std::nullopt;
  }
  std::string rhs;
  if (auto script = stdout_script(value))
    rhs = "\"$(" + *script + ")\"";
  else if (value->kind == Kind::string || value->kind == Kind::gstring ||
           value->kind == Kind::number)
    rhs = shell_word(value);
  else
    return std::nullopt;
  return std::string(env ? "export " : "") + name + "=" + rhs;
}

// The lines of a triple-quoted script without their common indentation (as stripIndent()).
std::vector<std::string> dedent(const std::string& text) {
  auto lines = split_lines(text);
  while (!lines.empty() && trim(lines.front()).empty()) lines.erase(lines.begin());
  while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();
  size_t common = std::string::npos;
  for (const auto& l : lines) {
    if (trim(l).empty()) continue;
    common = std::min(common, l.find_first_not_of(" \t"));
  }
  if (common == std::string::npos) common = 0;
  for (auto& l : lines) l = l.size() >= common ? l.substr(common) : std::string(trim(l));
  return lines;
}

struct Importer {
  const Pipeline& jp;
  std::ostringstream body;
  std::vector<std::string> used_builtins;
  std::set<std::string> ids;
  std::vector<std::string> notes;
  bool fail_fast = false;  // inside a parallel with failFast true (see Builder)
  // A scripted pipeline's variables set to strings by the stages so far (shell_assignment), and
  // by the stage being written.
  std::vector<std::string> carried, carried_next;

  std::string id_for(const std::string& name) {
    std::string id;
    slug_into(id, name);
    if (id.empty()) id = "stage";
    std::string base = id;
    for (int k = 2; ids.count(id); ++k) id = base + "-" + std::to_string(k);
    ids.insert(id);
    return id;
  }

  // Shell lines for a block of steps; what cannot be said in shell becomes a comment.
  void shell(const NodePtr& block, std::vector<std::string>& lines, std::vector<std::string>& creds,
             bool& nonblocking, std::vector<std::string>& comments,
             const std::string& indent = "") {
    if (!block) return;
    for (const auto& st : block->items) {
      const Node& n = *st;
      std::string name = n.kind == Kind::call || n.kind == Kind::ident ? n.text : "";
      if (name == "sh") {
        NodePtr s = n.positional(0);
        if (auto* a = n.named("script")) s = a->value;
        for (const auto& l : dedent(literal_or_source(s))) lines.push_back(indent + l);
      } else if (name == "echo") {
        lines.push_back(indent + "echo " + shell_word(n.positional(0)));
      } else if (name == "error") {
        lines.push_back(indent + "echo " + shell_word(n.positional(0)) + " >&2; exit 1");
      } else if (name == "sleep") {
        std::string t = n.positional(0) ? literal_or_source(n.positional(0)) : "";
        if (auto* a = n.named("time")) t = literal_or_source(a->value);
        lines.push_back(indent + "sleep " + t);
      } else if (name == "dir" && n.closure) {
        lines.push_back(indent + "(");
        lines.push_back(indent + "  cd " + shell_word(n.positional(0)));
        shell(n.closure, lines, creds, nonblocking, comments, indent + "  ");
        lines.push_back(indent + ")");
      } else if (name == "withEnv" && n.closure) {
        lines.push_back(indent + "(");
        if (auto l = n.positional(0); l && l->kind == Kind::list)
          for (const auto& e : l->items) lines.push_back(indent + "  export " + env_word(e));
        shell(n.closure, lines, creds, nonblocking, comments, indent + "  ");
        lines.push_back(indent + ")");
      } else if (name == "withCredentials" && n.closure) {
        if (auto l = n.positional(0); l && l->kind == Kind::list)
          for (const auto& b : l->items) {
            std::string id;
            if (auto* a = b->named("credentialsId"); a && a->value->literal(id)) {
              creds.push_back(id);
              comments.push_back("withCredentials(" + id +
                                 "): the Jenkinsfile's variable names are "
                                 "pipewright's " +
                                 pipeline::credential_env_name(id, "") +
                                 "/<ID>_<FIELD> names here");
            }
          }
        shell(n.closure, lines, creds, nonblocking, comments, indent);
      } else if ((name == "catchError" || name == "warnError") && n.closure) {
        nonblocking = true;
        shell(n.closure, lines, creds, nonblocking, comments, indent);
      } else if ((name == "timeout" || name == "retry" || name == "script" ||
                  name == "timestamps" || name == "ansiColor" || name == "withSonarQubeEnv" ||
                  name == "node") &&
                 n.closure) {
        if (name == "timeout" || name == "retry")
          comments.push_back(name + " around steps applies to the whole stage here");
        shell(n.closure, lines, creds, nonblocking, comments, indent);
      } else if (auto a = jp.scripted ? shell_assignment(n) : std::nullopt) {
        // A scripted pipeline's variables are the whole build's: later stages' scripts start
        // with those set to strings (a command's output is not run again).
        lines.push_back(indent + *a);
        if (!stdout_script(n.kind == Kind::decl ? n.items[0] : n.items[1]))
          carried_next.push_back(*a);
      } else if (name == "checkout" || name == "deleteDir" || name == "cleanWs") {
        comments.push_back(name + ": pipewright's checkout gives each build a fresh workspace");
      } else {
        comments.push_back("not carried over: `" + to_source(st).substr(0, 70) + "`");
      }
    }
  }

  void stage(const Stage& st, const std::vector<std::string>& needs, std::vector<std::string>& ends,
             std::optional<Millis> timeout) {
    if (st.options.timeout) timeout = st.options.timeout;
    if (!st.steps) {
      std::vector<std::string> cur = needs;
      if (!st.stages.empty()) {
        for (const auto& c : st.stages) {
          std::vector<std::string> e;
          stage(c, cur, e, timeout);
          cur = e;
        }
        ends.insert(ends.end(), cur.begin(), cur.end());
      } else {
        bool outer = fail_fast;
        fail_fast = fail_fast || st.fail_fast;
        for (const auto& c : st.parallel) stage(c, needs, ends, timeout);
        fail_fast = outer;
      }
      if (!st.when.empty() || !st.environment.empty())
        notes.push_back("stage \"" + st.name +
                        "\": its when/environment apply to its nested stages in the Jenkinsfile; "
                        "set them on each stage here");
      if (!st.post.empty())
        notes.push_back(
            "stage \"" + st.name +
            "\": its post { } block did not carry over (pipewright's post is pipeline-wide)");
      return;
    }
    auto b = builtins_of(st);
    std::string kind;
    for (const char* k : {"quality-gate", "analysis", "dependency-scan"})
      if (std::find(b.begin(), b.end(), k) != b.end()) kind = k;
    std::string id = kind.empty() ? id_for(st.name) : kind;
    if (!kind.empty() && ids.count(kind)) id = id_for(st.name), kind.clear();
    ids.insert(id);
    if (!kind.empty()) used_builtins.push_back(kind);
    std::vector<std::string> lines, creds, comments;
    bool nonblocking = false;
    if (kind.empty()) {
      lines = carried;
      shell(st.steps, lines, creds, nonblocking, comments);
      if (lines.size() == carried.size()) lines.clear();  // nothing of its own: `true` below
      carried.insert(carried.end(), carried_next.begin(), carried_next.end());
      carried_next.clear();
    }
    // The pipeline's environment first (pipewright has no pipeline-wide env), then the stage's.
    // Values that use other variables (VENV = "${WORKSPACE}/.venv") are exported at the top of
    // the script, where the shell expands them as Groovy did; plain ones go in env:.
    std::vector<EnvEntry> envs = jp.environment;
    envs.insert(envs.end(), st.environment.begin(), st.environment.end());
    std::vector<std::pair<std::string, std::string>> plain;
    std::vector<std::string> exports;
    for (const auto& e : envs) {
      if (!e.credential.empty()) {
        // Bound under pipewright's <ID>_<FIELD> names, not the Jenkinsfile's X_USR/X_PSW.
        if (kind.empty() && contains(to_source(st.steps), e.name)) creds.push_back(e.credential);
        continue;
      }
      if (auto script = stdout_script(e.value)) {
        exports.push_back("export " + e.name + "=\"$(" + *script + ")\"");
        continue;
      }
      std::string v = literal_or_source(e.value);
      if (contains(v, "$")) {
        std::string q;
        for (char c : v) {
          if (c == '"' || c == '\\' || c == '`') q += '\\';
          q += c;
        }
        exports.push_back("export " + e.name + "=\"" + q + "\"");
      } else {
        plain.emplace_back(e.name, v);
      }
    }
    if (kind.empty()) lines.insert(lines.begin(), exports.begin(), exports.end());
    body << "  " << id << ":\n";
    body << "    description: " << yq(st.name) << "\n";
    for (const auto& c : comments) body << "    # " << c << "\n";
    if (kind.empty()) {
      if (lines.empty()) lines.push_back("true");
      body << "    run: |\n";
      for (const auto& l : lines) body << "      " << l << "\n";
    }
    std::vector<std::string> n = needs;
    if (!kind.empty() || !n.empty()) {
      body << "    needs: [";
      for (size_t i = 0; i < n.size(); ++i) body << (i ? ", " : "") << n[i];
      body << "]\n";
    }
    if (nonblocking) body << "    blocking: false\n";
    if (fail_fast) body << "    fail_fast: true\n";
    if (timeout) body << "    timeout: " << duration_to_yaml(*timeout) << "\n";
    if (st.options.retry) body << "    retry: " << st.options.retry << "\n";
    if (!plain.empty() && kind.empty()) {
      body << "    env:\n";
      for (const auto& [k, v] : plain) body << "      " << k << ": " << yq(v) << "\n";
    }
    if (!creds.empty()) {
      std::sort(creds.begin(), creds.end());
      creds.erase(std::unique(creds.begin(), creds.end()), creds.end());
      body << "    credentials: [" << join(creds, ", ") << "]\n";
    }
    when(st.when, st.name);
    if (kind == "dependency-scan") {
      collect_steps(st.steps, [&](const Node& s) {
        if (s.kind != Kind::call || s.text != "dependencyCheckPublisher") return;
        for (const auto& [k, sev] :
             std::vector<std::pair<std::string, std::string>>{{"failedTotalLow", "low"},
                                                              {"failedTotalMedium", "medium"},
                                                              {"failedTotalHigh", "high"},
                                                              {"failedTotalCritical", "critical"}})
          if (s.named(k)) {
            body << "    fail_on: " << sev << "\n";
            break;
          }
      });
    }
    if (!st.post.empty())
      notes.push_back(
          "stage \"" + st.name +
          "\": its post { } block did not carry over (pipewright's post is pipeline-wide)");
    if (st.agent.container())
      notes.push_back("stage \"" + st.name + "\": agent " + st.agent.type +
                      " did not carry over (set export.image for CI, or use the Jenkinsfile with "
                      "pipewright run --jenkinsfile)");
    ends.push_back(id);
  }

  void when(const When& w, const std::string& name) {
    std::string branch;
    std::vector<std::string> changes;
    for (const auto& c : w.conditions) {
      if (c.kind == "branch" && c.comparator == "GLOB")
        branch = c.pattern;
      else if (c.kind == "changeset" && c.comparator == "GLOB")
        changes.push_back(c.pattern);
      else
        notes.push_back("stage \"" + name + "\": when " + c.kind + " did not carry over");
    }
    if (branch.empty() && changes.empty()) return;
    body << "    when:\n";
    if (!branch.empty()) body << "      branch: " << yq(branch) << "\n";
    if (!changes.empty()) {
      body << "      changes: [";
      for (size_t i = 0; i < changes.size(); ++i) body << (i ? ", " : "") << yq(changes[i]);
      body << "]\n";
    }
  }
};

}  // namespace

std::string to_pipewright_yaml(const Pipeline& jp, const std::string& source_name) {
  Importer im{jp, {}, {}, {}, {}};
  im.ids.insert("checkout");
  // A scripted pipeline checks out with a `checkout scm` step: pipewright's checkout stage then.
  bool checkout = !jp.options.skip_default_checkout;
  if (jp.scripted)
    each_block(jp, [&](const NodePtr& b) {
      collect_steps(b, [&](const Node& s) {
        if (s.kind == Kind::call && s.text == "checkout" && s.positional(0) &&
            s.positional(0)->text == "scm")
          checkout = true;
      });
    });
  std::vector<std::string> needs = {};
  if (checkout) needs = {"checkout"};
  std::vector<std::string> ends;
  for (const auto& s : jp.stages) {
    ends.clear();
    im.stage(s, needs, ends, jp.options.timeout);
    needs = ends;
  }
  std::ostringstream o;
  o << "# Imported from " << source_name << " by `pipewright import jenkinsfile`.\n"
    << "# Stages keep the Jenkinsfile's order (needs); the names are in each description.\n";
  for (const auto& n : jp.options.notes) o << "# options: " << n << "\n";
  for (const auto& n : jp.notes) o << "# " << n << "\n";
  for (const auto& n : im.notes) o << "# " << n << "\n";
  if (!jp.parameters.empty()) {
    o << "# parameters become environment variables with their defaults:";
    for (const auto& p : jp.parameters) o << " " << p.name << "=" << p.default_value;
    o << "\n";
  }
  o << "version: 1\n";
  if (jp.options.fail_fast) o << "fail_fast: true  # parallelsAlwaysFailFast\n";
  o << "stages:\n";
  // The built-in default pipeline is under every pipewright.yaml: its stages the Jenkinsfile
  // does not have are turned off, so the file runs what the Jenkinsfile ran.
  auto defaults = pipeline::load_pipeline({});
  std::set<std::string> keep(im.used_builtins.begin(), im.used_builtins.end());
  if (checkout) keep.insert("checkout");
  if (!jp.post.empty()) keep.insert("post");
  for (const auto& s : defaults.stages) {
    if (keep.count(s.id) || im.ids.count(s.id)) continue;
    o << "  " << s.id << ": {enabled: false}\n";
  }
  if (!checkout) o << "  checkout: {enabled: false}\n";
  // Pipeline-level environment goes on every stage: pipewright has no pipeline-wide env.
  std::string b = im.body.str();
  o << b;
  if (!jp.post.empty()) {
    o << "  post:\n";
    for (const auto& [cond, block] : jp.post.conditions) {
      std::vector<std::string> lines, creds, comments, archive;
      bool nb = false;
      for (const auto& st : block->items)
        if (st->kind == Kind::call && st->text == "archiveArtifacts") {
          NodePtr a = st->positional(0);
          if (auto* x = st->named("artifacts")) a = x->value;
          archive.push_back(literal_or_source(a));
        }
      im.shell(block, lines, creds, nb, comments);
      for (const auto& c : comments)
        if (!contains(c, "archiveArtifacts")) o << "    # " << cond << ": " << c << "\n";
      if (cond == "notBuilt") {
        o << "    # notBuilt has no pipewright equivalent\n";
        continue;
      }
      if (!lines.empty()) {
        o << "    " << cond << ":\n";
        for (const auto& l : lines) o << "      - " << yq(l) << "\n";
      }
      if (!archive.empty()) {
        o << "    archive: [";
        for (size_t i = 0; i < archive.size(); ++i) o << (i ? ", " : "") << yq(archive[i]);
        o << "]\n";
      }
    }
  }
  if (!jp.environment.empty()) {
    o << "# pipeline environment (set on every run: stage; credentials() on the stages that use "
         "them, "
         "under pipewright's <ID>_<FIELD> names):";
    for (const auto& e : jp.environment)
      o << " " << e.name << "="
        << (e.credential.empty() ? literal_or_source(e.value)
                                 : "credentials(" + e.credential + ")");
    o << "\n";
  }
  return o.str();
}

}  // namespace pw::jenkinsfile
