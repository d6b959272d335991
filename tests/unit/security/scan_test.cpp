// The dependency scan: collectors (requirements, site dirs, venvs), the match against a store
// built from fixture OSV records, the ignore file and the fail-on policy.
#include "security/scan.h"

#include <gtest/gtest.h>

#include "security/store.h"
#include "support.h"

namespace pw::security {
namespace {

using testing::TempDir;
using testing::write;
namespace fs = std::filesystem;
using namespace std::chrono;

const fs::path kFixtures = fs::path(PW_FIXTURES) / "security" / "deps-osv";

std::vector<std::string> names(const std::vector<ScannedPackage>& ps) {
  std::vector<std::string> out;
  for (const auto& p : ps) out.push_back(p.normalized + "@" + p.version);
  return out;
}

void dist_info(const fs::path& site, const std::string& dir, const std::string& metadata) {
  write(site / dir / "METADATA", metadata);
}

TEST(Purl, EncodesWhatPurlReserves) {
  EXPECT_EQ(pypi_purl("foo-bar", "1.0"), "pkg:pypi/foo-bar@1.0");
  EXPECT_EQ(pypi_purl("torch", "2.1.0+cpu"), "pkg:pypi/torch@2.1.0%2Bcpu");
  EXPECT_EQ(pypi_purl("x", "1!2.0"), "pkg:pypi/x@1%212.0");
}

TEST(Requirements, PinnedOnlyNormalizedWithLines) {
  TempDir tmp;
  write(tmp / "requirements.txt",
        "Foo_Bar==1.5\n"
        "black==23.1.0  # formatter\n"
        "flask>=2\n"
        "-c constraints.txt\n"
        "requests===2.0\n"
        "numpy==1.*\n"
        "-r requirements-dev.txt\n");
  write(tmp / "constraints.txt", "urllib3==1.0\n");
  write(tmp / "requirements-dev.txt", "\n\nfoo-bar==1.5.0\n");
  auto got = packages_from_requirements(tmp / "requirements.txt");
  ASSERT_TRUE(got.ok()) << join_diagnostics(got.errors);
  EXPECT_EQ(names(got.value),
            (std::vector<std::string>{"black@23.1.0", "foo-bar@1.5", "requests@2.0"}));
  const ScannedPackage& fb = got.value[1];
  EXPECT_EQ(fb.name, "Foo_Bar");
  EXPECT_EQ(fb.purl, "pkg:pypi/foo-bar@1.5");
  ASSERT_EQ(fb.found_in.size(), 2u);  // 1.5 and 1.5.0 are one version (PEP 440)
  EXPECT_EQ(fb.found_in[0], (tmp / "requirements.txt").string() + ":1");
  EXPECT_NE(fb.found_in[1].find("requirements-dev.txt:3"), std::string::npos);
  EXPECT_EQ(fb.pinned_line, 1);
  ASSERT_EQ(got.warnings.size(), 2u);  // flask and numpy are not pins
  EXPECT_EQ(got.warnings[0].line, 3);
  EXPECT_EQ(got.warnings[1].line, 6);
}

TEST(Requirements, MissingFileIsAnError) {
  TempDir tmp;
  auto got = packages_from_requirements(tmp / "nope.txt");
  EXPECT_FALSE(got.ok());
  EXPECT_TRUE(got.value.empty());
}

TEST(SiteDirs, DistInfoEggInfoAndBrokenMetadata) {
  TempDir tmp;
  fs::path site = tmp / "site-packages";
  dist_info(
      site, "Foo.Bar-1.5.dist-info",
      "Metadata-Version: 2.1\r\nName: Foo.Bar\r\nVersion: 1.5\r\n\r\nName: body-is-ignored\n");
  write(site / "transitive_lib-1.0.egg-info" / "PKG-INFO",
        "Metadata-Version: 1.0\nName: transitive_lib\nVersion: 1.0\nSummary: x\n");
  write(site / "legacy-0.1.egg-info", "Metadata-Version: 1.0\nName: legacy\nVersion: 0.1\n");
  dist_info(site, "broken-1.0.dist-info", "Name: broken\n");
  write(site / "foo_bar" / "__init__.py", "");
  auto got = packages_from_site_dirs({site});
  ASSERT_TRUE(got.ok()) << join_diagnostics(got.errors);
  EXPECT_EQ(names(got.value),
            (std::vector<std::string>{"foo-bar@1.5", "legacy@0.1", "transitive-lib@1.0"}));
  EXPECT_EQ(got.value[0].found_in, std::vector<std::string>{site.string()});
  ASSERT_EQ(got.warnings.size(), 1u);
  EXPECT_NE(got.warnings[0].file.find("broken-1.0.dist-info"), std::string::npos);

  auto missing = packages_from_site_dirs({tmp / "nowhere"});
  EXPECT_FALSE(missing.ok());
}

TEST(SiteDirs, VenvWithAndWithoutSystemSitePackages) {
  TempDir tmp;
  fs::path venv = tmp / ".venv";
  fs::create_directories(venv / "lib" / "python3.12" / "site-packages");
  fs::create_directories(venv / "lib" / "python3.12" / "config");  // not a site dir
  fs::path base = tmp / "usr-lib-python3-dist-packages";
  write(venv / "pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\n");
  auto got = site_dirs_of_venv(venv, {base});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got.value, std::vector<fs::path>{venv / "lib" / "python3.12" / "site-packages"});

