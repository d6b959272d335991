// Every built-in kind of the settings table has a stage registered by its own file (a stage file
// the linker dropped, or one that forgot its BuiltinStage, would make its kind unknown at run
// time).
#include "stages/registry.h"

#include <gtest/gtest.h>

#include "pipeline/settings.h"

namespace pw::stages {
namespace {

TEST(Registry, EveryKindOfTheSettingsTableIsRegistered) {
  engine::StageRegistry registry;
  register_builtin_stages(registry);
  size_t kinds = 0;
  for (const auto& k : pipeline::builtin_kinds()) {
    EXPECT_TRUE(registry.has(k.kind)) << k.kind << " has a settings row but no registered stage";
    ++kinds;
  }
  EXPECT_GT(kinds, 20u);
  EXPECT_TRUE(registry.has("jenkins"));  // a Jenkinsfile's stages, no settings row of its own
}

}  // namespace
}  // namespace pw::stages
