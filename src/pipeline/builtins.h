// The names of the built-in stages and the settings each accepts. The loader needs them to tell
// a typo from a setting; the stages layer implements the behaviour. A new built-in stage adds a
// row here, a file in src/stages, and its defaults in default-pipeline.yaml.
#pragma once

#include <string>
#include <vector>

namespace pw::pipeline {

struct BuiltinKind {
  std::string kind;
  std::string summary;
  std::vector<std::string> settings;
};

const std::vector<BuiltinKind>& builtin_kinds();
const BuiltinKind* find_builtin(const std::string& kind);

// The keys every stage accepts.
const std::vector<std::string>& generic_stage_keys();

}  // namespace pw::pipeline
