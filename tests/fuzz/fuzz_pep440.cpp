// PEP 440 versions and specifier sets, as written in requirements and advisories: parse, print,
// compare and test membership, both halves of the input (split at the first newline).
#include "fuzz.h"
#include "python/specifier.h"
#include "python/version.h"

PW_FUZZ_TARGET(text) {
  using namespace pw::python;
  auto parts = pw::fuzz::split(text, "\n", 2);
  auto a = Version::parse(parts[0]);
  auto b = Version::parse(parts[1]);
  if (a && b) (void)compare(*a, *b);
  for (auto part : parts) {
    auto set = SpecifierSet::parse(part);
    if (set && a) (void)set->contains(*a), (void)set->contains(*a, true);
    auto one = Specifier::parse(part);
    if (one && b) (void)one->contains(*b);
  }
}
