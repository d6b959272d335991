#include "pipeline/dag.h"

#include <algorithm>
#include <functional>
#include <set>

#include "util/error.h"
#include "util/strings.h"

namespace pw::pipeline {

Graph resolve(const Pipeline& p) {
  std::vector<Diagnostic> diags;
  std::vector<std::string> all_ids;
  for (const auto& s : p.stages) all_ids.push_back(s.id);

  auto diag_at = [&](const StageSpec& s, const std::string& msg) {
    diags.push_back({s.where.file, s.where.line, s.where.col, msg});
  };

  // Explicit needs, checked.
  std::map<std::string, std::vector<std::string>> raw;
  for (const auto& s : p.stages) {
    auto& r = raw[s.id];
    for (const auto& n : s.needs) {
      const StageSpec* t = p.find(n);
      if (!t) {
        std::string msg = "stage '" + s.id + "' needs '" + n + "', which is not a stage";
        std::string best = closest_match(n, all_ids);
        if (!best.empty()) msg += "; did you mean '" + best + "'?";
        if (s.enabled) diag_at(s, msg);
        continue;
      }
      if (t->is_post()) {
        if (s.enabled) diag_at(s, "stage '" + s.id + "' cannot need 'post': post always runs last");
        continue;
      }
      if (n == s.id) {
        if (s.enabled) diag_at(s, "stage '" + s.id + "' needs itself");
        continue;
      }
      if (std::find(r.begin(), r.end(), n) == r.end()) r.push_back(n);
    }
    const StageSpec* checkout = p.find("checkout");
    if (s.kind == "run" && s.id != "checkout" && checkout && checkout->enabled &&
        std::find(r.begin(), r.end(), "checkout") == r.end())
      r.insert(r.begin(), "checkout");
  }
  if (!diags.empty()) throw ConfigError(diags);

  // Bridge disabled stages: a need on one becomes its needs, transitively.
  std::function<void(const std::string&, std::vector<std::string>&, std::set<std::string>&)>
      expand =
          [&](const std::string& id, std::vector<std::string>& out, std::set<std::string>& seen) {
            if (!seen.insert(id).second) return;
            const StageSpec* s = p.find(id);
            if (s->enabled) {
              if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
              return;
            }
            for (const auto& n : raw[id]) expand(n, out, seen);
          };

  Graph g;
  std::vector<const StageSpec*> nodes;
  for (const auto& s : p.stages) {
    if (!s.enabled) continue;
    if (s.is_post()) {
      g.has_post = true;
      continue;
    }
    nodes.push_back(&s);
    std::vector<std::string> eff;
    std::set<std::string> seen{s.id};
    for (const auto& n : raw[s.id]) expand(n, eff, seen);
    g.needs[s.id] = eff;
  }

  // Kahn's algorithm, always taking the earliest-declared ready stage, so the order is stable.
  std::map<std::string, int> indegree;
  for (auto* s : nodes) indegree[s->id] = static_cast<int>(g.needs[s->id].size());
  std::set<std::string> done;
  while (g.order.size() < nodes.size()) {
    const StageSpec* pick = nullptr;
    for (auto* s : nodes) {
      if (done.count(s->id)) continue;
      bool ready = true;
      for (const auto& n : g.needs[s->id])
        if (!done.count(n)) ready = false;
      if (ready) {
        pick = s;
        break;
      }
    }
    if (!pick) break;
    done.insert(pick->id);
    g.order.push_back(pick->id);
  }
  if (g.order.size() < nodes.size()) {
    // Find one cycle among the rest and name it, e.g. "a -> b -> c -> a".
    std::map<std::string, int> state;  // 0 new, 1 on stack, 2 finished
    std::vector<std::string> stack;
    std::vector<std::string> cycle;
    std::function<bool(const std::string&)> dfs = [&](const std::string& id) {
      state[id] = 1;
      stack.push_back(id);
      for (const auto& n : g.needs[id]) {
        if (done.count(n)) continue;
        if (state[n] == 1) {
          auto it = std::find(stack.begin(), stack.end(), n);
          cycle.assign(it, stack.end());
          cycle.push_back(n);
          return true;
        }
        if (state[n] == 0 && dfs(n)) return true;
      }
      stack.pop_back();
      state[id] = 2;
      return false;
    };
    for (auto* s : nodes) {
      if (done.count(s->id) || state[s->id]) continue;
      if (dfs(s->id)) break;
    }
    std::reverse(cycle.begin(), cycle.end());  // show it in the direction things run
    const StageSpec* first = p.find(cycle.empty() ? nodes.front()->id : cycle.front());
    diag_at(*first, "the needs form a cycle: " + join(cycle, " -> "));
    throw ConfigError(diags);
  }
  return g;
}

std::vector<std::string> select(const Graph& g, const Pipeline& p,
                                const std::vector<std::string>& targets, bool only) {
  if (targets.empty()) return g.order;
  std::vector<Diagnostic> diags;
  std::set<std::string> want;
  std::function<void(const std::string&)> add = [&](const std::string& id) {
    if (!want.insert(id).second || only) return;
    auto it = g.needs.find(id);
    if (it != g.needs.end())
      for (const auto& n : it->second) add(n);
  };
  for (const auto& t : targets) {
    const StageSpec* s = p.find(t);
    if (!s) {
      std::vector<std::string> ids(g.order);
      std::string msg = "no stage named '" + t + "'";
      std::string best = closest_match(t, ids);
      if (!best.empty()) msg += "; did you mean '" + best + "'?";
      diags.push_back({"", 0, 0, msg});
      continue;
    }
    if (!s->enabled) {
      diags.push_back({"", 0, 0, "stage '" + t + "' is disabled (enabled: false)"});
      continue;
    }
    if (s->is_post()) continue;  // post runs anyway, last
    add(t);
  }
  if (!diags.empty()) throw ConfigError(diags);
  std::vector<std::string> out;
  for (const auto& id : g.order)
    if (want.count(id)) out.push_back(id);
  return out;
}

}  // namespace pw::pipeline
