#include "util/disk.h"

#include <sys/statvfs.h>

namespace pw {

std::string full_disk_note(const std::filesystem::path& path) {
  std::filesystem::path p = path;
  struct statvfs st {};
  while (::statvfs(p.c_str(), &st) != 0) {
    if (!p.has_parent_path() || p.parent_path() == p) return {};
    p = p.parent_path();
  }
  unsigned long long free_bytes = static_cast<unsigned long long>(st.f_bavail) * st.f_frsize;
  if (free_bytes >= (1ull << 20)) return {};
  return " (the file system of " + path.string() +
         " is full: " + std::to_string(free_bytes / 1024) + " KiB free)";
}

}  // namespace pw
