// Helpers shared by the reports layer's tests: fixture paths and reading them.
#pragma once

#include <filesystem>
#include <string>

#include "util/fs.h"

namespace pw::reports::testing {

inline std::filesystem::path fixture(const std::string& relative) {
  return std::filesystem::path(PW_FIXTURES) / "reports" / relative;
}

inline std::string read_fixture(const std::string& relative) {
  return pw::read_file(fixture(relative));
}

// A fresh folder under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pw-reports-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    auto p = path_ / name;
    pw::write_file_atomic(p, content);
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace pw::reports::testing
