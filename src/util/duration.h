// Durations as pipewright.yaml writes them ("90", "90s", "5m", "1h30m", "250ms") and as the
// console shows them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace pw {

using Millis = std::chrono::milliseconds;

// nullopt when the text is not a duration. A bare number means seconds.
std::optional<Millis> parse_duration(std::string_view text);
// "850ms", "4.2s", "3m05s", "1h02m".
std::string format_duration(Millis d);
// The canonical spelling written back by `plan --yaml`: "90s", "5m", "1h30m".
std::string duration_to_yaml(Millis d);

}  // namespace pw
