#include "python/venv_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "python/dist_info.h"
#include "util/clock.h"
#include "util/disk.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"

namespace pw::python {

namespace {
// Bumped when what an entry holds changes meaning, so old entries are not reused.
constexpr const char* kCacheFormat = "pipewright-venv 2";
}  // namespace

std::string venv_cache_key(const VenvKeyInputs& in) {
  Sha256 h;
  h.update(std::string(kCacheFormat) + "\n" + in.interpreter + "\n" + in.version + "\n");
  for (const auto& a : in.pip_args) h.update(a + "\n");
  h.update(std::string("upgrade=") + (in.upgrade_tools ? "1" : "0") +
           " system=" + (in.system_site_packages ? "1" : "0") + "\n");
  if (!in.lock_text.empty())
    h.update("lock\n" + in.lock_text);
  else
    h.update(in.material);
  return h.hex_digest().substr(0, 24);
}

namespace fs = std::filesystem;

EntryLock::EntryLock(const fs::path& path, bool wait) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open " + path.string() + ": " + errno_text(errno));
  for (;;) {
    if (::flock(fd_, LOCK_EX | (wait ? 0 : LOCK_NB)) == 0) {
      held_ = true;
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK && !wait) return;
    throw Error("cannot lock " + path.string() + ": " + errno_text(errno));
  }
}

EntryLock::~EntryLock() {
  if (fd_ >= 0) ::close(fd_);
}

VenvCache::VenvCache(fs::path root) : root_(std::move(root)) {}

VenvCache VenvCache::user_default() { return VenvCache(cache_home() / "venvs"); }

fs::path VenvCache::entry_dir(const std::string& key) const { return root_ / key; }
fs::path VenvCache::lock_path(const std::string& key) const { return root_ / (key + ".lock"); }

bool VenvCache::is_complete(const std::string& key) const {
  return fs::exists(entry_dir(key) / kCompleteMarker);
}

void VenvCache::mark_complete(const std::string& key, const std::string& description) const {
  write_file_atomic(entry_dir(key) / kCompleteMarker, description + "\n");
  touch(key);
}

void VenvCache::touch(const std::string& key) const {
  write_file_atomic(entry_dir(key) / kLastUsed, iso8601_now() + "\n");
}

namespace {
std::uintmax_t tree_size(const fs::path& dir) {
  std::uintmax_t total = 0;
  std::error_code ec;
  for (auto it =
           fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) total += it->file_size(ec);
  }
  return total;
}

std::chrono::system_clock::time_point mtime(const fs::path& p) {
  std::error_code ec;
  auto t = fs::last_write_time(p, ec);
  if (ec) return {};
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      std::chrono::file_clock::to_sys(t));
}
}  // namespace

std::vector<VenvEntry> VenvCache::list() const {
  std::vector<VenvEntry> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_, ec)) {
    if (!e.is_directory()) continue;
    VenvEntry v;
    v.key = e.path().filename().string();
    v.dir = e.path();
    v.complete = fs::exists(e.path() / kCompleteMarker);
    if (v.complete) {
      try {
        v.python = read_file(e.path() / kCompleteMarker);
        while (!v.python.empty() && v.python.back() == '\n') v.python.pop_back();
      } catch (const Error&) {
      }
    }
    v.bytes = tree_size(e.path());
    v.created = mtime(e.path() / kCompleteMarker);
    v.last_used = mtime(e.path() / kLastUsed);
    if (v.last_used.time_since_epoch().count() == 0) v.last_used = v.created;
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(),
            [](const VenvEntry& a, const VenvEntry& b) { return a.last_used > b.last_used; });
  return out;
}

std::vector<VenvEntry> VenvCache::prune(
    std::optional<std::chrono::system_clock::time_point> cutoff) const {
  std::vector<VenvEntry> removed;
  for (auto& v : list()) {
    if (cutoff && v.complete && v.last_used >= *cutoff) continue;
    EntryLock lock(lock_path(v.key), /*wait=*/false);
    if (!lock.held()) continue;  // being built right now
    std::error_code ec;
    fs::remove_all(v.dir, ec);
    if (!ec) {
      fs::remove(lock_path(v.key), ec);
      removed.push_back(v);
    }
  }
  return removed;
}

namespace {

std::string python_literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string layered_site_pth(const std::string& entry_site_packages) {
  return "import site; site.addsitedir(" + python_literal(entry_site_packages) + ")\n";
}

std::string VenvCache::ensure(const std::string& key, const std::string& description,
                              const std::function<std::string(const fs::path&)>& build,
                              const std::function<void(const std::string&)>& log, bool& hit) const {
  fs::path entry = entry_dir(key);
  std::error_code ec;
  EntryLock lock(lock_path(key));  // a concurrent builder of the same key waits here
  hit = is_complete(key);
  if (hit) {
    touch(key);
    return {};
  }
  fs::remove_all(entry, ec);  // a half-built entry from a crash
  log("building cached environment " + key + " in " + entry.string());
  std::string err = build(entry);
  if (!err.empty()) {
    // A full disk is named before the half entry is removed (which frees the space).
    std::string full = full_disk_note(entry);
    fs::remove_all(entry, ec);
    return err + full;
  }
  mark_complete(key, description);
  return {};
}

std::vector<fs::path> visible_site_dirs(const fs::path& venv, const fs::path& entry,
                                        const std::vector<fs::path>& system_sites) {
  std::vector<fs::path> sites = venv_site_dirs(venv);
  if (!entry.empty()) {
    auto entry_sites = venv_site_dirs(entry);
    sites.insert(sites.end(), entry_sites.begin(), entry_sites.end());
  }
  sites.insert(sites.end(), system_sites.begin(), system_sites.end());
  return sites;
}

}  // namespace pw::python
