// Specifier operators, their edge cases, and the pre-release rules of specifier sets.
#include "python/specifier.h"

#include <gtest/gtest.h>

namespace pw::python {
namespace {

Version V(std::string_view s) {
  auto r = Version::parse(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.ok() ? r.value() : Version();
}

// `spec` contains `version` with prereleases as packaging would decide by default.
bool in(std::string_view set, std::string_view version,
        std::optional<bool> prereleases = std::nullopt) {
  auto s = SpecifierSet::parse(set);
  EXPECT_TRUE(s.ok()) << set << ": " << s.error();
  if (!s.ok()) return false;
  return s->contains(V(version), prereleases);
}

struct Case {
  const char* version;
  const char* spec;
  bool expected;
};

// From packaging's tests/test_specifiers.py (contains with prereleases allowed where the
// version is a pre-release, to exercise the operator itself).
const Case kOperators[] = {
    // == and prefix matching
    {"2.0", "==2", true},
    {"2.0", "==2.0", true},
    {"2.0", "==2.0.0", true},
    {"2.0.0", "==2", true},
    {"2.0+deadbeef", "==2", true},
    {"2.0+deadbeef", "==2.0", true},
    {"2.0+deadbeef", "==2.0+deadbeef", true},
    {"2.0+deadbeef.0", "==2.0+deadbeef", false},
    {"2.0", "==2.0+deadbeef", false},
    {"2.0", "==2.*", true},
    {"2.0", "==2.0.*", true},
    {"2.0", "==2.0.0.*", true},
    {"2.0.1", "==2.0.*", true},
    {"2.0.1", "==2.*", true},
    {"2.1", "==2.0.*", false},
    {"3.0", "==2.*", false},
    {"2.0.0a1", "==2.0.*", true},
    {"2.0.post1", "==2.0.*", true},
    {"2.0.post1.dev1", "==2.*", true},
    {"2.0+deadbeef", "==2.0.*", true},
    {"2.0", "==v2.0", true},
    {"1!2.0", "==2.0", false},
    {"1!2.0", "==1!2.*", true},
    {"1!2.0", "==1!2.0.*", true},  // packaging 23 gets this one wrong (epoch + padding)
    {"2.0", "==1!2.*", false},
    {"2.0.post1", "==2.0", false},
    {"2.0a1", "==2.0", false},
    // !=
    {"2.1", "!=2", true},
    {"2.0", "!=2", false},
    {"2.0+local", "!=2.0", false},
    {"2.0+local", "!=2.0+other", true},
    {"2.0", "!=2.0+local", true},
    {"2.1", "!=2.0.*", true},
    {"2.0.5", "!=2.0.*", false},
    // ~=
    {"2.0", "~=2.0", true},
    {"2.5", "~=2.0", true},
    {"3.0", "~=2.0", false},
    {"2.0.5", "~=2.0.0", true},
    {"2.1", "~=2.0.0", false},
    {"1.9", "~=2.0", false},
    {"2.0.post1", "~=2.0", true},
    {"2.0+local", "~=2.0", true},
    {"2.2.post3", "~=2.2.post3", true},
    {"2.3", "~=2.2.post3", true},
    {"2.2", "~=2.2.post3", false},
    {"3.0", "~=2.2.post3", false},
    {"1.4.5", "~=1.4.5a4", true},
    {"1.4.5a4", "~=1.4.5a4", true},
    {"1.5", "~=1.4.5a4", false},
    {"1!2.5", "~=1!2.0", true},
    {"2.5", "~=1!2.0", false},
    {"5.0", "~=5.0.dev0", true},
    // <= >=
    {"2.0", "<=2", true},
    {"2.0+local", "<=2", true},
    {"2.0.post1", "<=2", false},
    {"2.0a1", "<=2", true},
    {"1.0", ">=1.0", true},
    {"1.0+local", ">=1.0", true},
    {"1.0a1", ">=1.0", false},
    {"1.0.post1", ">=1.0", true},
    // <
    {"1.9", "<2", true},
    {"2.0", "<2", false},
    {"2.0a1", "<2", false},  // a pre-release of the named version is not "less"
    {"2.0.dev1", "<2", false},
    {"2.0.dev1", "<2.0.post1", false},  // same base release, spec not a pre-release
    {"2.0a1", "<2.0b1", true},          // unless the spec is itself a pre-release
    {"1.9a1", "<2", true},
    {"1.9+local", "<2", true},
    {"2.0+local", "<2", false},
    // >
    {"2.1", ">2", true},
    {"2.0", ">2", false},
    {"2.0.post1", ">2", false},  // a post-release of the named version is not "greater"
    {"2.0.post1", ">2.0.post0", true},
    {"2.0.1", ">2", true},
    {"2.0+local", ">2", false},  // neither is a local build of it
    {"2.0.1+local", ">2", true},
    {"2.0.post1+local", ">2", false},
    {"2.0b1", ">2.0a1", true},
    {"2.0a1.post1", ">2.0a1", false},  // same base release, spec not a post-release
    // ===
    {"2.0", "===2.0", true},
    {"2.0", "===2", false},
    {"2.0", "===2.0.0", false},
    {"2.0", "===V2.0", false},
    {"2.0a1", "===2.0a1", true},
    {"2.0a1", "===2.0A1", true},
    {"2.0", "===foobar", false},
};

TEST(Specifier, OperatorsMatchPackaging) {
  for (const auto& c : kOperators) {
    auto spec = Specifier::parse(c.spec);
    ASSERT_TRUE(spec.ok()) << c.spec << ": " << spec.error();
    EXPECT_EQ(spec->contains(V(c.version), true), c.expected) << c.version << " in " << c.spec;
  }
}

TEST(Specifier, ParsesAndKeepsTheTextAsWritten) {
  auto s = Specifier::parse("  >=  v1.0-1  ");
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->op(), Specifier::Op::greater_equal);
  EXPECT_EQ(s->version_text(), "v1.0-1");
  EXPECT_EQ(s->str(), ">=v1.0-1");
  EXPECT_EQ(s->version()->str(), "1.0.post1");

  auto w = Specifier::parse("==1.2.*");
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->is_wildcard());
  EXPECT_EQ(w->version()->str(), "1.2");

