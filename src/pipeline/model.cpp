#include "pipeline/model.h"

#include <cctype>

namespace pw::pipeline {

std::string credential_env_name(const std::string& id, const std::string& field) {
  std::string raw = field.empty() ? id : id + "_" + field;
  std::string out;
  for (char c : raw) {
    unsigned char u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::toupper(u)) : '_';
  }
  return out;
}

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
