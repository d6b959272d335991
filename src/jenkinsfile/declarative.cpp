// From the Groovy tree to the Declarative model, with the plugin validator's checks. Problems
// are collected (not thrown one by one) so a user sees every mistake of a file at once.
#include "jenkinsfile/declarative.h"

#include <algorithm>
#include <functional>
#include <set>
#include <sstream>

#include "util/fs.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::jenkinsfile {

namespace {

const std::vector<std::string> kPipelineSections = {
    "agent", "environment", "options", "parameters", "stages",
    "post",  "triggers",    "tools",   "libraries",  "input"};
const std::vector<std::string> kStageSections = {"agent", "environment", "options",  "when",
                                                 "steps", "stages",      "parallel", "matrix",
                                                 "post",  "tools",       "input",    "failFast"};
const std::vector<std::string> kPostConditions = {
    "always",       "changed",  "fixed",   "regression", "aborted", "success",
    "unsuccessful", "unstable", "failure", "notBuilt",   "cleanup"};
const std::vector<std::string> kAgentTypes = {"any",   "docker", "dockerfile",
                                              "label", "none",   "node"};
const std::vector<std::string> kOptions = {"timeout",
                                           "retry",
                                           "timestamps",
                                           "skipDefaultCheckout",
                                           "disableConcurrentBuilds",
                                           "buildDiscarder",
                                           "ansiColor",
                                           "quietPeriod",
                                           "checkoutToSubdirectory",
                                           "preserveStashes",
                                           "parallelsAlwaysFailFast",
                                           "skipStagesAfterUnstable",
                                           "newContainerPerStage",
                                           "durabilityHint",
                                           "overrideIndexTriggers",
                                           "disableResume",
                                           "copyArtifactPermission",
                                           "disableRestartFromStage",
                                           "rateLimitBuilds",
                                           "githubProjectProperty"};
const std::vector<std::string> kParameterTypes = {"string", "text", "booleanParam", "choice",
                                                  "password"};
const std::vector<std::string> kWhenConditions = {
    "branch",      "environment", "changeset",     "expression",  "not",           "allOf",
    "anyOf",       "equals",      "tag",           "buildingTag", "changeRequest", "triggeredBy",
    "beforeAgent", "beforeInput", "beforeOptions", "changelog",   "isRestartedRun"};

std::string quoted_list(const std::vector<std::string>& v) { return "[" + join(v, ", ") + "]"; }

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  Pipeline read(const NodePtr& root) {
    Pipeline p;
    p.file = file_;
    const Node* pipeline = nullptr;
    for (const auto& st : root->items) {
      if (st->kind == Kind::call && st->text == "pipeline" && !st->target) {
        if (pipeline) err(st->pos, "a second pipeline { } block: a Jenkinsfile has exactly one");
        pipeline = st.get();
        continue;
      }
      if (st->kind == Kind::call &&
          (st->text == "node" || st->text == "parallel" || st->text == "stage" ||
           st->text == "timestamps" || st->text == "properties")) {
        err(st->pos, "this is a scripted pipeline (`" + st->text +
                         (st->text == "node" ? " { }" : "") +
                         "` at the top level): only declarative is supported (a pipeline { } block "
                         "with agent and stages)");
        continue;
      }
      if (st->kind == Kind::keyword && (st->text == "@" || st->text == "import")) {
        p.notes.push_back(
            to_source(st->items.empty() ? st : st->items[0]) +
            ": shared libraries and imports are Groovy that pipewright does not load");
        continue;
      }
      err(st->pos, "only declarative is supported: `" + short_source(st) +
                       "` outside pipeline { } is scripted Groovy");
    }
    if (!pipeline) {
      if (diags_.empty())
        err({1, 1}, "no pipeline { } block: only declarative Jenkinsfiles are supported");
      throw ConfigError(diags_);
    }
    p.pos = pipeline->pos;
    if (!pipeline->closure)
      err(pipeline->pos, "pipeline needs a block: pipeline { ... }");
    else
      read_pipeline(*pipeline, p);
    if (!diags_.empty()) throw ConfigError(diags_);
    return p;
  }

 private:
  void err(Pos p, std::string msg) { diags_.push_back({file_, p.line, p.col, std::move(msg)}); }

  static std::string short_source(const NodePtr& n) {
    std::string s = to_source(n);
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
  }

  // A statement that must be a section call (name { } or name args).
  const Node* section(const NodePtr& st, const char* where) {
    if (st->kind == Kind::call && !st->target) return st.get();
    if (st->kind == Kind::ident) return st.get();  // `timestamps` without parentheses
    err(st->pos,
        std::string("expected a section inside ") + where + ", found `" + short_source(st) + "`");
    return nullptr;
  }

