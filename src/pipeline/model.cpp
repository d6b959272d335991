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

namespace pw::pipeline {

std::vector<std::string> ProjectSpec::list(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    std::string item = value.substr(start, comma - start);
    size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    start = comma + 1;
  }
  return out;
}

}  // namespace pw::pipeline
