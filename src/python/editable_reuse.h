// Reusing pip's own editable install of a project whose metadata pipewright cannot write itself
// (a setup.py, dynamic fields, a backend that does more than a path): what pip added to the
// environment in an earlier build (dist-info, .pth or finder module, launchers) is kept once
// per key, the key covering the files that define the metadata, and restored into a later
// build's environment with the earlier workspace's path replaced by the new one. pip then runs
// only when those files changed. See docs/stage-cache.md, "The project's install".
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "exec/process.h"

namespace pw::python {

// The key of the project's editable install in `project_dir`: SHA-256 over `extra` (the
// environment's key, pip's arguments) and the files that define the metadata: pyproject.toml,
// setup.py, setup.cfg, the files their `file:`/`attr:` directives and setup.py's string literals
// name (a version read from a module, a readme, a requirements file), and the commit when a
// version comes from version control (setuptools-scm, hatch-vcs, versioneer...). nullopt with
// the reason in `why_not` when no such file exists.
std::optional<std::string> editable_install_key(const std::filesystem::path& project_dir,
                                                const std::string& extra, std::string& why_not);

// Every regular file under `dir`, relative, `__pycache__` folders left out.
std::set<std::string> files_under(const std::filesystem::path& dir);

// Keeps what pip added to `site_packages` and `bin` (the files not in the listings taken before
// it ran) under `store`/<key>, the workspace's path replaced by a placeholder. Published whole
// or not at all; an entry already there is kept. Throws pw::Error when it cannot be written.
void save_editable_install(const std::filesystem::path& store, const std::string& key,
                           const std::filesystem::path& site_packages,
                           const std::filesystem::path& bin,
                           const std::set<std::string>& site_before,
                           const std::set<std::string>& bin_before,
                           const std::filesystem::path& workspace);

// Restores the entry of `key` into the environment, for `workspace`, and rewrites the RECORD of
// its dist-info to the restored files' hashes. False with the reason when there is no complete
// entry. Throws pw::Error when a file cannot be written.
bool restore_editable_install(const std::filesystem::path& store, const std::string& key,
                              const std::filesystem::path& site_packages,
                              const std::filesystem::path& bin,
                              const std::filesystem::path& workspace, std::string& why_not);

// cache_home()/editable: where setup-python keeps them.
std::filesystem::path default_editable_store();

// The project's install with reuse: restores the entry of `key` into the environment when there
// is one; otherwise runs `run_pip` and, when it succeeded and there is a key, keeps what it added
// (a store that cannot be written is a note, not a failure). `site_packages` is the build venv's
// (used only with a key); `why_not` says why there is no key or entry, logged before pip runs.
struct EditableReuse {
  bool reused = false;
  exec::ProcessResult pip;  // pip's result when it ran
};
EditableReuse reuse_or_install_editable(const std::filesystem::path& store,
                                        const std::optional<std::string>& key,
                                        const std::filesystem::path& site_packages,
                                        const std::filesystem::path& bin,
                                        const std::filesystem::path& workspace, std::string why_not,
                                        const std::function<exec::ProcessResult()>& run_pip,
                                        const std::function<void(const std::string&)>& log);

}  // namespace pw::python
