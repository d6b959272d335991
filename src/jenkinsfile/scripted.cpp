// Scripted pipelines (`node { stage('Test') { sh '...' } }`) read into the Declarative model, so
// that run, plan and import take them as they take declarative ones. Jenkins runs a scripted
// pipeline as one Groovy program; pipewright needs its stages before the build, so it keeps the
// common shape public Jenkinsfiles have: stages in order inside wrappers (node, timestamps,
// withEnv, dir, ...), statements between them, try/catch/finally and if around them, parallel
// inside a stage. Anything else around stages is named with its line.
#include <set>

#include "jenkinsfile/declarative.h"
#include "util/strings.h"

namespace pw::jenkinsfile {

namespace {

// Blocks that may hold stages. Those that only say where to run (node, timestamps, ansiColor)
// are dropped: this machine is every agent and log lines are timed; the others are wrapped
// around each stage's steps inside them, where the step interpreter runs them as steps.
const std::set<std::string> kPlaceOnly = {"node", "timestamps", "ansiColor", "ws"};
const std::set<std::string> kWrappers = {"withEnv", "dir",        "withCredentials",
                                         "timeout", "catchError", "warnError"};

bool is_call(const NodePtr& n, const char* name) {
  return n && n->kind == Kind::call && !n->target && n->text == name;
}

// Whether a stage(...) call is anywhere inside `n`.
bool holds_stage(const NodePtr& n, int depth = 0) {
  if (!n || depth > kMaxDepth) return false;
  if (is_call(n, "stage")) return true;
  if (holds_stage(n->closure, depth + 1)) return true;
  for (const auto& i : n->items)
    if (holds_stage(i, depth + 1)) return true;
  for (const auto& a : n->args)
    if (a.value && a.value->kind == Kind::closure && holds_stage(a.value, depth + 1)) return true;
  return false;
}

// Whether `n` only sets variables to values that run nothing: `def x = 'a'`, `env.X = "${y}"`,
// inside the wrappers and ifs it was in.
bool only_assigns(const NodePtr& n, int depth = 0) {
  if (!n || depth > kMaxDepth) return true;
  // A call runs something (a step, a method) unless it is a wrapper's block around the rest.
  if (n->kind == Kind::call && (!n->closure || n->target)) return false;
  if (n->kind == Kind::keyword && n->text != "if") return false;
  for (const auto& i : n->items)
    if (!only_assigns(i, depth + 1)) return false;
  for (const auto& a : n->args)
    if (!only_assigns(a.value, depth + 1)) return false;
  for (const auto& p : n->parts)
    if (p.is_expr && !only_assigns(p.expr, depth + 1)) return false;
  return only_assigns(n->target, depth + 1) && only_assigns(n->closure, depth + 1);
}

NodePtr closure_of(std::vector<NodePtr> items, Pos pos) {
  auto c = std::make_shared<Node>();
  c->kind = Kind::closure;
  c->pos = pos;
  c->items = std::move(items);
  return c;
}

class ScriptedReader {
 public:
  explicit ScriptedReader(std::string file) : file_(std::move(file)) {
    p_.file = file_;
    p_.scripted = true;
    p_.pos = {1, 1};
    // Jenkins checks nothing out for a scripted pipeline: `checkout scm` does, as a step.
    p_.options.skip_default_checkout = true;
  }

  Pipeline read(const NodePtr& root) {
    for (const auto& st : root->items) {
      if (st->kind == Kind::keyword && (st->text == "@" || st->text == "import")) {
        p_.notes.push_back(
            to_source(st->items.empty() ? st : st->items[0]) +
            ": shared libraries and imports are Groovy that pipewright does not load");
        continue;
      }
      statement(st);
    }
    close_old_style();
    if (p_.stages.empty() && diags_.empty())
      err({1, 1},
          "no stage('name') { ... } in this scripted pipeline: pipewright runs a Jenkinsfile "
          "stage by stage");
    attach_trailing();
    if (!diags_.empty()) throw ConfigError(diags_);
    return std::move(p_);
  }

