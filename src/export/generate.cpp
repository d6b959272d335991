#include "export/generate.h"

namespace pw::ci {

Output generate(Engine engine, const pipeline::Pipeline& p, const pipeline::Graph& g) {
  Plan plan = make_plan(engine, p, g);
  Output out;
  switch (engine) {
    case Engine::jenkins:
      out.text = render_jenkins(plan);
      break;
    case Engine::github:
      out.text = render_github(plan);
      break;
    case Engine::gitlab:
      out.text = render_gitlab(plan);
      break;
  }
  out.warnings = plan.warnings;
  for (const auto& r : plan.renames) out.warnings.push_back(r);
  return out;
}

}  // namespace pw::ci
