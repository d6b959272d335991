#include "stages/registry.h"

#include <vector>

namespace pw::stages {

namespace {

// Filled during static initialisation, one entry per stage file; read after main starts.
std::vector<BuiltinStage::Add>& adders() {
  static std::vector<BuiltinStage::Add> all;
  return all;
}

}  // namespace

BuiltinStage::BuiltinStage(Add add) { adders().push_back(add); }

void register_builtin_stages(engine::StageRegistry& registry) {
  for (auto add : adders()) add(registry);
}

}  // namespace pw::stages
