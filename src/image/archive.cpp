// docker-save and OCI image archives read in place with libarchive (see archive.h).
#include "image/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "util/fs.h"

namespace pw::image {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr size_t kJsonCap = 16 << 20;  // a manifest, index or config bigger than this is bogus

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveFree>;

std::string la_error(struct archive* a) {
  const char* e = archive_error_string(a);
  return e ? e : "unknown libarchive error";
}

ArchivePtr new_reader() {
  ArchivePtr a(archive_read_new());
  if (!a) throw Error("libarchive: out of memory");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  return a;
}

EntryKind kind_of(struct archive_entry* e) {
  if (archive_entry_hardlink(e)) return EntryKind::hardlink;
  switch (archive_entry_filetype(e)) {
    case AE_IFREG:
      return EntryKind::file;
    case AE_IFDIR:
      return EntryKind::directory;
    case AE_IFLNK:
      return EntryKind::symlink;
    default:
      return EntryKind::other;
  }
}

// Reads the current entry's data, up to `cap` bytes (the rest is skipped by the next header).
std::string read_data(struct archive* a, size_t cap, int64_t size, const std::string& what) {
  std::string out;
  out.reserve(
      static_cast<size_t>(std::min<int64_t>(size > 0 ? size : 0, static_cast<int64_t>(cap))));
  char buf[1 << 16];
  while (out.size() < cap) {
    la_ssize_t n = archive_read_data(a, buf, std::min(sizeof buf, cap - out.size()));
    if (n < 0) throw Error(what + ": corrupt or truncated: " + la_error(a));
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// "sha256:abc..." -> "blobs/sha256/abc...", refusing anything that is not alg:hex (a digest
// with '/' or ".." would otherwise name a path outside blobs/).
std::string blob_path(const std::string& digest, const std::string& what) {
  auto colon = digest.find(':');
  bool ok = colon != std::string::npos && colon > 0 && colon + 1 < digest.size();
  for (size_t i = 0; ok && i < digest.size(); ++i) {
    char c = digest[i];
    if (i == colon) continue;
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && !(i < colon && (c == '+' || c == '.' || c == '_' || c == '-'))) ok = false;
  }
  if (!ok) throw Error(what + ": '" + digest + "' is not a valid digest");
  return "blobs/" + digest.substr(0, colon) + "/" + digest.substr(colon + 1);
}

json parse_json(const std::string& text, const std::string& what) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw Error(what + " is not valid JSON: " + e.what());
  }
}

std::string json_str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A member read in place: a byte range of the archive file, skipped through by seeking.
struct FileRange {
  int fd = -1;
  int64_t start = 0, size = 0, pos = 0;
  // Small reads: most entries of a layer are small files, skipped; a big read would fetch them
  // anyway. Wanted content is read at this size too, but it is little.
  char buf[8192];
  ~FileRange() {
    if (fd >= 0) close(fd);
  }
};

la_ssize_t range_read(struct archive* a, void* client, const void** out) {
  auto* r = static_cast<FileRange*>(client);
  if (r->pos >= r->size) return 0;
  size_t want = static_cast<size_t>(std::min<int64_t>(sizeof r->buf, r->size - r->pos));
  ssize_t n = pread(r->fd, r->buf, want, r->start + r->pos);
  if (n < 0) {
    archive_set_error(a, errno, "read error");
    return -1;
  }
  if (n == 0) {
    archive_set_error(a, EIO, "the archive ends inside this layer");
    return -1;
  }
  r->pos += n;
  *out = r->buf;
  return n;
}

la_int64_t range_skip(struct archive*, void* client, la_int64_t request) {
  auto* r = static_cast<FileRange*>(client);
  la_int64_t n = std::min<la_int64_t>(request, r->size - r->pos);
  r->pos += n;
  return n;
}

// The inner archive reads its bytes from the outer one's current entry.
struct Pump {
  struct archive* outer;
};

