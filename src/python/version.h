// PEP 440 versions: parsing every spelling pip accepts, the normalized form, and the total order
// pip resolves with. Written to agree with packaging.version.Version (the library pip vendors),
// because a lock check that disagrees with pip about whether "1.0.0" == "1.0" or whether
// "1.0rc1" is a pre-release would report pins that pip reads differently.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "python/result.h"

namespace pw::python {

class Version {
 public:
  enum class PreKind : uint8_t { a = 0, b = 1, rc = 2 };  // order is the PEP 440 order
  struct Pre {
    PreKind kind;
    uint64_t number;
    bool operator==(const Pre&) const = default;
  };
  // One dot-separated part of a local version label ("ubuntu", 1). Numeric parts compare as
  // numbers and sort after every alphanumeric part; text parts are stored lower-cased.
  struct LocalPart {
    bool numeric = false;
    uint64_t number = 0;
    std::string text;
    bool operator==(const LocalPart&) const = default;
  };

  // Accepts everything packaging.version.Version accepts: leading/trailing whitespace, a leading
  // "v", any case, "alpha"/"beta"/"c"/"pre"/"preview", "rev"/"r", the implicit post "1.0-1",
  // '-', '_' or '.' between segments, omitted numbers (implicit 0), local labels with any of
  // the three separators. A number wider than 64 bits is refused (Python would accept it; no
  // real project uses one).
  static Result<Version> parse(std::string_view text);

  uint64_t epoch() const { return epoch_; }
  const std::vector<uint64_t>& release() const { return release_; }
  const std::optional<Pre>& pre() const { return pre_; }
  const std::optional<uint64_t>& post() const { return post_; }
  const std::optional<uint64_t>& dev() const { return dev_; }
  const std::vector<LocalPart>& local_parts() const { return local_; }
  bool has_local() const { return !local_.empty(); }
  // The normalized local label ("ubuntu.1"), or "" when there is none.
  std::string local() const;

  // Normalized form, as str(Version) prints it: "1!2.0rc1.post3.dev4+abc.5".
  std::string str() const;
  // str() without the local label (packaging's `public`; `public` is a C++ keyword).
  std::string public_version() const;
  // Epoch and release only: "1!2.0" (packaging's `base_version`).
  std::string base_version() const;
  // The same version without its local label / reduced to epoch + release.
  Version without_local() const;
  Version base() const;

  // dev releases and pre-releases ("1.0.dev1", "1.0a1", "1.0rc1.post1.dev2").
  bool is_prerelease() const { return pre_.has_value() || dev_.has_value(); }
  bool is_postrelease() const { return post_.has_value(); }
  bool is_devrelease() const { return dev_.has_value(); }

  // packaging's order: epoch, release with trailing zeros ignored, then
  // .devN (of a final) < aN < bN < rcN < final < .postN, each with its own .devN first,
  // and a local label sorts after the same version without one.
  friend int compare(const Version& a, const Version& b);
  // PEP 440 equality, not text equality: "1.0" == "1.0.0" == "v1.0", "1.0+a-1" == "1.0+A.1".
  friend bool operator==(const Version& a, const Version& b) { return compare(a, b) == 0; }
  friend std::strong_ordering operator<=>(const Version& a, const Version& b) {
    return compare(a, b) <=> 0;
  }

 private:
  uint64_t epoch_ = 0;
  std::vector<uint64_t> release_;
  std::optional<Pre> pre_;
  std::optional<uint64_t> post_;
  std::optional<uint64_t> dev_;
  std::vector<LocalPart> local_;
};

}  // namespace pw::python