  void unknown(Pos p, const std::string& what, const std::string& name,
               const std::vector<std::string>& valid, const std::string& extra = "") {
    std::string best = closest_match(name, valid);
    err(p, what + " \"" + name + "\"" + extra +
               (best.empty() ? " (valid: " + join(valid, ", ") + ")"
                             : "; did you mean \"" + best + "\"?"));
  }

  bool need_block(const Node& n, const std::string& what) {
    if (n.closure) return true;
    err(n.pos, "Expected a block for " + what + " (" + what + " { ... })");
    return false;
  }

  std::string str(const NodePtr& v, const std::string& what) {
    std::string s;
    if (v && v->literal(s)) return s;
    if (v && v->kind == Kind::gstring) return to_source(v);  // interpolated later
    err(v ? v->pos : Pos{}, what + " must be a string");
    return {};
  }

  void read_pipeline(const Node& pl, Pipeline& p) {
    bool has_agent = false, has_stages = false;
    std::set<std::string> seen;
    for (const auto& st : pl.closure->items) {
      const Node* s = section(st, "pipeline");
      if (!s) continue;
      const std::string& name = s->text;
      if (std::find(kPipelineSections.begin(), kPipelineSections.end(), name) ==
          kPipelineSections.end()) {
        if (name == "steps" || name == "stage")
          err(s->pos,
              "\"" + name +
                  "\" belongs inside stages { stage('name') { ... } }, not directly in pipeline");
        else if (name == "node")
          err(s->pos, "`node` is scripted pipeline: only declarative is supported (use agent)");
        else
          unknown(s->pos, "Undefined section", name, kPipelineSections);
        continue;
      }
      if (!seen.insert(name).second) {
        err(s->pos, "Multiple occurrences of the " + name + " section");
        continue;
      }
      if (name == "agent") {
        has_agent = true;
        p.agent = read_agent(*s);
      } else if (name == "environment") {
        p.environment = read_environment(*s);
      } else if (name == "options") {
        read_options(*s, p.options, true);
      } else if (name == "parameters") {
        read_parameters(*s, p.parameters);
      } else if (name == "stages") {
        has_stages = true;
        if (need_block(*s, "stages")) p.stages = read_stages(*s, 0);
      } else if (name == "post") {
        p.post = read_post(*s);
      } else {
        p.notes.push_back(name + " { } has no meaning in a local run (left out)");
      }
    }
    if (!has_agent) err(pl.pos, "Missing required section \"agent\"");
    if (!has_stages) err(pl.pos, "Missing required section \"stages\"");
  }

  Agent read_agent(const Node& s) {
    Agent a;
    a.pos = s.pos;
    if (s.closure) {
      if (s.closure->items.size() != 1) {
        err(s.pos, "agent { } takes exactly one agent type: one of " + quoted_list(kAgentTypes));
        return a;
      }
      const auto& inner = s.closure->items[0];
      const Node* t = section(inner, "agent");
      if (!t) return a;
      a.type = t->text;
      if (a.type == "label") {
        a.label = t->positional(0) ? str(t->positional(0), "label") : "";
      } else if (a.type == "node") {
        if (t->closure)
          for (const auto& n : t->closure->items)
            if (n->kind == Kind::call && n->text == "label" && n->positional(0))
              a.label = str(n->positional(0), "label");
      } else if (a.type == "docker") {
        if (t->positional(0)) a.image = str(t->positional(0), "docker image");
        if (auto* i = t->named("image")) a.image = str(i->value, "docker image");
        if (auto* i = t->named("args")) a.args = str(i->value, "docker args");
        if (t->closure) docker_fields(*t->closure, a);
        if (a.image.empty())
          err(t->pos, "agent docker needs an image: docker { image 'python:3.12' }");
      } else if (a.type == "dockerfile") {
        a.dockerfile = "Dockerfile";
        if (auto v = t->positional(0)) {
          std::string b;
          if (!(v->literal(b) && b == "true")) err(v->pos, "dockerfile takes true or a block");
        }
        if (t->closure) docker_fields(*t->closure, a);
      } else if (a.type == "any" || a.type == "none") {
        // nothing more
      } else if (a.type == "kubernetes") {
        err(t->pos,
            "agent kubernetes needs a Kubernetes cluster (kubernetes plugin); the nearest local "
            "equivalent is agent { docker { image '...' } }");
      } else {
        unknown(t->pos, "Invalid agent type", a.type, kAgentTypes, " specified");
      }
      return a;
    }
    auto v = s.positional(0);
    if (!v || (v->kind != Kind::ident && v->kind != Kind::string)) {
      err(s.pos,
          "agent needs a type: agent any, agent none, or agent { label '...' | docker { ... } | "
          "dockerfile true }");
      return a;
    }
    a.type = v->text;
    if (a.type != "any" && a.type != "none")
      unknown(v->pos, "Invalid agent type", a.type, {"any", "none"}, " specified");
    return a;
  }

