// Python metadata files in an image (see python_packages.h).
#include "image/python_packages.h"

#include "util/strings.h"

namespace pw::image {

namespace {

bool is_site_folder(std::string_view name) {
  return name == "site-packages" || name == "dist-packages";
}

}  // namespace

bool is_python_metadata_path(std::string_view path) {
  auto last = path.rfind('/');
  if (last == std::string_view::npos) return false;
  std::string_view base = path.substr(last + 1);
  std::string_view dir = path.substr(0, last);
  auto prev = dir.rfind('/');
  std::string_view parent = prev == std::string_view::npos ? dir : dir.substr(prev + 1);
  // site-packages/foo-1.0.egg-info as a single PKG-INFO file (distutils' installs).
  if (base.ends_with(".egg-info") && is_site_folder(parent)) return true;
  if (prev == std::string_view::npos) return false;
  std::string_view grand = dir.substr(0, prev);
  auto g = grand.rfind('/');
  std::string_view site = g == std::string_view::npos ? grand : grand.substr(g + 1);
  if (!is_site_folder(site)) return false;
  return (base == "METADATA" && parent.ends_with(".dist-info")) ||
         (base == "PKG-INFO" && parent.ends_with(".egg-info"));
}

std::optional<PythonPackage> parse_python_metadata(std::string_view text, std::string path,
                                                   std::string* why) {
  PythonPackage p;
  p.path = std::move(path);
  for (auto raw : split_lines(text)) {
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the headers end; the description follows
    if (line.front() == ' ' || line.front() == '\t') continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string key = to_lower(trim(line.substr(0, colon)));
    std::string_view value = trim(line.substr(colon + 1));
    if (key == "name" && p.name.empty()) p.name = std::string(value);
    if (key == "version" && p.version.empty()) p.version = std::string(value);
  }
  if (p.name.empty() || p.version.empty()) {
    if (why) *why = p.name.empty() ? "no Name header" : "no Version header";
    return std::nullopt;
  }
  return p;
}

}  // namespace pw::image
