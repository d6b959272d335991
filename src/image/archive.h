// A container image read where it lies, never extracted: the tar `docker save` and `podman
// save` write (manifest.json, a config and layer tars; Docker 25+ also adds an OCI layout), an
// OCI image layout in a tar (`podman save --format oci-archive`) or in a folder (index.json,
// blobs/<alg>/<hex>), possibly compressed. The manifest gives the layers bottom first; each
// layer is streamed entry by entry with libarchive (gzip and zstd layers included), reading the
// content only of the entries the caller asks for.
//
// Everything here treats the archive as hostile: member names are cleaned (layers.h) and a
// `..` never resolved, links inside the outer archive are followed only within it, sizes are
// capped, and a truncated or corrupt archive or layer is a pw::Error naming what is wrong.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "image/layers.h"
#include "util/error.h"

namespace pw::image {

struct LayerRef {
  std::string member;      // where it is: an archive member, or a file under the folder
  std::string digest;      // "sha256:..." as the manifest names it ("" when unknown)
  std::string diff_id;     // the config's rootfs.diff_ids entry ("" when unknown)
  std::string media_type;  // OCI manifests only
};

struct ImageManifest {
  std::string format;                  // "docker-archive", "oci-archive" or "oci-layout"
  std::string image_id;                // "sha256:<config digest>"
  std::vector<std::string> repo_tags;  // RepoTags, or the OCI ref-name annotations
  std::vector<LayerRef> layers;        // bottom first
  nlohmann::json config;               // the image config (architecture, os, config, rootfs...)
};

// One entry of a layer, as the caller sees it.
struct EntryInfo {
  std::string path;  // cleaned (layers.h)
  EntryKind kind = EntryKind::other;
  int64_t size = 0;
  std::string link_target;  // symlinks: as written; hardlinks: the cleaned target path
};

class ImageArchive {
 public:
  // Opens `path` (a tar, compressed or not, or a folder) and reads its manifest. Throws
  // pw::Error when it is not a readable tar, holds neither manifest.json nor index.json, or its
  // manifest names a config or layer the archive does not hold.
  explicit ImageArchive(std::filesystem::path path);

  const ImageManifest& manifest() const { return manifest_; }
  const std::filesystem::path& path() const { return path_; }

  // Streams layer `index`'s entries in order. For each, `want` returns how many bytes of its
  // content to read (0: none; a file is read up to that many bytes), then `take` receives the
  // entry with that content. Entries whose path leaves the image (`..`) are not passed: a
  // warning names them. Throws pw::Error when the layer is corrupt or truncated.
  void read_layer(size_t index, const std::function<size_t(const EntryInfo&)>& want,
                  const std::function<void(const EntryInfo&, std::string&&)>& take,
                  std::vector<Diagnostic>& warnings) const;

 private:
  struct Member {
    std::string name;  // "" for an entry no look-up may name (the root folder, a `..` name)
    EntryKind kind = EntryKind::other;
    int64_t size = 0;
    std::string link_target;
    int64_t header_offset = -1;  // where its header starts in the (uncompressed) archive
    int64_t data_offset = -1;    // where its data starts, when known (see index_tar)
  };
  void index_tar();
  void read_docker_manifest();
  void read_oci_index();
  // The member after following links within the archive; throws when missing.
  std::string resolve_member(const std::string& name, const std::string& what) const;
  // The content of a (resolved) member, at most `cap` bytes (more is an error).
  std::string read_member(const std::string& name, size_t cap, const std::string& what) const;

  std::filesystem::path path_;
  bool is_dir_ = false;
  std::vector<Member> members_;  // tar only, in archive order
  bool plain_tar_ = false;       // not compressed: members can be read in place by offset
  ImageManifest manifest_;
};

}  // namespace pw::image
