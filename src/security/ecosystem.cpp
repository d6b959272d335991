// The registry of ecosystem version schemes and the PyPI one (PEP 440 via pw::python::Version).
#include "security/ecosystem.h"

#include <map>

#include "python/names.h"
#include "python/version.h"
#include "security/dpkg_version.h"

namespace pw::security {

namespace {

class Pep440Version final : public ParsedVersion {
 public:
  explicit Pep440Version(python::Version v) : v_(std::move(v)) {}
  int compare(const ParsedVersion& other) const override {
    // Only versions of the same scheme are ever compared (ParsedVersion's contract).
    auto c = v_ <=> static_cast<const Pep440Version&>(other).v_;
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  // The normalized form with trailing ".0" release parts dropped: PEP 440 equality ignores
  // them ("1.0" == "1.0.0"), and the local label is already normalized by Version::local().
  std::string key() const override {
    std::string out;
    if (v_.epoch() != 0) out += std::to_string(v_.epoch()) + "!";
    const auto& rel = v_.release();
    size_t n = rel.size();
    while (n > 1 && rel[n - 1] == 0) --n;
    for (size_t i = 0; i < n; ++i) {
      if (i) out += '.';
      out += std::to_string(rel[i]);
    }
    if (v_.pre()) {
      static const char* kinds[] = {"a", "b", "rc"};
      out += kinds[static_cast<int>(v_.pre()->kind)];
      out += std::to_string(v_.pre()->number);
    }
    if (v_.post()) out += ".post" + std::to_string(*v_.post());
    if (v_.dev()) out += ".dev" + std::to_string(*v_.dev());
    if (v_.has_local()) out += "+" + v_.local();
    return out;
  }

 private:
  python::Version v_;
};

class Pep440Scheme final : public VersionScheme {
 public:
  std::unique_ptr<ParsedVersion> parse(std::string_view text, std::string* why) const override {
    auto r = python::Version::parse(text);
    if (!r) {
      if (why) *why = r.error();
      return nullptr;
    }
    return std::make_unique<Pep440Version>(std::move(r).value());
  }
  std::string normalize_name(std::string_view name) const override {
    return python::normalize_name(name);
  }
};

std::map<std::string, std::unique_ptr<VersionScheme>, std::less<>>& registry() {
  static auto* r = [] {
    auto* m = new std::map<std::string, std::unique_ptr<VersionScheme>, std::less<>>();
    (*m)["PyPI"] = std::make_unique<Pep440Scheme>();
    // Debian:<release> (the image scan's OS packages): dpkg's order, dpkg_version.h.
    (*m)["Debian"] = make_dpkg_scheme();
    return m;
  }();
  return *r;
}

}  // namespace

const VersionScheme* scheme_for(std::string_view ecosystem) {
  std::string_view base = ecosystem.substr(0, ecosystem.find(':'));
  auto& r = registry();
  auto it = r.find(base);
  return it == r.end() ? nullptr : it->second.get();
}

void register_scheme(std::string ecosystem, std::unique_ptr<VersionScheme> scheme) {
  registry()[std::move(ecosystem)] = std::move(scheme);
}

const VersionScheme& pypi_scheme() { return *scheme_for("PyPI"); }

}  // namespace pw::security