la_ssize_t pump_read(struct archive* inner, void* client, const void** buf) {
  auto* p = static_cast<Pump*>(client);
  size_t size = 0;
  la_int64_t offset = 0;
  int r = archive_read_data_block(p->outer, buf, &size, &offset);
  if (r == ARCHIVE_EOF) return 0;
  if (r < ARCHIVE_WARN) {
    archive_set_error(inner, archive_errno(p->outer), "%s", la_error(p->outer).c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(size);
}

}  // namespace

ImageArchive::ImageArchive(fs::path path) : path_(std::move(path)) {
  std::error_code ec;
  auto st = fs::status(path_, ec);
  if (ec || !fs::exists(st)) throw Error(path_.string() + ": no such file or folder");
  is_dir_ = fs::is_directory(st);
  if (!is_dir_) index_tar();
  auto has = [&](const std::string& name) {
    if (is_dir_) return fs::is_regular_file(path_ / name);
    for (const auto& m : members_)
      if (m.name == name) return true;
    return false;
  };
  if (has("manifest.json")) {
    read_docker_manifest();
  } else if (has("index.json")) {
    read_oci_index();
  } else {
    throw Error(path_.string() +
                " is not a container image archive: it holds neither manifest.json (docker/podman "
                "save) nor index.json (an OCI layout)");
  }
}

void ImageArchive::index_tar() {
  auto a = new_reader();
  if (archive_read_open_filename(a.get(), path_.c_str(), 1 << 16) != ARCHIVE_OK)
    throw Error(path_.string() + " is not a tar archive (" + la_error(a.get()) +
                "): give the output of `docker save`/`podman save` or an OCI archive");
  for (;;) {
    struct archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r == ARCHIVE_RETRY) continue;
    if (r < ARCHIVE_WARN) {
      std::string why = la_error(a.get());
      if (members_.empty())
        throw Error(path_.string() + " is not a tar archive (" + why +
                    "): give the output of `docker save`/`podman save` or an OCI archive");
      throw Error(path_.string() + ": truncated or corrupt after " +
                  std::to_string(members_.size()) + " member(s): " + why);
    }
    const char* raw = archive_entry_pathname(e);
    // The root folder itself, or a `..` name no manifest may use: kept nameless, for offsets.
    auto name = clean_entry_path(raw ? raw : "");
    Member m{name.value_or(""), kind_of(e), archive_entry_size(e), {}};
    if (m.kind == EntryKind::symlink && archive_entry_symlink(e))
      m.link_target = archive_entry_symlink(e);
    if (m.kind == EntryKind::hardlink)
      m.link_target = clean_entry_path(archive_entry_hardlink(e)).value_or("");
    m.header_offset = archive_read_header_position(a.get());
    members_.push_back(std::move(m));
  }
  if (members_.empty()) throw Error(path_.string() + " is empty: not a container image archive");
  // In a plain tar a member's data is the 512-byte blocks just before the next member's first
  // header, so a layer can be read in place, and the entries the scan does not want skipped by
  // seeking instead of reading them: most of an image's bytes.
  plain_tar_ =
      archive_filter_count(a.get()) == 1 && archive_filter_code(a.get(), 0) == ARCHIVE_FILTER_NONE;
  std::error_code ec;
  auto file_size = static_cast<int64_t>(fs::file_size(path_, ec));
  for (size_t i = 0; plain_tar_ && !ec && i + 1 < members_.size(); ++i) {
    Member& m = members_[i];
    int64_t start = members_[i + 1].header_offset - (m.size + 511) / 512 * 512;
    if (m.kind == EntryKind::file && m.header_offset >= 0 && start > m.header_offset &&
        start + m.size <= file_size)
      m.data_offset = start;
  }
}