  void docker_fields(const Node& c, Agent& a) {
    for (const auto& n : c.items) {
      const Node* f = section(n, "the docker agent");
      if (!f) continue;
      auto v = f->positional(0);
      if (f->text == "image")
        a.image = str(v, "image");
      else if (f->text == "args")
        a.args = str(v, "args");
      else if (f->text == "label")
        a.label = str(v, "label");
      else if (f->text == "filename")
        a.dockerfile = str(v, "filename");
      else if (f->text == "dir")
        a.dir = str(v, "dir");
      else if (f->text == "additionalBuildArgs")
        a.additional_build_args = str(v, "additionalBuildArgs");
      else if (f->text == "reuseNode")
        a.reuse_node = v && v->text == "true";
      else if (f->text == "registryUrl" || f->text == "registryCredentialsId" ||
               f->text == "customWorkspace" || f->text == "alwaysPull") {
      } else {
        unknown(f->pos, "Invalid docker agent option", f->text,
                {"image", "args", "label", "filename", "dir", "additionalBuildArgs", "reuseNode",
                 "registryUrl", "registryCredentialsId", "customWorkspace", "alwaysPull"});
      }
    }
  }

  std::vector<EnvEntry> read_environment(const Node& s) {
    std::vector<EnvEntry> out;
    if (!need_block(s, "environment")) return out;
    std::set<std::string> names;
    for (const auto& st : s.closure->items) {
      if (st->kind != Kind::assign || st->items[0]->kind != Kind::ident) {
        err(st->pos, "environment takes NAME = value lines, found `" + short_source(st) + "`");
        continue;
      }
      EnvEntry e;
      e.name = st->items[0]->text;
      e.pos = st->items[0]->pos;
      e.value = st->items[1];
      if (!names.insert(e.name).second)
        err(e.pos, "Duplicate environment variable name: \"" + e.name + "\"");
      auto& v = e.value;
      if (v->kind == Kind::call && v->text == "credentials") {
        std::string id;
        if (v->positional_count() != 1 || !v->positional(0)->literal(id))
          err(v->pos, "credentials() takes one credential id: credentials('my-id')");
        e.credential = id;
      } else if (!(v->kind == Kind::string || v->kind == Kind::gstring || v->kind == Kind::number ||
                   v->kind == Kind::boolean || v->kind == Kind::call || v->kind == Kind::property ||
                   v->kind == Kind::binary)) {
        err(v->pos,
            "Environment variable values must either be single quoted, double quoted, or function "
            "calls.");
      }
      out.push_back(std::move(e));
    }
    return out;
  }

  std::optional<Millis> read_timeout(const Node& n) {
    long long t = -1;
    std::string unit = "MINUTES";
    auto num = [&](const NodePtr& v) {
      std::string s;
      // Up to a year in seconds' worth of any unit: a larger number is a typo, not a timeout.
      if (v && v->literal(s) && !s.empty() && std::all_of(s.begin(), s.end(), ::isdigit))
        if (auto t = parse_int(s, 0, 31'536'000).opt()) return *t;
      err(v ? v->pos : n.pos, "timeout's time must be a whole number up to 31536000");
      return -1LL;
    };
    if (auto* a = n.named("time"))
      t = num(a->value);
    else if (auto v = n.positional(0))
      t = num(v);
    if (auto* a = n.named("unit")) {
      if (!a->value->literal(unit)) unit = a->value->text;  // unit: MINUTES without quotes
    }
    if (t < 0) {
      err(n.pos, "timeout needs a time: timeout(time: 10, unit: 'MINUTES')");
      return std::nullopt;
    }
    static const std::map<std::string, long long> ms = {
        {"NANOSECONDS", 0}, {"MICROSECONDS", 0}, {"MILLISECONDS", 1}, {"SECONDS", 1000},
        {"MINUTES", 60000}, {"HOURS", 3600000},  {"DAYS", 86400000}};
    auto it = ms.find(unit);
    if (it == ms.end()) {
      std::vector<std::string> units;
      for (const auto& [k, _] : ms) units.push_back(k);
      unknown(n.pos, "Invalid timeout unit", unit, units);
      return std::nullopt;
    }
    return Millis(std::max(1LL, t * it->second));
  }

