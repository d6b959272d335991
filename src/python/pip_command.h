// The command lines setup-python runs: pip's install (quiet about its own version, never
// prompting, with the index and link options on every call) and the venv module's.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace pw::python {

std::vector<std::string> pip_install_argv(const std::filesystem::path& python,
                                          const std::vector<std::string>& options,
                                          const std::vector<std::string>& what);

// `python -m venv`, with the system's site-packages visible or not, with pip or without.
std::vector<std::string> venv_argv(const std::string& python, const std::filesystem::path& dir,
                                   bool system_site_packages, bool with_pip);

}  // namespace pw::python