std::string ImageArchive::resolve_member(const std::string& given, const std::string& what) const {
  auto cleaned = clean_entry_path(given);
  if (!cleaned) throw Error(what + ": '" + given + "' leaves the archive");
  std::string name = *cleaned;
  for (int hops = 0; hops < 8; ++hops) {
    if (is_dir_) {
      fs::path p = path_ / name;
      std::error_code ec;
      auto st = fs::symlink_status(p, ec);
      if (ec || !fs::exists(st)) throw Error(what + ": the archive does not hold " + name);
      if (!fs::is_symlink(st)) return name;
      name = resolve_link_target(name, fs::read_symlink(p, ec).string());
      continue;
    }
    const Member* found = nullptr;
    for (const auto& m : members_)
      if (m.name == name) found = &m;  // the last one wins, as when a tar is extracted
    if (!found) throw Error(what + ": the archive does not hold " + name);
    if (found->kind == EntryKind::symlink) {
      name = resolve_link_target(name, found->link_target);
    } else if (found->kind == EntryKind::hardlink) {
      name = found->link_target;
    } else if (found->kind == EntryKind::file) {
      return name;
    } else {
      throw Error(what + ": " + name + " is not a file");
    }
  }
  throw Error(what + ": too many links from " + given);
}

std::string ImageArchive::read_member(const std::string& given, size_t cap,
                                      const std::string& what) const {
  std::string name = resolve_member(given, what);
  if (is_dir_) {
    fs::path p = path_ / name;
    std::error_code ec;
    auto size = fs::file_size(p, ec);
    if (ec) throw Error(what + ": cannot read " + p.string() + ": " + ec.message());
    if (size > cap)
      throw Error(what + ": " + name + " is too big (" + std::to_string(size) + " bytes)");
    return read_file(p);
  }
  auto a = new_reader();
  if (archive_read_open_filename(a.get(), path_.c_str(), 1 << 16) != ARCHIVE_OK)
    throw Error(path_.string() + ": cannot read: " + la_error(a.get()));
  for (;;) {
    struct archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r == ARCHIVE_RETRY) continue;
    if (r < ARCHIVE_WARN)
      throw Error(path_.string() + ": truncated or corrupt: " + la_error(a.get()));
    const char* raw = archive_entry_pathname(e);
    if (clean_entry_path(raw ? raw : "").value_or("") != name) continue;
    if (archive_entry_size(e) > static_cast<int64_t>(cap))
      throw Error(what + ": " + name + " is too big (" + std::to_string(archive_entry_size(e)) +
                  " bytes)");
    return read_data(a.get(), cap, archive_entry_size(e), what);
  }
  throw Error(what + ": the archive does not hold " + name);
}

void ImageArchive::read_docker_manifest() {
  manifest_.format = "docker-archive";
  json m = parse_json(read_member("manifest.json", kJsonCap, "manifest.json"), "manifest.json");
  if (!m.is_array() || m.empty() || !m[0].is_object())
    throw Error(path_.string() + ": manifest.json is not a list of images");
  const json& img = m[0];
  std::string config = json_str(img, "Config");
  if (config.empty()) throw Error(path_.string() + ": manifest.json names no Config");
  manifest_.config = parse_json(read_member(config, kJsonCap, "the image config"), config);
  auto base = fs::path(config).filename().string();
  if (base.ends_with(".json")) base.resize(base.size() - 5);
  // The config's file name is its digest: "<hex>.json" (Docker < 25, podman) or
  // "blobs/sha256/<hex>" (Docker 25+).
  manifest_.image_id = "sha256:" + base;
  if (auto tags = img.find("RepoTags"); tags != img.end() && tags->is_array())
    for (const auto& t : *tags)
      if (t.is_string()) manifest_.repo_tags.push_back(t.get<std::string>());
  auto layers = img.find("Layers");
  if (layers == img.end() || !layers->is_array())
    throw Error(path_.string() + ": manifest.json names no Layers");
  std::vector<std::string> diff_ids;
  if (manifest_.config.is_object() && manifest_.config.contains("rootfs") &&
      manifest_.config["rootfs"].is_object() && manifest_.config["rootfs"].contains("diff_ids") &&
      manifest_.config["rootfs"]["diff_ids"].is_array())
    for (const auto& d : manifest_.config["rootfs"]["diff_ids"])
      diff_ids.push_back(d.is_string() ? d.get<std::string>() : "");
  for (size_t i = 0; i < layers->size(); ++i) {
    const json& l = (*layers)[i];
    if (!l.is_string())
      throw Error(path_.string() + ": manifest.json: layer " + std::to_string(i + 1) +
                  " is not a path");
    LayerRef ref;
    std::string what = "layer " + std::to_string(i + 1) + " (" + l.get<std::string>() + ")";
    ref.member = resolve_member(l.get<std::string>(), what);  // missing: a clear error now
    ref.diff_id = i < diff_ids.size() ? diff_ids[i] : "";
    ref.digest = ref.diff_id;
    manifest_.layers.push_back(std::move(ref));
  }
}

