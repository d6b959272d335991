// "New code": the lines added or changed since a reference point, from git, so the gate can hold
// new code to a higher standard than legacy code (SonarQube's "clean as you code").
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace pw::analysis {

// path (relative to the folder git ran in, '/' separators, the new name after a rename) -> new or
// changed line numbers in the working tree's version, ascending, unique.
using ChangedLines = std::map<std::string, std::vector<int>>;

// Parses `git diff --unified=0 --no-color` output. Deleted files, pure renames and binary files
// contribute nothing; a file added in the diff contributes all its lines. Lines it cannot make
// sense of are skipped with a warning (never an exception).
ChangedLines parse_unified_diff(std::string_view diff, std::vector<Diagnostic>* warnings = nullptr);

enum class ReferenceMode {
  merge_base,      // merge-base of HEAD with `value` (a branch; "" = main, else master, else the
                   // remote's HEAD)
  commit,          // `value` is a commit (sha, tag, any revision git understands)
  previous_build,  // `value` is the commit the previous build ran on
};

struct NewCodeReference {
  ReferenceMode mode = ReferenceMode::merge_base;
  std::string value;
};

// The `new_code` setting: "branch" or "" (merge-base with the main branch, the default),
// "branch:NAME", "previous-build" (the previous successful build's commit) or "commit:REV";
// nullopt for anything else.
std::optional<NewCodeReference> parse_new_code_reference(const std::string& text);

struct NewCode {
  bool available = false;
  // When not available: "cannot compute new code: <why>", for the report and the gate.
  std::string reason;
  std::string reference;        // the commit compared with (full sha)
  std::string reference_label;  // "merge-base with main", "commit v1.2", "previous build abc123"
  ChangedLines lines;
  std::vector<Diagnostic> warnings;

  bool is_new(std::string_view path, int line) const;
  const std::vector<int>* lines_of(std::string_view path) const;
  long long line_count() const;
};

// Runs git in `repo`: resolves the reference, diffs the working tree against it (renames
// detected), and adds untracked, not ignored files as entirely new. Never throws on a missing
// repository, history or reference: that is a NewCode with available = false and a reason.
NewCode compute_new_code(const std::filesystem::path& repo, const NewCodeReference& reference);

// What new code is measured against, as text for the stage cache's key: HEAD, its branch, the
// latest tag and the main branch's commit. The reference moves without the tree changing, so
// the analysis' key covers it.
std::string new_code_reference_state(const std::filesystem::path& repo);

}  // namespace pw::analysis
