// Recognising the explaining line of a failed pip install or build (see pip_output.h).
#include "python/pip_output.h"

#include "python/traceback.h"
#include "util/strings.h"

namespace pw::python {

namespace {

// pip's generic framing lines, never the cause.
bool generic(std::string_view t) {
  for (const char* g :
       {"error: subprocess-exited-with-error", "error: metadata-generation-failed",
        "ERROR: Exception:", "note: This error originates", "note: This is an issue",
        "hint: See above", "ERROR: Failed building", "ERROR: Could not build wheels",
        "Encountered error while", "ERROR: Failed to build"})
    if (contains(t, g)) return true;
  return t.starts_with("\xe2\x95") || t.starts_with("\xe2\x94") ||
         t.starts_with("\xc3\x97");  // box drawing, ×
}

}  // namespace

PipFailure explain_pip_failure(const std::vector<std::string>& lines) {
  PipFailure f;
  std::string missing_deps, module_missing, metadata, exception, last_error, could_not_find;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string t(trim(lines[i]));
    if (t.empty()) continue;
    if (contains(t, "No matching distribution found for")) {
      f.cause = t.starts_with("ERROR: ") ? t.substr(7) : t;
      constexpr std::string_view kFor = "No matching distribution found for ";
      f.not_found = std::string(trim(t.substr(t.find(kFor) + kFor.size())));
    } else if (contains(t, "Could not find a version that satisfies the requirement")) {
      could_not_find = t.starts_with("ERROR: ") ? t.substr(7) : t;
    } else if (t.starts_with("ERROR Missing dependencies:") || t == "Missing dependencies:") {
      // python -m build: the names follow, one per indented line.
      std::vector<std::string> names;
      for (size_t j = i + 1; j < lines.size(); ++j) {
        std::string n(trim(lines[j]));
        if (n.empty() || lines[j].empty() || (lines[j][0] != '\t' && lines[j][0] != ' ')) break;
        names.push_back(n);
      }
      missing_deps = "the build backend's dependencies are missing: " +
                     (names.empty() ? std::string("?") : join(names, ", "));
    } else if (t.starts_with("ModuleNotFoundError: No module named") ||
               t.starts_with("ImportError: No module named") || contains(t, "BackendUnavailable")) {
      if (contains(t, "BackendUnavailable")) f.backend_unavailable = true;
      // The traceback's last line names the module; BackendUnavailable's own line does not.
      if (module_missing.empty() || !contains(t, "BackendUnavailable")) module_missing = t;
    } else if (t.starts_with("configuration error:") || contains(t, "InvalidRequirement") ||
               contains(t, "invalid pyproject.toml") || t.starts_with("ValueError:") ||
               t.starts_with("TypeError:") || t.starts_with("setuptools.errors.") ||
               t.starts_with("distutils.errors.") || t.starts_with("packaging.") ||
               contains(t, "TOMLDecodeError") || t.starts_with("error: invalid")) {
      metadata = t;
    } else if (is_exception_line(t)) {
      // A build backend's traceback, indented inside pip's "[end of output]" block: its last
      // line (hatchling's "UnknownPluginError: Unknown metadata hook: fancy-pypi-readme").
      exception = t;
    } else if ((t.starts_with("ERROR:") || t.starts_with("error:")) && !generic(t)) {
      last_error = t;
    }
    if (contains(t, "Failed to establish a new connection") ||
        contains(t, "Temporary failure in name resolution") ||
        contains(t, "Network is unreachable") || contains(t, "No matching distribution found") ||
        contains(t, "Could not find a version that satisfies"))
      f.index_unreachable = true;
  }
  if (f.cause.empty()) f.cause = missing_deps;
  if (f.cause.empty()) f.cause = module_missing;
  if (f.cause.empty()) f.cause = metadata;
  if (f.cause.empty()) f.cause = exception;
  if (f.cause.empty()) f.cause = could_not_find;
  if (f.cause.empty()) f.cause = last_error;
  return f;
}

std::string pip_failure_summary(const PipFailure& f, const std::string& what, bool offline,
                                bool upgrade_tools) {
  if (f.cause.empty()) return {};
  std::string msg = what + " failed: " + f.cause;
  if (f.index_unreachable && !offline)
    msg +=
        " (without a reachable package index: set setup-python no_index: true with find_links: "
        "[a folder of wheels] or system_site_packages: true, and upgrade_tools: false)";
  else if (f.index_unreachable && upgrade_tools)
    msg += " (offline, pip, setuptools and wheel cannot be upgraded: set upgrade_tools: false)";
  return msg;
}

}  // namespace pw::python
