// dpkg's version order: a table of known answers (dpkg's own test cases, Debian policy's
// examples, real bookworm versions), the equality key, parse errors, and a differential run
// against the real `dpkg --compare-versions` on generated pairs.
#include "security/dpkg_version.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <random>

#include "security/ecosystem.h"
#include "security/match.h"

namespace pw::security {
namespace {

int sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

struct Case {
  const char* a;
  const char* b;
  int want;  // sign of compare(a, b)
};

// dpkg's t-version.c cases and Debian policy 5.6.12 examples, plus versions really seen in
// bookworm's security archive.
const Case kCases[] = {
    {"0", "0", 0},
    {"0", "00", 0},
    {"1.0", "1.0", 0},
    {"1.0", "1.00", 0},
    {"1.0", "0:1.0", 0},
    {"1.0", "1.0-0", 0},
    {"1.0-0", "0:1.0-0", 0},
    {"1.0", "1.0-", 0},  // lenient compare: an empty revision as dpkg's split gives it
    {"1a", "1a0", 0},
    {"1.", "1.0", 0},
    {"1", "2", -1},
    {"2", "1", 1},
    {"1.0", "1.1", -1},
    {"1.9", "1.10", -1},
    {"1.09", "1.10", -1},
    {"1.0", "1.0.0", -1},
    {"1.0.0", "1.0", 1},
    {"1:0.1", "2.0", 1},
    {"1:1.0", "2:0.1", -1},
    {"0:1.0", "1:0.1", -1},
    {"10:1", "9:99", 1},
    {"1.0~rc1", "1.0", -1},
    {"1.0~", "1.0", -1},
    {"1.0~~", "1.0~", -1},
    {"1.0~~a", "1.0~~", 1},
    {"1.0~", "1.0~a", -1},
    {"1.0~rc1", "1.0~rc2", -1},
    {"1.0~beta", "1.0~rc", -1},
    {"1.0", "1.0a", -1},
    {"1.0a", "1.0b", -1},
    {"1.0a", "1.0.", -1},  // letters sort before non-letters
    {"1.0a", "1.0+", -1},
    {"1.0+", "1.0.", -1},  // '+' (43) before '.' (46)
    {"1.0+dfsg", "1.0", 1},
    {"1.0-1", "1.0-2", -1},
    {"1.0-1", "1.0-1.1", -1},
    {"1.0-1+b1", "1.0-1", 1},
    {"1.0-1+deb12u1", "1.0-1", 1},
    {"1.0-1+deb12u1", "1.0-1+deb12u2", -1},
    {"1.0-1~deb12u1", "1.0-1", -1},
    {"1.0-1~bpo12+1", "1.0-1", -1},
    {"1.0-10", "1.0-9", 1},
    {"1.0-a", "1.0-1", 1},  // revision "a" vs "1": 'a' (letter) vs digit run
    {"A", "a", -1},
    {"Z", "a", -1},
    {"a", "+", -1},
    {"~", "", -1},
    {"~~", "~", -1},
    {"~a", "~", 1},
    {"1-1-1", "1-1-2", -1},  // upstream "1-1", revision "1" vs "2"
    {"1-2-1", "1-1-9", 1},
    {"1:2:3", "1:2:4", -1},  // upstream "2:3"
    {"2.36.1-8+deb12u1", "2.36.1-8+deb12u2", -1},
    {"3.0.11-1~deb12u2", "3.0.15-1~deb12u1", -1},
    {"3.0.15-1~deb12u1", "3.0.11-1~deb12u2", 1},
    {"252.30-1~deb12u2", "252.33-1~deb12u1", -1},
    {"1:2.38.1-5+deb12u3", "1:2.38.1-5+deb12u2", 1},
    {"1:2.38.1-5+deb12u3", "2.40-1", 1},
    {"7.88.1-10+deb12u5", "7.88.1-10+deb12u12", -1},
    {"5.2.15-2+b2", "5.2.15-2+b7", -1},
    {"6.4-2", "6.4+20230625-2", -1},
    {"2.9.14+dfsg-1.3~deb12u1", "2.9.14+dfsg-1.3~deb12u2", -1},
    {"1.20.1-2+deb12u2", "1.20.1-2+deb12u3", -1},
    {"23.0.1+dfsg-1", "23.0.1+dfsg-1.1", -1},
    {"3.11.2-6", "3.11.2-6+deb12u1", -1},
    {"1.2.13.dfsg-1", "1:1.2.13.dfsg-1", -1},
    {"99999999999999999999", "100000000000000000000", -1},  // digit runs beyond 64 bits
    {"1.000000000000000000001", "1.1", 0},
    {"0.0.0.0.1", "0.0.0.0.01", 0},
    {"9.1", "10", -1},
    {"1.2.3a", "1.2.3+", -1},
    {"1.2~3", "1.2", -1},
    {"1.2~3", "1.2-~3", -1},  // upstream "1.2~3" < "1.2"
};

TEST(DpkgVersion, CompareTable) {
  for (const auto& c : kCases) {
    EXPECT_EQ(sign(dpkg_compare(c.a, c.b)), c.want) << c.a << " vs " << c.b;
    EXPECT_EQ(sign(dpkg_compare(c.b, c.a)), -c.want) << c.b << " vs " << c.a;
  }
}

TEST(DpkgVersion, KeyEqualExactlyWhenCompareEqual) {
  const VersionScheme* s = scheme_for("Debian:12");
  ASSERT_NE(s, nullptr);
  for (const auto& c : kCases) {
    auto a = s->parse(c.a, nullptr);
    auto b = s->parse(c.b, nullptr);
    if (!a || !b) continue;  // "1.0-" does not parse: compared leniently above
    EXPECT_EQ(a->key() == b->key(), c.want == 0)
        << c.a << " (" << a->key() << ") vs " << c.b << " (" << b->key() << ")";
    EXPECT_EQ(sign(a->compare(*b)), c.want) << c.a << " vs " << c.b;
  }
}

TEST(DpkgVersion, ParseSplitsEpochUpstreamRevision) {
  DpkgVersion v;
  std::string why;
  ASSERT_TRUE(DpkgVersion::parse(" 1:2.3-4-5+b1 ", &v, &why)) << why;
  EXPECT_EQ(v.epoch, 1u);
  EXPECT_EQ(v.upstream, "2.3-4");
  EXPECT_EQ(v.revision, "5+b1");
  ASSERT_TRUE(DpkgVersion::parse("2:1:2", &v, &why)) << why;
  EXPECT_EQ(v.epoch, 2u);
  EXPECT_EQ(v.upstream, "1:2");
  EXPECT_EQ(v.revision, "");
  ASSERT_TRUE(DpkgVersion::parse("a1", &v, &why)) << why;  // dpkg only warns
}

TEST(DpkgVersion, ParseRejectsWhatDpkgRejectsOrWarnsAbout) {
  const std::pair<const char*, const char*> bad[] = {
      {"", "empty"},
      {"  ", "empty"},
      {":1.0", "epoch in version is empty"},
      {"a:1.0", "epoch in version is not number"},
      {"-1:1.0", "epoch in version is not number"},
      {"99999999999:1.0", "too big"},
      {"1.0-", "revision number is empty"},
      {"1:-1", "version number is empty"},
      {"1.0 1", "embedded spaces"},
      {"1.0_1", "invalid character in version number"},
      {"1.0-1_2", "invalid character in revision number"},
      {"1.0-1=2", "invalid character in revision number"},
  };
  for (const auto& [text, want] : bad) {
    DpkgVersion v;
    std::string why;
    EXPECT_FALSE(DpkgVersion::parse(text, &v, &why)) << text;
    EXPECT_NE(why.find(want), std::string::npos) << text << ": " << why;
  }
}

TEST(DpkgVersion, SchemeDrivesOsvRanges) {
  // A Debian advisory as Debian's OSV records write them: introduced 0, fixed in the DSA.
  Range r;
  r.events = {{EventKind::introduced, "0"}, {EventKind::fixed, "3.0.15-1~deb12u1"}};
  EXPECT_TRUE(range_includes(r, make_query("Debian:12", "3.0.11-1~deb12u2")));
  EXPECT_TRUE(range_includes(r, make_query("Debian:12", "3.0.15-1~deb11u1")));
  EXPECT_FALSE(range_includes(r, make_query("Debian:12", "3.0.15-1~deb12u1")));
  EXPECT_FALSE(range_includes(r, make_query("Debian:12", "3.0.15-1")));
  EXPECT_FALSE(range_includes(r, make_query("Debian:12", "1:1.0")));  // the epoch wins
}

// ---- Differential: the real dpkg on generated pairs.

std::string random_version(std::mt19937& rng) {
  static const char* pieces[] = {"0", "1", "2", "9",  "10", "01",   "a",      "b",  "z",  "A",
                                 ".", "+", "~", "~~", "rc", "dfsg", "deb12u", "+b", "99", "00"};
  std::uniform_int_distribution<int> n(1, 5), pick(0, std::size(pieces) - 1), coin(0, 3);
  auto part = [&] {
    std::string s = std::to_string(coin(rng) * 3);  // starts with a digit, as policy wants
    for (int i = n(rng); i > 0; --i) s += pieces[pick(rng)];
    return s;
  };
  std::string v;
  if (coin(rng) == 0) v += std::to_string(coin(rng)) + ":";
  v += part();
  if (coin(rng) != 0) v += "-" + part();
  return v;
}

// dpkg's answers for many pairs from one shell: "<", "=" or ">" per pair, in order.
std::vector<int> dpkg_answers(const std::vector<std::pair<std::string, std::string>>& pairs) {
  char tmpl[] = "/tmp/pw-dpkg-pairs-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return {};
  std::string text;
  for (const auto& [a, b] : pairs) text += a + " " + b + "\n";
  if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) return {};
  close(fd);
  std::string cmd = std::string(
                        "while read a b; do if dpkg --compare-versions \"$a\" lt \"$b\"; "
                        "then echo '<'; elif dpkg --compare-versions \"$a\" eq \"$b\"; "
                        "then echo '='; else echo '>'; fi; done < ") +
                    tmpl + " 2>/dev/null";
  std::vector<int> out;
  if (FILE* f = popen(cmd.c_str(), "r")) {
    char line[16];
    while (fgets(line, sizeof line, f))
      out.push_back(line[0] == '<' ? -1 : (line[0] == '=' ? 0 : 1));
    pclose(f);
  }
  unlink(tmpl);
  return out;
}

TEST(DpkgVersion, DifferentialAgainstDpkg) {
  if (std::system("dpkg --version >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "dpkg is not installed on this machine";
  std::mt19937 rng(20261125);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 250; ++i) {
    std::string a = random_version(rng), b = random_version(rng);
    if (i % 5 == 0) b = a + (i % 10 ? "~" : "0");  // near-equal pairs
    if (i % 7 == 0) b = a;                         // equal ones, whose keys must agree
    pairs.emplace_back(a, b);
  }
  std::vector<int> want = dpkg_answers(pairs);
  ASSERT_EQ(want.size(), pairs.size()) << "dpkg did not answer every pair";
  int equal = 0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& [a, b] = pairs[i];
    DpkgVersion va, vb;
    ASSERT_TRUE(DpkgVersion::parse(a, &va, nullptr)) << a;
    ASSERT_TRUE(DpkgVersion::parse(b, &vb, nullptr)) << b;
    ASSERT_EQ(sign(dpkg_compare(va, vb)), want[i]) << a << " vs " << b;
    EXPECT_EQ(dpkg_key(va) == dpkg_key(vb), want[i] == 0) << a << " vs " << b;
    equal += want[i] == 0;
  }
  EXPECT_GT(equal, 25);  // the generator does produce the equal pairs that test the keys
}

}  // namespace
}  // namespace pw::security