  write(venv / "pyvenv.cfg", "home = /usr/bin\nInclude-System-Site-Packages=True\n");
  got = site_dirs_of_venv(venv, {base});
  ASSERT_EQ(got.value.size(), 2u);
  EXPECT_EQ(got.value[1], base);

  EXPECT_FALSE(site_dirs_of_venv(tmp / "not-a-venv").ok());
}

TEST(Merge, RequirementsAndVenvAreOnePackage) {
  TempDir tmp;
  write(tmp / "req.txt", "foo-bar==1.5\n");
  dist_info(tmp / "site", "Foo_Bar-1.5.0.dist-info", "Name: Foo_Bar\nVersion: 1.5.0\n");
  auto a = packages_from_requirements(tmp / "req.txt").value;
  auto b = packages_from_site_dirs({tmp / "site"}).value;
  std::vector<ScannedPackage> all = b;
  all.insert(all.end(), a.begin(), a.end());
  auto merged = merge_packages(all);
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].found_in.size(), 2u);
  EXPECT_EQ(merged[0].pinned_line, 1);  // the pin is kept even when the venv came first
  EXPECT_EQ(merged[0].pinned_file, (tmp / "req.txt").string());
}

// A store with the fixture records, and the packages of a small project.
class ScanFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<Store>(tmp_ / "osv.db");
    store_->import({kFixtures.string()});
    write(tmp_ / "requirements.txt", "black==23.1.0\nFoo_Bar==1.5\nsafe==1.0\n");
    auto req = packages_from_requirements(tmp_ / "requirements.txt").value;
    dist_info(tmp_ / "site", "transitive_lib-1.0.dist-info",
              "Name: transitive_lib\nVersion: 1.0\n");
    dist_info(tmp_ / "site", "nosev-1.0.dist-info", "Name: nosev\nVersion: 1.0\n");
    auto site = packages_from_site_dirs({tmp_ / "site"}).value;
    packages_ = req;
    packages_.insert(packages_.end(), site.begin(), site.end());
  }
  ScanResult run() { return scan(*store_, packages_, "demo", sys_days{2025y / 1 / 15} + 12h); }
  const VulnFinding* find(const ScanResult& r, const std::string& id) {
    for (const auto& f : r.findings)
      if (f.match.id == id) return &f;
    return nullptr;
  }
  IgnoreList ignores(const std::string& yaml) {
    return parse_ignore_text(yaml, "pipewright-ignore.yaml");
  }

  TempDir tmp_;
  std::unique_ptr<Store> store_;
  std::vector<ScannedPackage> packages_;
};

