// Is package P at version V affected by an advisory, and which versions fix it? The evaluation
// is the OSV schema's own algorithm ("Evaluation" in the spec): the explicit `versions` list, or
// any ECOSYSTEM range whose events, sorted in the ecosystem's version order, leave V vulnerable
// and V below one of the range's `limit`s. Versions are compared by the ecosystem's
// VersionScheme (ecosystem.h), names by its normalization (PEP 503 for PyPI).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "security/cvss.h"
#include "security/ecosystem.h"
#include "security/osv.h"

namespace pw::security {

class Store;

// The version asked about, parsed once for all the advisories it is checked against.
struct QueryVersion {
  const VersionScheme* scheme = nullptr;  // nullptr: no order known, only exact `versions` text
  std::string text;
  std::unique_ptr<ParsedVersion> parsed;  // nullptr when the text is not valid for the scheme
  std::string key;  // parsed->key(), or the text itself when it could not be parsed
  // The same text as SemVer 2.0, for SEMVER ranges; nullptr when it is not SemVer.
  std::unique_ptr<ParsedVersion> semver;
};
QueryVersion make_query(std::string_view ecosystem, std::string_view version);

struct Verdict {
  bool affected = false;
  // For each range that leaves the version affected (or, when only the `versions` list names
  // it, each range), the smallest `fixed` above the version: what to upgrade to. Sorted, unique.
  std::vector<std::string> fixed;
};

// A range's events parsed and sorted once, to be evaluated against many versions. Records need
// not keep events sorted; "0" as introduced sorts before everything, a limit containing '*'
// after everything, ties keep the written order.
struct PreparedEvent {
  EventKind kind = EventKind::introduced;
  std::string version;
  std::shared_ptr<const ParsedVersion> parsed;  // nullptr for the bottom and top values
  int rank = 0;                                 // -1 bottom ("0"), 0 a version, 1 top ("*")
};
struct PreparedRange {
  // An ECOSYSTEM range whose versions all parse with the scheme, or a SEMVER range whose
  // versions are all SemVer.
  bool usable = false;
  bool semver = false;  // ordered by SemVer (semver.h), compared with QueryVersion::semver
  std::vector<PreparedEvent> events;
};
PreparedRange prepare_range(const Range& range, const VersionScheme* scheme);
// The same, reusing versions already parsed (by text) with the same scheme from `parsed`, and
// adding those it parses: for preparing many ranges at once.
using ParsedVersions = std::unordered_map<std::string, std::shared_ptr<const ParsedVersion>>;
PreparedRange prepare_range(const Range& range, const VersionScheme* scheme,
                            ParsedVersions* parsed);

// One range by the spec's algorithm: true when V is before one of the range's limits (or it has
// none) and the sorted events leave it vulnerable. ECOSYSTEM ranges are evaluated in the
// ecosystem's order, SEMVER ranges in SemVer's; a version the range's order cannot parse is
// affected by no range.
bool range_includes(const PreparedRange& range, const QueryVersion& v);
bool range_includes(const Range& range, const QueryVersion& v);
// The whole affected entry: `listed` says whether the `versions` list names V.
Verdict evaluate(const std::vector<PreparedRange>& ranges, bool listed, const QueryVersion& v);
Verdict evaluate(const Affected& affected, const QueryVersion& v);

// One vulnerability that affects the package version.
struct Match {
  std::string id;                    // the advisory kept (see merge_aliases)
  std::vector<std::string> aliases;  // every other id it is known by, sorted
  std::string ecosystem;
  std::string package;  // as the advisory spells it
  std::string version;  // as asked
  std::string summary;
  std::string details;
  std::string modified;
  AdvisorySeverity severity;
  std::vector<std::string> fixed;  // versions that fix it, in version order
  std::string link;                // https://osv.dev/vulnerability/<id>
};

// Collapses matches that are one vulnerability under several ids (PYSEC-x, GHSA-y and CVE-z
// listing each other in `aliases`, directly or through a chain) into one. The kept id is the
// record with a CVSS v3 score, else with a database severity, else the smallest id, and its
// severity is the match's (one coherent rating+score pair); aliases and fixed versions are
// merged. Sorted by id.
std::vector<Match> merge_aliases(std::vector<Match> matches);

// Every advisory in `records` that affects `name` at `version` in `ecosystem`, merged.
std::vector<Match> match(const std::vector<Record>& records, std::string_view ecosystem,
                         std::string_view name, std::string_view version);
// The same against the store, by its (ecosystem, normalized name) index.
std::vector<Match> match(const Store& store, std::string_view ecosystem, std::string_view name,
                         std::string_view version);
// The same for many (name, version) pairs at once, answers in order: what a scan uses. The store
// is asked with its batched look-ups (Store::lookup, Store::advisories), a few queries in all
// instead of a few per package; the answers equal calling match() for each pair.
std::vector<std::vector<Match>> match(
    const Store& store, std::string_view ecosystem,
    const std::vector<std::pair<std::string, std::string>>& packages);

}  // namespace pw::security
