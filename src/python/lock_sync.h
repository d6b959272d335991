// Is the lock still the lock of what the project declares? A lock file is pinned by construction,
// so for a locked project lock-check asks whether it is in sync: every requirement the project
// declares (its dependencies and the dev groups/extras in use) is satisfied by a locked version,
// and nothing the lock pins has lost the declaration that brought it in. Pure: the declarations
// come from the project model, the lock from lock_files.h, the interpreter's markers from the
// caller.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "python/lock_files.h"
#include "python/marker.h"
#include "python/requirement.h"
#include "util/error.h"

namespace pw::python {

// One requirement the project declares, where it is declared, and for which group.
struct Declaration {
  Requirement requirement;
  std::string file;
  int line = 0;
  int column = 0;
  std::string group = std::string(kMainGroup);  // kMainGroup, a group name, or "extra:<name>"
};

struct SyncOptions {
  // Groups (and "extra:<name>") in use besides kMainGroup, which is always in use.
  std::set<std::string> groups;
  // The build interpreter's marker values; when unset every declaration is checked.
  std::optional<MarkerEnvironment> environment;
  // The project's normalized name: a declaration naming it refers to the project's own extras
  // (pip installs them from the project), which no lock locks as a package.
  std::string project;
};

enum class SyncProblemKind : uint8_t {
  not_locked,     // declared (and applies) but the lock has no such package
  outside_range,  // locked at a version the declaration excludes
  not_declared,   // locked, but no declaration needs it any more
  unpinned,       // declared, and there is no lock at all
};
std::string_view sync_problem_name(SyncProblemKind kind);

struct SyncProblem {
  SyncProblemKind kind = SyncProblemKind::not_locked;
  std::string name;  // as declared (or as locked for not_declared)
  std::string file;  // the declaring file, or the lock for not_declared
  int line = 0;
  int column = 0;
  std::string message;  // the whole sentence, command to run included

  std::string str() const;  // "file:line:col: message"
};

struct SyncResult {
  std::vector<SyncProblem> problems;
  std::vector<Diagnostic> diagnostics;  // markers that cannot be evaluated, unparsable versions
  std::vector<std::string> notes;       // what could not be checked and why
  size_t checked = 0;                   // declarations judged against the lock
  size_t skipped_by_marker = 0;
  bool ok() const { return problems.empty() && diagnostics.empty(); }
};

// Whether `lock` was made for `group` (a Declaration::group): always, unless the lock records the
// groups it covers (LockFile::covered_groups) and `group` is not among them.
bool lock_covers(const LockFile& lock, const std::string& group);

// Checks `lock` against the declarations.
SyncResult check_lock_sync(const LockFile& lock, const std::vector<Declaration>& declarations,
                           const SyncOptions& options = {});

// A project that declares requirements and has no lock at all: each declaration is one unpinned
// problem, the message naming `command` (e.g. "uv lock", "pip-compile", "poetry lock").
SyncResult unlocked(const std::vector<Declaration>& declarations, std::string_view command);

// An empty requirements file is not a lock: when a requirements file pins nothing while a `.in`
// beside it or a dev declaration says there is something to pin, "0 requirements pinned" must
// fail. `why` names what exists (e.g. "requirements-dev.in exists beside it").
std::optional<Diagnostic> empty_lock_problem(const std::string& requirements_file,
                                             size_t pinned_requirements, const std::string& why);

// The lock files found in one folder, and which one is used and why.
struct LockChoice {
  std::optional<std::filesystem::path> chosen;
  std::string reason;  // always set when more than one was found
  std::vector<std::filesystem::path> found;
};
// `tool` is the tool the project's configuration names ("uv", "poetry", "pdm", "pipenv"; "" when
// none): its lock wins. Otherwise the standard pylock.toml, then uv.lock, poetry.lock, pdm.lock,
// Pipfile.lock, in that order.
LockChoice choose_lock(const std::filesystem::path& folder, const std::string& tool = "");

// The packages an install from `lock` puts in the environment: those of the groups in use (or of
// unknown group) whose marker holds for `environment` (all when unset). The project itself is
// left out.
std::vector<const LockedPackage*> packages_to_install(const LockFile& lock,
                                                      const SyncOptions& options);

// The packages an install from `lock` puts in the environment as a requirements file pip installs
// with --no-deps: exact versions, every hash the lock lists (pip then checks them all); git, url
// and local sources as pip spells them. `lock.path` names the lock in its first line.
std::string locked_requirements(const LockFile& lock,
                                const std::vector<const LockedPackage*>& packages);

}  // namespace pw::python
