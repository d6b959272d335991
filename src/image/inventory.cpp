// The image inventory: one streaming pass per layer, whiteouts applied, few files read.
#include "image/inventory.h"

#include <algorithm>
#include <tuple>

#include "util/strings.h"

namespace pw::image {

namespace {

constexpr size_t kStatusCap = 256 << 20;  // dpkg status of a huge image is ~10 MB
constexpr size_t kSmallCap = 1 << 20;     // os-release, debian_version, status.d entries
// Name and Version are METADATA's first headers: its head is enough, however long the
// description that follows.
constexpr size_t kMetadataHead = 64 << 10;

bool is_status_d_entry(std::string_view path) {
  constexpr std::string_view dir = "var/lib/dpkg/status.d/";
  if (!path.starts_with(dir)) return false;
  std::string_view rest = path.substr(dir.size());
  // distroless also writes <pkg>.md5sums next to each stanza file.
  return !rest.empty() && rest.find('/') == std::string_view::npos && !rest.ends_with(".md5sums");
}

}  // namespace

size_t wanted_bytes(const EntryInfo& e) {
  if (e.kind != EntryKind::file && e.kind != EntryKind::symlink && e.kind != EntryKind::hardlink)
    return 0;
  const std::string& p = e.path;
  if (p == "var/lib/dpkg/status") return kStatusCap;
  if (p == "etc/os-release" || p == "usr/lib/os-release" || p == "etc/debian_version")
    return kSmallCap;
  if (is_status_d_entry(p)) return kSmallCap;
  if (is_python_metadata_path(p)) return kMetadataHead;
  return 0;
}

void note_deb_origins(const std::string& status, size_t layer, DebOrigins& origins) {
  // Warnings are collect()'s to give, from the status that counts (the top one).
  for (const auto& d : parse_dpkg_status(status, "/var/lib/dpkg/status").packages) {
    auto [it, added] = origins.try_emplace({d.name, d.architecture}, d.version, layer);
    if (!added && it->second.first != d.version) it->second = {d.version, layer};
  }
}

void collect(const LayeredFiles& files, ImageInventory& inv, const DebOrigins* origins) {
  // os-release(5): /etc/os-release, else /usr/lib/os-release (on Debian the first is a
  // relative symlink to the second).
  for (const char* p : {"etc/os-release", "usr/lib/os-release"}) {
    if (const KeptFile* f = files.resolve(p)) {
      inv.os = parse_os_release(f->content);
      inv.os_found = true;
      break;
    }
  }
  if (const KeptFile* f = files.resolve("etc/debian_version"))
    inv.debian_version = std::string(trim(f->content));

  if (const KeptFile* f = files.resolve("var/lib/dpkg/status")) {
    auto st = parse_dpkg_status(f->content, "/var/lib/dpkg/status");
    for (auto& d : st.packages) {
      d.layer = f->layer;
      if (!origins) continue;
      auto it = origins->find({d.name, d.architecture});
      if (it != origins->end() && it->second.first == d.version) d.layer = it->second.second;
    }
    inv.debs = std::move(st.packages);
    inv.warnings.insert(inv.warnings.end(), st.warnings.begin(), st.warnings.end());
  }
  std::vector<DebPackage> extra;
  for (const auto& [path, f] : files.files()) {
    if (is_status_d_entry(path)) {
      const KeptFile* real = files.resolve(path);
      if (!real) continue;
      auto st = parse_dpkg_status(real->content, "/" + path, /*require_status=*/false);
      for (auto& d : st.packages) d.layer = real->layer;
      extra.insert(extra.end(), st.packages.begin(), st.packages.end());
      inv.warnings.insert(inv.warnings.end(), st.warnings.begin(), st.warnings.end());
    } else if (is_python_metadata_path(path)) {
      const KeptFile* real = files.resolve(path);
      if (!real) continue;
      std::string why;
      auto pkg = parse_python_metadata(real->content, path, &why);
      if (pkg) {
        pkg->layer = real->layer;
        inv.python.push_back(std::move(*pkg));
      } else {
        inv.warnings.push_back({"/" + path, 0, 0, why + ": skipped"});
      }
    }
  }
  inv.debs.insert(inv.debs.end(), extra.begin(), extra.end());
  std::stable_sort(inv.debs.begin(), inv.debs.end(), [](const DebPackage& a, const DebPackage& b) {
    return std::tie(a.name, a.architecture) < std::tie(b.name, b.architecture);
  });
  std::sort(inv.python.begin(), inv.python.end(),
            [](const PythonPackage& a, const PythonPackage& b) {
              return std::tie(a.name, a.path) < std::tie(b.name, b.path);
            });
}

ImageInventory read_inventory(const std::filesystem::path& path) {
  auto start = std::chrono::steady_clock::now();
  ImageArchive archive(path);
  ImageInventory inv;
  inv.manifest = archive.manifest();
  inv.layers = inv.manifest.layers.size();
  LayeredFiles files;
  DebOrigins origins;
  for (size_t i = 0; i < inv.layers; ++i) {
    LayerChanges changes;
    archive.read_layer(
        i, wanted_bytes,
        [&](const EntryInfo& e, std::string&& content) {
          ++inv.entries;
          Whiteout w = classify_whiteout(e.path);
          if (w.kind == Whiteout::opaque) {
            changes.opaque.push_back(w.target);
            return;
          }
          if (w.kind == Whiteout::remove) {
            changes.removed.push_back(w.target);
            return;
          }
          if (e.kind != EntryKind::directory) changes.non_directories.push_back(e.path);
          if (wanted_bytes(e) == 0) return;
          KeptFile f;
          f.layer = i;
          f.kind = e.kind;
          if (e.kind == EntryKind::file) {
            f.content = std::move(content);
          } else if (e.kind == EntryKind::symlink) {
            f.link_target = e.link_target;
          } else {  // a hard link: the same content as its target, in this layer or below
            auto it = changes.kept.find(e.link_target);
            const KeptFile* t = it != changes.kept.end() ? &it->second : files.find(e.link_target);
            if (!t || t->kind != EntryKind::file) return;
            f.kind = EntryKind::file;
            f.content = t->content;
          }
          changes.kept[e.path] = std::move(f);
        },
        inv.warnings);
    if (auto it = changes.kept.find("var/lib/dpkg/status");
        it != changes.kept.end() && it->second.kind == EntryKind::file)
      note_deb_origins(it->second.content, i, origins);
    files.apply(changes);
  }
  collect(files, inv, &origins);
  inv.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  return inv;
}

}  // namespace pw::image
