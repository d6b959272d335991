// Semantic Versioning 2.0.0: parsing and precedence, and the scheme SEMVER ranges use.
#include "security/semver.h"

#include <charconv>

namespace pw::security {

namespace {

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<uint64_t> number(std::string_view s) {
  if (!is_digits(s) || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;  // overflow
  return v;
}

std::vector<std::string_view> split_dots(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    out.push_back(
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

// Numeric identifiers compare numerically; digits-only strings without leading zeros (the
// parser guarantees it) compare numerically by length, then text, with no overflow.
int compare_identifier(const std::string& a, const std::string& b) {
  bool an = is_digits(a), bn = is_digits(b);
  if (an && bn) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
  }
  if (an != bn) return an ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

class SemVerVersion final : public ParsedVersion {
 public:
  explicit SemVerVersion(SemVer v) : v_(std::move(v)) {}
  int compare(const ParsedVersion& other) const override {
    return security::compare(v_, static_cast<const SemVerVersion&>(other).v_);
  }
  std::string key() const override {
    std::string out =
        std::to_string(v_.major) + "." + std::to_string(v_.minor) + "." + std::to_string(v_.patch);
    for (size_t i = 0; i < v_.prerelease.size(); ++i) out += (i ? "." : "-") + v_.prerelease[i];
    return out;
  }

 private:
  SemVer v_;
};

class SemVerScheme final : public VersionScheme {
 public:
  std::unique_ptr<ParsedVersion> parse(std::string_view text, std::string* why) const override {
    auto v = parse_semver(text, why);
    if (!v) return nullptr;
    return std::make_unique<SemVerVersion>(std::move(*v));
  }
  std::string normalize_name(std::string_view name) const override { return std::string(name); }
};

}  // namespace

std::optional<SemVer> parse_semver(std::string_view text, std::string* why) {
  auto fail = [&](std::string message) -> std::optional<SemVer> {
    if (why) *why = std::move(message);
    return std::nullopt;
  };
  SemVer v;
  std::string_view rest = text;
  if (size_t plus = rest.find('+'); plus != std::string_view::npos) {
    std::string_view build = rest.substr(plus + 1);
    for (std::string_view id : split_dots(build))
      if (!is_identifier(id)) return fail("invalid build metadata '" + std::string(build) + "'");
    v.build = std::string(build);
    rest = rest.substr(0, plus);
  }
  if (size_t dash = rest.find('-'); dash != std::string_view::npos) {
    std::string_view pre = rest.substr(dash + 1);
    for (std::string_view id : split_dots(pre)) {
      if (!is_identifier(id)) return fail("invalid pre-release '" + std::string(pre) + "'");
      if (is_digits(id) && id.size() > 1 && id[0] == '0')
        return fail("numeric pre-release identifier with a leading zero: '" + std::string(id) +
                    "'");
      v.prerelease.emplace_back(id);
    }
    rest = rest.substr(0, dash);
  }
  std::vector<std::string_view> core = split_dots(rest);
  if (core.size() != 3) return fail("expected MAJOR.MINOR.PATCH");
  uint64_t* parts[] = {&v.major, &v.minor, &v.patch};
  for (size_t i = 0; i < 3; ++i) {
    auto n = number(core[i]);
    if (!n) return fail("'" + std::string(core[i]) + "' is not a number without leading zeros");
    *parts[i] = *n;
  }
  return v;
}

int compare(const SemVer& a, const SemVer& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  if (a.prerelease.empty() != b.prerelease.empty()) return a.prerelease.empty() ? 1 : -1;
  size_t n = std::min(a.prerelease.size(), b.prerelease.size());
  for (size_t i = 0; i < n; ++i)
    if (int c = compare_identifier(a.prerelease[i], b.prerelease[i]); c != 0) return c;
  if (a.prerelease.size() != b.prerelease.size())
    return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
  return 0;
}

const VersionScheme& semver_scheme() {
  static const SemVerScheme scheme;
  return scheme;
}

}  // namespace pw::security
