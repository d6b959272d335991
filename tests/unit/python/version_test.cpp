// PEP 440 parsing, normalization and ordering, with the cases packaging's own test suite uses.
#include "python/version.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace pw::python {
namespace {

Version V(std::string_view s) {
  auto r = Version::parse(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.error();
  return r.ok() ? r.value() : Version();
}

struct NormCase {
  const char* input;
  const char* normalized;
};

// Input spelling -> str(Version). Drawn from PEP 440's normalization section and
// packaging's tests/test_version.py.
const NormCase kNormalization[] = {
    {"1.0", "1.0"},
    {"1", "1"},
    {"1.0.0.0.0", "1.0.0.0.0"},
    {"v1.0", "1.0"},
    {"V1.0", "1.0"},
    {"  1.0\t\n", "1.0"},
    {"01.002.0003", "1.2.3"},
    {"1!1.0", "1!1.0"},
    {"0!1.0", "1.0"},
    {"v1!2.0", "1!2.0"},
    {"1.0a1", "1.0a1"},
    {"1.0A1", "1.0a1"},
    {"1.0alpha1", "1.0a1"},
    {"1.0ALPHA1", "1.0a1"},
    {"1.0b2", "1.0b2"},
    {"1.0beta2", "1.0b2"},
    {"1.0c3", "1.0rc3"},
    {"1.0C3", "1.0rc3"},
    {"1.0rc3", "1.0rc3"},
    {"1.0pre3", "1.0rc3"},
    {"1.0preview3", "1.0rc3"},
    {"1.0-a1", "1.0a1"},
    {"1.0_a1", "1.0a1"},
    {"1.0.a1", "1.0a1"},
    {"1.0a.1", "1.0a1"},
    {"1.0a-1", "1.0a1"},
    {"1.0a_1", "1.0a1"},
    {"1.0a", "1.0a0"},
    {"1.0rc", "1.0rc0"},
    {"1.0a.", "1.0a0"},
    {"1.0a--1", "1.0a0.post1"},
    {"1.0.post1", "1.0.post1"},
    {"1.0post1", "1.0.post1"},
    {"1.0-post1", "1.0.post1"},
    {"1.0_post1", "1.0.post1"},
    {"1.0.post", "1.0.post0"},
    {"1.0.post.", "1.0.post0"},
    {"1.0.post-1", "1.0.post1"},
    {"1.0-1", "1.0.post1"},
    {"1.0-10", "1.0.post10"},
    {"1.0.rev1", "1.0.post1"},
    {"1.0r1", "1.0.post1"},
    {"1.0-r1", "1.0.post1"},
    {"1.0REV1", "1.0.post1"},
    {"1.0.dev1", "1.0.dev1"},
    {"1.0dev1", "1.0.dev1"},
    {"1.0-dev1", "1.0.dev1"},
    {"1.0.dev", "1.0.dev0"},
    {"1.0DEV", "1.0.dev0"},
    {"1.0a1.dev2", "1.0a1.dev2"},
    {"1.0a1-dev2", "1.0a1.dev2"},
    {"1.0rc1.post2.dev3", "1.0rc1.post2.dev3"},
    {"1.0c1-2", "1.0rc1.post2"},
    {"1.0-1.dev1", "1.0.post1.dev1"},
    {"1.0+abc", "1.0+abc"},
    {"1.0+ABC", "1.0+abc"},
    {"1.0+abc.5", "1.0+abc.5"},
    {"1.0+abc-5", "1.0+abc.5"},
    {"1.0+abc_5", "1.0+abc.5"},
    {"1.0+01", "1.0+1"},
    {"1.0+abc.007", "1.0+abc.7"},
    {"1.0+ubuntu-1.2_3", "1.0+ubuntu.1.2.3"},
    {"1!2.0b3.post4.dev5+loc.6", "1!2.0b3.post4.dev5+loc.6"},
    {"2012.4", "2012.4"},
    {"1.0-dev-", "1.0.dev0"},
    {"1.0-pre", "1.0rc0"},
    {"18446744073709551615", "18446744073709551615"},
};

TEST(Version, NormalizesEverySpelling) {
  for (const auto& c : kNormalization) {
    auto v = Version::parse(c.input);
    ASSERT_TRUE(v.ok()) << "'" << c.input << "': " << v.error();
    EXPECT_EQ(v->str(), c.normalized) << "'" << c.input << "'";
    // Normalizing is idempotent and the normalized text parses to an equal version.
    auto again = Version::parse(v->str());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->str(), c.normalized);
    EXPECT_EQ(*again, *v);
  }
}

TEST(Version, RejectsInvalidTextWithAnErrorNotAThrow) {
  const char* bad[] = {
      "",
      " ",
      "french toast",
      "1.0.",
      ".1.0",
      "1..0",
      "1.0-",
      "1.0+",
      "1.0+.abc",
      "1.0+abc.",
      "1.0+a b",
      "1.0 a1",
      "vv1.0",
      "1.0a1a1",
      "1.0.dev1.post1",
      "1!",
      "!1.0",
      "1!2!3",
      "1.0.post1.post2",
      "1.0a1b1",
      "1.0gamma1",
      "1.0-+abc",
      "1.0++abc",
      "1.*",
      "1.0.*",
      "=1.0",
      "1.0,",
      "1 0",
      "1.0\xC3\xA9",
      "99999999999999999999",
      "1.0+99999999999999999999",
      "v",
      "1.0_",
      "1.0.a.b",
  };
  for (const char* s : bad) {
    auto v = Version::parse(s);
    EXPECT_FALSE(v.ok()) << "'" << s << "' parsed as " << (v.ok() ? v->str() : "");
    if (!v.ok()) {
      EXPECT_FALSE(v.error().empty());
    }
  }
}

TEST(Version, ErrorOffsetPointsAtTheProblem) {
  auto v = Version::parse("1.0.x");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.failure().offset, 3u);
  auto w = Version::parse("1.0+abc.");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.failure().offset, 7u);
}

