// PEP 508 by hand: name, extras, then either "@ url" or a specifier list (bare or in
// parentheses), then "; marker". Mirrors packaging._parser's structure and messages; the
// specifier tokens are cut at whitespace, ',', ';' and ')' and validated by Specifier::parse,
// which gives a more precise message ("a local version label is only allowed with ==") than a
// token mismatch would.
#include "python/requirement.h"

#include <algorithm>

#include "python/ascii.h"
#include "python/names.h"

namespace pw::python {

namespace {

using ascii::is_alnum;
bool is_name_char(char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; }
bool is_ws(char c) { return c == ' ' || c == '\t'; }
// C's isspace(): unlike str.isspace(), not the bytes 0x1c-0x1f.
bool is_c_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

class RequirementParser {
 public:
  explicit RequirementParser(std::string_view s) : s_(s) {}

  Result<Requirement> run() {
    Requirement r;
    skip_ws();
    size_t name_start = pos_;
    if (!read_name(r.name))
      return fail("expected a package name at the start of the requirement", name_start);
    skip_ws();
    if (peek() == '[') {
      if (auto f = read_extras(r.extras)) return *f;
    }
    skip_ws();
    if (peek() == '@') {
      ++pos_;
      skip_ws();
      size_t url_start = pos_;
      while (pos_ < s_.size() && !is_ws(s_[pos_])) ++pos_;
      if (pos_ == url_start) return fail("expected a URL after '@'", pos_);
      r.url = std::string(s_.substr(url_start, pos_ - url_start));
      if (auto f = check_url(r.url, url_start)) return *f;
      if (at_end()) return r;
      skip_ws();
      if (at_end()) return r;
      if (peek() != ';')
        return fail(
            "expected the end or ';' after the URL (a ';' after a URL needs a space before it)",
            pos_);
    } else {
      size_t spec_start = pos_;
      if (auto f = read_specifiers(r)) return *f;
      skip_ws();
      if (at_end()) return r;
      if (peek() != ';') {
        if (r.specifier_text.empty())
          return fail(
              "expected a version specifier (==, >=, ...), '@ url', ';' or the end after the name",
              pos_ == spec_start ? pos_ : spec_start);
        return fail("expected ',' between version specifiers, or ';' before a marker", pos_);
      }
    }
    // ';' marker
    ++pos_;
    std::string_view rest = s_.substr(pos_);
    auto m = Marker::parse(rest);
    if (!m) return fail(m.failure().message, pos_ + m.failure().offset);
    size_t b = 0, e = rest.size();
    while (b < e && is_ws(rest[b])) ++b;
    while (e > b && is_ws(rest[e - 1])) --e;
    if (b == e) return fail("expected a marker after ';'", pos_);
    r.marker_text = std::string(rest.substr(b, e - b));
    r.marker = std::move(m).value();
    return r;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;

  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool at_end() const { return pos_ >= s_.size(); }
  void skip_ws() {
    while (pos_ < s_.size() && is_ws(s_[pos_])) ++pos_;
  }

  // [A-Za-z0-9] ([A-Za-z0-9._-]* [A-Za-z0-9])?
  bool read_name(std::string& out) {
    if (!is_alnum(peek())) return false;
    size_t start = pos_;
    size_t end = pos_;
    while (end < s_.size() && is_name_char(s_[end])) ++end;
    while (end > start && !is_alnum(s_[end - 1])) --end;
    out = std::string(s_.substr(start, end - start));
    pos_ = end;
    return true;
  }

  std::optional<Failure> read_extras(std::vector<std::string>& extras) {
    size_t open = pos_;
    ++pos_;
    skip_ws();
    std::string name;
    if (read_name(name)) {
      extras.push_back(std::move(name));
      for (;;) {
        skip_ws();
        if (is_alnum(peek())) return fail("expected ',' between extra names", pos_);
        if (peek() != ',') break;
        ++pos_;
        skip_ws();
        if (!read_name(name)) return fail("expected an extra name after ','", pos_);
        extras.push_back(std::move(name));
      }
    }
    skip_ws();
    if (peek() != ']')
      return fail("expected ']' to close the extras opened at column " + std::to_string(open + 1),
                  pos_);
    ++pos_;
    return std::nullopt;
  }

  static bool starts_specifier(char c) {
    return c == '<' || c == '>' || c == '=' || c == '!' || c == '~';
  }

  std::optional<Failure> read_specifiers(Requirement& r) {
    bool parens = peek() == '(';
    size_t open = pos_;
    if (parens) {
      ++pos_;
      skip_ws();
    }
    size_t text_start = pos_, text_end = pos_;
    std::vector<Specifier> specs;
    while (starts_specifier(peek())) {
      size_t spec_start = pos_;
      // operator, optional whitespace, then the version up to whitespace , ; )
      while (starts_specifier(peek())) ++pos_;
      while (pos_ < s_.size() && is_c_space(s_[pos_])) ++pos_;
      while (pos_ < s_.size() && !is_c_space(s_[pos_]) && s_[pos_] != ',' && s_[pos_] != ';' &&
             s_[pos_] != ')' && s_[pos_] != '[')
        ++pos_;
      auto spec = Specifier::parse(s_.substr(spec_start, pos_ - spec_start));
      if (!spec) return fail(spec.failure().message, spec_start + spec.failure().offset);
      specs.push_back(std::move(spec).value());
      if (peek() == '[') return fail("extras go right after the name: name[extra]==1.0", pos_);
      text_end = pos_;
      skip_ws();
      if (peek() != ',') break;
      ++pos_;
      skip_ws();
      if (!starts_specifier(peek())) return fail("expected a version specifier after ','", pos_);
    }
    if (parens) {
      skip_ws();
      if (peek() != ')')
        return fail("expected ')' to close the '(' at column " + std::to_string(open + 1), pos_);
      ++pos_;
    }
    r.specifier_text = std::string(s_.substr(text_start, text_end - text_start));
    if (!specs.empty()) r.specifier = SpecifierSet::from_specifiers(std::move(specs));
    return std::nullopt;
  }

  // packaging: file: URLs must round-trip ("file://..."), others need a scheme and a host.
  std::optional<Failure> check_url(std::string_view url, size_t at) {
    size_t colon = url.find(':');
    bool scheme_ok = colon != std::string_view::npos && colon > 0 &&
                     ((url[0] >= 'a' && url[0] <= 'z') || (url[0] >= 'A' && url[0] <= 'Z'));
    for (size_t k = 0; scheme_ok && k < colon; ++k)
      scheme_ok = is_alnum(url[k]) || url[k] == '+' || url[k] == '-' || url[k] == '.';
    if (!scheme_ok)
      return fail("invalid URL '" + std::string(url) + "': expected scheme://host/...", at);
    std::string scheme(url.substr(0, colon));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; });
    std::string_view rest = url.substr(colon + 1);
    if (scheme == "file") {
      if (!rest.starts_with("//"))
        return fail("invalid URL '" + std::string(url) + "': a file URL is file:///path", at);
      return std::nullopt;
    }
    if (!rest.starts_with("//") || rest.size() == 2 || rest[2] == '/' || rest[2] == '?' ||
        rest[2] == '#')
      return fail("invalid URL '" + std::string(url) + "': expected scheme://host/...", at);
    return std::nullopt;
  }
};

}  // namespace

std::string Requirement::normalized_name() const { return normalize_name(name); }

std::string Requirement::str() const {
  std::string out = name;
  if (!extras.empty()) {
    auto sorted = extras;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    out += '[';
    for (size_t k = 0; k < sorted.size(); ++k) {
      if (k) out += ',';
      out += sorted[k];
    }
    out += ']';
  }
  out += specifier.str();
  if (!url.empty()) {
    out += " @ ";
    out += url;
    if (marker) out += ' ';
  }
  if (marker) {
    out += "; ";
    out += marker->str();
  }
  return out;
}

Result<Requirement> parse_requirement(std::string_view text) {
  return RequirementParser(text).run();
}

}  // namespace pw::python
