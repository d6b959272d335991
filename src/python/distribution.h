// What `python -m build` made, checked natively before anything is archived or published: a wheel
// (PEP 427/491: a zip whose RECORD lists every member with its sha256 and size) and an sdist
// (PEP 517/625: a tar.gz with one top folder holding PKG-INFO). A build backend with a bug, a
// half-written file or a tampered archive is caught here rather than by the index or the user.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pw::python {

// Core metadata (METADATA in a wheel, PKG-INFO in an sdist): RFC 822 headers up to the first
// blank line; continuation lines (leading whitespace) join the header before them. The first
// value of each name (case as written) is kept; later repeats (Classifier, ...) are ignored.
struct CoreMetadata {
  std::map<std::string, std::string> headers;  // keyed by the lower-cased header name
  std::string get(const std::string& lower_name) const;
  std::string name() const { return get("name"); }
  std::string version() const { return get("version"); }
};
CoreMetadata parse_core_metadata(std::string_view text);

// The [project] table of a pyproject.toml (PEP 621), only what the checks compare: name and
// version as strings, and whether the version is `dynamic` (set by the backend, not the file).
struct PyProject {
  bool has_project = false;
  std::string name;
  std::string version;
  bool version_dynamic = false;
};
// Parsed with toml++ (python/toml.h). Throws pw::Error "file:line:col: ..." when the text is not
// valid TOML or one of those keys has the wrong type.
PyProject read_pyproject(std::string_view text, const std::string& file_for_errors);

// A RECORD hash value for `data`: "sha256=" + urlsafe base64 of the digest without '=' padding.
std::string record_hash(std::string_view data);

struct DistCheck {
  std::string kind;  // "wheel" or "sdist"
  std::filesystem::path file;
  std::string name;  // from METADATA / PKG-INFO
  std::string version;
  std::uint64_t members = 0;          // files in the archive
  std::uint64_t size = 0;             // bytes of the archive
  std::vector<std::string> problems;  // empty: the file verified
  bool ok() const { return problems.empty(); }
};

// Checks a wheel: a complete zip (central directory present), safe member names, exactly one
// *.dist-info with METADATA, WHEEL and RECORD, every member in RECORD with a matching sha256 and
// size and every RECORD row naming a member (RECORD itself and its signatures excepted), the
// file name's name and version equal to METADATA's, and both equal to `expected` when it has a
// [project] table (version unless dynamic). Never throws for a bad archive: problems say why.
DistCheck verify_wheel(const std::filesystem::path& wheel, const PyProject& expected);

// Checks an sdist: a complete tar.gz, every member under one top folder `<name>-<version>/` with
// safe names, PKG-INFO there whose Name and Version agree with the file name and `expected`.
DistCheck verify_sdist(const std::filesystem::path& sdist, const PyProject& expected);

// Without a [project] table (setup.py) nothing names the expected project: the wheel and the
// sdist must still agree. Adds a problem to each verified check naming another project or
// version than the first (the wheel, checks listing wheels first).
void check_dists_agree(std::vector<DistCheck>& checks);

}  // namespace pw::python