  auto a = Specifier::parse("===some-thing_1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->op(), Specifier::Op::arbitrary);
  EXPECT_FALSE(a->version().has_value());
  EXPECT_TRUE(Specifier::parse("===").ok());  // packaging accepts an empty === too
}

TEST(Specifier, RejectsWhatPep440Forbids) {
  const char* bad[] = {
      "",        "1.0",     "=1.0",      "~1.0",        "=>1.0",
      ">=",      "~=1",     "~=1.*",     "~=1.0+local", ">=1.0+local",
      "<1.0.*",  ">1.*",    "<=1.0+abc", "==1.0a1.*",   "==1.0+local.*",
      "==1.*.*", "==*",     "== 1.0 .*", "=== a b",     "===a;b",
      "===a)",   ">=1.0 2", "!==1.0",    "== french",   ">=1.0,",
  };
  for (const char* s : bad) {
    auto r = Specifier::parse(s);
    EXPECT_FALSE(r.ok()) << "'" << s << "' parsed as " << (r.ok() ? r->str() : "");
  }
}

TEST(Specifier, ErrorMessagesExplain) {
  EXPECT_NE(Specifier::parse("=1.0").error().find("=="), std::string::npos);
  EXPECT_NE(Specifier::parse("~=1").error().find("two release"), std::string::npos);
  EXPECT_NE(Specifier::parse(">=1.0+x").error().find("local"), std::string::npos);
  EXPECT_NE(Specifier::parse("<1.*").error().find("wildcard"), std::string::npos);
}

TEST(Specifier, NamesPrerelease) {
  EXPECT_TRUE(Specifier::parse(">=1.0a1")->names_prerelease());
  EXPECT_TRUE(Specifier::parse("==1.0.dev1")->names_prerelease());
  EXPECT_TRUE(Specifier::parse("~=1.0rc1")->names_prerelease());
  EXPECT_TRUE(Specifier::parse("<=1.0b1")->names_prerelease());
  EXPECT_TRUE(Specifier::parse("===1.0a1")->names_prerelease());
  EXPECT_FALSE(Specifier::parse("<1.0a1")->names_prerelease());  // exclusive ops never do
  EXPECT_FALSE(Specifier::parse(">1.0a1")->names_prerelease());
  EXPECT_FALSE(Specifier::parse("!=1.0a1")->names_prerelease());
  EXPECT_FALSE(Specifier::parse("==1.*")->names_prerelease());
  EXPECT_FALSE(Specifier::parse("===foo")->names_prerelease());
}

TEST(SpecifierSet, PrereleasesAreExcludedUnlessAskedOrNamed) {
  EXPECT_FALSE(in(">=1.0", "2.0a1"));
  EXPECT_TRUE(in(">=1.0", "2.0a1", true));
  EXPECT_FALSE(in(">=1.0", "2.0a1", false));
  EXPECT_TRUE(in(">=1.0a1", "2.0a1"));  // the set names a pre-release
  EXPECT_TRUE(in(">=1.0a1,<3", "2.0.dev1"));
  EXPECT_FALSE(in(">=1.0a1", "2.0a1", false));  // an explicit "no" wins
  EXPECT_FALSE(in("", "1.0a1"));                // the empty set: finals only
  EXPECT_TRUE(in("", "1.0a1", true));
  EXPECT_TRUE(in("", "1.0"));
  EXPECT_FALSE(in("<2.0", "1.0.dev1"));
  EXPECT_FALSE(in("!=1.0a1", "1.0a2"));
  EXPECT_TRUE(in("==1.0.*", "1.0.post1"));
  EXPECT_FALSE(in("==1.0.*", "1.0rc1"));
  EXPECT_TRUE(in("==1.0.*", "1.0rc1", true));
}

TEST(SpecifierSet, PrereleasePolicy) {
  EXPECT_EQ(SpecifierSet::parse("")->prereleases(), std::nullopt);
  EXPECT_EQ(SpecifierSet::parse(">=1")->prereleases(), false);
  EXPECT_EQ(SpecifierSet::parse(">=1,<2a1")->prereleases(), false);
  EXPECT_EQ(SpecifierSet::parse(">=1,<=2a1")->prereleases(), true);
  auto s = SpecifierSet::parse(">=1").value();
  s.set_prereleases(true);
  EXPECT_TRUE(s.contains(V("1.5b1")));
}

TEST(SpecifierSet, AllMustHold) {
  EXPECT_TRUE(in(">=1.0,<2.0", "1.5"));
  EXPECT_FALSE(in(">=1.0,<2.0", "2.0"));
  EXPECT_FALSE(in(">=1.0,!=1.5", "1.5"));
  EXPECT_TRUE(in(" >= 1.0 , < 2.0 ", "1.9.9"));
  EXPECT_TRUE(in(">=1.0,,<2", "1.1"));  // empty items are skipped, as packaging does
  EXPECT_TRUE(in(",", "1.1"));
}

TEST(SpecifierSet, StrSortsAndDropsCanonicalDuplicates) {
  EXPECT_EQ(SpecifierSet::parse("<2,>=1.0")->str(), "<2,>=1.0");
  EXPECT_EQ(SpecifierSet::parse(">=1.0, <2")->str(), "<2,>=1.0");
  EXPECT_EQ(SpecifierSet::parse("==1.0,==1.0.0")->str(), "==1.0");
  EXPECT_EQ(SpecifierSet::parse("==1.0,==1.0.0")->size(), 1u);
  EXPECT_EQ(SpecifierSet::parse("~=1.0,~=1.0.0")->size(), 2u);  // ~= keeps trailing zeros
  EXPECT_EQ(SpecifierSet::parse("==1.*,==1.0.*")->size(), 2u);
  EXPECT_EQ(SpecifierSet::parse("==0+A_01, == 0")->str(), "==0,==0+A_01");  // local labels count
  EXPECT_EQ(SpecifierSet::parse("==1.0+a.1,==1+A-01")->size(), 1u);
}

TEST(SpecifierSet, ErrorOffsetPointsIntoTheText) {
  auto s = SpecifierSet::parse(">=1.0, =<2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.failure().offset, 7u);
}

}  // namespace
}  // namespace pw::python