  void read_options(const Node& s, Options& o, bool top) {
    if (!need_block(s, "options")) return;
    for (const auto& st : s.closure->items) {
      const Node* n = section(st, "options");
      if (!n) continue;
      const std::string& k = n->text;
      if (k == "timeout") {
        o.timeout = read_timeout(*n);
        o.timeout_pos = n->pos;
      } else if (k == "retry") {
        std::string c;
        auto v = n->positional(0);
        if (auto* a = n->named("count")) v = a->value;
        auto count = v && v->literal(c) ? parse_int(c, 1, 1000).opt() : std::nullopt;
        if (!count)
          err(n->pos, "retry takes a count from 1 to 1000: retry(3)");
        else
          o.retry = static_cast<int>(*count) - 1;  // Jenkins counts the first attempt
      } else if (k == "timestamps") {
        o.timestamps = true;
      } else if (k == "skipDefaultCheckout") {
        auto v = n->positional(0);
        o.skip_default_checkout = !v || v->text != "false";
      } else if (k == "disableConcurrentBuilds") {
        o.disable_concurrent = true;
      } else if (k == "parallelsAlwaysFailFast") {
        o.fail_fast = true;
      } else if (std::find(kOptions.begin(), kOptions.end(), k) != kOptions.end()) {
        o.notes.push_back(k + ": no effect in a local run (" +
                          (k == "buildDiscarder"
                               ? std::string("pipewright keeps builds until `pipewright cache "
                                             "prune`/deleting .pipewright/builds")
                               : std::string("a Jenkins server setting")) +
                          ")");
      } else {
        unknown(n->pos, "Invalid option type", k, kOptions);
      }
      (void)top;
    }
  }

  void read_parameters(const Node& s, std::vector<Parameter>& out) {
    if (!need_block(s, "parameters")) return;
    for (const auto& st : s.closure->items) {
      const Node* n = section(st, "parameters");
      if (!n) continue;
      if (std::find(kParameterTypes.begin(), kParameterTypes.end(), n->text) ==
          kParameterTypes.end()) {
        unknown(n->pos, "Invalid parameter type", n->text, kParameterTypes);
        continue;
      }
      Parameter p;
      p.type = n->text;
      p.pos = n->pos;
      auto get = [&](const char* key) -> std::string {
        auto* a = n->named(key);
        std::string v;
        if (a && !a->value->literal(v)) err(a->value->pos, std::string(key) + " must be a literal");
        return v;
      };
      p.name = get("name");
      if (p.name.empty()) err(n->pos, "a parameter needs a name: " + p.type + "(name: 'X', ...)");
      p.description = get("description");
      p.default_value = get("defaultValue");
      if (p.type == "booleanParam" && p.default_value.empty()) p.default_value = "false";
      if (p.type == "choice") {
        if (auto* a = n->named("choices")) {
          if (a->value->kind == Kind::list) {
            for (const auto& it : a->value->items) {
              std::string c;
              if (it->literal(c)) p.choices.push_back(c);
            }
          } else {
            std::string c;
            if (a->value->literal(c)) p.choices = split_lines(c);
          }
        }
        if (p.choices.empty())
          err(n->pos, "choice needs choices: choice(name: 'X', choices: ['a', 'b'])");
        else
          p.default_value = p.choices[0];  // Jenkins' default is the first choice
      }
      out.push_back(std::move(p));
    }
  }

  std::vector<Stage> read_stages(const Node& s, int depth) {
    std::vector<Stage> out;
    std::set<std::string> names;
    for (const auto& st : s.closure->items) {
      if (!(st->kind == Kind::call && st->text == "stage" && !st->target)) {
        const Node* n = section(st, "stages");
        if (n && n->text == "steps")
          err(n->pos, "steps must be inside a stage: stages { stage('name') { steps { ... } } }");
        else if (n)
          unknown(n->pos, "Unknown section inside stages:", n->text, {"stage"},
                  " (stages holds stage('name') { ... } blocks)");
        continue;
      }
      Stage stage = read_stage(*st, depth);
      if (!stage.name.empty() && !names.insert(stage.name).second)
        err(st->pos, "Duplicate stage name: \"" + stage.name + "\"");
      out.push_back(std::move(stage));
    }
    if (out.empty() && diags_.empty()) err(s.pos, "No stages specified");
    return out;
  }

