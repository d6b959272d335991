// What is installed in an image, read layer by layer with whiteouts applied: the OS
// (os-release, debian_version), the Debian packages (dpkg status) and the Python distributions
// (dist-info/egg-info). The image scan matches this against advisories; `dpkg-query -W` inside
// the container lists the same Debian packages.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "image/archive.h"
#include "image/dpkg_status.h"
#include "image/os_release.h"
#include "image/python_packages.h"
#include "util/error.h"

namespace pw::image {

struct ImageInventory {
  ImageManifest manifest;
  OsRelease os;
  bool os_found = false;
  std::string debian_version;         // /etc/debian_version ("12.8"), "" when absent
  std::vector<DebPackage> debs;       // sorted by name
  std::vector<PythonPackage> python;  // sorted by name, then path
  std::vector<Diagnostic> warnings;   // traversals, odd stanzas, unreadable metadata
  size_t layers = 0;
  size_t entries = 0;  // layer entries walked, all layers
  std::chrono::milliseconds elapsed{0};
};

// Reads the image at `path` (see ImageArchive for what is accepted). Throws pw::Error when the
// archive or one of its layers cannot be read.
ImageInventory read_inventory(const std::filesystem::path& path);

// The walk itself, for tests that feed hand-made layers: which entries the scan keeps and how
// much of each it reads (0: none).
size_t wanted_bytes(const EntryInfo& entry);

// Where each Debian package at its version first appeared: (name, architecture) -> (version,
// layer), from the dpkg status each layer wrote, bottom first.
using DebOrigins = std::map<std::pair<std::string, std::string>, std::pair<std::string, size_t>>;
void note_deb_origins(const std::string& status, size_t layer, DebOrigins& origins);

// Builds the inventory from the files kept after all layers (os-release, status, metadata).
// Without origins a Debian package's layer is the status file's.
void collect(const LayeredFiles& files, ImageInventory& inv, const DebOrigins* origins = nullptr);

}  // namespace pw::image