TEST(Version, Accessors) {
  Version v = V("1!2.3.4rc5.post6.dev7+Ubuntu.8");
  EXPECT_EQ(v.epoch(), 1u);
  EXPECT_EQ(v.release(), (std::vector<uint64_t>{2, 3, 4}));
  ASSERT_TRUE(v.pre());
  EXPECT_EQ(v.pre()->kind, Version::PreKind::rc);
  EXPECT_EQ(v.pre()->number, 5u);
  EXPECT_EQ(v.post(), 6u);
  EXPECT_EQ(v.dev(), 7u);
  EXPECT_EQ(v.local(), "ubuntu.8");
  EXPECT_EQ(v.public_version(), "1!2.3.4rc5.post6.dev7");
  EXPECT_EQ(v.base_version(), "1!2.3.4");
  EXPECT_TRUE(v.is_prerelease());
  EXPECT_TRUE(v.is_postrelease());
  EXPECT_TRUE(v.is_devrelease());
  EXPECT_EQ(v.without_local().str(), "1!2.3.4rc5.post6.dev7");
  EXPECT_EQ(v.base().str(), "1!2.3.4");
}

TEST(Version, PrereleaseFlags) {
  EXPECT_FALSE(V("1.0").is_prerelease());
  EXPECT_TRUE(V("1.0a1").is_prerelease());
  EXPECT_TRUE(V("1.0b1").is_prerelease());
  EXPECT_TRUE(V("1.0rc1").is_prerelease());
  EXPECT_TRUE(V("1.0.dev1").is_prerelease());
  EXPECT_TRUE(V("1.0.post1.dev1").is_prerelease());
  EXPECT_FALSE(V("1.0.post1").is_prerelease());
  EXPECT_FALSE(V("1.0+local").is_prerelease());
  EXPECT_TRUE(V("1.0.post1").is_postrelease());
  EXPECT_TRUE(V("1.0-1").is_postrelease());
  EXPECT_FALSE(V("1.0").is_devrelease());
}

