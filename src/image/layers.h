// An image's file system as its layers stack up, for the few files the scan reads: entry paths
// made safe (no `..` ever resolved, nothing absolute), the whiteout rules of the OCI image spec
// (`.wh.<name>` deletes <name> and everything under it from the layers below, `.wh..wh..opq`
// hides everything the layers below put in its folder), and symlinks followed inside the image
// only. Pure logic: archive.h feeds it, so the rules are tested without any archive.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pw::image {

// A layer entry's path relative to the image root: "./", "/" and "." parts dropped, "//"
// collapsed, no trailing '/'. nullopt when a `..` part appears (a traversal: the entry is
// ignored, never resolved) or nothing is left (the root itself).
std::optional<std::string> clean_entry_path(std::string_view raw);

enum class EntryKind { file, directory, symlink, hardlink, other };  // other: devices, fifos

struct Whiteout {
  enum Kind { none, remove, opaque } kind = none;
  std::string target;  // remove: the path deleted; opaque: the folder made opaque
};
// What a cleaned entry path means as a whiteout: "a/.wh.b" removes "a/b", "a/.wh..wh..opq"
// makes "a" opaque ("" for the root), anything else is none.
Whiteout classify_whiteout(std::string_view path);

// A file the scan keeps: its content (files), or where it points (symlinks).
struct KeptFile {
  EntryKind kind = EntryKind::file;
  std::string content;
  std::string link_target;  // as written in the layer
  size_t layer = 0;         // index of the layer it comes from, bottom first
};

// What one layer changes, as read from it.
struct LayerChanges {
  std::vector<std::string> removed;  // whiteout targets
  std::vector<std::string> opaque;   // opaque folders
  // Paths of entries that are not folders, whatever their interest: one of them where a lower
  // layer had a folder replaces the folder, and hides what the scan kept under it.
  std::vector<std::string> non_directories;
  std::map<std::string, KeptFile> kept;  // path -> file or symlink the scan wants
};

class LayeredFiles {
 public:
  // Stacks one layer on those applied before (bottom first): its whiteouts, opaque folders and
  // replaced folders act on the layers below only, then its own kept files are added, replacing
  // files at the same paths.
  void apply(const LayerChanges& layer);

  // The kept entry at `path` (no symlink followed), or nullptr.
  const KeptFile* find(std::string_view path) const;
  // The kept file at `path`, following kept symlinks at the whole path (links on the way, in
  // folders, are not kept by the scan). An absolute target resolves from the image root, a
  // relative one from the link's folder; `..` stops at the root, as the kernel does inside a
  // chroot, so nothing outside the image is ever named. nullptr when missing, not a file, or
  // after 16 links (a loop).
  const KeptFile* resolve(std::string_view path) const;

  const std::map<std::string, KeptFile, std::less<>>& files() const { return files_; }
  bool has_under(std::string_view folder) const;  // any kept path below folder/

 private:
  void erase_tree(const std::string& path, bool keep_self);
  std::map<std::string, KeptFile, std::less<>> files_;
};

// Joins a symlink's target to the folder holding the link, resolving `.` and `..` without
// leaving the root: the path the link means inside the image ("" for the root).
std::string resolve_link_target(std::string_view link_path, std::string_view target);

}  // namespace pw::image