TEST_F(ScanFixture, OneFindingPerVulnerability) {
  ScanResult r = run();
  EXPECT_EQ(r.project, "demo");
  EXPECT_EQ(r.scanned_at, "2025-01-15T12:00:00.000Z");
  EXPECT_EQ(r.database_records, 5u);
  EXPECT_EQ(r.packages.size(), 5u);
  ASSERT_EQ(r.findings.size(), 4u);  // black's PYSEC and GHSA are one vulnerability
  const VulnFinding* black = find(r, "PYSEC-2024-48");
  ASSERT_NE(black, nullptr);
  EXPECT_EQ(black->match.aliases,
            (std::vector<std::string>{"CVE-2024-21503", "GHSA-fj7x-q9j7-g6q6"}));
  EXPECT_EQ(black->severity, "MEDIUM");
  ASSERT_TRUE(black->cvss_score.has_value());
  EXPECT_DOUBLE_EQ(*black->cvss_score, 5.3);
  EXPECT_EQ(black->fixed_versions, std::vector<std::string>{"24.3.0"});
  EXPECT_EQ(black->package.version, "23.1.0");
  const VulnFinding* foo = find(r, "PYSEC-2099-1");
  ASSERT_NE(foo, nullptr);
  EXPECT_EQ(foo->severity, "CRITICAL");
  EXPECT_EQ(foo->package.name, "Foo_Bar");  // the advisory says Foo.Bar: PEP 503 makes them one
  EXPECT_EQ(foo->fixed_versions.front(), "1.6");
  ASSERT_NE(find(r, "GHSA-test-2099-0002"), nullptr);
  EXPECT_EQ(find(r, "GHSA-test-2099-0002")->severity, "HIGH");  // database word only
  EXPECT_FALSE(find(r, "GHSA-test-2099-0002")->cvss_score.has_value());
  EXPECT_EQ(find(r, "PYSEC-2099-3")->severity, "UNKNOWN");
  SeverityCounts c = count_findings(r);
  EXPECT_EQ(c.critical, 1);
  EXPECT_EQ(c.high, 1);
  EXPECT_EQ(c.medium, 1);
  EXPECT_EQ(c.unknown, 1);
  EXPECT_EQ(c.total(), 4);
}

TEST_F(ScanFixture, EmptyDatabaseWarns) {
  TempDir other;
  Store empty(other / "osv.db");
  ScanResult r = scan(empty, packages_, "demo");
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].message.find("no records"), std::string::npos);
}

TEST_F(ScanFixture, IgnoreByAliasWithPackageAndExpiry) {
  ScanResult r = run();
  IgnoreList list = ignores(
      "ignore:\n"
      "  - id: cve-2024-21503\n"  // an alias, any case
      "    reason: only formats our own code\n"
      "    expires: 2025-01-15\n"  // through that day
      "    package: Black\n"
      "  - id: PYSEC-2099-1\n"
      "    reason: patched in our fork\n"
      "    expires: 2025-01-14\n"  // expired yesterday
      "  - id: GHSA-test-2099-0002\n"
      "    reason: wrong package\n"
      "    package: other\n"
      "  - id: PYSEC-2099-3\n"
      "    reason: not reachable\n"
      "    state: not_affected\n"
      "    justification: code_not_reachable\n");
  ASSERT_TRUE(list.ok()) << join_diagnostics(list.diagnostics);
  ASSERT_EQ(list.entries.size(), 4u);
  EXPECT_EQ(list.entries[1].line, 6);
  apply_ignores(r, list, year_month_day{2025y / 1 / 15});
  EXPECT_TRUE(find(r, "PYSEC-2024-48")->ignored);
  EXPECT_EQ(find(r, "PYSEC-2024-48")->ignore_reason, "only formats our own code");
  EXPECT_EQ(find(r, "PYSEC-2024-48")->ignore_state, "not_affected");
  EXPECT_FALSE(find(r, "PYSEC-2099-1")->ignored);
  EXPECT_FALSE(find(r, "GHSA-test-2099-0002")->ignored);
  EXPECT_TRUE(find(r, "PYSEC-2099-3")->ignored);
  EXPECT_EQ(find(r, "PYSEC-2099-3")->ignore_justification, "code_not_reachable");
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.warnings[0].str(),
            "pipewright-ignore.yaml:6: ignore entry for PYSEC-2099-1 expired on 2025-01-14");
  EXPECT_NE(r.warnings[1].message.find("GHSA-test-2099-0002 matches no finding"),
            std::string::npos);
  EXPECT_EQ(count_findings(r).ignored, 2);

  // The day after, the first entry has expired too.
  ScanResult later = run();
  apply_ignores(later, list, year_month_day{2025y / 1 / 16});
  EXPECT_FALSE(find(later, "PYSEC-2024-48")->ignored);
}

