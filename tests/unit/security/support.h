// Helpers shared by the security layer's tests: a temporary folder, files, zip archives made
// with libarchive in the test itself (so no binary fixtures), and the shared real corpus.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace pw::security::testing {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "pw-security-XXXXXX").string();
    path_ = fs::path(mkdtemp(tmpl.data()));
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// A zip archive holding `members` (name, content), names written as given (even "../x").
inline std::string make_zip(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_set_bytes_in_last_block(a, 1);  // no zero padding after the archive
  archive_write_open(
      a, &out, nullptr,
      [](struct archive*, void* user, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(user)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const auto& [name, content] : members) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, content.data(), content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// The shared PyPI corpus (see its SOURCE.md), or "" when it is not on this machine.
inline fs::path corpus_dir() {
  fs::path p = fs::path(PW_SOURCE_DIR) / ".." / "shared" / "data" / "osv-pypi";
  if (const char* env = std::getenv("PW_OSV_CORPUS")) p = env;
  return fs::exists(p / "vulns") ? p : fs::path();
}

}  // namespace pw::security::testing