 private:
  struct Frame {
    const Node* wrapper = nullptr;    // a wrapper call, or null for an if's condition
    NodePtr condition;                // if (cond) { stages }: the stages' when expression
    bool negate = false;              // the else branch
    const Node* container = nullptr;  // docker.image('x').inside { stages }: their agent
  };

  // docker.image('python:3.12').inside('-u root') { ... }: Docker Pipeline's way to run steps in
  // a container, which is the stages' `agent { docker { image; args } }` here. Null when `n` is
  // not that call.
  static const Node* docker_inside(const NodePtr& n) {
    if (!n || n->kind != Kind::call || n->text != "inside" || !n->closure) return nullptr;
    const NodePtr& img = n->target;
    if (!img || img->kind != Kind::call || img->text != "image" || !img->target ||
        img->target->kind != Kind::ident || img->target->text != "docker")
      return nullptr;
    return n.get();
  }

  Agent container_agent(const Node& inside) {
    Agent a;
    a.type = "docker";
    a.pos = inside.pos;
    NodePtr img = inside.target->positional(0);
    if (!img || !img->literal(a.image) || a.image.empty())
      err(img ? img->pos : inside.pos,
          "docker.image(...) needs the image as a plain string here: docker.image('python:3.12')"
          ".inside { ... } (pipewright prepares a stage's container before the stage)");
    if (NodePtr args = inside.positional(0); args && !args->literal(a.args))
      err(args->pos, "docker.image(...).inside(...) takes its arguments as a plain string");
    return a;
  }

  void err(Pos p, std::string msg) { diags_.push_back({file_, p.line, p.col, std::move(msg)}); }

  static std::string short_source(const NodePtr& n) {
    std::string s = to_source(n);
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
  }

  // Statements after the last stage of out_ run at its end, as they follow it in Jenkins.
  void attach_trailing() {
    flush_group();
    if (pending_.empty() || out_->empty()) return;
    Stage& last = out_->back();
    if (last.steps || last.parallel.empty()) {
      std::vector<NodePtr> items = last.steps ? last.steps->items : std::vector<NodePtr>{};
      for (auto& s : pending_) items.push_back(s);
      last.steps = closure_of(std::move(items), last.pos);
    } else {
      err(pending_.front()->pos,
          "statements after the last stage, whose branches run in parallel: pipewright runs "
          "statements between stages with a stage; move them into a stage after it");
    }
    pending_.clear();
  }

  // Statements before a parallel: run at the start of each branch when that is the same as
  // running them once (variables and env.X set to values no step computes); others would run
  // once per branch, so they are refused.
  std::vector<NodePtr> before_parallel(const std::string& what) {
    flush_group();
    std::vector<NodePtr> before;
    std::swap(before, pending_);
    for (const auto& st : before)
      if (!only_assigns(st)) {
        err(st->pos, "`" + short_source(st) + "` before " + what +
                         ", whose branches run in parallel: pipewright runs statements between "
                         "stages at the start of the next stage, here of each branch; move it "
                         "into a stage before it");
        break;
      }
    return before;
  }

  // The branches of parallel(...): name: { } pairs, or one map of them (parallel([a: { }])),
  // failFast read into `fail_fast`. A branch built at run time or a name already used is an
  // error; each branch comes back as its stage (name and position) with its closure.
  std::vector<std::pair<Stage, NodePtr>> parallel_branches(const NodePtr& call, bool& fail_fast) {
    std::vector<Arg> branches = call->args;
    if (branches.size() == 1 && branches[0].name.empty() && branches[0].value->kind == Kind::map)
      branches = branches[0].value->args;
    std::vector<std::pair<Stage, NodePtr>> out;
    for (const auto& a : branches) {
      if (a.name == "failFast") {
        std::string v;
        fail_fast = a.value->literal(v) && v == "true";
        continue;
      }
      if (a.name.empty() || a.value->kind != Kind::closure) {
        err(a.value->pos,
            "parallel takes branches written out (name: { ... }): `" + short_source(a.value) +
                "` is built at run time, and pipewright needs the branches before the build");
        continue;
      }
      Stage b;
      b.name = a.name;
      b.pos = a.value->pos;
      if (!names_.insert(b.name).second) {
        err(b.pos, "a second stage named \"" + b.name + "\": branch and stage names are unique");
        continue;
      }
      out.emplace_back(std::move(b), a.value);
    }
    return out;
  }

