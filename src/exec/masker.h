// Replaces secret values with "****" in text that leaves pipewright: the console, logs, and every
// file pipewright writes. A value split across two reads of a pipe is still caught, because the
// streaming form holds back only the tail that could be the start of a secret.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace pw::exec {

class Masker {
 public:
  static constexpr std::string_view kMask = "****";

  // Values shorter than kMinLength are not masked: masking "ci" would garble every word that
  // contains it, and such a value protects nothing. Callers warn about them (see credentials).
  static constexpr size_t kMinLength = 3;

  void add_secret(std::string_view value);
  bool empty() const;
  size_t longest() const;

  // Masks a complete text.
  std::string mask(std::string_view text) const;

  // Masks `pending + chunk` and returns what is safe to emit; keeps in `pending` the shortest
  // tail that is a prefix of some secret, so a secret split across chunks is still masked.
  std::string mask_stream(std::string& pending, std::string_view chunk) const;

 private:
  std::vector<std::string> secrets_;  // longest first, so overlapping secrets mask fully
};

// One stream's state (a pipe) over a shared Masker.
class MaskingStream {
 public:
  explicit MaskingStream(std::shared_ptr<const Masker> masker) : masker_(std::move(masker)) {}
  std::string feed(std::string_view chunk);
  // End of stream: whatever was held back, masked.
  std::string finish();

 private:
  std::shared_ptr<const Masker> masker_;
  std::string pending_;
};

}  // namespace pw::exec
