// What pip's and the build frontends' output says went wrong, in one line: the last words of a
// failed install are "error: subprocess-exited-with-error" or a traceback's tail, while the line
// a user needs ("No matching distribution found for X", the missing build dependency, the
// metadata error) is a few lines above. Pure text matching over the lines the stage kept.
#pragma once

#include <string>
#include <vector>

namespace pw::python {

struct PipFailure {
  std::string cause;  // the explaining line, trimmed; "" when none was recognised
  // The failure looks like the index could not be reached or lacks the package (an offline
  // machine): the caller suggests no_index/find_links/upgrade_tools: false.
  bool index_unreachable = false;
  // pip could not import the project's build backend (pyproject_hooks' BackendUnavailable): with
  // build isolation off, the backend must be installed beside the environment's Python.
  bool backend_unavailable = false;
  // The requirement pip found no distribution for, as pip wrote it ("attrs==21.4.0"): offline,
  // the caller names where the project declares it and how to go on. "" when none.
  std::string not_found;
};

PipFailure explain_pip_failure(const std::vector<std::string>& lines);

// A failed `what`'s summary: the explaining line, with the settings that fix an install on a
// machine without the package index (`offline`: pip already runs with --no-index). "" when no
// line explains it (the caller says how the process ended instead).
std::string pip_failure_summary(const PipFailure& failure, const std::string& what, bool offline,
                                bool upgrade_tools);

}  // namespace pw::python
