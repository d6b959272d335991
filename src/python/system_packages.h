// The interpreter's own packages standing in for a project's development dependencies: on a
// machine without a package index, a team installs its tools from the distribution (Debian's
// python3-pytest, ...) and setup-python's `dev_dependencies: system` uses them instead of pip.
// This says, for each declared requirement, what the system has, so the stage can state which
// ones are missing or at a version the project excludes instead of leaving that to a test's
// ImportError.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "python/marker.h"

namespace pw::python {

struct StandIn {
  std::string requirement;  // as declared: "pytest>=8"
  std::string name;         // normalized
  std::string found;        // the installed version; "" when not installed
  bool satisfied = false;   // installed at a version the specifier allows
};

// `requirements`: a pip requirements file's text (options, comments and blank lines skipped;
// one requirement per line). Requirements whose marker is false in `env` are left out; a marker
// that cannot be evaluated counts as true. `installed`: normalized name -> version.
std::vector<StandIn> check_stand_ins(std::string_view requirements,
                                     const std::map<std::string, std::string>& installed,
                                     const MarkerEnvironment& env);

// "pytest 7.2.1 for pytest>=8" / "freezegun (missing)": the unmet ones, for a log line.
std::string describe_unmet(const std::vector<StandIn>& stand_ins);

// The log line of one: "dev dependency pytest>=8: system has 7.2.1, excluded".
std::string describe_stand_in(const StandIn& stand_in);

// What setup-python's summary adds (a test's ImportError later has its cause there):
// "; system packages stand in for 3 dev dependencies (not met: ...)".
std::string stand_ins_summary(const std::vector<StandIn>& stand_ins);

}  // namespace pw::python