  Stage read_stage(const Node& n, int depth) {
    Stage stage;
    stage.pos = n.pos;
    if (depth > 64) {
      err(n.pos, "stages nested more than 64 levels deep");
      return stage;
    }
    std::string name;
    if (n.positional_count() != 1 || !n.positional(0)->literal(name) || name.empty())
      err(n.pos, "stage needs a name: stage('Build') { ... }");
    stage.name = name;
    if (!n.closure) {
      err(n.pos, "Expected a block for stage \"" + name + "\"");
      return stage;
    }
    int bodies = 0;
    std::set<std::string> seen;
    for (const auto& st : n.closure->items) {
      const Node* s = section(st, ("stage \"" + name + "\"").c_str());
      if (!s) continue;
      const std::string& k = s->text;
      if (std::find(kStageSections.begin(), kStageSections.end(), k) == kStageSections.end()) {
        unknown(s->pos, "Unknown stage section", k, kStageSections,
                ". Starting with version 0.5, steps in a stage must be in a 'steps' block");
        continue;
      }
      if (!seen.insert(k).second) {
        err(s->pos, "Multiple occurrences of the " + k + " section in stage \"" + name + "\"");
        continue;
      }
      if (k == "steps") {
        ++bodies;
        if (need_block(*s, "steps")) {
          stage.steps = s->closure;
          if (s->closure->items.empty())
            err(s->pos, "No steps specified for stage \"" + name + "\"");
        }
      } else if (k == "stages") {
        ++bodies;
        if (need_block(*s, "stages")) stage.stages = read_stages(*s, depth + 1);
      } else if (k == "parallel") {
        ++bodies;
        if (need_block(*s, "parallel")) {
          stage.parallel = read_stages(*s, depth + 1);
          for (const auto& c : stage.parallel)
            if (!c.parallel.empty() && diags_.size() < 100)
              err(c.pos,
                  "Parallel stages or branches can only be included in a top-level stage "
                  "(stage \"" +
                      c.name + "\" is already a parallel branch; nest it in stages { } instead)");
        }
      } else if (k == "matrix") {
        ++bodies;
        if (need_block(*s, "matrix")) read_matrix(*s, stage, depth);
      } else if (k == "agent") {
        stage.agent = read_agent(*s);
      } else if (k == "environment") {
        stage.environment = read_environment(*s);
      } else if (k == "options") {
        read_options(*s, stage.options, false);
        stage.options_pos = s->pos;
      } else if (k == "when") {
        read_when(*s, stage.when);
      } else if (k == "post") {
        stage.post = read_post(*s);
      } else if (k == "failFast") {
        auto v = s->positional(0);
        stage.fail_fast = v && v->text == "true";
      } else if (k == "input") {
        stage.input = st;
      } else if (k == "tools") {
        if (s->closure)
          for (const auto& t : s->closure->items) stage.tools.push_back(short_source(t));
      }
    }
    if (bodies > 1)
      err(n.pos,
          "Only one of \"matrix\", \"parallel\", \"stages\", or \"steps\" allowed for stage \"" +
              name + "\"");
    else if (bodies == 0)
      err(n.pos, "Nothing to execute within stage \"" + name +
                     "\" (it needs steps, stages, parallel or matrix)");
    if (stage.fail_fast && stage.parallel.empty() && !stage.matrix)
      err(n.pos, "failFast is only for a stage with parallel or matrix (stage \"" + name + "\")");
    return stage;
  }

  void read_matrix(const Node& s, Stage& stage, int depth) {
    auto m = std::make_shared<Matrix>();
    m->pos = s.pos;
    for (const auto& st : s.closure->items) {
      const Node* n = section(st, "matrix");
      if (!n) continue;
      if (n->text == "axes") {
        if (!need_block(*n, "axes")) continue;
        for (const auto& ax : n->closure->items) {
          if (!(ax->kind == Kind::call && ax->text == "axis" && ax->closure)) {
            err(ax->pos, "axes holds axis { name 'X'; values 'a', 'b' } blocks");
            continue;
          }
          MatrixAxis a;
          for (const auto& f : ax->closure->items) {
            if (f->kind != Kind::call) continue;
            if (f->text == "name" && f->positional(0)) a.name = str(f->positional(0), "axis name");
            if (f->text == "values")
              for (const auto& arg : f->args) a.values.push_back(str(arg.value, "axis value"));
          }
          if (a.name.empty() || a.values.empty()) err(ax->pos, "an axis needs a name and values");
          m->axes.push_back(std::move(a));
        }
      } else if (n->text == "excludes") {
        if (!need_block(*n, "excludes")) continue;
        for (const auto& ex : n->closure->items) {
          if (!(ex->kind == Kind::call && ex->text == "exclude" && ex->closure)) continue;
          MatrixExclude e;
          for (const auto& ax : ex->closure->items) {
            if (!(ax->kind == Kind::call && ax->text == "axis" && ax->closure)) continue;
            std::string name;
            std::vector<std::string> vals;
            bool negate = false;
            for (const auto& f : ax->closure->items) {
              if (f->kind != Kind::call) continue;
              if (f->text == "name" && f->positional(0)) name = str(f->positional(0), "axis name");
              if (f->text == "values" || f->text == "notValues") {
                negate = f->text == "notValues";
                for (const auto& arg : f->args) vals.push_back(str(arg.value, "axis value"));
              }
            }
            e.axes.emplace_back(name, vals, negate);
          }
          m->excludes.push_back(std::move(e));
        }
      } else if (n->text == "stages") {
        if (need_block(*n, "stages")) m->stages = read_stages(*n, depth + 1);
      } else if (n->text == "agent") {
        stage.agent = read_agent(*n);
      } else if (n->text == "environment") {
        stage.environment = read_environment(*n);
      } else if (n->text == "when") {
        read_when(*n, stage.when);
      } else if (n->text == "post") {
        stage.post = read_post(*n);
      } else if (n->text == "options") {
        read_options(*n, stage.options, false);
      } else {
        unknown(n->pos, "Unknown matrix section", n->text,
                {"axes", "excludes", "stages", "agent", "environment", "when", "post", "options"});
      }
    }
    if (m->axes.empty()) err(s.pos, "matrix needs axes { axis { ... } }");
    if (m->stages.empty()) err(s.pos, "matrix needs stages { ... }");
    // Cells: the cross product minus the excludes, each a parallel branch running the stages.
    std::vector<std::vector<std::pair<std::string, std::string>>> cells = {{}};
    for (const auto& a : m->axes) {
      std::vector<std::vector<std::pair<std::string, std::string>>> next;
      for (const auto& c : cells)
        for (const auto& v : a.values) {
          auto d = c;
          d.emplace_back(a.name, v);
          next.push_back(std::move(d));
        }
      cells = std::move(next);
      if (cells.size() > 256) {
        err(s.pos, "matrix has more than 256 cells");
        return;
      }
    }
    for (const auto& c : cells) {
      bool excluded = false;
      for (const auto& e : m->excludes) {
        bool all = !e.axes.empty();
        for (const auto& [name, vals, negate] : e.axes) {
          std::string v;
          for (const auto& [an, av] : c)
            if (an == name) v = av;
          bool in = std::find(vals.begin(), vals.end(), v) != vals.end();
          if (in == negate) all = false;
        }
        excluded |= all;
      }
      if (excluded) continue;
      Stage cell;
      std::vector<std::string> label;
      for (const auto& [an, av] : c) {
        label.push_back(an + " = '" + av + "'");
        EnvEntry e;
        e.name = an;
        auto v = std::make_shared<Node>();
        v->kind = Kind::string;
        v->text = av;
        v->pos = m->pos;
        e.value = v;
        e.pos = m->pos;
        cell.environment.push_back(std::move(e));
      }
      cell.name = "Matrix - " + join(label, ", ");
      cell.pos = m->pos;
      cell.stages = m->stages;
      stage.parallel.push_back(std::move(cell));
    }
    stage.matrix = m;
  }