  // parallel(py311: { node { stage('Test 3.11') { ... } } }, ...) holding stages: one branch per
  // closure, each its stages in order (a declarative parallel of branches with stages inside).
  // Its own name is the model's only: pipewright runs the stages inside.
  void parallel_of_stages(const NodePtr& call) {
    close_old_style();
    std::vector<NodePtr> before = before_parallel("parallel");
    Stage par;
    par.name = "Parallel";
    for (int k = 2; names_.count(par.name); ++k) par.name = "Parallel " + std::to_string(k);
    names_.insert(par.name);
    par.pos = call->pos;
    for (auto& [b, body] : parallel_branches(call, par.fail_fast)) {
      if (!holds_stage(body)) {
        NodePtr w = wrapped(body->items, body->pos);
        std::vector<NodePtr> items = before;
        items.insert(items.end(), w->items.begin(), w->items.end());
        b.steps = closure_of(std::move(items), body->pos);
      } else {
        std::vector<Stage>* outer = out_;
        out_ = &b.stages;
        pending_ = before;
        for (const auto& st : body->items) statement(st);
        close_old_style();
        attach_trailing();
        out_ = outer;
        for (const auto& inner : b.stages)
          if (!inner.parallel.empty())
            err(inner.pos, "stage \"" + inner.name +
                               "\" runs branches in parallel inside branch \"" + b.name +
                               "\" of a parallel: pipewright runs one level of parallel");
      }
      par.parallel.push_back(std::move(b));
    }
    if (par.parallel.empty()) err(call->pos, "parallel has no branches");
    out_->push_back(std::move(par));
  }

  // `items` wrapped in the wrappers they sit in, innermost first: withEnv([...]) { dir('x') {
  // items } }. With `conditions`, also in the ifs around them (statements between stages); a
  // stage's own steps are not, its when says it instead (so it is SKIPPED, as in Jenkins' view).
  NodePtr wrapped(std::vector<NodePtr> items, Pos pos, bool conditions = false) {
    for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) {
      if (it->condition && conditions) {
        auto i = std::make_shared<Node>();
        i->kind = Kind::keyword;
        i->text = "if";
        i->pos = it->condition->pos;
        NodePtr body = closure_of(std::move(items), i->pos);
        i->items = it->negate ? std::vector<NodePtr>{it->condition, closure_of({}, i->pos), body}
                              : std::vector<NodePtr>{it->condition, body};
        items = {i};
        continue;
      }
      if (!it->wrapper) continue;
      auto w = std::make_shared<Node>(*it->wrapper);
      w->closure = closure_of(std::move(items), w->pos);
      items = {w};
    }
    return closure_of(std::move(items), pos);
  }

