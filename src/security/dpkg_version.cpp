// dpkg's version ordering (lib/dpkg/version.c: parseversion, verrevcmp), natively.
#include "security/dpkg_version.h"

#include <climits>
#include <cstring>

namespace pw::security {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// dpkg's order(): digits (never compared here) and the end 0, '~' before everything, letters
// by code, everything else after all letters.
int order(int c) {
  if (is_digit(static_cast<char>(c))) return 0;
  if (is_alpha(static_cast<char>(c))) return c;
  if (c == '~') return -1;
  if (c) return c + 256;
  return 0;
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// The split without validation: what both parse() and the lenient comparison use.
void split_version(std::string_view s, std::string_view* epoch, std::string_view* upstream,
                   std::string_view* revision, bool* has_epoch, bool* has_revision) {
  auto colon = s.find(':');
  *has_epoch = colon != std::string_view::npos;
  *epoch = *has_epoch ? s.substr(0, colon) : std::string_view();
  std::string_view rest = *has_epoch ? s.substr(colon + 1) : s;
  auto hyphen = rest.rfind('-');
  *has_revision = hyphen != std::string_view::npos;
  *upstream = *has_revision ? rest.substr(0, hyphen) : rest;
  *revision = *has_revision ? rest.substr(hyphen + 1) : std::string_view();
}

// One part as the (non-digit run, number) pairs verrevcmp walks, numbers without leading
// zeros; trailing pairs that compare equal to the end are dropped.
std::string canonical_part(std::string_view s) {
  std::string out;
  size_t i = 0;
  size_t keep = 0;  // out's length after the last pair that is not ("", 0)
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && !is_digit(s[i])) ++i;
    bool empty_text = i == start;
    out.append(s.substr(start, i - start));
    while (i < s.size() && s[i] == '0') ++i;
    size_t digits = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (digits == i) {
      out += '0';
      if (!empty_text) keep = out.size();
    } else {
      out.append(s.substr(digits, i - digits));
      keep = out.size();
    }
  }
  out.resize(keep);
  return out;
}

class DpkgParsed final : public ParsedVersion {
 public:
  explicit DpkgParsed(DpkgVersion v) : v_(std::move(v)) {}
  int compare(const ParsedVersion& other) const override {
    // Only versions of the same scheme are ever compared (ParsedVersion's contract).
    int c = dpkg_compare(v_, static_cast<const DpkgParsed&>(other).v_);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  std::string key() const override { return dpkg_key(v_); }

 private:
  DpkgVersion v_;
};

class DpkgScheme final : public VersionScheme {
 public:
  std::unique_ptr<ParsedVersion> parse(std::string_view text, std::string* why) const override {
    DpkgVersion v;
    if (!DpkgVersion::parse(text, &v, why)) return nullptr;
    return std::make_unique<DpkgParsed>(std::move(v));
  }
  std::string normalize_name(std::string_view name) const override { return std::string(name); }
};

}  // namespace

bool DpkgVersion::parse(std::string_view text, DpkgVersion* out, std::string* why) {
  auto fail = [&](const char* message) {
    if (why) *why = message;
    return false;
  };
  std::string_view s = trim_blanks(text);
  if (s.empty()) return fail("version string is empty");
  for (char c : s)
    if (is_blank(c)) return fail("version string has embedded spaces");
  std::string_view epoch, upstream, revision;
  bool has_epoch = false, has_revision = false;
  split_version(s, &epoch, &upstream, &revision, &has_epoch, &has_revision);
  DpkgVersion v;
  if (has_epoch) {
    if (epoch.empty()) return fail("epoch in version is empty");
    unsigned long long e = 0;
    for (char c : epoch) {
      if (!is_digit(c)) return fail("epoch in version is not number");
      e = e * 10 + static_cast<unsigned>(c - '0');
      if (e > INT_MAX) return fail("epoch in version is too big");
    }
    v.epoch = static_cast<unsigned long>(e);
  }
  if (has_revision && revision.empty()) return fail("revision number is empty");
  if (upstream.empty()) return fail("version number is empty");
  for (char c : upstream)
    if (!is_digit(c) && !is_alpha(c) && !std::strchr(".-+~:", c))
      return fail("invalid character in version number");
  for (char c : revision)
    if (!is_digit(c) && !is_alpha(c) && !std::strchr(".+~", c))
      return fail("invalid character in revision number");
  v.upstream = std::string(upstream);
  v.revision = std::string(revision);
  *out = std::move(v);
  return true;
}

int dpkg_compare_part(std::string_view as, std::string_view bs) {
  // verrevcmp over views: a position at the end reads as '\0', as in the C original.
  size_t i = 0, j = 0;
  auto at = [](std::string_view s, size_t k) -> int {
    return k < s.size() ? static_cast<unsigned char>(s[k]) : 0;
  };
  while (i < as.size() || j < bs.size()) {
    int first_diff = 0;
    while ((i < as.size() && !is_digit(as[i])) || (j < bs.size() && !is_digit(bs[j]))) {
      int ac = order(at(as, i));
      int bc = order(at(bs, j));
      if (ac != bc) return ac - bc;
      ++i;
      ++j;
    }
    while (i < as.size() && as[i] == '0') ++i;
    while (j < bs.size() && bs[j] == '0') ++j;
    while (i < as.size() && is_digit(as[i]) && j < bs.size() && is_digit(bs[j])) {
      if (!first_diff) first_diff = as[i] - bs[j];
      ++i;
      ++j;
    }
    if (i < as.size() && is_digit(as[i])) return 1;
    if (j < bs.size() && is_digit(bs[j])) return -1;
    if (first_diff) return first_diff;
  }
  return 0;
}

int dpkg_compare(const DpkgVersion& a, const DpkgVersion& b) {
  if (a.epoch != b.epoch) return a.epoch < b.epoch ? -1 : 1;
  if (int c = dpkg_compare_part(a.upstream, b.upstream)) return c;
  return dpkg_compare_part(a.revision, b.revision);
}

int dpkg_compare(std::string_view a, std::string_view b) {
  auto lenient = [](std::string_view text) {
    DpkgVersion v;
    if (DpkgVersion::parse(text, &v, nullptr)) return v;
    std::string_view e, u, r;
    bool he = false, hr = false;
    split_version(trim_blanks(text), &e, &u, &r, &he, &hr);
    unsigned long epoch = 0;
    for (char c : e) {
      if (!is_digit(c) || epoch > INT_MAX) break;
      epoch = epoch * 10 + static_cast<unsigned>(c - '0');
    }
    v.epoch = epoch;
    v.upstream = std::string(u);
    v.revision = std::string(r);
    return v;
  };
  return dpkg_compare(lenient(a), lenient(b));
}

std::string dpkg_key(const DpkgVersion& v) {
  return std::to_string(v.epoch) + ":" + canonical_part(v.upstream) + "-" +
         canonical_part(v.revision);
}

std::unique_ptr<VersionScheme> make_dpkg_scheme() { return std::make_unique<DpkgScheme>(); }

}  // namespace pw::security
