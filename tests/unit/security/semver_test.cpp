// SemVer 2.0: the grammar, precedence as the spec's item 11 lists it, and SEMVER ranges in the
// OSV evaluation (through the store too), beside the ecosystem's own order.
#include "security/semver.h"

#include <gtest/gtest.h>

#include "security/match.h"
#include "security/store.h"
#include "support.h"

namespace pw::security {
namespace {

int cmp(const char* a, const char* b) {
  auto x = parse_semver(a), y = parse_semver(b);
  EXPECT_TRUE(x && y) << a << " " << b;
  return x && y ? compare(*x, *y) : 99;
}

TEST(SemVer, ParsesTheGrammar) {
  auto v = parse_semver("1.22.333-alpha.1+build.5-x");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major, 1u);
  EXPECT_EQ(v->minor, 22u);
  EXPECT_EQ(v->patch, 333u);
  EXPECT_EQ(v->prerelease, (std::vector<std::string>{"alpha", "1"}));
  EXPECT_EQ(v->build, "build.5-x");
  EXPECT_TRUE(parse_semver("1.0.0-x-y-z.--"));
  EXPECT_TRUE(parse_semver("0.0.0"));
  std::string why;
  for (const char* bad : {"1.0", "1.0.0.0", "01.0.0", "1.0.0-01", "1.0.0-", "1.0.0+", "1.0.0-a..b",
                          "v1.0.0", "1.0.0-a_b", "", "1.x.0", "99999999999999999999.0.0"}) {
    EXPECT_FALSE(parse_semver(bad, &why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}

TEST(SemVer, PrecedenceAsTheSpecListsIt) {
  // Item 11's example chain, each before the next.
  const char* chain[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                         "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                         "1.0.0-rc.1",  "1.0.0",         "1.0.1",
                         "1.1.0",       "2.0.0",         "10.0.0"};
  for (size_t i = 0; i + 1 < std::size(chain); ++i) {
    EXPECT_LT(cmp(chain[i], chain[i + 1]), 0) << chain[i] << " < " << chain[i + 1];
    EXPECT_GT(cmp(chain[i + 1], chain[i]), 0) << chain[i + 1] << " > " << chain[i];
  }
  EXPECT_EQ(cmp("1.0.0+a", "1.0.0+b"), 0);  // build metadata ignored
  EXPECT_EQ(cmp("1.0.0-rc.1+x", "1.0.0-rc.1"), 0);
  EXPECT_LT(cmp("1.0.0-2", "1.0.0-10"), 0);           // numeric identifiers numerically
  EXPECT_LT(cmp("1.0.0-10", "1.0.0-9a"), 0);          // numeric before alphanumeric
  EXPECT_LT(cmp("1.0.0-B", "1.0.0-a"), 0);            // ASCII order
  EXPECT_LT(cmp("1.0.0-alpha", "1.0.0-alpha.0"), 0);  // shorter set first
  EXPECT_LT(cmp("1.0.0-18446744073709551616", "1.0.0-18446744073709551617"), 0);  // no overflow
  EXPECT_EQ(semver_scheme().parse("1.2.3-rc.1+build", nullptr)->key(), "1.2.3-rc.1");
}

Range semver_range(std::vector<std::pair<EventKind, std::string>> events) {
  Range r;
  r.type = RangeType::semver;
  for (auto& [k, v] : events) r.events.push_back({k, v});
  return r;
}

TEST(SemVerRange, EvaluatedInSemVerOrderWhateverTheEcosystem) {
  // SemVer pre-releases PEP 440 cannot read ("1.0.0-x.7.z.92") are ordered all the same, in a
  // PyPI record as in an npm one.
  Range r = semver_range({{EventKind::introduced, "1.0.0-beta.2"}, {EventKind::fixed, "1.0.0"}});
  for (const char* eco : {"npm", "PyPI"}) {
    EXPECT_TRUE(range_includes(r, make_query(eco, "1.0.0-beta.11"))) << eco;
    EXPECT_TRUE(range_includes(r, make_query(eco, "1.0.0-rc.1"))) << eco;
    EXPECT_TRUE(range_includes(r, make_query(eco, "1.0.0-x.7.z.92"))) << eco;
    EXPECT_FALSE(range_includes(r, make_query(eco, "1.0.0-beta.1"))) << eco;
    EXPECT_FALSE(range_includes(r, make_query(eco, "1.0.0"))) << eco;
    EXPECT_FALSE(range_includes(r, make_query(eco, "1.0.0+build.7"))) << eco;  // = 1.0.0
    EXPECT_FALSE(range_includes(r, make_query(eco, "1.0"))) << eco;  // not SemVer: no verdict
  }
  Affected a;
  a.package = {"npm", "left-pad", ""};
  a.ranges = {
      semver_range({{EventKind::introduced, "0"}, {EventKind::fixed, "1.3.0"}}),
      semver_range({{EventKind::introduced, "2.0.0"}, {EventKind::last_affected, "2.1.0"}})};
  Verdict v = evaluate(a, make_query("npm", "1.2.9-next.0"));
  EXPECT_TRUE(v.affected);
  EXPECT_EQ(v.fixed, std::vector<std::string>{"1.3.0"});
  EXPECT_TRUE(evaluate(a, make_query("npm", "2.1.0+meta")).affected);
  EXPECT_FALSE(evaluate(a, make_query("npm", "2.1.1-alpha")).affected);
}

TEST(SemVerRange, ImportedAndMatchedThroughTheStore) {
  testing::TempDir tmp;
  testing::write(tmp / "db/NPM-1.json", R"({"id": "NPM-1", "modified": "2024-01-01T00:00:00Z",
    "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}, "ranges": [
      {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.3.0"}]}]}]})");
  testing::write(tmp / "db/PYSEC-1.json", R"({"id": "PYSEC-1", "modified": "2024-01-01T00:00:00Z",
    "affected": [{"package": {"ecosystem": "PyPI", "name": "x"}, "ranges": [
      {"type": "SEMVER", "events": [{"introduced": "1.0.0-alpha"}, {"fixed": "1.0.0"}]},
      {"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.1"}]}]}]})");
  Store store(tmp / "osv.db");
  ImportSummary s = store.import({(tmp / "db").string()});
  EXPECT_EQ(s.imported, 2u);
  EXPECT_TRUE(s.dropped_parts.empty());
  ASSERT_EQ(match(store, "npm", "left-pad", "1.2.9").size(), 1u);
  EXPECT_EQ(match(store, "npm", "left-pad", "1.2.9")[0].fixed, std::vector<std::string>{"1.3.0"});
  EXPECT_TRUE(match(store, "npm", "left-pad", "1.3.0").empty());
  EXPECT_EQ(match(store, "PyPI", "x", "1.0.0-rc.1").size(), 1u);  // the SEMVER range
  EXPECT_EQ(match(store, "PyPI", "x", "2.0.5").size(), 1u);       // the ECOSYSTEM one
  EXPECT_TRUE(match(store, "PyPI", "x", "1.0.0").empty());
}

}  // namespace
}  // namespace pw::security
