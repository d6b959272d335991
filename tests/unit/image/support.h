// Hand-made image archives for the image layer's tests, written with libarchive in the test
// itself: layer tars (files, folders, links, devices, whiteouts), wrapped as `docker save`
// writes them or as an OCI archive. No binary fixtures: each test shows the layers it needs.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/hash.h"

namespace pw::image::testing {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "pw-image-XXXXXX").string();
    path_ = fs::path(mkdtemp(tmpl.data()));
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path operator/(const std::string& name) const { return path_ / name; }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct Entry {
  enum Type { file, dir, symlink, hardlink, chardev } type = file;
  std::string path;
  std::string content;  // file content, or link target
};
inline Entry F(std::string p, std::string c) { return {Entry::file, std::move(p), std::move(c)}; }
inline Entry D(std::string p) { return {Entry::dir, std::move(p), {}}; }
inline Entry L(std::string p, std::string t) {
  return {Entry::symlink, std::move(p), std::move(t)};
}
inline Entry H(std::string p, std::string t) {
  return {Entry::hardlink, std::move(p), std::move(t)};
}
inline Entry Dev(std::string p) { return {Entry::chardev, std::move(p), {}}; }

// A tar (optionally gzip-compressed) of `entries`, in memory.
inline std::string make_tar(const std::vector<Entry>& entries, bool gzip = false) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (gzip) archive_write_add_filter_gzip(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(
      a, &out, nullptr,
      [](struct archive*, void* client, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const auto& e : entries) {
    struct archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.path.c_str());
    archive_entry_set_perm(ae, 0644);
    switch (e.type) {
      case Entry::file:
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_size(ae, static_cast<la_int64_t>(e.content.size()));
        break;
      case Entry::dir:
        archive_entry_set_filetype(ae, AE_IFDIR);
        archive_entry_set_perm(ae, 0755);
        break;
      case Entry::symlink:
        archive_entry_set_filetype(ae, AE_IFLNK);
        archive_entry_set_symlink(ae, e.content.c_str());
        break;
      case Entry::hardlink:
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_hardlink(ae, e.content.c_str());
        archive_entry_set_size(ae, 0);
        break;
      case Entry::chardev:
        archive_entry_set_filetype(ae, AE_IFCHR);
        archive_entry_set_rdev(ae, 0x0103);
        break;
    }
    archive_write_header(a, ae);
    if (e.type == Entry::file && !e.content.empty())
      archive_write_data(a, e.content.data(), e.content.size());
    archive_entry_free(ae);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

inline void write_bytes(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

inline std::string hex_sha256(const std::string& data) { return pw::sha256_hex(data); }

// A `docker save` archive of one image with these layers (each a list of entries), bottom first.
inline std::string docker_archive(const std::vector<std::vector<Entry>>& layers,
                                  const std::string& tag = "localhost/test:1",
                                  bool gzip_outer = false) {
  std::vector<Entry> outer;
  nlohmann::json diff_ids = nlohmann::json::array(), names = nlohmann::json::array();
  for (const auto& l : layers) {
    std::string tar = make_tar(l);
    std::string hex = hex_sha256(tar);
    diff_ids.push_back("sha256:" + hex);
    names.push_back(hex + ".tar");
    outer.push_back(F(hex + ".tar", tar));
  }
  nlohmann::json config = {{"architecture", "amd64"},
                           {"os", "linux"},
                           {"config", {{"Cmd", {"python3"}}}},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  std::string cfg = config.dump();
  std::string cfg_name = hex_sha256(cfg) + ".json";
  outer.push_back(F(cfg_name, cfg));
  nlohmann::json manifest =
      nlohmann::json::array({{{"Config", cfg_name}, {"RepoTags", {tag}}, {"Layers", names}}});
  outer.push_back(F("manifest.json", manifest.dump()));  // last, as podman writes it
  return make_tar(outer, gzip_outer);
}

// An OCI image layout of the same, in a tar, layers gzip-compressed.
inline std::string oci_archive(const std::vector<std::vector<Entry>>& layers) {
  std::vector<Entry> outer;
  nlohmann::json descs = nlohmann::json::array(), diff_ids = nlohmann::json::array();
  for (const auto& l : layers) {
    std::string raw = make_tar(l);
    std::string gz = make_tar(l, /*gzip=*/true);
    std::string hex = hex_sha256(gz);
    diff_ids.push_back("sha256:" + hex_sha256(raw));
    descs.push_back({{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                     {"digest", "sha256:" + hex},
                     {"size", gz.size()}});
    outer.push_back(F("blobs/sha256/" + hex, gz));
  }
  nlohmann::json config = {{"architecture", "amd64"},
                           {"os", "linux"},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  std::string cfg = config.dump();
  outer.push_back(F("blobs/sha256/" + hex_sha256(cfg), cfg));
  nlohmann::json manifest = {{"schemaVersion", 2},
                             {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                             {"config",
                              {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                               {"digest", "sha256:" + hex_sha256(cfg)},
                               {"size", cfg.size()}}},
                             {"layers", descs}};
  std::string man = manifest.dump();
  outer.push_back(F("blobs/sha256/" + hex_sha256(man), man));
  nlohmann::json index = {
      {"schemaVersion", 2},
      {"manifests",
       {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
         {"digest", "sha256:" + hex_sha256(man)},
         {"size", man.size()},
         {"annotations", {{"org.opencontainers.image.ref.name", "localhost/test:oci"}}}}}}};
  outer.push_back(F("index.json", index.dump()));
  outer.push_back(F("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  return make_tar(outer);
}

}  // namespace pw::image::testing
