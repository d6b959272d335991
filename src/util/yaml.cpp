#include "util/yaml.h"

namespace pw {

std::optional<std::vector<std::string>> yaml_scalar_list(const YAML::Node& n,
                                                         const std::string& what,
                                                         const std::string& not_a_list,
                                                         const YamlError& error) {
  if (n.IsNull()) return std::vector<std::string>{};
  if (n.IsScalar()) return std::vector<std::string>{n.Scalar()};
  if (!n.IsSequence()) {
    error(n, what + not_a_list);
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      error(item, what + " must list plain values");
      return std::nullopt;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

}  // namespace pw
