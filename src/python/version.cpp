// A hand-written scanner for packaging's VERSION_PATTERN. The regex is greedy with optional
// separators; consuming an optional separator whenever it is present accepts exactly the same
// strings and picks the same reading ("1.0a-1" is a1, not a0.post1), which the differential
// test against packaging checks.
#include "python/version.h"

#include <algorithm>

#include "python/ascii.h"

namespace pw::python {

namespace {

using ascii::is_alnum;
using ascii::is_digit;
using ascii::is_py_space;
using ascii::is_sep;
using ascii::lower_ascii;

struct Scanner {
  std::string_view s;
  size_t i = 0;
  std::string error;  // set on number overflow

  bool at_end() const { return i >= s.size(); }
  char peek(size_t k = 0) const { return i + k < s.size() ? s[i + k] : '\0'; }

  // Case-insensitive keyword match at the cursor; advances on success.
  bool keyword(std::string_view word) {
    if (s.size() - i < word.size()) return false;
    for (size_t k = 0; k < word.size(); ++k)
      if (lower_ascii(s[i + k]) != word[k]) return false;
    i += word.size();
    return true;
  }

  // One or more digits as a number; false (cursor unmoved) when there is no digit.
  bool number(uint64_t& out) {
    if (!is_digit(peek())) return false;
    uint64_t v = 0;
    while (is_digit(peek())) {
      uint64_t d = static_cast<uint64_t>(s[i] - '0');
      if (v > (UINT64_MAX - d) / 10) {
        error = "number too large";
        while (is_digit(peek())) ++i;
        out = 0;
        return true;
      }
      v = v * 10 + d;
      ++i;
    }
    out = v;
    return true;
  }

  void optional_sep() {
    if (is_sep(peek())) ++i;
  }
};

}  // namespace

Result<Version> Version::parse(std::string_view text) {
  size_t b = 0, e = text.size();
  while (b < e && is_py_space(text[b])) ++b;
  while (e > b && is_py_space(text[e - 1])) --e;
  Scanner sc{text.substr(0, e), b};
  Version v;

  if (sc.peek() == 'v' || sc.peek() == 'V') ++sc.i;

  // Epoch "N!" or the first release number.
  uint64_t first = 0;
  if (!sc.number(first)) return fail("expected a release number such as 1.0", sc.i);
  if (sc.peek() == '!') {
    ++sc.i;
    v.epoch_ = first;
    if (!sc.number(first)) return fail("expected a release number after the epoch '!'", sc.i);
  }
  v.release_.push_back(first);
  while (sc.peek() == '.' && is_digit(sc.peek(1))) {
    ++sc.i;
    uint64_t n = 0;
    sc.number(n);
    v.release_.push_back(n);
  }

  // Pre-release: [-_.]? (alpha|a|beta|b|preview|pre|c|rc) [-_.]? N?
  {
    size_t save = sc.i;
    sc.optional_sep();
    std::optional<PreKind> kind;
    if (sc.keyword("alpha") || sc.keyword("a"))
      kind = PreKind::a;
    else if (sc.keyword("beta") || sc.keyword("b"))
      kind = PreKind::b;
    else if (sc.keyword("preview") || sc.keyword("pre") || sc.keyword("rc") || sc.keyword("c"))
      kind = PreKind::rc;
    if (kind) {
      sc.optional_sep();
      uint64_t n = 0;
      sc.number(n);
      v.pre_ = Pre{*kind, n};
    } else {
      sc.i = save;
    }
  }

  // Post-release: -N (implicit), or [-_.]? (post|rev|r) [-_.]? N?
  {
    size_t save = sc.i;
    uint64_t n = 0;
    if (sc.peek() == '-' && is_digit(sc.peek(1))) {
      ++sc.i;
      sc.number(n);
      v.post_ = n;
    } else {
      sc.optional_sep();
      if (sc.keyword("post") || sc.keyword("rev") || sc.keyword("r")) {
        sc.optional_sep();
        sc.number(n);
        v.post_ = n;
      } else {
        sc.i = save;
      }
    }
  }

  // Development release: [-_.]? dev [-_.]? N?
  {
    size_t save = sc.i;
    sc.optional_sep();
    if (sc.keyword("dev")) {
      sc.optional_sep();
      uint64_t n = 0;
      sc.number(n);
      v.dev_ = n;
    } else {
      sc.i = save;
    }
  }

  // Local label: + [a-z0-9]+ ([-_.] [a-z0-9]+)*
  if (sc.peek() == '+') {
    ++sc.i;
    for (;;) {
      size_t start = sc.i;
      bool all_digits = true;
      while (is_alnum(sc.peek())) {
        all_digits = all_digits && is_digit(sc.peek());
        ++sc.i;
      }
      if (sc.i == start) return fail("expected letters or digits in the local version label", sc.i);
      LocalPart part;
      std::string_view piece = sc.s.substr(start, sc.i - start);
      if (all_digits) {
        Scanner num{piece};
        part.numeric = true;
        num.number(part.number);
        if (!num.error.empty()) sc.error = num.error;
      } else {
        part.text.reserve(piece.size());
        for (char c : piece) part.text += lower_ascii(c);
      }
      v.local_.push_back(std::move(part));
      if (is_sep(sc.peek()) && is_alnum(sc.peek(1))) {
        ++sc.i;
        continue;
      }
      break;
    }
  }

  if (!sc.at_end()) {
    return fail("unexpected '" + std::string(1, sc.peek()) + "' in version '" +
                    std::string(text.substr(b, e - b)) + "'",
                sc.i);
  }
  if (!sc.error.empty())
    return fail(sc.error + " in version '" + std::string(text.substr(b, e - b)) + "'", b);
  return v;
}

std::string Version::local() const {
  std::string out;
  for (size_t k = 0; k < local_.size(); ++k) {
    if (k) out += '.';
    out += local_[k].numeric ? std::to_string(local_[k].number) : local_[k].text;
  }
  return out;
}

std::string Version::base_version() const {
  std::string out;
  if (epoch_ != 0) {
    out += std::to_string(epoch_);
    out += '!';
  }
  for (size_t k = 0; k < release_.size(); ++k) {
    if (k) out += '.';
    out += std::to_string(release_[k]);
  }
  return out;
}

std::string Version::public_version() const {
  std::string out = base_version();
  if (pre_) {
    static constexpr const char* kNames[] = {"a", "b", "rc"};
    out += kNames[static_cast<int>(pre_->kind)];
    out += std::to_string(pre_->number);
  }
  if (post_) {
    out += ".post";
    out += std::to_string(*post_);
  }
  if (dev_) {
    out += ".dev";
    out += std::to_string(*dev_);
  }
  return out;
}

std::string Version::str() const {
  std::string out = public_version();
  if (!local_.empty()) {
    out += '+';
    out += local();
  }
  return out;
}

Version Version::without_local() const {
  Version v = *this;
  v.local_.clear();
  return v;
}

Version Version::base() const {
  Version v;
  v.epoch_ = epoch_;
  v.release_ = release_;
  return v;
}

namespace {
template <class T>
int cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}
}  // namespace

