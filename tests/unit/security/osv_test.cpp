// Parsing OSV JSON and YAML: what is kept, what is left out and how it is counted.
#include "security/osv.h"

#include <gtest/gtest.h>

namespace pw::security {
namespace {

TEST(Osv, JsonRecordWithEverything) {
  auto out = parse_osv(R"({
    "id": "GHSA-xxxx-yyyy-zzzz", "modified": "2024-01-02T03:04:05Z", "published": "2023-01-01T00:00:00Z",
    "aliases": ["CVE-2023-1", "PYSEC-2023-1"], "summary": "bad", "details": "very bad",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    "affected": [{"package": {"ecosystem": "PyPI", "name": "Django", "purl": "pkg:pypi/django"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.2.1"}]},
                             {"type": "GIT", "repo": "https://x", "events": [{"introduced": "abc"}]}],
                  "versions": ["4.2", "4.2.0rc1", "not-a-version"]}],
    "references": [{"type": "ADVISORY", "url": "https://example.org/a"}],
    "database_specific": {"severity": "HIGH"}})",
                       Format::json, "a.json");
  ASSERT_EQ(out.records.size(), 1u);
  const Record& r = out.records[0];
  EXPECT_EQ(r.id, "GHSA-xxxx-yyyy-zzzz");
  EXPECT_EQ(r.aliases.size(), 2u);
  EXPECT_EQ(r.database_severity, "HIGH");
  ASSERT_EQ(r.affected.size(), 1u);
  EXPECT_EQ(r.affected[0].ranges.size(), 1u);  // GIT left out
  EXPECT_EQ(r.affected[0].versions, (std::vector<std::string>{"4.2", "4.2.0rc1"}));
  EXPECT_EQ(r.affected[0].version_keys, (std::vector<std::string>{"4.2", "4.2rc1"}));
  EXPECT_EQ(out.dropped["GIT range (not evaluated)"], 1u);
  EXPECT_EQ(out.dropped["invalid version in versions"], 1u);
  EXPECT_EQ(r.references.size(), 1u);
  EXPECT_FALSE(r.json.empty());
  EXPECT_TRUE(out.skipped.empty());
}

TEST(Osv, YamlKeepsVersionTextAsWritten) {
  auto out = parse_osv(R"(id: PYSEC-2020-1
modified: 2023-11-07T20:24:23.946863Z
affected:
- package:
    ecosystem: PyPI
    name: foo
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: 0
    - fixed: 1.10
  versions:
  - 1.9
)",
                       Format::yaml, "a.yaml");
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].affected[0].ranges[0].events[1].version, "1.10");  // not the float 1.1
}

TEST(Osv, BadRecordsAreSkippedAndCounted) {
  ParseOutcome out;
  parse_osv("{not json", Format::json, "a.json", out);
  parse_osv(R"({"modified": "2024-01-01T00:00:00Z"})", Format::json, "b.json", out);
  parse_osv(R"({"id": "X-1"})", Format::json, "c.json", out);
  parse_osv(R"({"id": "X-2", "modified": "m", "affected": 5})", Format::json, "d.json", out);
  parse_osv("key: [unclosed", Format::yaml, "e.yaml", out);
  parse_osv("[1, 2]", Format::json, "f.json", out);
  EXPECT_TRUE(out.records.empty());
  EXPECT_EQ(out.skipped["not valid JSON"], 1u);
  EXPECT_EQ(out.skipped["missing id"], 1u);
  EXPECT_EQ(out.skipped["missing modified"], 1u);
  EXPECT_EQ(out.skipped["affected is not a list"], 1u);
  EXPECT_EQ(out.skipped["not valid YAML"], 1u);
  EXPECT_EQ(out.skipped["not an OSV object"], 2u);
  EXPECT_EQ(out.diagnostics.size(), 7u);
  EXPECT_EQ(out.diagnostics[0].file, "a.json");
}

TEST(Osv, BadRangesAreDroppedNotTheRecord) {
  auto out = parse_osv(R"({"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": [
    {"package": {"ecosystem": "PyPI", "name": "a"}, "ranges": [
      {"type": "WEIRD", "events": [{"introduced": "0"}]},
      {"type": "ECOSYSTEM", "events": [{"fixed": "1.0"}]},
      {"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1.0"}]},
      {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-not~valid"}]},
      {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0"}]},
      {"type": "SEMVER", "events": [{"introduced": "1.0.0-rc.1"}, {"fixed": "1.0.1"}]},
      {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"last_affected": "1.5"}]}]},
    {"ranges": []}]})",
                       Format::json, "x.json");
  ASSERT_EQ(out.records.size(), 1u);
  ASSERT_EQ(out.records[0].affected.size(), 1u);
  ASSERT_EQ(out.records[0].affected[0].ranges.size(), 2u);
  EXPECT_EQ(out.records[0].affected[0].ranges[0].type, RangeType::semver);
  EXPECT_EQ(out.dropped["unknown range type"], 1u);
  EXPECT_EQ(out.dropped["range without introduced"], 1u);
  EXPECT_EQ(out.dropped["invalid event"], 1u);
  // "1.0" is no SemVer version (MAJOR.MINOR.PATCH), whatever PyPI thinks.
  EXPECT_EQ(out.dropped["invalid version in range"], 2u);
  EXPECT_EQ(out.dropped["affected entry without package"], 1u);
}

TEST(Osv, JsonArrayOfRecords) {
  auto out =
      parse_osv(R"([{"id": "A", "modified": "m"}, {"id": "B", "modified": "m"}])", Format::json);
  EXPECT_EQ(out.records.size(), 2u);
}

}  // namespace
}  // namespace pw::security
