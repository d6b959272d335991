// The logic of the `lock-check` stage: every requirement a project installs must name exactly
// one version, so that two installs of the same commit get the same code. Reads the root
// requirements file with its includes (requirements_file.h) and reports every violation at once,
// each with file, line, what is written, why it is not a pin and, when the installed environment
// tells us, the exact pin to write instead.
//
// The rule: a requirement is pinned when it has exactly one specifier and it is `==X` without a
// wildcard (a local label is fine: ==1.0+cpu) or `===X`. No specifier, `>=`, `<=`, `<`, `>`,
// `~=`, `!=`, `==1.*` and two or more specifiers are not pins.
//
// Decisions (defaults chosen for a CI gate that should pass on a sane lock file and fail on drift):
//  - Constraints count. A name left open in a requirements file but pinned with `==X` in a
//    constraints file (-c) is pinned: pip installs exactly X. The constraint must fall inside
//    what the requirement allows, else that is a violation too. Constraint lines themselves are
//    not required to be pins (a constraint may only cap a version), and they are not installed.
//  - URL requirements (`name @ url`, bare URLs): Policy::pinned_only by default. A URL is a pin
//    when what it points to cannot change: a VCS URL at a full commit id (git@<40 hex>), an
//    archive with #sha256= (or sha384/sha512) or a --hash. A tag or branch can be moved, a plain
//    https URL can be re-uploaded.
//  - Editable and local-path requirements (`-e .`, `-e ./lib`, `./vendor/pkg`):
//    Policy::pinned_only by default. A local path is the project's own code, versioned by the
//    same commit as the requirements file, so it is accepted; an editable VCS URL follows the
//    URL rule (commit id).
//  - Hashes are required when LockCheckOptions::require_hashes is set, when a file says
//    --require-hashes, or when any requirement or constraint carries --hash (pip then switches
//    to hash-checking mode for all of them). A hash may sit on the requirement line, in the URL
//    (#sha256=) or on the constraint line pinning the name. Editables, VCS URLs and local
//    directories cannot be hash-checked by pip at all; they are reported under this rule.
//  - A name pinned twice to different versions (neither line with a marker) is a violation.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "python/marker.h"
#include "python/requirements_file.h"
#include "util/error.h"

namespace pw::python {

enum class Policy : uint8_t {
  forbid,       // any such requirement is a violation
  pinned_only,  // accepted when it names something immutable (see above)
  allow,        // always accepted (hash rule still applies)
};

struct LockCheckOptions {
  bool require_hashes = false;
  // Normalized project name (or, for a nameless requirement, its path/URL as written, e.g. ".")
  // -> why it may float. Allowed requirements are listed in the result, not checked.
  std::map<std::string, std::string> allow;
  Policy urls = Policy::pinned_only;
  Policy editables = Policy::pinned_only;  // also plain local paths
  // Normalized name -> version installed in the environment, to suggest `name==version`.
  std::map<std::string, std::string> installed;
  // When set, requirements whose marker is false in this environment are skipped (not counted);
  // when unset every requirement is checked whatever its marker says.
  std::optional<MarkerEnvironment> environment;
  ReadOptions read;  // ${VAR} lookup and include following
};

enum class ViolationKind : uint8_t {
  not_pinned,           // no version at all
  range,                // one operator that is not == / === (>=, <, ~=, !=, ...)
  wildcard,             // ==1.*
  multiple_specifiers,  // >=1,<2 or ==1,!=2
  constraint_conflict,  // a -c pin the requirement's own range excludes
  conflicting_pins,     // the same name pinned to two versions
  url_forbidden,
  url_not_immutable,
  editable_forbidden,
  editable_not_immutable,
  missing_hash,
  cannot_hash,  // editable / VCS / directory while hashes are required
};
std::string_view violation_kind_name(ViolationKind kind);

struct LockViolation {
  std::string file;
  int line = 0;
  std::string name;  // as written (or deduced from #egg= / a wheel name); "" when unknown
  std::string
      spec;  // as written: ">=2.0", "==1.*", "", "@ https://...", "-e ./lib" (URLs redacted)
  ViolationKind kind = ViolationKind::not_pinned;
  std::string reason;      // "`>=` is a range, not a pin"
  std::string suggestion;  // "requests==2.31.0" when the installed version is known, else ""
};

struct AllowedEntry {
  std::string file;
  int line = 0;
  std::string name;
  std::string spec;
  std::string reason;  // from LockCheckOptions::allow
};

struct LockCheckResult {
  std::vector<LockViolation> violations;  // in reading order
  std::vector<AllowedEntry> allowed;
  std::vector<Diagnostic> diagnostics;  // unreadable files, include cycles, invalid lines
  std::vector<Diagnostic> warnings;     // what pip warns about but reads (a locale encoding)
  std::vector<std::string> files;       // every file read, the root first
  size_t checked = 0;                   // requirements examined (constraints and allowed excluded)
  size_t skipped_by_marker = 0;
  bool hashes_required = false;
  std::string hashes_required_because;  // "--require-hashes at requirements.txt:3", ...

  // No violation and no diagnostic: the stage passes.
  bool ok() const { return violations.empty() && diagnostics.empty(); }
};

// Reads `root` (and its -r/-c includes) and checks it.
LockCheckResult check_lock(const std::filesystem::path& root, const LockCheckOptions& options = {});
// Checks an already read file set (its diagnostics are carried over).
LockCheckResult check_lock(const RequirementsFile& parsed, const LockCheckOptions& options = {});

// Makes the file of every violation, allowed entry, diagnostic and warning relative to `base`
// (a file that cannot be made relative stays as it is): paths relative to the workspace read
// better than the build folder's absolute ones.
void make_paths_relative(LockCheckResult& result, const std::filesystem::path& base);

// "file:line: name spec: why" + " — use name==X" when a suggestion is known.
std::string format_violation(const LockViolation& v);
// "file:line: name spec: allowed: reason".
std::string format_allowed(const AllowedEntry& a);

}  // namespace pw::python