void ImageArchive::read_oci_index() {
  manifest_.format = is_dir_ ? "oci-layout" : "oci-archive";
  json index = parse_json(read_member("index.json", kJsonCap, "index.json"), "index.json");
  json manifest;
  std::string ref_name;
  // index.json may point at an image index (several platforms): descend to one manifest,
  // linux/amd64 when listed, else the first.
  for (int depth = 0; depth < 4; ++depth) {
    auto ms = index.find("manifests");
    if (ms == index.end() || !ms->is_array() || ms->empty())
      throw Error(path_.string() + ": the OCI index lists no manifest");
    const json* pick = &(*ms)[0];
    for (const auto& d : *ms) {
      const json& plat = d.contains("platform") ? d["platform"] : json();
      if (json_str(plat, "os") == "linux" && json_str(plat, "architecture") == "amd64") {
        pick = &d;
        break;
      }
    }
    if (pick->contains("annotations") && (*pick)["annotations"].is_object()) {
      for (const char* k : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
        std::string v = json_str((*pick)["annotations"], k);
        if (!v.empty() && ref_name.empty()) ref_name = v;
      }
    }
    std::string digest = json_str(*pick, "digest");
    std::string what = "manifest " + digest;
    json doc = parse_json(read_member(blob_path(digest, what), kJsonCap, what), what);
    std::string mt = json_str(*pick, "mediaType");
    if (mt.empty()) mt = json_str(doc, "mediaType");
    if (doc.contains("manifests") && !doc.contains("layers")) {
      index = std::move(doc);
      continue;
    }
    manifest = std::move(doc);
    break;
  }
  if (!manifest.is_object() || !manifest.contains("layers") || !manifest["layers"].is_array())
    throw Error(path_.string() + ": the OCI manifest lists no layers");
  if (!ref_name.empty()) manifest_.repo_tags.push_back(ref_name);
  std::string config_digest =
      manifest.contains("config") ? json_str(manifest["config"], "digest") : "";
  if (config_digest.empty()) throw Error(path_.string() + ": the OCI manifest names no config");
  manifest_.image_id = config_digest;
  manifest_.config =
      parse_json(read_member(blob_path(config_digest, "config"), kJsonCap, "the image config"),
                 "the image config");
  std::vector<std::string> diff_ids;
  if (manifest_.config.is_object() && manifest_.config.contains("rootfs") &&
      manifest_.config["rootfs"].contains("diff_ids") &&
      manifest_.config["rootfs"]["diff_ids"].is_array())
    for (const auto& d : manifest_.config["rootfs"]["diff_ids"])
      diff_ids.push_back(d.is_string() ? d.get<std::string>() : "");
  size_t i = 0;
  for (const auto& l : manifest["layers"]) {
    LayerRef ref;
    ref.digest = json_str(l, "digest");
    ref.media_type = json_str(l, "mediaType");
    std::string what = "layer " + std::to_string(i + 1) + " (" + ref.digest + ")";
    ref.member = resolve_member(blob_path(ref.digest, what), what);
    ref.diff_id = i < diff_ids.size() ? diff_ids[i] : "";
    manifest_.layers.push_back(std::move(ref));
    ++i;
  }
}

