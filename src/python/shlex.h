// Python's shlex.split (POSIX mode), which pip applies to the option half of every
// requirements-file line ("--hash=sha256:... --global-option='--x y'"). Reproduced exactly so a
// quoted option value splits the way pip splits it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "python/result.h"

namespace pw::python {

// Fails like shlex: "No closing quotation" / "No escaped character" (offset: where it started).
Result<std::vector<std::string>> shlex_split(std::string_view s);

}  // namespace pw::python
