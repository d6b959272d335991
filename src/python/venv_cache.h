// The cache of Python environments under ~/.cache/pipewright/venvs: one virtual environment per
// key (interpreter, its version, every requirements file read, the pip options). An entry is
// built in place under an exclusive flock and marked complete only at the end, so a half-built
// entry (crash, Ctrl-C, full disk) is never used: the next builder, holding the lock, sees no
// marker, removes it and builds again. Builds never install into an entry; they layer a small
// venv of their own over it (see stages/setup_python.cpp), so no build can change what another
// sees.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pw::python {

// What a cached environment is made of: equal inputs give the same key.
struct VenvKeyInputs {
  std::string interpreter;  // its real path
  std::string version;      // its full version
  std::vector<std::string> pip_args;
  bool upgrade_tools = true;
  bool system_site_packages = false;
  // The lock's selection installed for the groups and markers in use ("" without a lock).
  std::string lock_text;
  // Without a lock: what the project's install plan read (the generated requirements and every
  // file behind them, by content; project/install.h's key_material).
  std::string material;
};
// 24 hex digits of a SHA-256 over the inputs (and the cache's format version).
std::string venv_cache_key(const VenvKeyInputs& in);

struct VenvEntry {
  std::string key;
  std::filesystem::path dir;
  std::string python;  // interpreter path and version, as recorded
  std::uintmax_t bytes = 0;
  std::chrono::system_clock::time_point created{}, last_used{};
  bool complete = false;
};

class VenvCache {
 public:
  static constexpr const char* kCompleteMarker = ".pipewright-complete";
  static constexpr const char* kLastUsed = ".pipewright-last-used";

  explicit VenvCache(std::filesystem::path root);  // usually cache_home()/"venvs"
  static VenvCache user_default();

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path entry_dir(const std::string& key) const;
  std::filesystem::path lock_path(const std::string& key) const;
  bool is_complete(const std::string& key) const;
  void mark_complete(const std::string& key, const std::string& description) const;
  void touch(const std::string& key) const;
  // The entry of `key`, complete: reused (touched, `hit`) when it is, else built by `build`
  // (which returns "" or the failure's summary) under the key's lock, so that a concurrent
  // builder of the same key waits; a half-built entry from a crash is removed first, and a
  // failed build's entry after a full disk is named. Returns "" or the failure's summary.
  std::string ensure(const std::string& key, const std::string& description,
                     const std::function<std::string(const std::filesystem::path&)>& build,
                     const std::function<void(const std::string&)>& log, bool& hit) const;

  std::vector<VenvEntry> list() const;
  // Removes entries last used before `cutoff` (all with nullopt); returns what was removed.
  // An entry being built (its lock held) is left alone.
  std::vector<VenvEntry> prune(std::optional<std::chrono::system_clock::time_point> cutoff) const;

 private:
  std::filesystem::path root_;
};

// Holds an exclusive flock for its lifetime (released by the kernel if the process dies).
class EntryLock {
 public:
  explicit EntryLock(const std::filesystem::path& path, bool wait = true);
  ~EntryLock();
  EntryLock(const EntryLock&) = delete;
  EntryLock& operator=(const EntryLock&) = delete;
  bool held() const { return held_; }

 private:
  int fd_ = -1;
  bool held_ = false;
};

// The .pth a build's own venv (made --without-pip) gets in its site-packages so that the cached
// entry's site-packages is on its path: through site.addsitedir, so the entry's own .pth files
// work too.
std::string layered_site_pth(const std::string& entry_site_packages);

// The site-packages a build's venv sees, in the order Python searches them: its own, then the
// cached entry's it is layered over (`entry`; empty with the cache off), then `system_sites`
// (the interpreter's own, when the venv was made with system_site_packages).
std::vector<std::filesystem::path> visible_site_dirs(
    const std::filesystem::path& venv, const std::filesystem::path& entry,
    const std::vector<std::filesystem::path>& system_sites);

}  // namespace pw::python
