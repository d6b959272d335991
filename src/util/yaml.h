// Small readers of YAML values that more than one layer's grammar shares (pipewright.yaml's
// loader, the deploy stage's targets).
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pw {

// Reports a problem at a node; the caller turns the node's mark into file:line:col.
using YamlError = std::function<void(const YAML::Node& at, const std::string& message)>;

// A value that is one plain value or a list of plain values, as a list (null: empty). Anything
// else is an error at the node and nullopt: `what + not_a_list` for a mapping, "<what> must
// list plain values" at a list's item that is not a plain value.
std::optional<std::vector<std::string>> yaml_scalar_list(const YAML::Node& n,
                                                         const std::string& what,
                                                         const std::string& not_a_list,
                                                         const YamlError& error);

}  // namespace pw
