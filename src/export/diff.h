// A unified diff of two texts, for `pipewright export --check`: the committed file against what
// export writes now, without depending on a diff program being installed.
#pragma once

#include <string>

namespace pw::ci {

// "" when equal; else a unified diff (3 lines of context) with `from` and `to` as the names.
std::string unified_diff(const std::string& a, const std::string& b, const std::string& from,
                         const std::string& to);

}  // namespace pw::ci