  void read_when(const Node& s, When& w) {
    w.pos = s.pos;
    if (!need_block(s, "when")) return;
    for (const auto& st : s.closure->items) {
      const Node* n = section(st, "when");
      if (!n) continue;
      if (n->text == "beforeAgent" || n->text == "beforeInput" || n->text == "beforeOptions") {
        bool v = n->positional(0) && n->positional(0)->text == "true";
        (n->text == "beforeAgent"   ? w.before_agent
         : n->text == "beforeInput" ? w.before_input
                                    : w.before_options) = v;
        continue;
      }
      if (auto c = condition(*n)) w.conditions.push_back(std::move(*c));
    }
    if (w.conditions.empty() && diags_.empty())
      err(s.pos, "Empty when closure, remove the property or add some content.");
  }

  std::optional<WhenCondition> condition(const Node& n) {
    WhenCondition c;
    c.kind = n.text;
    c.pos = n.pos;
    auto lit = [&](const char* key, size_t pos_index) -> std::string {
      if (auto* a = n.named(key)) return str(a->value, key);
      if (auto v = n.positional(pos_index)) return str(v, key);
      return {};
    };
    if (c.kind == "branch" || c.kind == "tag" || c.kind == "changeset") {
      c.pattern = lit("pattern", 0);
      if (auto* a = n.named("comparator")) c.comparator = str(a->value, "comparator");
      if (auto* a = n.named("caseSensitive")) c.case_insensitive = a->value->text == "false";
      if (c.pattern.empty()) err(n.pos, c.kind + " needs a pattern: " + c.kind + " 'main'");
      if (c.comparator != "GLOB" && c.comparator != "REGEXP" && c.comparator != "EQUALS")
        err(n.pos, "comparator must be GLOB, REGEXP or EQUALS");
      if (c.kind == "changeset" && c.comparator == "GLOB") c.comparator = "GLOB";
    } else if (c.kind == "environment") {
      c.name = lit("name", 99);
      c.value = lit("value", 99);
      if (c.name.empty())
        err(n.pos, "environment needs name and value: environment name: 'X', value: 'y'");
    } else if (c.kind == "expression") {
      if (!n.closure) err(n.pos, "expression needs a block: expression { return env.X == 'y' }");
      c.expr = n.closure;
    } else if (c.kind == "equals") {
      auto* e = n.named("expected");
      auto* a = n.named("actual");
      if (!e || !a)
        err(n.pos, "equals needs expected: and actual:");
      else {
        c.expr = e->value;
        c.actual = a->value;
      }
    } else if (c.kind == "not" || c.kind == "allOf" || c.kind == "anyOf") {
      if (!n.closure) {
        err(n.pos, c.kind + " needs a block of conditions");
        return std::nullopt;
      }
      for (const auto& st : n.closure->items) {
        const Node* k = section(st, c.kind.c_str());
        if (!k) continue;
        if (auto cc = condition(*k)) c.children.push_back(std::move(*cc));
      }
      if (c.kind == "not" && c.children.size() != 1) err(n.pos, "not takes exactly one condition");
      if (c.children.empty() && c.kind != "not")
        err(n.pos, c.kind + " needs at least one condition");
    } else if (c.kind == "buildingTag" || c.kind == "changeRequest" || c.kind == "triggeredBy" ||
               c.kind == "changelog" || c.kind == "isRestartedRun") {
      c.pattern = n.positional(0) ? to_source(n.positional(0)) : "";
    } else {
      unknown(n.pos, "Unknown conditional", c.kind, kWhenConditions);
      return std::nullopt;
    }
    return c;
  }