void ImageArchive::read_layer(size_t index, const std::function<size_t(const EntryInfo&)>& want,
                              const std::function<void(const EntryInfo&, std::string&&)>& take,
                              std::vector<Diagnostic>& warnings) const {
  const LayerRef& layer = manifest_.layers.at(index);
  std::string what = "layer " + std::to_string(index + 1) + " (" + layer.member + ")";
  ArchivePtr outer;
  Pump pump{nullptr};
  std::unique_ptr<FileRange> range;
  const Member* in_place = nullptr;
  if (!is_dir_ && plain_tar_)
    for (const auto& m : members_)
      if (m.name == layer.member) in_place = m.data_offset >= 0 ? &m : nullptr;  // the last wins
  auto inner = new_reader();
  if (in_place) {
    range = std::make_unique<FileRange>();
    range->fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (range->fd < 0) throw Error(path_.string() + ": cannot open: " + std::strerror(errno));
    range->start = in_place->data_offset;
    range->size = in_place->size;
    if (archive_read_open2(inner.get(), range.get(), nullptr, range_read, range_skip, nullptr) !=
        ARCHIVE_OK)
      throw Error(what + " is not a tar layer: " + la_error(inner.get()));
  } else if (is_dir_) {
    if (archive_read_open_filename(inner.get(), (path_ / layer.member).c_str(), 1 << 16) !=
        ARCHIVE_OK)
      throw Error(what + ": cannot read: " + la_error(inner.get()));
  } else {
    outer = new_reader();
    if (archive_read_open_filename(outer.get(), path_.c_str(), 1 << 16) != ARCHIVE_OK)
      throw Error(path_.string() + ": cannot read: " + la_error(outer.get()));
    bool found = false;
    for (;;) {
      struct archive_entry* e = nullptr;
      int r = archive_read_next_header(outer.get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r == ARCHIVE_RETRY) continue;
      if (r < ARCHIVE_WARN)
        throw Error(path_.string() + ": truncated or corrupt: " + la_error(outer.get()));
      const char* raw = archive_entry_pathname(e);
      if (clean_entry_path(raw ? raw : "").value_or("") == layer.member &&
          archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e)) {
        found = true;
        break;
      }
    }
    if (!found) throw Error(what + ": the archive does not hold it");
    pump.outer = outer.get();
    if (archive_read_open(inner.get(), &pump, nullptr, pump_read, nullptr) != ARCHIVE_OK)
      throw Error(what + " is not a tar layer: " + la_error(inner.get()));
  }
  size_t traversals = 0;
  for (;;) {
    struct archive_entry* e = nullptr;
    int r = archive_read_next_header(inner.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r == ARCHIVE_RETRY) continue;
    if (r < ARCHIVE_WARN) throw Error(what + ": corrupt or truncated: " + la_error(inner.get()));
    const char* raw = archive_entry_pathname(e);
    std::string raw_s = raw ? raw : "";
    auto path = clean_entry_path(raw_s);
    if (!path) {
      bool is_root = raw_s.find("..") == std::string::npos;
      if (!is_root && traversals++ < 5)
        warnings.push_back({what, 0, 0, "entry '" + raw_s + "' leaves the image: ignored"});
      continue;
    }
    EntryInfo info;
    info.path = std::move(*path);
    info.kind = kind_of(e);
    info.size = archive_entry_size(e);
    if (info.kind == EntryKind::symlink && archive_entry_symlink(e))
      info.link_target = archive_entry_symlink(e);
    if (info.kind == EntryKind::hardlink) {
      auto t = clean_entry_path(archive_entry_hardlink(e));
      if (!t) {
        if (traversals++ < 5)
          warnings.push_back(
              {what, 0, 0, "hard link '" + info.path + "' points outside the image: ignored"});
        continue;
      }
      info.link_target = *t;
    }
    size_t cap = want(info);
    std::string content;
    if (cap > 0 && info.kind == EntryKind::file)
      content = read_data(inner.get(), cap, info.size, what);
    take(info, std::move(content));
  }
  if (traversals > 5)
    warnings.push_back(
        {what, 0, 0, std::to_string(traversals) + " entries leaving the image ignored in all"});
}

}  // namespace pw::image
