// OSV records (https://ossf.github.io/osv-schema/) as pipewright reads them, from JSON or YAML.
// Advisory databases are written by many hands and parsed by us offline, so a bad record must
// never stop an import: what cannot be used is left out, whole record or just one range or
// version, and each omission is counted by reason and reported as a Diagnostic.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace pw::security {

enum class RangeType { ecosystem, semver, git };
enum class EventKind { introduced, fixed, last_affected, limit };
std::string_view to_string(RangeType type);
std::string_view to_string(EventKind kind);

struct Event {
  EventKind kind = EventKind::introduced;
  std::string version;  // as written; "0" for introduced means "before every version"
  bool operator==(const Event&) const = default;
};

struct Range {
  RangeType type = RangeType::ecosystem;
  std::string repo;           // GIT only
  std::vector<Event> events;  // as written (not necessarily sorted)
};

struct Package {
  std::string ecosystem;  // "PyPI", "Debian:12"
  std::string name;       // as written
  std::string purl;
};

struct SeverityEntry {
  std::string type;   // "CVSS_V2", "CVSS_V3", "CVSS_V4", or another the schema adds
  std::string score;  // the vector as written
};

struct Affected {
  Package package;
  // Only ranges the matcher can evaluate are kept: ECOSYSTEM ranges whose every version is
  // valid for the ecosystem, and SEMVER ranges whose every version is SemVer 2.0 (semver.h).
  // GIT ranges need the repository's history and are dropped (counted).
  std::vector<Range> ranges;
  std::vector<std::string> versions;  // the explicit list, as written, invalid ones dropped
  // ParsedVersion::key() of each entry of `versions` (the text itself when the ecosystem has no
  // registered scheme), so a lookup needs no parsing.
  std::vector<std::string> version_keys;
  std::vector<SeverityEntry> severity;  // per-package severity (then the top-level one is absent)
};

struct Reference {
  std::string type;
  std::string url;
};

struct Record {
  std::string id;
  std::string modified;  // RFC 3339, compared as text (all writers use UTC "Z")
  std::string published;
  std::string withdrawn;  // "" when not withdrawn
  std::vector<std::string> aliases;
  std::vector<std::string> related;
  std::string summary;
  std::string details;
  std::vector<SeverityEntry> severity;
  std::vector<Affected> affected;
  std::vector<Reference> references;
  std::string
      database_severity;  // database_specific.severity as GHSA writes it: "HIGH", "MODERATE"
  std::string json;       // the whole record as compact JSON (YAML converted)
};

enum class Format { json, yaml };
// By extension: .json -> json, .yaml/.yml -> yaml; nullopt-like false when neither.
bool format_for_name(std::string_view file_name, Format* format);

struct ParseOutcome {
  std::vector<Record> records;
  // Whole records (or documents) not kept, by reason ("missing modified", "not valid JSON").
  std::map<std::string, size_t> skipped;
  // Parts left out of kept records, by reason ("GIT range (not evaluated)", "invalid version").
  std::map<std::string, size_t> dropped;
  // One per skip or drop: "file: ID: what and why".
  std::vector<Diagnostic> diagnostics;
};

// Parses one file's text (a record, or a JSON array of records) and appends to `out`.
// `source` names the file in diagnostics.
void parse_osv(std::string_view text, Format format, std::string_view source, ParseOutcome& out);
ParseOutcome parse_osv(std::string_view text, Format format, std::string_view source = "<input>");

}  // namespace pw::security
