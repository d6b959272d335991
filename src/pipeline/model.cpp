#include "pipeline/model.h"

namespace pw::pipeline {

const Setting* StageSpec::setting(const std::string& key) const {
  for (const auto& s : settings)
    if (s.key == key) return &s;
  return nullptr;
}

const StageSpec* Pipeline::find(const std::string& id) const {
  for (const auto& s : stages)
    if (s.id == id) return &s;
  return nullptr;
}

StageSpec* Pipeline::find(const std::string& id) {
  for (auto& s : stages)
    if (s.id == id) return &s;
  return nullptr;
}

}  // namespace pw::pipeline