  Post read_post(const Node& s) {
    Post p;
    p.pos = s.pos;
    if (!need_block(s, "post")) return p;
    std::set<std::string> seen;
    for (const auto& st : s.closure->items) {
      const Node* n = section(st, "post");
      if (!n) continue;
      if (std::find(kPostConditions.begin(), kPostConditions.end(), n->text) ==
          kPostConditions.end()) {
        unknown(n->pos, "Invalid condition", n->text, kPostConditions,
                " - valid conditions are " + quoted_list(kPostConditions));
        continue;
      }
      if (!seen.insert(n->text).second) err(n->pos, "Duplicate post condition \"" + n->text + "\"");
      if (!need_block(*n, n->text)) continue;
      p.conditions.emplace_back(n->text, n->closure);
    }
    if (p.conditions.empty() && diags_.empty()) err(s.pos, "post { } has no conditions");
    return p;
  }

  std::string file_;
  std::vector<Diagnostic> diags_;
};

void src(std::ostream& o, const NodePtr& n);

void args_src(std::ostream& o, const std::vector<Arg>& args) {
  bool first = true;
  for (const auto& a : args) {
    if (!first) o << ", ";
    first = false;
    if (!a.name.empty()) o << a.name << ": ";
    src(o, a.value);
  }
}

void src(std::ostream& o, const NodePtr& n) {
  if (!n) return;
  switch (n->kind) {
    case Kind::string:
      o << groovy_literal(n->text);
      break;
    case Kind::gstring:
      o << '"';
      for (const auto& p : n->parts) {
        if (p.is_expr)
          o << "${" << p.text << "}";
        else
          for (char c : p.text) {
            if (c == '"' || c == '\\' || c == '$') o << '\\';
            if (c == '\n')
              o << "\\n";
            else
              o << c;
          }
      }
      o << '"';
      break;
    case Kind::number:
    case Kind::boolean:
    case Kind::ident:
      o << n->text;
      break;
    case Kind::null:
      o << "null";
      break;
    case Kind::property:
      src(o, n->target);
      o << "." << n->text;
      break;
    case Kind::index:
      src(o, n->target);
      o << "[";
      src(o, n->items[0]);
      o << "]";
      break;
    case Kind::call:
      if (n->target) {
        src(o, n->target);
        o << ".";
      }
      o << n->text;
      if (n->parens || !n->args.empty()) {
        o << "(";
        args_src(o, n->args);
        o << ")";
      }
      if (n->closure) {
        o << " ";
        src(o, n->closure);
      }
      break;
    case Kind::closure:
      o << "{ ";
      for (size_t i = 0; i < n->items.size(); ++i) {
        if (i) o << "; ";
        src(o, n->items[i]);
      }
      o << " }";
      break;
    case Kind::list:
      o << "[";
      for (size_t i = 0; i < n->items.size(); ++i) {
        if (i) o << ", ";
        src(o, n->items[i]);
      }
      o << "]";
      break;
    case Kind::map:
      o << "[";
      if (n->args.empty()) o << ":";
      args_src(o, n->args);
      o << "]";
      break;
    case Kind::binary:
      src(o, n->items[0]);
      o << " " << n->text << " ";
      src(o, n->items[1]);
      break;
    case Kind::unary:
      o << n->text;
      src(o, n->items[0]);
      break;
    case Kind::ternary:
      src(o, n->items[0]);
      o << " ? ";
      src(o, n->items[1]);
      o << " : ";
      src(o, n->items[2]);
      break;
    case Kind::assign:
      src(o, n->items[0]);
      o << " " << n->text << " ";
      src(o, n->items[1]);
      break;
    case Kind::decl:
      o << "def " << n->text;
      if (!n->items.empty()) {
        o << " = ";
        src(o, n->items[0]);
      }
      break;
    case Kind::keyword:
      o << (n->text == "@" ? "@" : n->text + (n->items.empty() ? "" : " "));
      if (n->text == "return" || n->text == "throw" || n->text == "new" || n->text == "@")
        for (const auto& i : n->items) src(o, i);
      else if (!n->items.empty())
        o << "...";
      break;
  }
}

// A JSON string: util's double_quoted escapes what the dump's strings hold.
std::string json_str(const std::string& s) { return double_quoted(s); }

