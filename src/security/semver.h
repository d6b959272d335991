// Semantic Versioning 2.0.0 (semver.org) as a VersionScheme, for OSV ranges of type SEMVER:
// ecosystems whose versions are SemVer (npm, crates.io, Go...) write their ranges that way, and
// ordering them by another ecosystem's rules goes wrong exactly on pre-releases.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "security/ecosystem.h"

namespace pw::security {

struct SemVer {
  uint64_t major = 0, minor = 0, patch = 0;
  std::vector<std::string> prerelease;  // dot-separated identifiers, as written
  std::string build;                    // kept for display; never compared
};

// Parses MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] by the spec's grammar: no leading zeros in the
// numbers nor in numeric pre-release identifiers, identifiers of [0-9A-Za-z-], none empty. No
// "v" prefix (OSV's SEMVER ranges are written without one). nullopt with `why` otherwise.
std::optional<SemVer> parse_semver(std::string_view text, std::string* why = nullptr);

// Precedence (spec item 11): major, minor, patch numerically; a pre-release sorts before its
// release; pre-releases by identifiers left to right, numeric ones numerically and below
// alphanumeric ones (ASCII order), a shorter list first when all before are equal. Build
// metadata is ignored, so 1.0.0+a and 1.0.0+b compare equal. <0, 0, >0.
int compare(const SemVer& a, const SemVer& b);

// The SemVer scheme: keys are the version without build metadata; names compare as written.
const VersionScheme& semver_scheme();

}  // namespace pw::security
