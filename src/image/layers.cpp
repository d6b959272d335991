// Whiteouts, safe paths and in-image symlinks (see layers.h).
#include "image/layers.h"

namespace pw::image {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

// Splits on '/', dropping empty and "." parts.
std::vector<std::string_view> parts_of(std::string_view p) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view part = p.substr(i, j - i);
    if (!part.empty() && part != ".") out.push_back(part);
    i = j + 1;
  }
  return out;
}

}  // namespace

std::optional<std::string> clean_entry_path(std::string_view raw) {
  std::string out;
  for (auto part : parts_of(raw)) {
    if (part == "..") return std::nullopt;
    if (!out.empty()) out += '/';
    out.append(part);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

Whiteout classify_whiteout(std::string_view path) {
  auto slash = path.rfind('/');
  std::string_view dir = slash == std::string_view::npos ? "" : path.substr(0, slash);
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (base == kOpaqueMarker) return {Whiteout::opaque, std::string(dir)};
  if (base.starts_with(kWhiteoutPrefix) && base.size() > kWhiteoutPrefix.size()) {
    std::string target(dir);
    if (!target.empty()) target += '/';
    target.append(base.substr(kWhiteoutPrefix.size()));
    return {Whiteout::remove, target};
  }
  return {};
}

std::string resolve_link_target(std::string_view link_path, std::string_view target) {
  std::vector<std::string> stack;
  if (!target.starts_with('/')) {
    auto parts = parts_of(link_path);
    if (!parts.empty()) parts.pop_back();  // the link's own name
    for (auto p : parts) stack.emplace_back(p);
  }
  for (auto p : parts_of(target)) {
    if (p == "..") {
      if (!stack.empty()) stack.pop_back();  // at the root, ".." is the root
    } else {
      stack.emplace_back(p);
    }
  }
  std::string out;
  for (const auto& p : stack) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

void LayeredFiles::erase_tree(const std::string& path, bool keep_self) {
  if (path.empty()) {  // the root: everything below it
    files_.clear();
    return;
  }
  if (!keep_self) files_.erase(path);
  std::string prefix = path + "/";
  auto it = files_.lower_bound(prefix);
  while (it != files_.end() && it->first.starts_with(prefix)) it = files_.erase(it);
}

bool LayeredFiles::has_under(std::string_view folder) const {
  std::string prefix = std::string(folder) + "/";
  auto it = files_.lower_bound(prefix);
  return it != files_.end() && it->first.starts_with(prefix);
}

void LayeredFiles::apply(const LayerChanges& layer) {
  for (const auto& dir : layer.opaque) erase_tree(dir, /*keep_self=*/true);
  for (const auto& p : layer.removed) erase_tree(p, /*keep_self=*/false);
  // A file, link or device where a lower layer had a folder: the folder is gone.
  for (const auto& p : layer.non_directories)
    if (has_under(p)) erase_tree(p, /*keep_self=*/true);
  for (const auto& [path, file] : layer.kept) files_[path] = file;
}

const KeptFile* LayeredFiles::find(std::string_view path) const {
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

const KeptFile* LayeredFiles::resolve(std::string_view path) const {
  std::string p(path);
  for (int hops = 0; hops <= 16; ++hops) {
    const KeptFile* f = find(p);
    if (!f) return nullptr;
    if (f->kind == EntryKind::file) return f;
    if (f->kind != EntryKind::symlink) return nullptr;
    p = resolve_link_target(p, f->link_target);
  }
  return nullptr;
}

}  // namespace pw::image
