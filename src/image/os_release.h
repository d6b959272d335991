// The operating system of an image, from os-release(5): which advisories apply to its packages
// (Debian 12's, not Debian 11's) depends on it.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace pw::image {

struct OsRelease {
  std::string id;                             // "debian"
  std::string id_like;                        // "debian" for derivatives
  std::string version_id;                     // "12"; empty on testing/unstable
  std::string codename;                       // VERSION_CODENAME, "bookworm"
  std::string pretty_name;                    // "Debian GNU/Linux 12 (bookworm)"
  std::map<std::string, std::string> fields;  // every KEY=value read
};

// Parses os-release text: KEY=value lines, values optionally in single or double quotes with
// shell-like backslash escapes in double quotes; comments and malformed lines are skipped.
OsRelease parse_os_release(std::string_view text);

}  // namespace pw::image
