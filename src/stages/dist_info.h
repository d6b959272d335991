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

// The site-packages folders of a venv (lib/pythonX.Y/site-packages).
std::vector<std::filesystem::path> venv_site_dirs(const std::filesystem::path& venv);

}  // namespace pw::stages