  void statement(const NodePtr& st) {
    if (is_call(st, "stage")) return stage(st);
    // Job properties, at the top or first thing in node { } as public files have them.
    if (is_call(st, "properties")) {
      p_.notes.push_back(
          "properties([...]) (job properties: triggers, parameters, log rotation) has no meaning "
          "in a local run (left out)");
      return;
    }
    if (!holds_stage(st)) {
      // A statement between stages: it runs where Jenkins runs it, before the next stage, or
      // after the stage an old-style `stage 'name'` (no block) opened at this level.
      if (old_style_ && old_style_depth_ == chain_.size()) {
        Stage& s = (*out_)[*old_style_];
        std::vector<NodePtr> items = s.steps ? s.steps->items : std::vector<NodePtr>{};
        NodePtr w = wrapped({st}, st->pos);
        for (const auto& n : w->items) items.push_back(n);
        s.steps = closure_of(std::move(items), s.pos);
        return;
      }
      // Consecutive statements in the same wrappers are wrapped once, as they were written.
      if (!group_.empty() && !same_chain(group_chain_, chain_)) flush_group();
      group_chain_ = chain_;
      group_.push_back(st);
      return;
    }
    close_old_style();
    if (st->kind == Kind::call && !st->target && st->closure &&
        (kPlaceOnly.count(st->text) || kWrappers.count(st->text))) {
      chain_.push_back({kPlaceOnly.count(st->text) ? nullptr : st.get(), nullptr, false});
      for (const auto& s : st->closure->items) statement(s);
      close_old_style();
      chain_.pop_back();
      return;
    }
    if (const Node* in = docker_inside(st)) {
      container_agent(*in);  // its problems, once
      chain_.push_back({nullptr, nullptr, false, in});
      for (const auto& s : st->closure->items) statement(s);
      close_old_style();
      chain_.pop_back();
      return;
    }
    if (st->kind == Kind::keyword && st->text == "try") return try_block(*st);
    if (st->kind == Kind::keyword && st->text == "if" && st->items.size() >= 2) {
      return if_block(*st);
    }
    if (is_call(st, "parallel")) {
      if (!branch_depth_) {
        ++branch_depth_;
        parallel_of_stages(st);
        --branch_depth_;
        return;
      }
      err(st->pos,
          "parallel holding stages inside a parallel branch: pipewright runs one level "
          "of parallel");
      return;
    }
    std::string what = st->kind == Kind::call ? st->text : short_source(st);
    err(st->pos, "`" + what +
                     "` holds stages: pipewright reads stages inside node, timestamps, "
                     "ansiColor, withEnv, dir, withCredentials, timeout, catchError, "
                     "docker.image('...').inside, try/catch/finally and if (...) { }");
  }

  void body_statements(const NodePtr& body) {
    if (!body) return;
    if (body->kind == Kind::closure) {
      for (const auto& s : body->items) statement(s);
    } else {
      statement(body);
    }
    close_old_style();
  }

  void if_block(const Node& n) {
    // items: the condition, the body, then an else body or an `else if` statement. The stages of
    // each branch get the condition as when { expression { } }, evaluated as their stage starts.
    chain_.push_back({nullptr, n.items[0], false});
    body_statements(n.items[1]);
    chain_.back().negate = true;
    if (n.items.size() > 2) body_statements(n.items[2]);
    chain_.pop_back();
  }

