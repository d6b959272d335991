// How the detected development dependencies are installed: one generated requirements file for
// the cached environment (never a local path or an editable: those point into one build's
// workspace, so they are installed per build, as the project itself is), the project's own
// extras, and the text the environment cache key is computed from.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "project/model.h"
#include "python/declarations.h"
#include "python/editable.h"
#include "python/lock_files.h"

namespace pw::project {

struct LocalRequirement {
  bool editable = false;
  std::string path;    // absolute, with "[extras]" when given
  std::string origin;  // file:line
};

struct InstallPlan {
  std::string requirements;  // a pip requirements file: options, then one requirement per line
  std::string constraints;   // -c entries, "" when none
  size_t requirement_count = 0;
  std::vector<LocalRequirement> local;      // installed into the build's own venv
  std::vector<std::string> project_extras;  // installed with the project: ".[a,b]"
  // What the cache key covers: the generated files and every requirements file read, by content.
  std::string key_material;
  std::vector<std::string> files;  // every file the plan read, relative to the root
  std::vector<Diagnostic> problems;
};

InstallPlan plan_install(const Project& p);

// pip's arguments for the project's own install from `root` (its extras, editable or not), and
// for a local requirement (build isolation applying to it as to the project).
struct ProjectPipArgs {
  std::vector<std::string> with_deps;
  std::vector<std::string> no_deps;  // --no-deps first
  std::string extras;                // "[a,b]" or ""
};
ProjectPipArgs project_pip_args(const InstallPlan& plan, const std::filesystem::path& root,
                                bool build_isolation, bool editable);
std::vector<std::string> local_pip_args(const LocalRequirement& local, bool build_isolation);

// The groups of a lock that setup-python installs (with "main"): those named by its `groups`
// setting when given ("extra:x" for an extra), else the ones the model takes as the dev
// dependencies, else, when the lock has none of those names, every group it and the project
// declare.
std::set<std::string> lock_groups(const std::optional<std::vector<std::string>>& setting,
                                  const Project& model, const python::DeclaredProject& declared,
                                  const python::LockFile& lock);

// The project as pip's editable install would leave it, when its metadata is static, with its
// sources where the model imports its packages from; nullopt and `why_not` when pip must install
// it (dynamic metadata, or packages imported from several folders).
// static_editable, installed into the venv at `venv` (its site-packages and bin) as pip would
// leave it; nullopt and `why_not` when pip must do it (or the venv has no site-packages).
std::optional<python::EditableProject> install_static_editable(const Project& model,
                                                               const std::filesystem::path& root,
                                                               const std::filesystem::path& venv,
                                                               std::string& why_not);

std::optional<python::EditableProject> static_editable(const Project& model,
                                                       const std::filesystem::path& root,
                                                       std::string& why_not);

}  // namespace pw::project
