// Files read out of an image: dpkg's status database (and status.d files), os-release, and the
// layer paths and link targets the whiteout and symlink rules act on.
#include "fuzz.h"
#include "image/dpkg_status.h"
#include "image/layers.h"
#include "image/os_release.h"

PW_FUZZ_TARGET(text) {
  using namespace pw::image;
  (void)parse_dpkg_status(text, "var/lib/dpkg/status", true);
  (void)parse_dpkg_status(text, "var/lib/dpkg/status.d/x", false);
  (void)parse_os_release(text);
  auto parts = pw::fuzz::split(text, "\n", 2);
  (void)clean_entry_path(parts[0]);
  (void)classify_whiteout(parts[0]);
  (void)resolve_link_target(parts[0], parts[1]);
}
