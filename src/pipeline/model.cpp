#include "pipeline/model.h"

#include <cctype>

#include "util/strings.h"

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

namespace pw::pipeline {

std::vector<std::string> ProjectSpec::list(const std::string& value) {
  std::vector<std::string> out;
  for (const auto& item : split(value, ','))
    if (auto t = trim(item); !t.empty()) out.emplace_back(t);
  return out;
}

}  // namespace pw::pipeline
