// The Python distributions installed in an image: every `*.dist-info/METADATA` and
// `*.egg-info/PKG-INFO` (or `*.egg-info` file) directly in a site-packages or dist-packages
// folder, wherever that folder is (/usr/lib/python3/dist-packages, /usr/local/lib/python3.11/
// site-packages, a venv under /app). Only their Name and Version headers matter to the scan.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace pw::image {

struct PythonPackage {
  std::string name;  // as METADATA writes it
  std::string version;
  std::string path;  // the metadata file in the image,
                     // "usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA"
  size_t layer = 0;  // the layer that wrote that file (bottom 0)
};

// Whether a cleaned image path is a metadata file the scan reads (see the top of this file).
bool is_python_metadata_path(std::string_view path);

// The Name and Version headers of a METADATA/PKG-INFO text (RFC 822 headers up to the first
// blank line; the first occurrence wins). nullopt, with `why`, when either is missing.
std::optional<PythonPackage> parse_python_metadata(std::string_view text, std::string path,
                                                   std::string* why);

}  // namespace pw::image
