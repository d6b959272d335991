// How one package ecosystem orders and compares versions and names. OSV ranges are written in
// each ecosystem's own version syntax (PEP 440 for PyPI, dpkg for Debian...), so the range
// evaluator in match.h never compares versions itself: it asks the ecosystem's VersionScheme.
// A new ecosystem (the container scan's Debian packages) plugs in by registering one.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace pw::security {

// A version parsed by one scheme; compared only with versions parsed by the same scheme.
class ParsedVersion {
 public:
  virtual ~ParsedVersion() = default;
  // <0, 0, >0 as this sorts before, equal to, after `other` in the ecosystem's order.
  virtual int compare(const ParsedVersion& other) const = 0;
  // A text that is equal for two versions exactly when compare() says they are equal (PyPI:
  // "1.0" and "1.0.0" share one key), so an advisory's `versions` list can be matched by key.
  virtual std::string key() const = 0;
};

class VersionScheme {
 public:
  virtual ~VersionScheme() = default;
  // nullptr when `text` is not a version of this ecosystem; `why` then says what is wrong.
  virtual std::unique_ptr<ParsedVersion> parse(std::string_view text, std::string* why) const = 0;
  // The package name as the ecosystem compares names (PyPI: PEP 503 normalization).
  virtual std::string normalize_name(std::string_view name) const = 0;
};

// The scheme for an OSV ecosystem string ("PyPI"; a ":suffix" such as "Debian:12" is ignored
// for the look-up), or nullptr when none is registered. Without a scheme, ranges cannot be
// evaluated and only the explicit `versions` list is matched, by exact text.
const VersionScheme* scheme_for(std::string_view ecosystem);

// Adds or replaces the scheme for an ecosystem base name ("Debian"). Not thread-safe: call at
// start-up, before any matching.
void register_scheme(std::string ecosystem, std::unique_ptr<VersionScheme> scheme);

// PyPI's scheme, PEP 440 over pw::python::Version.
const VersionScheme& pypi_scheme();

}  // namespace pw::security
