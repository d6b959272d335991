// Debian package versions ordered exactly as dpkg orders them (lib/dpkg/version.c), natively:
// the container image scan matches dpkg status versions against OSV `Debian:<release>` ranges,
// and a wrong order there means a missed or invented vulnerability.
//
// A version is [epoch:]upstream[-revision]. The epoch (digits, default 0) compares first,
// numerically; then upstream and revision each with dpkg's verrevcmp: alternating non-digit
// runs, compared character by character with `~` before everything (even the end of the
// string), then the end, then letters, then other characters; and digit runs, compared as
// numbers (an empty run is 0).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "security/ecosystem.h"

namespace pw::security {

struct DpkgVersion {
  unsigned long epoch = 0;
  std::string upstream;
  std::string revision;  // "" when the version has no '-'

  // Parses as dpkg's parseversion does: the epoch is before the first ':', the revision after
  // the last '-'. Fails (returns false, `why` says why) on an empty version, embedded blanks,
  // an epoch that is not a number below 2^31, an empty upstream or revision part, or a
  // character dpkg warns about (upstream: alphanumerics and . + ~ - :; revision: alphanumerics
  // and . + ~): advisory data that odd is not trusted to order. An upstream not starting with
  // a digit is accepted, as dpkg accepts it with a warning. Surrounding blanks are ignored.
  static bool parse(std::string_view text, DpkgVersion* out, std::string* why);
};

// dpkg's verrevcmp on one part (upstream or revision): <0, 0, >0.
int dpkg_compare_part(std::string_view a, std::string_view b);
// The full comparison: epoch, then upstream, then revision.
int dpkg_compare(const DpkgVersion& a, const DpkgVersion& b);
// Both texts parsed; an unparsable text sorts as dpkg would after parsing it leniently (its
// parts split on ':' and '-' the same way), so sorting never throws.
int dpkg_compare(std::string_view a, std::string_view b);

// A text equal for two versions exactly when dpkg_compare says they are equal ("1.0" and
// "0:1.0-0" share one; digit runs lose leading zeros): OSV `versions` lists match by it.
std::string dpkg_key(const DpkgVersion& v);

// The VersionScheme of the `Debian` ecosystem (ecosystem.cpp registers it). Names are compared
// as written: Debian package names are lower case by policy.
std::unique_ptr<VersionScheme> make_dpkg_scheme();

}  // namespace pw::security
