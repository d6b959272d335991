// SHA-256 over OpenSSL, hex-encoded, for checksums and cache keys.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace pw {

std::string sha256_hex(std::string_view data);
// Streams the file; throws pw::Error naming the path when it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);

// Incremental hashing for keys made of many parts.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  std::string hex_digest();

 private:
  void* ctx_;
};

}  // namespace pw