struct Dumper {
  std::ostringstream o;
  int ind = 0;
  void line(const std::string& s) { o << std::string(ind * 2, ' ') << s << "\n"; }
  std::string at(Pos p) { return " @" + std::to_string(p.line) + ":" + std::to_string(p.col); }

  void agent(const Agent& a) {
    if (a.type.empty()) return;
    std::string s = "agent: " + a.type;
    if (!a.label.empty()) s += " label=" + json_str(a.label);
    if (!a.image.empty()) s += " image=" + json_str(a.image);
    if (!a.args.empty()) s += " args=" + json_str(a.args);
    if (a.type == "dockerfile")
      s += " file=" + json_str(a.dockerfile) + (a.dir.empty() ? "" : " dir=" + json_str(a.dir));
    line(s + at(a.pos));
  }
  void env(const std::vector<EnvEntry>& e) {
    for (const auto& v : e)
      line("env " + v.name + " = " +
           (v.credential.empty() ? to_source(v.value)
                                 : "credentials(" + json_str(v.credential) + ")") +
           at(v.pos));
  }
  void options(const Options& op) {
    if (op.timeout) line("option timeout " + std::to_string(op.timeout->count()) + "ms");
    if (op.retry) line("option retry " + std::to_string(op.retry + 1));
    if (op.timestamps) line("option timestamps");
    if (op.skip_default_checkout) line("option skipDefaultCheckout");
    if (op.disable_concurrent) line("option disableConcurrentBuilds");
    if (op.fail_fast) line("option parallelsAlwaysFailFast");
    for (const auto& n : op.notes) line("note " + n);
  }
  void cond(const WhenCondition& c) {
    std::string s = "when " + c.kind;
    if (!c.pattern.empty()) s += " " + json_str(c.pattern) + " " + c.comparator;
    if (!c.name.empty()) s += " " + c.name + "=" + json_str(c.value);
    if (c.expr) s += " " + to_source(c.expr);
    if (c.actual) s += " actual=" + to_source(c.actual);
    line(s + at(c.pos));
    ++ind;
    for (const auto& k : c.children) cond(k);
    --ind;
  }
  void post(const Post& p) {
    for (const auto& [c, steps] : p.conditions) {
      line("post " + c);
      ++ind;
      for (const auto& s : steps->items) line("step " + to_source(s) + at(s->pos));
      --ind;
    }
  }
  void stage(const Stage& s) {
    line("stage " + json_str(s.name) + at(s.pos));
    ++ind;
    agent(s.agent);
    env(s.environment);
    options(s.options);
    if (s.when.before_agent) line("when beforeAgent");
    for (const auto& c : s.when.conditions) cond(c);
    if (s.fail_fast) line("failFast");
    if (s.input) line("input " + to_source(s.input));
    if (s.steps)
      for (const auto& st : s.steps->items) line("step " + to_source(st) + at(st->pos));
    if (!s.stages.empty()) {
      line("stages");
      ++ind;
      for (const auto& c : s.stages) stage(c);
      --ind;
    }
    if (!s.parallel.empty()) {
      line(s.matrix ? "matrix (" + std::to_string(s.parallel.size()) + " cells)" : "parallel");
      ++ind;
      for (const auto& c : s.parallel) stage(c);
      --ind;
    }
    post(s.post);
    --ind;
  }
};

}  // namespace

std::string to_source(const NodePtr& n) {
  std::ostringstream o;
  src(o, n);
  return o.str();
}

Pipeline read_declarative(const std::string& text, const std::string& file) {
  auto root = parse_groovy(text, file);
  if (is_scripted(root)) return read_scripted(root, file);
  Reader r(file);
  return r.read(root);
}

Pipeline read_declarative_file(const std::string& path) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const Error& e) {
    throw ConfigError(path + ": cannot read: " + e.what());
  }
  return read_declarative(text, path);
}

std::string dump(const Pipeline& p) {
  Dumper d;
  d.line(std::string(p.scripted ? "scripted pipeline" : "pipeline") + d.at(p.pos));
  d.ind = 1;
  d.agent(p.agent);
  d.env(p.environment);
  d.options(p.options);
  for (const auto& pr : p.parameters)
    d.line("parameter " + pr.type + " " + pr.name + " default=" + json_str(pr.default_value) +
           (pr.choices.empty() ? "" : " choices=" + json_str(join(pr.choices, ","))) +
           d.at(pr.pos));
  for (const auto& s : p.stages) d.stage(s);
  d.post(p.post);
  for (const auto& n : p.notes) d.line("note " + n);
  return d.o.str();
}

const Stage* find_stage(const Pipeline& p, const std::vector<int>& path) {
  const std::vector<Stage>* level = &p.stages;
  const Stage* s = nullptr;
  for (int i : path) {
    if (i < 0 || static_cast<size_t>(i) >= level->size()) return nullptr;
    s = &(*level)[i];
    level = !s->stages.empty() ? &s->stages : &s->parallel;
  }
  return s;
}

}  // namespace pw::jenkinsfile
