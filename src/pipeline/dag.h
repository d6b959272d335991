// The stage graph: effective needs (implicit ones added, disabled stages bridged), checks
// (unknown needs, cycles), a stable topological order, and the selection of targets.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pipeline/model.h"

namespace pw::pipeline {

struct Graph {
  // Enabled stages other than `post`, in topological order; ties keep declaration order.
  std::vector<std::string> order;
  // Effective needs of each stage in `order`.
  std::map<std::string, std::vector<std::string>> needs;
  bool has_post = false;
};

// Throws ConfigError naming every unknown need (with a suggestion) and any cycle (its path).
//  - A `run` stage needs `checkout` implicitly: it works in the build's workspace.
//  - A need on a disabled stage stands for that stage's own needs, so disabling a stage in the
//    middle of a chain keeps the order around it.
Graph resolve(const Pipeline& pipeline);

// The stages to run for `targets` (ids), in graph order: the targets and everything they need,
// or with `only`, the targets alone. Empty targets: every stage. Throws ConfigError for an
// unknown or disabled target.
std::vector<std::string> select(const Graph& graph, const Pipeline& pipeline,
                                const std::vector<std::string>& targets, bool only);

}  // namespace pw::pipeline