// The ascending order from packaging's test suite (each strictly less than the next).
const char* const kOrdered[] = {
    "1.0.dev456",
    "1.0a1",
    "1.0a2.dev456",
    "1.0a12.dev456",
    "1.0a12",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0b2-346",
    "1.0c1.dev456",
    "1.0c1",
    "1.0rc2",
    "1.0c3",
    "1.0",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.1.dev1",
    "1.2+123abc",
    "1.2+123abc456",
    "1.2+abc",
    "1.2+abc123",
    "1.2+abc123def",
    "1.2+1234.abc",
    "1.2+123456",
    "1.2.r32+123456",
    "1.2.rev33+123456",
    "1!1.0b2.post345.dev456",
    "1!1.0b2.post345",
    "1!1.0b2-346",
    "1!1.0",
    "1!1.0.post456",
    "1!1.2.rev33+123456",
};

TEST(Version, OrdersLikePackaging) {
  const size_t n = std::size(kOrdered);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      Version a = V(kOrdered[i]), b = V(kOrdered[j]);
      int want = i < j ? -1 : (i > j ? 1 : 0);
      int got = compare(a, b);
      EXPECT_EQ((got > 0) - (got < 0), want) << kOrdered[i] << " vs " << kOrdered[j];
    }
  }
}

TEST(Version, SortingAShuffledListRestoresTheOrder) {
  std::vector<Version> vs;
  for (const char* s : kOrdered) vs.push_back(V(s));
  std::mt19937 rng(42);
  std::shuffle(vs.begin(), vs.end(), rng);
  std::sort(vs.begin(), vs.end());
  for (size_t i = 0; i < vs.size(); ++i) EXPECT_EQ(vs[i], V(kOrdered[i])) << i;
}

TEST(Version, EqualityIgnoresSpellingAndTrailingZeros) {
  EXPECT_EQ(V("1.0"), V("1"));
  EXPECT_EQ(V("1.0.0.0"), V("1"));
  EXPECT_EQ(V("v1.0"), V("1.0"));
  EXPECT_EQ(V("1.0alpha1"), V("1.0a1"));
  EXPECT_EQ(V("1.0-1"), V("1.0.post1"));
  EXPECT_EQ(V("1.0+abc-1"), V("1.0+ABC.1"));
  EXPECT_EQ(V("1.0+01"), V("1.0+1"));
  EXPECT_EQ(V("0!1.0"), V("1.0"));
  EXPECT_NE(V("1.0"), V("1.0+local"));
  EXPECT_NE(V("1.0"), V("1.0.post0"));
  EXPECT_NE(V("1.0a0"), V("1.0"));
  EXPECT_LT(V("1.0"), V("1.0+local"));
  EXPECT_LT(V("1.0+local"), V("1.0.post1"));
  EXPECT_LT(V("1.0.post1.dev1"), V("1.0.post1"));
  EXPECT_LT(V("1.0.dev1"), V("1.0a0"));
  EXPECT_LT(V("1.0a1.post1"), V("1.0a2"));
  EXPECT_LT(V("1.0a1.dev1"), V("1.0a1"));
  EXPECT_LT(V("2.0"), V("1!0.1"));
  EXPECT_LT(V("1.0.9"), V("1.0.10"));
  EXPECT_LT(V("1.9"), V("1.10"));
}

TEST(Version, LocalLabelOrdering) {
  // Text parts sort before numeric parts; numbers compare numerically; prefixes sort first.
  EXPECT_LT(V("1.0+abc"), V("1.0+1"));
  EXPECT_LT(V("1.0+abc"), V("1.0+abd"));
  EXPECT_LT(V("1.0+2"), V("1.0+10"));
  EXPECT_LT(V("1.0+abc"), V("1.0+abc.1"));
  EXPECT_LT(V("1.0+abc.z"), V("1.0+abc.1"));
  EXPECT_LT(V("1.0+1.abc"), V("1.0+1.1"));
  EXPECT_LT(V("1.0+1"), V("1.0+1.0"));
  EXPECT_EQ(V("1.0+1.0"), V("1.0+1-0"));
}

}  // namespace
}  // namespace pw::python
