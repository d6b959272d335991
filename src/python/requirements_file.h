// pip's requirements-file format, read the way pip._internal.req.req_file reads it: physical
// lines joined on a trailing backslash, " #" comments dropped, ${VAR} expanded, the line split
// into a requirement and pip options (-r/-c includes followed, -e, --hash, --index-url, ...).
// Every requirement keeps where it came from (file, first physical line, text as written) so
// that checks built on top (lock_check.h) can point at the exact line. Problems are collected as
// Diagnostics, never thrown: one run reports every bad line of every included file.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "python/requirement.h"
#include "util/error.h"

namespace pw::python {

enum class RequirementForm : uint8_t {
  named,     // PEP 508 with a name and maybe specifiers: "requests[socks]>=2 ; marker"
  url,       // PEP 508 direct reference: "pkg @ https://host/pkg-1.0.tar.gz"
  bare_url,  // a URL alone: "https://host/pkg-1.0.whl", "git+https://host/repo@rev#egg=pkg"
  path,      // a local path alone: "./vendor/pkg", "dist/pkg-1.0-py3-none-any.whl"
  editable,  // -e <local path or VCS URL>
};
std::string_view form_name(RequirementForm form);

struct RequirementEntry {
  std::string file;  // the file it was read from, spelled as the include chain joined it
  int line = 0;      // first physical line of the (possibly continued) logical line
  // The logical line as written: continuations joined, comment removed, trimmed, ${VAR} NOT
  // expanded (so a token in an index URL does not end up in a report).
  std::string raw;
  // The requirement part pip hands on: after ${VAR} expansion, options removed, trimmed.
  std::string text;
  bool constraint = false;  // read from a -c file (or a file included from one with -c)
  RequirementForm form = RequirementForm::named;
  // Parsed PEP 508 requirement for named/url forms; also for bare URLs and paths when pip can
  // tell the name (#egg=name, or a wheel file name, which reads as name==version).
  std::optional<Requirement> requirement;
  std::string name;              // as written or deduced; "" when unknown (e.g. "-e .")
  std::string target;            // the URL or path for url/bare_url/path/editable forms
  std::optional<Marker> marker;  // the marker of a bare URL / path line ("url ; marker")
  std::map<std::string, std::vector<std::string>> hashes;  // --hash: "sha256" -> digests
  std::vector<std::string> global_options;                 // --global-option
  std::vector<std::string> install_options;                // --install-option
  std::vector<std::string> config_settings;                // --config-settings KEY=VALUE

  std::string normalized_name() const;
  bool has_hash() const { return !hashes.empty(); }
};

// A global option line ("--index-url https://...", "--require-hashes", "--pre").
struct OptionEntry {
  std::string file;
  int line = 0;
  std::string option;  // canonical long spelling: "--index-url" also for -i and --pypi-url
  std::string value;   // "" for flags; after ${VAR} expansion, so pass URLs through redact_url()
                       // before showing them
};

struct RequirementsFile {
  std::vector<RequirementEntry> requirements;  // in reading order, includes expanded in place
  std::vector<OptionEntry> options;
  std::vector<std::string> files;  // every file read, the root first
  std::vector<Diagnostic> diagnostics;
  std::vector<Diagnostic> warnings;  // what pip warns about and still reads (a locale encoding)

  bool require_hashes() const { return has_option("--require-hashes"); }
  bool has_option(std::string_view long_name) const;
};

struct ReadOptions {
  // Looks up ${VAR}; empty or missing leaves the text as written (pip's rule). Defaults to
  // the process environment.
  std::function<std::optional<std::string>(std::string_view)> getenv;
  bool follow_includes = true;
  // The locale encoding pip falls back on for a file that is not UTF-8 (see text_decoding.h);
  // "" for this process's.
  std::string locale_encoding;
};

// Reads `path` and everything it includes with -r / -c (relative to the including file).
// A missing root file, an unreadable include, an include cycle, a bad option or an invalid
// requirement each become a Diagnostic; the rest of the files are still read.
RequirementsFile read_requirements_file(const std::filesystem::path& path,
                                        const ReadOptions& options = {});
// The same over text already in memory; `file_name` is used in diagnostics and as the base for
// relative includes.
RequirementsFile parse_requirements_text(std::string_view content, const std::string& file_name,
                                         const ReadOptions& options = {});

// One logical line as pip's preprocess() yields it, before options are split off.
struct LogicalLine {
  int line = 0;      // first physical line
  std::string text;  // joined, comment removed, trimmed, ${VAR} not yet expanded
  int column = 1;    // 1-based column of text[0] on that physical line (single-line case)
};
// pip's join_lines + ignore_comments (blank and comment-only lines are dropped).
std::vector<LogicalLine> logical_lines(std::string_view content);
// pip's expand_env_variables on one line: ${NAME} with NAME in [A-Z0-9_]+.
std::string expand_env_vars(
    std::string_view line,
    const std::function<std::optional<std::string>(std::string_view)>& getenv);

}  // namespace pw::python
