// The command lines setup-python runs: pip's install (quiet about its own version, never
// prompting, with the index and link options on every call) and the venv module's.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pw::python {

// Where pip looks for packages (setup-python's index and link settings).
struct PipIndex {
  std::optional<std::string> index_url;
  std::vector<std::string> extra_index_urls;
  bool no_index = false;
  std::vector<std::string> find_links;
  std::vector<std::string> trusted_hosts;
};

// `index` as pip's options, for every pip install: --index-url, --extra-index-url, --no-index,
// --find-links, --trusted-host, in that order.
std::vector<std::string> pip_index_options(const PipIndex& index);

std::vector<std::string> pip_install_argv(const std::filesystem::path& python,
                                          const std::vector<std::string>& options,
                                          const std::vector<std::string>& what);

// `python -m venv`, with the system's site-packages visible or not, with pip or without.
std::vector<std::string> venv_argv(const std::string& python, const std::filesystem::path& dir,
                                   bool system_site_packages, bool with_pip);

}  // namespace pw::python
