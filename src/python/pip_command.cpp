#include "python/pip_command.h"

namespace pw::python {

std::vector<std::string> pip_index_options(const PipIndex& index) {
  std::vector<std::string> o;
  if (index.index_url) o.insert(o.end(), {"--index-url", *index.index_url});
  for (const auto& u : index.extra_index_urls) o.insert(o.end(), {"--extra-index-url", u});
  if (index.no_index) o.push_back("--no-index");
  for (const auto& f : index.find_links) o.insert(o.end(), {"--find-links", f});
  for (const auto& h : index.trusted_hosts) o.insert(o.end(), {"--trusted-host", h});
  return o;
}

std::vector<std::string> pip_install_argv(const std::filesystem::path& python,
                                          const std::vector<std::string>& options,
                                          const std::vector<std::string>& what) {
  std::vector<std::string> argv = {
      python.string(), "-m", "pip", "install", "--disable-pip-version-check", "--no-input"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), what.begin(), what.end());
  return argv;
}

std::vector<std::string> venv_argv(const std::string& python, const std::filesystem::path& dir,
                                   bool system_site_packages, bool with_pip) {
  std::vector<std::string> argv = {python, "-m", "venv"};
  if (system_site_packages) argv.push_back("--system-site-packages");
  if (!with_pip) argv.push_back("--without-pip");
  argv.push_back(dir.string());
  return argv;
}

}  // namespace pw::python