  void try_block(const Node& n) {
    body_statements(n.items[0]);
    for (size_t i = 1; i < n.items.size(); ++i) {
      std::string clause = i - 1 < n.params.size() ? n.params[i - 1] : "";
      const NodePtr& b = n.items[i];
      std::vector<NodePtr> steps = b->kind == Kind::closure ? b->items : std::vector<NodePtr>{b};
      if (holds_stage(b)) {
        err(b->pos, "stages inside " + clause.substr(0, clause.find(' ')) +
                        ": pipewright reads stages in try { }, and catch/finally as the post "
                        "steps that run after them");
        continue;
      }
      if (clause.starts_with("catch")) {
        // Jenkins' usual catch: mark the build failed, tell someone, rethrow. The build fails
        // with its stage here anyway, so the rethrow and the result are what happens already.
        std::string var = clause.size() > 6 ? clause.substr(6) : "";
        std::vector<NodePtr> kept;
        bool rethrows = false;
        for (const auto& s : steps) {
          if (s->kind == Kind::keyword && s->text == "throw" && !s->items.empty() &&
              s->items[0]->kind == Kind::ident && s->items[0]->text == var) {
            rethrows = true;
            continue;
          }
          std::string v;
          if (s->kind == Kind::assign && s->items[0]->kind == Kind::property &&
              s->items[0]->text == "result" && s->items[0]->target &&
              s->items[0]->target->kind == Kind::ident &&
              s->items[0]->target->text == "currentBuild" && s->items[1]->literal(v) &&
              (v == "FAILURE" || v == "FAILED")) {
            rethrows = true;
            continue;
          }
          kept.push_back(s);
        }
        if (!var.empty() && !kept.empty()) {
          // The caught error by name ("${err}"): its text is the failed stage's, in its log and
          // the summary; post blocks run after the stage, so they get that pointer.
          auto d = std::make_shared<Node>();
          d->kind = Kind::decl;
          d->text = var;
          d->pos = b->pos;
          auto v = std::make_shared<Node>();
          v->kind = Kind::string;
          v->text = "a stage failed (its error is in the summary and the stage's log)";
          v->pos = b->pos;
          d->items = {v};
          kept.insert(kept.begin(), d);
        }
        if (!rethrows)
          p_.notes.push_back("catch at line " + std::to_string(b->pos.line) +
                             " does not rethrow: in Jenkins the build would go on; here the "
                             "failed stage still fails the build (its steps run as post failure)");
        add_post("failure", kept, b->pos);
      } else if (clause == "finally") {
        add_post("always", steps, b->pos);
      }
    }
  }

  void add_post(const std::string& cond, const std::vector<NodePtr>& steps, Pos pos) {
    if (steps.empty()) return;
    NodePtr block = wrapped(steps, pos);
    if (p_.post.empty()) p_.post.pos = pos;
    for (auto& [name, b] : p_.post.conditions)
      if (name == cond) {
        std::vector<NodePtr> items = b->items;
        for (const auto& s : block->items) items.push_back(s);
        b = closure_of(std::move(items), b->pos);
        return;
      }
    p_.post.conditions.emplace_back(cond, block);
  }

  void close_old_style() { old_style_.reset(); }

