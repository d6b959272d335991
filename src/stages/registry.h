// Built-in stage kinds register themselves: each stage's file ends with a BuiltinStage whose
// function adds its kind(s) to the engine's registry, so a new built-in stage is its settings
// row (pipeline/builtins.cpp) and its file, and nothing else lists it. pw_stages is linked whole
// (src/cli/CMakeLists.txt), so the linker keeps every file's registration even though nothing
// refers to it by name; tests/unit/stages checks that every kind of the settings table is there.
#pragma once

#include <memory>

#include "engine/stage.h"

namespace pw::stages {

class BuiltinStage {
 public:
  using Add = void (*)(engine::StageRegistry&);
  explicit BuiltinStage(Add add);
};

// A factory that makes a T for any spec.
template <typename T>
engine::StageRegistry::Factory make_stage() {
  return [](const pipeline::StageSpec&) { return std::make_unique<T>(); };
}

// Adds every built-in kind (each file's BuiltinStage) to `registry`.
void register_builtin_stages(engine::StageRegistry& registry);

}  // namespace pw::stages