int compare(const Version& a, const Version& b) {
  if (int c = cmp(a.epoch_, b.epoch_)) return c;

  // Release, as if trailing zeros were stripped: missing components count as 0.
  size_t n = std::max(a.release_.size(), b.release_.size());
  for (size_t k = 0; k < n; ++k) {
    uint64_t x = k < a.release_.size() ? a.release_[k] : 0;
    uint64_t y = k < b.release_.size() ? b.release_[k] : 0;
    if (int c = cmp(x, y)) return c;
  }

  // Pre segment key: a bare dev release (no pre, no post) sorts before every pre-release;
  // a version without a pre-release sorts after every pre-release.
  auto pre_rank = [](const Version& v) -> int {
    if (!v.pre_ && !v.post_ && v.dev_) return -1;  // NegativeInfinity
    if (!v.pre_) return 3;                         // Infinity
    return static_cast<int>(v.pre_->kind);
  };
  int pa = pre_rank(a), pb = pre_rank(b);
  if (int c = cmp(pa, pb)) return c;
  if (a.pre_ && b.pre_ && pa >= 0 && pa <= 2)
    if (int c = cmp(a.pre_->number, b.pre_->number)) return c;

  // Post: none sorts first.
  if (a.post_.has_value() != b.post_.has_value()) return a.post_ ? 1 : -1;
  if (a.post_)
    if (int c = cmp(*a.post_, *b.post_)) return c;

  // Dev: none sorts last.
  if (a.dev_.has_value() != b.dev_.has_value()) return a.dev_ ? -1 : 1;
  if (a.dev_)
    if (int c = cmp(*a.dev_, *b.dev_)) return c;

  // Local: none sorts first; text parts before numeric parts; a shorter label that is a
  // prefix of a longer one sorts first.
  size_t m = std::min(a.local_.size(), b.local_.size());
  for (size_t k = 0; k < m; ++k) {
    const auto& x = a.local_[k];
    const auto& y = b.local_[k];
    if (x.numeric != y.numeric) return x.numeric ? 1 : -1;
    if (x.numeric) {
      if (int c = cmp(x.number, y.number)) return c;
    } else {
      if (int c = x.text.compare(y.text)) return c < 0 ? -1 : 1;
    }
  }
  return cmp(a.local_.size(), b.local_.size());
}

}  // namespace pw::python
