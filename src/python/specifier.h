// PEP 440 version specifiers ("~=1.4.2", "==1.*", "!=1.0+local", ">=2,<3", "===foo") and the
// contains() question a resolver asks of them, including the pre-release rules: a specifier set
// leaves pre-releases out unless the caller asks for them or one of its specifiers names a
// pre-release itself. Behaviour follows packaging.specifiers (see the differential test); where
// packaging 23 has a known bug (see README notes in specifier.cpp) we follow PEP 440.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "python/result.h"
#include "python/version.h"

namespace pw::python {

class Specifier {
 public:
  enum class Op : uint8_t {
    compatible,     // ~=
    equal,          // ==
    not_equal,      // !=
    less_equal,     // <=
    greater_equal,  // >=
    less,           // <
    greater,        // >
    arbitrary,      // ===
  };

  // One specifier, surrounding whitespace allowed ("  >= 1.0 "). What each operator accepts
  // after it is PEP 440's: `.*` and local labels only with == and !=, at least two release
  // numbers with ~=, anything without whitespace, ';' or ')' with ===.
  static Result<Specifier> parse(std::string_view text);

  Op op() const { return op_; }
  std::string_view op_str() const;
  // The version as written, trimmed: "1.0.*", "v1.0-1", "foo" (for ===).
  const std::string& version_text() const { return text_; }
  bool is_wildcard() const { return wildcard_; }
  // The parsed version; for a wildcard the prefix before ".*"; for === only when the text
  // happens to be a valid version.
  const std::optional<Version>& version() const { return version_; }
  // op + version as written, like str(Specifier): ">=1.0".
  std::string str() const;

  // packaging's Specifier.prereleases without an override: true when an inclusive operator
  // (==, >=, <=, ~=, ===) names a pre-release or dev release.
  bool names_prerelease() const;
  // Whether `v` satisfies the operator, ignoring the pre-release exclusion.
  bool matches(const Version& v) const;
  // packaging's Specifier.contains: pre-releases are refused unless `prereleases` is true or,
  // when it is not given, names_prerelease().
  bool contains(const Version& v, std::optional<bool> prereleases = std::nullopt) const;

  // The key packaging dedups a set by: operator + version canonicalized (trailing ".0"s
  // dropped except for ~=); a wildcard or an unparseable === text stays as written.
  std::string canonical_key() const;

 private:
  Op op_ = Op::equal;
  bool wildcard_ = false;
  std::string text_;
  std::optional<Version> version_;
};

// Comma-separated specifiers, all of which must hold. An empty set matches every final release.
class SpecifierSet {
 public:
  SpecifierSet() = default;
  // "" is the empty set; empty items between commas are skipped as packaging does (">=1,,<2").
  // A failure's offset points into `text`.
  static Result<SpecifierSet> parse(std::string_view text);
  // A set of already parsed specifiers, canonical duplicates dropped (first one kept).
  static SpecifierSet from_specifiers(std::vector<Specifier> specs);

  const std::vector<Specifier>& specifiers() const { return specs_; }
  bool empty() const { return specs_.empty(); }
  size_t size() const { return specs_.size(); }

  // The pre-release policy: the override if set, else whether any specifier names a
  // pre-release, else (empty set) nullopt.
  std::optional<bool> prereleases() const;
  void set_prereleases(std::optional<bool> value) { prereleases_ = value; }

  // packaging's SpecifierSet.contains.
  bool contains(const Version& v, std::optional<bool> prereleases = std::nullopt) const;

  // Sorted and comma-joined, duplicates (by canonical_key) removed: "<2,>=1.0".
  std::string str() const;

 private:
  std::vector<Specifier> specs_;  // in written order, without canonical duplicates
  std::optional<bool> prereleases_;
};

}  // namespace pw::python
