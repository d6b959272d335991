// Specifier parsing and matching. Matching is done on parsed versions rather than by packaging's
// string splitting; the two agree except for two packaging 23 bugs where we follow PEP 440:
//  - prefix matching (==X.*, ~=) with a non-zero epoch on either side: packaging splits
//    "1!2.0" into ["1!2", "0"], so it says 1!2.0 is not in ==1!2.0.* and 1!2012 is in ==0.*;
//  - ~= with a suffix spelled after a dot in an alternate form (~=1.0.c1, ~=1.0.pre1,
//    ~=1.0.RC1): packaging keeps "c1" as a release part and builds the prefix ==1.0.* instead
//    of ==1.*.
// The differential test leaves exactly those inputs out and says so.
#include "python/specifier.h"

#include <algorithm>

#include "python/ascii.h"

namespace pw::python {

namespace {

using ascii::is_py_space;
using ascii::strip_py_space;

// utils.canonicalize_version: str(Version) with the release's trailing ".0"s removed
// (kept for ~=); text that is not a version is returned as is.
std::string canonicalize_version(std::string_view text, bool strip_trailing_zero) {
  auto v = Version::parse(text);
  if (!v) return std::string(text);
  std::string out;
  if (v->epoch() != 0) out += std::to_string(v->epoch()) + "!";
  auto rel = v->release();
  if (strip_trailing_zero)
    while (rel.size() > 1 && rel.back() == 0) rel.pop_back();
  for (size_t k = 0; k < rel.size(); ++k) {
    if (k) out += '.';
    out += std::to_string(rel[k]);
  }
  std::string full = v->str();
  // Everything after the release segment (pre, post, dev, local) as normalized.
  out += full.substr(v->base_version().size());
  return out;
}

// True when `v`'s release, zero-padded, starts with `prefix`, in the same epoch.
bool prefix_match(const Version& v, uint64_t epoch, const std::vector<uint64_t>& prefix,
                  size_t prefix_len) {
  if (v.epoch() != epoch) return false;
  const auto& rel = v.release();
  for (size_t k = 0; k < prefix_len; ++k) {
    uint64_t x = k < rel.size() ? rel[k] : 0;
    if (x != prefix[k]) return false;
  }
  return true;
}

}  // namespace

std::string_view Specifier::op_str() const {
  switch (op_) {
    case Op::compatible:
      return "~=";
    case Op::equal:
      return "==";
    case Op::not_equal:
      return "!=";
    case Op::less_equal:
      return "<=";
    case Op::greater_equal:
      return ">=";
    case Op::less:
      return "<";
    case Op::greater:
      return ">";
    case Op::arbitrary:
      return "===";
  }
  return "";
}

std::string Specifier::str() const {
  std::string out(op_str());
  out += text_;
  return out;
}

Result<Specifier> Specifier::parse(std::string_view text) {
  size_t lead = 0;
  std::string_view t = strip_py_space(text, &lead);
  Specifier s;
  size_t n = 0;
  if (t.starts_with("==="))
    s.op_ = Op::arbitrary, n = 3;
  else if (t.starts_with("~="))
    s.op_ = Op::compatible, n = 2;
  else if (t.starts_with("=="))
    s.op_ = Op::equal, n = 2;
  else if (t.starts_with("!="))
    s.op_ = Op::not_equal, n = 2;
  else if (t.starts_with("<="))
    s.op_ = Op::less_equal, n = 2;
  else if (t.starts_with(">="))
    s.op_ = Op::greater_equal, n = 2;
  else if (t.starts_with("<"))
    s.op_ = Op::less, n = 1;
  else if (t.starts_with(">"))
    s.op_ = Op::greater, n = 1;
  else if (t.starts_with("="))
    return fail("'=' is not a version operator; did you mean '=='?", lead);
  else if (t.starts_with("~"))
    return fail("'~' is not a version operator; did you mean '~='?", lead);
  else
    return fail("expected a version operator (==, !=, <=, >=, <, >, ~=, ===)", lead);

  size_t pos = n;
  while (pos < t.size() && is_py_space(t[pos])) ++pos;
  std::string_view rest = t.substr(pos);
  size_t at = lead + pos;  // offset of the version in `text`
  s.text_ = std::string(rest);

  if (s.op_ == Op::arbitrary) {
    for (size_t k = 0; k < rest.size(); ++k)
      if (is_py_space(rest[k]) || rest[k] == ';' || rest[k] == ')')
        return fail("=== takes one word without spaces, ';' or ')'", at + k);
    if (auto v = Version::parse(rest)) s.version_ = std::move(v).value();
    return s;
  }

  if (rest.empty()) return fail("expected a version after '" + std::string(s.op_str()) + "'", at);

  if (rest.size() >= 2 && rest.ends_with(".*")) {
    if (s.op_ != Op::equal && s.op_ != Op::not_equal)
      return fail("a '.*' wildcard is only allowed with == and !=", at + rest.size() - 2);
    std::string_view prefix = rest.substr(0, rest.size() - 2);
    auto v = Version::parse(prefix);
    if (!v) return fail(v.failure().message, at + v.failure().offset);
    if (prefix.empty() || is_py_space(prefix.back()) || v->pre() || v->post() || v->dev() ||
        v->has_local())
      return fail("a '.*' wildcard must follow the release numbers only (==1.2.*)", at);
    s.wildcard_ = true;
    s.version_ = std::move(v).value();
    return s;
  }

  auto v = Version::parse(rest);
  if (!v) return fail(v.failure().message, at + v.failure().offset);
  if (v->has_local() && s.op_ != Op::equal && s.op_ != Op::not_equal)
    return fail("a local version label (+" + v->local() + ") is only allowed with == and !=",
                at + rest.find('+'));
  if (s.op_ == Op::compatible && v->release().size() < 2)
    return fail(
        "~= needs at least two release numbers (~=" + std::to_string(v->release()[0]) + ".0)", at);
  s.version_ = std::move(v).value();
  return s;
}

bool Specifier::names_prerelease() const {
  switch (op_) {
    case Op::equal:
    case Op::greater_equal:
    case Op::less_equal:
    case Op::compatible:
    case Op::arbitrary:
      return version_ && version_->is_prerelease();
    default:
      return false;
  }
}

bool Specifier::matches(const Version& v) const {
  if (op_ == Op::arbitrary) return ascii::to_lower_ascii(v.str()) == ascii::to_lower_ascii(text_);
  const Version& spec = *version_;
  switch (op_) {
    case Op::compatible: {
      // ~=X.Y.Z is >=X.Y.Z together with ==X.Y.* (the release minus its last number).
      if (compare(v.without_local(), spec) < 0) return false;
      return prefix_match(v, spec.epoch(), spec.release(), spec.release().size() - 1);
    }
    case Op::equal:
    case Op::not_equal: {
      bool eq;
      if (wildcard_) {
        eq = prefix_match(v, spec.epoch(), spec.release(), spec.release().size());
      } else if (spec.has_local()) {
        eq = compare(v, spec) == 0;
      } else {
        // ==1.0 matches 1.0+anything: the candidate's local label is ignored.
        eq = compare(v.without_local(), spec) == 0;
      }
      return op_ == Op::equal ? eq : !eq;
    }
    case Op::less_equal:
      return compare(v.without_local(), spec) <= 0;
    case Op::greater_equal:
      return compare(v.without_local(), spec) >= 0;
    case Op::less: {
      if (compare(v, spec) >= 0) return false;
      // <1.0 must not admit 1.0rc1: a pre-release of the very version named is not "less".
      if (!spec.is_prerelease() && v.is_prerelease() && compare(v.base(), spec.base()) == 0)
        return false;
      return true;
    }
    case Op::greater: {
      if (compare(v, spec) <= 0) return false;
      // >1.0 must not admit 1.0.post1 or 1.0+local, which are the same release.
      if (!spec.is_postrelease() && v.is_postrelease() && compare(v.base(), spec.base()) == 0)
        return false;
      if (v.has_local() && compare(v.base(), spec.base()) == 0) return false;
      return true;
    }
    case Op::arbitrary:
      break;
  }
  return false;
}

bool Specifier::contains(const Version& v, std::optional<bool> prereleases) const {
  bool allow_pre = prereleases.has_value() ? *prereleases : names_prerelease();
  if (v.is_prerelease() && !allow_pre) return false;
  return matches(v);
}

std::string Specifier::canonical_key() const {
  std::string out(op_str());
  out += canonicalize_version(text_, op_ != Op::compatible);
  return out;
}

Result<SpecifierSet> SpecifierSet::parse(std::string_view text) {
  std::vector<Specifier> specs;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    if (!strip_py_space(item).empty()) {
      auto spec = Specifier::parse(item);
      if (!spec) return fail(spec.failure().message, start + spec.failure().offset);
      specs.push_back(std::move(spec).value());
    }
    start = comma + 1;
  }
  return from_specifiers(std::move(specs));
}

