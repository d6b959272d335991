// The OSV range evaluation, event kind by event kind, against hand-made records.
#include "security/match.h"

#include <gtest/gtest.h>

namespace pw::security {
namespace {

Range range(std::vector<Event> events) {
  return Range{RangeType::ecosystem, "", std::move(events)};
}
Event in(const char* v) { return {EventKind::introduced, v}; }
Event fx(const char* v) { return {EventKind::fixed, v}; }
Event la(const char* v) { return {EventKind::last_affected, v}; }
Event lim(const char* v) { return {EventKind::limit, v}; }

bool hit(const Range& r, const char* v) { return range_includes(r, make_query("PyPI", v)); }

TEST(Range, IntroducedZeroAndFixed) {
  Range r = range({in("0"), fx("1.0.2")});
  EXPECT_TRUE(hit(r, "0.0.1"));
  EXPECT_TRUE(hit(r, "1.0.1"));
  EXPECT_TRUE(hit(r, "1.0.2rc1"));  // a pre-release of the fix sorts before it
  EXPECT_FALSE(hit(r, "1.0.2"));
  EXPECT_FALSE(hit(r, "1.0.2.0"));  // PEP 440 equality
  EXPECT_FALSE(hit(r, "2.0"));
}

TEST(Range, IntroducedZeroAloneIsEverything) {
  Range r = range({in("0")});
  EXPECT_TRUE(hit(r, "0.0.0.dev0"));
  EXPECT_TRUE(hit(r, "99!1.0"));
}

TEST(Range, LastAffectedIsInclusive) {
  Range r = range({in("1.0"), la("2.1.214")});
  EXPECT_FALSE(hit(r, "0.9"));
  EXPECT_TRUE(hit(r, "1.0"));
  EXPECT_TRUE(hit(r, "2.1.214"));
  EXPECT_FALSE(hit(r, "2.1.214+local"));  // a local label sorts after 2.1.214: above the ceiling
  EXPECT_FALSE(hit(r, "2.1.215"));
  EXPECT_FALSE(hit(r, "2.1.214.post1"));
}

TEST(Range, UnsortedEventsAreSorted) {
  Range r = range({fx("3.2.5"), in("3.0.0"), fx("1.0.2"), in("1.0.0")});
  EXPECT_FALSE(hit(r, "0.9"));
  EXPECT_TRUE(hit(r, "1.0.1"));
  EXPECT_FALSE(hit(r, "2.0"));
  EXPECT_TRUE(hit(r, "3.1"));
  EXPECT_FALSE(hit(r, "3.2.5"));
}

TEST(Range, Limit) {
  Range r = range({in("1.0"), lim("2.0")});
  EXPECT_TRUE(hit(r, "1.5"));
  EXPECT_FALSE(hit(r, "2.0"));
  EXPECT_FALSE(hit(r, "3.0"));
  Range star = range({in("1.0"), lim("*")});
  EXPECT_TRUE(hit(star, "9.0"));
  Range two = range({in("0"), lim("1.0"), lim("3.0")});  // below any limit is enough
  EXPECT_TRUE(hit(two, "2.0"));
  EXPECT_FALSE(hit(two, "3.0"));
}

TEST(Range, InvalidQueryVersionMatchesNoRange) {
  EXPECT_FALSE(hit(range({in("0")}), "not a version"));
}

TEST(Evaluate, VersionsListAndFixedVersions) {
  Affected a;
  a.package = {"PyPI", "Foo_Bar", ""};
  a.ranges = {range({in("1.0"), fx("1.2")}), range({in("2.0"), fx("2.3"), in("3.0"), fx("3.1")})};
  a.versions = {"0.5"};
  a.version_keys = {make_query("PyPI", "0.5.0").key};
  Verdict v = evaluate(a, make_query("PyPI", "2.1"));
  EXPECT_TRUE(v.affected);
  EXPECT_EQ(v.fixed, std::vector<std::string>{"2.3"});
  v = evaluate(a, make_query("PyPI", "0.5"));  // listed only: every range's next fix
  EXPECT_TRUE(v.affected);
  EXPECT_EQ(v.fixed, (std::vector<std::string>{"1.2", "2.3"}));
  EXPECT_FALSE(evaluate(a, make_query("PyPI", "1.2")).affected);
}

Record record(const char* id, std::vector<std::string> aliases, const char* name, Range r) {
  Record rec;
  rec.id = id;
  rec.modified = "2024-01-01T00:00:00Z";
  rec.aliases = std::move(aliases);
  Affected a;
  a.package = {"PyPI", name, ""};
  a.ranges = {std::move(r)};
  rec.affected = {a};
  return rec;
}

TEST(Match, NamesByPep503AndOneFindingPerVulnerability) {
  std::vector<Record> records = {
      record("PYSEC-2021-1", {"CVE-2021-1"}, "Foo.Bar", range({in("0"), fx("1.5")})),
      record("GHSA-aaaa-bbbb-cccc", {"CVE-2021-1"}, "foo-bar", range({in("1.0"), fx("1.4")})),
      record("PYSEC-2022-9", {}, "FOO_bar", range({in("1.0"), fx("2.0")})),
      record("PYSEC-2022-10", {}, "other", range({in("0")})),
  };
  records[1].severity = {{"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}};
  auto m = match(records, "PyPI", "foo_BAR", "1.3");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].id, "GHSA-aaaa-bbbb-cccc");  // the one with a CVSS score is kept
  EXPECT_EQ(m[0].aliases, (std::vector<std::string>{"CVE-2021-1", "PYSEC-2021-1"}));
  EXPECT_EQ(m[0].fixed, (std::vector<std::string>{"1.4", "1.5"}));
  EXPECT_EQ(m[0].severity.rating, Rating::critical);
  EXPECT_EQ(m[1].id, "PYSEC-2022-9");
  EXPECT_TRUE(match(records, "PyPI", "foo-bar", "2.0").empty());
  EXPECT_TRUE(match(records, "npm", "foo-bar", "1.3").empty());
}

TEST(Match, WithdrawnRecordsNeverMatch) {
  std::vector<Record> records = {record("PYSEC-1", {}, "x", range({in("0")}))};
  records[0].withdrawn = "2024-02-02T00:00:00Z";
  EXPECT_TRUE(match(records, "PyPI", "x", "1.0").empty());
}

}  // namespace
}  // namespace pw::security