  static bool same_chain(const std::vector<Frame>& a, const std::vector<Frame>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].wrapper != b[i].wrapper || a[i].condition != b[i].condition ||
          a[i].negate != b[i].negate)
        return false;
    return true;
  }

  static bool has_condition(const std::vector<Frame>& c) {
    for (const auto& f : c)
      if (f.condition) return true;
    return false;
  }

  // The statements gathered in group_ into pending_, wrapped in the wrappers they were in.
  void flush_group() {
    if (group_.empty()) return;
    std::swap(chain_, group_chain_);
    NodePtr w = wrapped(group_, group_.front()->pos, true);
    std::swap(chain_, group_chain_);
    for (const auto& n : w->items) pending_.push_back(n);
    group_.clear();
  }

  std::string stage_name(const Node& n) {
    NodePtr v = n.named("name") ? n.named("name")->value : n.positional(0);
    std::string name;
    if (v && v->literal(name) && !name.empty()) return name;
    err(v ? v->pos : n.pos,
        "a stage needs its name as a plain string: stage('Test') { ... } (pipewright names "
        "its stages before the build)");
    return {};
  }

  void stage(const NodePtr& st) {
    close_old_style();
    const Node& n = *st;
    Stage s;
    s.name = stage_name(n);
    s.pos = n.pos;
    if (s.name.empty()) return;
    if (!names_.insert(s.name).second) {
      err(n.pos, "a second stage named \"" + s.name + "\": stage names are unique here");
      return;
    }
    for (const auto& f : chain_)
      if (f.condition) {
        WhenCondition c;
        c.kind = "expression";
        c.pos = f.condition->pos;
        NodePtr cond = f.condition;
        if (f.negate) {
          auto u = std::make_shared<Node>();
          u->kind = Kind::unary;
          u->text = "!";
          u->pos = cond->pos;
          u->items = {cond};
          cond = u;
        }
        c.expr = closure_of({cond}, cond->pos);
        s.when.conditions.push_back(std::move(c));
        s.when.pos = f.condition->pos;
      }
    for (const auto& f : chain_) {
      // The block's problems were reported once, where it was read: not again per stage.
      if (!f.container) continue;
      std::vector<Diagnostic> keep;
      std::swap(keep, diags_);
      s.agent = container_agent(*f.container);
      std::swap(keep, diags_);
    }
    NodePtr body = n.closure;
    // A stage whose whole body runs in a container: that container is the stage's agent.
    if (body && body->items.size() == 1)
      if (const Node* in = docker_inside(body->items[0])) {
        s.agent = container_agent(*in);
        body = in->closure;
      }
    const NodePtr* par = nullptr;
    if (body)
      for (const auto& b : body->items)
        if (is_call(b, "parallel")) par = &b;
    if (par) {
      parallel(s, *par, body);
    } else {
      // Statements just before the stage in its own wrappers share them with its steps.
      std::vector<NodePtr> own;
      if (!group_.empty() && same_chain(group_chain_, chain_) && !has_condition(chain_))
        std::swap(own, group_);
      flush_group();
      std::vector<NodePtr> items = pending_;
      pending_.clear();
      if (body) own.insert(own.end(), body->items.begin(), body->items.end());
      if (!own.empty()) {
        NodePtr w = wrapped(own, body ? body->pos : n.pos);
        for (const auto& i : w->items) items.push_back(i);
      }
      s.steps = closure_of(std::move(items), body ? body->pos : n.pos);
    }
    out_->push_back(std::move(s));
    if (!body) {
      // `stage 'Build'` without a block (the old form): the statements after it, up to the next
      // stage or the end of the block, are its steps.
      old_style_ = out_->size() - 1;
      old_style_depth_ = chain_.size();
    }
  }

  // stage('Tests') { parallel(unit: { ... }, lint: { ... }, failFast: true) }: one branch per
  // closure, run as the branches of a declarative parallel.
  void parallel(Stage& s, const NodePtr& call, const NodePtr& body) {
    if (body->items.size() != 1) {
      err(call->pos, "parallel in stage \"" + s.name +
                         "\" has other statements beside it: pipewright runs a stage's "
                         "parallel branches as stages, so parallel must be the stage's only "
                         "statement (move the others into a stage before or after it)");
      return;
    }
    std::vector<NodePtr> before = before_parallel("stage \"" + s.name + "\"");
    size_t errors = diags_.size();
    for (auto& [b, body] : parallel_branches(call, s.fail_fast)) {
      NodePtr w = wrapped(body->items, body->pos);
      std::vector<NodePtr> items = before;
      items.insert(items.end(), w->items.begin(), w->items.end());
      b.steps = closure_of(std::move(items), body->pos);
      s.parallel.push_back(std::move(b));
    }
    if (s.parallel.empty() && diags_.size() == errors)
      err(call->pos, "parallel in stage \"" + s.name + "\" has no branches");
  }

  std::string file_;
  std::vector<Diagnostic> diags_;
  Pipeline p_;
  std::vector<Frame> chain_;
  std::vector<Stage>* out_ = &p_.stages;  // where stages go: the pipeline's, or a branch's
  int branch_depth_ = 0;
  std::vector<NodePtr> pending_;  // statements before the next stage, wrapped
  std::vector<NodePtr> group_;    // the last of them, not wrapped yet, all in group_chain_
  std::vector<Frame> group_chain_;
  std::set<std::string> names_;
  std::optional<size_t> old_style_;
  size_t old_style_depth_ = 0;
};

}  // namespace

bool is_scripted(const NodePtr& root) {
  bool stage = false;
  for (const auto& st : root->items) {
    if (is_call(st, "pipeline")) return false;
    if (is_call(st, "node") || holds_stage(st)) stage = true;
  }
  return stage;
}

Pipeline read_scripted(const NodePtr& root, const std::string& file) {
  ScriptedReader r(file);
  return r.read(root);
}

}  // namespace pw::jenkinsfile