SpecifierSet SpecifierSet::from_specifiers(std::vector<Specifier> specs) {
  SpecifierSet set;
  if (specs.size() < 2) {  // the common case needs no canonical keys
    set.specs_ = std::move(specs);
    return set;
  }
  std::vector<std::string> keys;
  for (auto& spec : specs) {
    std::string key = spec.canonical_key();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      keys.push_back(std::move(key));
      set.specs_.push_back(std::move(spec));
    }
  }
  return set;
}

std::optional<bool> SpecifierSet::prereleases() const {
  if (prereleases_) return prereleases_;
  if (specs_.empty()) return std::nullopt;
  for (const auto& s : specs_)
    if (s.names_prerelease()) return true;
  return false;
}

bool SpecifierSet::contains(const Version& v, std::optional<bool> prereleases) const {
  if (!prereleases) prereleases = this->prereleases();
  bool allow_pre = prereleases.value_or(false);
  if (!allow_pre && v.is_prerelease()) return false;
  for (const auto& s : specs_)
    if (!s.contains(v, allow_pre)) return false;
  return true;
}

std::string SpecifierSet::str() const {
  std::vector<std::string> parts;
  parts.reserve(specs_.size());
  for (const auto& s : specs_) parts.push_back(s.str());
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k) out += ',';
    out += parts[k];
  }
  return out;
}

}  // namespace pw::python
