#include "cli/validated.h"

#include <vector>

#include "engine/stage.h"
#include "stages/registry.h"
#include "util/error.h"

namespace pw::cli {

pipeline::Graph validated_graph(const pipeline::Pipeline& p) {
  auto graph = pipeline::resolve(p);
  engine::StageRegistry registry;
  stages::register_builtin_stages(registry);
  std::vector<Diagnostic> diags;
  for (const auto& s : p.stages)
    if (s.enabled) registry.validate(s, p, diags);
  if (!diags.empty()) throw ConfigError(diags);
  return graph;
}

}  // namespace pw::cli