TEST_F(ScanFixture, MalformedIgnoreFileSaysWhere) {
  IgnoreList list = ignores(
      "ignore:\n"
      "  - id: PYSEC-1\n"  // line 2: no reason
      "  - id: PYSEC-2\n"
      "    reason: ok\n"
      "    expires: 2025-02-30\n"  // line 5: not a date
      "  - id: PYSEC-3\n"
      "    reson: typo\n"    // line 7: unknown key
      "  - just-a-string\n"  // line 8
      "  - id: PYSEC-4\n"
      "    reason: fine\n");
  ASSERT_EQ(list.entries.size(), 1u);
  EXPECT_EQ(list.entries[0].id, "PYSEC-4");
  std::string all = join_diagnostics(list.diagnostics);
  EXPECT_NE(all.find("pipewright-ignore.yaml:2:5: ignore entry PYSEC-1 without `reason`"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("pipewright-ignore.yaml:5:14: `expires` must be a date"), std::string::npos)
      << all;
  EXPECT_NE(all.find("pipewright-ignore.yaml:7:5: unknown key `reson` (did you mean `reason`?)"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("pipewright-ignore.yaml:8:5:"), std::string::npos) << all;

  IgnoreList bad_yaml = ignores("ignore: [\n");
  ASSERT_EQ(bad_yaml.diagnostics.size(), 1u);
  EXPECT_GT(bad_yaml.diagnostics[0].line, 0);
  EXPECT_TRUE(ignores("").ok());
  EXPECT_FALSE(load_ignore_file(tmp_ / "pipewright-ignore.yaml").ok());  // missing
  write(tmp_ / "pipewright-ignore.yaml", "ignore:\n  - id: X\n    reason: y\n");
  EXPECT_EQ(load_ignore_file(tmp_ / "pipewright-ignore.yaml").entries.size(), 1u);
}

TEST(Policy, ParseFailOn) {
  EXPECT_EQ(parse_fail_on("none"), Rating::none);
  EXPECT_EQ(parse_fail_on("Low"), Rating::low);
  EXPECT_EQ(parse_fail_on("medium"), Rating::medium);
  EXPECT_EQ(parse_fail_on("HIGH"), Rating::high);
  EXPECT_EQ(parse_fail_on("critical"), Rating::critical);
  EXPECT_FALSE(parse_fail_on("moderate").has_value());
  EXPECT_FALSE(parse_fail_on("").has_value());
}

TEST(Policy, GatesWithUnknownAsMedium) {
  EXPECT_TRUE(gates(Rating::high, Rating::high));
  EXPECT_FALSE(gates(Rating::medium, Rating::high));
  EXPECT_TRUE(gates(Rating::unknown, Rating::medium));
  EXPECT_FALSE(gates(Rating::unknown, Rating::high));
  EXPECT_FALSE(gates(Rating::critical, Rating::none));
  EXPECT_FALSE(gates(Rating::critical, Rating::unknown));
}

// The verdict both scan stages end with.
TEST(Policy, FailOnVerdictNamesThePolicyItFailsOn) {
  auto at_high = [](Rating r) { return severity_rank(r) <= severity_rank(Rating::high); };
  auto v = fail_on_verdict("2 findings", "High", at_high);
  EXPECT_TRUE(v.fails_build);
  EXPECT_EQ(v.summary, "2 findings (fail_on: high)");
  v = fail_on_verdict("2 findings", "critical", at_high);
  EXPECT_FALSE(v.fails_build);
  EXPECT_EQ(v.summary, "2 findings");
  for (const char* text : {"none", "moderate", ""}) {
    v = fail_on_verdict("s", text, [](Rating) { return true; });
    EXPECT_FALSE(v.fails_build) << text;
    EXPECT_EQ(v.summary, "s");
  }
}

TEST_F(ScanFixture, FailOnThresholdsCountOnlyNotIgnored) {
  ScanResult r = run();
  EXPECT_TRUE(fails(r, Rating::critical));
  EXPECT_FALSE(fails(r, Rating::none));
  apply_ignores(r, ignores("ignore:\n  - id: PYSEC-2099-1\n    reason: r\n"),
                year_month_day{2025y / 1 / 15});
  EXPECT_FALSE(fails(r, Rating::critical));
  EXPECT_TRUE(fails(r, Rating::high));  // transitive-lib, found only in the venv
  apply_ignores(r, ignores("ignore:\n  - id: GHSA-test-2099-0002\n    reason: r\n"),
                year_month_day{2025y / 1 / 15});
  EXPECT_FALSE(fails(r, Rating::high));
  EXPECT_TRUE(fails(r, Rating::medium));
  apply_ignores(r, ignores("ignore:\n  - id: PYSEC-2024-48\n    reason: r\n"),
                year_month_day{2025y / 1 / 15});
  // Only the unrated advisory is left: it gates as MEDIUM.
  EXPECT_TRUE(fails(r, Rating::medium));
  EXPECT_TRUE(fails(r, Rating::low));
  EXPECT_FALSE(fails(r, Rating::high));
}

}  // namespace
}  // namespace pw::security
