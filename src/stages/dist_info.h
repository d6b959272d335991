// What is installed in a Python environment, read natively from its *.dist-info and *.egg-info
// folder names (no interpreter started): normalized name -> version.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pw::stages {

// Scans each folder (site-packages, dist-packages); earlier folders win for a name.
std::map<std::string, std::string> installed_versions(const std::vector<std::filesystem::path>& dirs);

// An interpreter's own site folders (site.getsitepackages()), asked of it once; empty when it
// cannot be run. `python` is a name on PATH or a path.
std::vector<std::filesystem::path> interpreter_site_dirs(const std::string& python);

// The site-packages folders of a venv (lib/pythonX.Y/site-packages).
std::vector<std::filesystem::path> venv_site_dirs(const std::filesystem::path& venv);

}  // namespace pw::stages
