// The Debian packages installed in an image, from dpkg's status database
// (/var/lib/dpkg/status; distroless images keep one file per package in status.d/). Advisories
// name source packages ("openssl", not "libssl3"), so each package carries its source name and
// version as the `Source:` field gives them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace pw::image {

struct DebPackage {
  std::string name;     // binary package, "libssl3"
  std::string version;  // "3.0.15-1~deb12u1"
  std::string architecture;
  std::string source;          // "openssl"; the package's own name when no Source field
  std::string source_version;  // from "Source: name (version)"; else the package's version
  std::string status;          // the Status field as written
  // The layer (bottom 0) that installed it at this version: the lowest layer whose dpkg status
  // already lists it so, as Trivy attributes a package (its report's Layer).
  size_t layer = 0;
};

struct DpkgStatus {
  std::vector<DebPackage> packages;  // installed ones, in file order
  size_t not_installed = 0;          // stanzas whose state is not "installed" (config-files...)
  std::vector<Diagnostic> warnings;  // odd stanzas skipped: "status:12: no Version field"
};

// Parses a status file (stanzas of RFC 822-style fields, continuation lines starting with a
// blank, stanzas apart by blank lines). A package counts when its Status' third word is
// "installed" (as `dpkg-query -W` lists it); in a status.d file, which has no Status field, every
// stanza counts. A stanza without Package or Version is skipped with a warning naming its
// line. CRLF line ends are accepted.
DpkgStatus parse_dpkg_status(std::string_view text, const std::string& file_name,
                             bool require_status = true);

}  // namespace pw::image
