// Python lock files read into one model: uv.lock, poetry.lock (lock-version 1.x and 2.x),
// Pipfile.lock, pdm.lock and pylock.toml (PEP 751). Teams reproduce builds from these files
// rather than from pinned requirements files, so lock-check, setup-python and the dependency
// scan all need the same answer to "which exact packages does this project install, from where,
// with which hashes, and why". TOML is read with toml++, JSON with nlohmann-json.
//
// What the readers refuse, as Diagnostics (file:line:col): a file that is not valid TOML/JSON
// (truncated or hand-edited), a format version the reader does not know (the message says which
// versions are read), and package entries without a name or a version.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace pw::python {

enum class LockFormat : uint8_t { uv, poetry, pipfile, pdm, pylock };
std::string_view lock_format_name(LockFormat f);  // "uv.lock", "poetry.lock", ...
// The command that (re)writes this kind of lock: "uv lock", "poetry lock", ...
std::string_view lock_command(LockFormat f);

// The group every format calls its runtime dependencies ("main" in Poetry and here, "default" in
// Pipfile.lock and pdm.lock are mapped to it).
inline constexpr std::string_view kMainGroup = "main";

// One edge of the lock's dependency graph: `from` depends on `name` (when `marker` holds).
struct LockedDependency {
  std::string name;  // normalized
  std::string marker;
  std::vector<std::string> extras;  // extras of the dependency it asks for
  // Set when the edge exists only when this extra of the depending package is asked for
  // (uv's [package.optional-dependencies] of a dependency).
  std::string via_extra;
};

struct LockedPackage {
  std::string name;        // as written
  std::string normalized;  // PEP 503
  std::string version;     // exact, as written ("" only for a directory/virtual project entry)
  // registry | git | url | path | directory | editable | virtual
  std::string source_kind = "registry";
  std::string source;               // index URL, repository URL (with #commit), file URL or path
  std::vector<std::string> hashes;  // "sha256:<hex>", of every file the lock lists
  std::string marker;               // when the package applies ("" = always)
  // Which groups/extras pulled it in: kMainGroup, a dependency group ("dev"), or "extra:<name>".
  // Empty when the format does not record it and no graph could tell (poetry lock-version 2.0).
  std::vector<std::string> groups;
  std::vector<LockedDependency> dependencies;  // empty when the format keeps no graph
  bool is_project = false;  // the project itself (uv's editable/virtual root, a pylock directory)
  int line = 0;             // where the entry starts in the lock
  int column = 0;
};

struct LockFile {
  LockFormat format = LockFormat::uv;
  std::string path;
  std::string format_version;  // "1 rev 2", "2.1", "6", "4.5.0", "1.0"
  bool has_graph = false;      // dependencies are recorded (every format but Pipfile.lock)
  std::vector<LockedPackage> packages;
  // The groups the lock says it was made for, as Declaration::group names them (kMainGroup, a
  // group, "extra:<name>"; PDM's bare names, which may be either, are listed both ways): PDM's
  // [metadata] groups, pylock.toml's extras and dependency-groups. Unset when the format locks
  // every group (uv, Poetry) or does not say.
  std::optional<std::vector<std::string>> covered_groups;
  // Warnings that do not stop reading (a newer minor format version).
  std::vector<Diagnostic> notes;

  const LockedPackage* find(std::string_view normalized_name) const;
  bool hashed() const;  // every non-project package carries at least one hash
};

struct LockReadResult {
  std::optional<LockFile> lock;         // set unless a diagnostic made the file unreadable
  std::vector<Diagnostic> diagnostics;  // errors: the lock cannot be trusted
  bool ok() const { return lock && diagnostics.empty(); }
};

// The format a file name denotes (uv.lock, poetry.lock, Pipfile.lock, pdm.lock, pylock.toml and
// pylock.<name>.toml), or nullopt.
std::optional<LockFormat> lock_format_for(const std::filesystem::path& file);

// Reads `text` as the given format; `path` is used in diagnostics only.
LockReadResult read_lock_text(LockFormat format, std::string_view text, const std::string& path);
// Reads a file whose name tells its format (lock_format_for); an unknown name is a diagnostic.
LockReadResult read_lock_file(const std::filesystem::path& file);

}  // namespace pw::python
