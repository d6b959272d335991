// What is installed in a Python environment, read natively from its *.dist-info and *.egg-info
// folder names (no interpreter started): normalized name -> version.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "python/requirement.h"

namespace pw::python {

// Scans each folder (site-packages, dist-packages); earlier folders win for a name.
std::map<std::string, std::string> installed_versions(
    const std::vector<std::filesystem::path>& dirs);

// An interpreter's own site folders (site.getsitepackages()), asked of it once; empty when it
// cannot be run. `python` is a name on PATH or a path.
std::vector<std::filesystem::path> interpreter_site_dirs(const std::string& python);

// The PEP 508 marker values of an interpreter (python_version, sys_platform, ...), asked of it
// once; empty when it cannot be run.
std::map<std::string, std::string, std::less<>> interpreter_marker_environment(
    const std::string& python);

// Normalized name -> the normalized names it requires (Requires-Dist without an extra marker),
// from the METADATA of each distribution in `dirs`; earlier folders win for a name.
std::map<std::string, std::vector<std::string>> installed_requirements(
    const std::vector<std::filesystem::path>& dirs);

// Adds to `closure` every name its members require through `requires_` (installed_requirements),
// transitively: what a project's declared names reach in an environment.
void close_over_requirements(std::set<std::string>& closure,
                             const std::map<std::string, std::vector<std::string>>& requires_);

// The project's declared dependencies (Requires-Dist in the dist-info found in `project_sites`)
// that `installed` lacks or has at an excluded version; extras are skipped.
std::vector<std::string> unmet_dependencies(const std::vector<std::filesystem::path>& project_sites,
                                            const std::map<std::string, std::string>& installed);

// The requirement `text` ("hatchling>=1.26") when `installed` lacks it or has it at an excluded
// version (its name alone when absent, the whole text when the version is excluded; text that
// does not parse is returned as it is, for pip to judge); nullopt when it is met. Markers are not
// evaluated: such a requirement counts as needed.
std::optional<std::string> unmet_requirement(const std::string& text,
                                             const std::map<std::string, std::string>& installed);
// The same for a requirement already parsed from `text`.
std::optional<std::string> unmet_requirement(const Requirement& req, const std::string& text,
                                             const std::map<std::string, std::string>& installed);

// What setup-python asks of the interpreter it builds from, in one start: its version, its real
// path, its site folders, and whether venv and ensurepip import (Debian splits them out).
struct InterpreterFacts {
  std::string version;  // "?" when the answer is short
  std::string real;     // the resolved executable; the path it was started as when not given
  std::vector<std::filesystem::path> system_sites;
  bool has_venv = true;
};
// The `python -c` program, and its answer read.
std::string interpreter_probe_program();
InterpreterFacts parse_interpreter_probe(const std::string& output, const std::string& started_as);

// The site-packages folders of a venv (lib/pythonX.Y/site-packages).
std::vector<std::filesystem::path> venv_site_dirs(const std::filesystem::path& venv);

}  // namespace pw::python
