// OWASP Dependency-Check's JSON report: the parser on a fixture in the report's documented
// shape, its errors on bad input, and the merge with the native scan's findings.
#include "security/dependency_check.h"

#include <gtest/gtest.h>

#include "util/fs.h"

namespace pw::security {
namespace {

namespace fs = std::filesystem;

const fs::path kReport =
    fs::path(PW_FIXTURES) / "security" / "dependency-check" / "dependency-check-report.json";

TEST(DependencyCheckReport, ParsesTheDocumentedShape) {
  DcReport r = parse_dependency_check_json(read_file(kReport), kReport.string());
  EXPECT_EQ(r.engine_version, "9.0.9");
  ASSERT_EQ(r.dependencies.size(), 4u);
  const DcDependency& black = r.dependencies[0];
  EXPECT_EQ(black.purls, std::vector<std::string>{"pkg:pypi/black@23.1.0"});
  ASSERT_EQ(black.vulnerabilities.size(), 1u);
  const DcVulnerability& v = black.vulnerabilities[0];
  EXPECT_EQ(v.name, "CVE-2024-21503");
  EXPECT_EQ(v.source, "NVD");
  EXPECT_EQ(v.severity, "MEDIUM");
  ASSERT_TRUE(v.cvss3_score.has_value());
  EXPECT_DOUBLE_EQ(*v.cvss3_score, 5.3);
  EXPECT_EQ(v.reference_urls,
            std::vector<std::string>{"https://nvd.nist.gov/vuln/detail/CVE-2024-21503"});
  EXPECT_EQ(v.fixed, std::vector<std::string>{"24.3.0"});
  // Only the vulnerable software the id was matched on gives a fixed version.
  EXPECT_EQ(r.dependencies[1].vulnerabilities[0].fixed, std::vector<std::string>{"2.10.1"});
  EXPECT_FALSE(r.dependencies[2].vulnerabilities[0].cvss3_score.has_value());
  EXPECT_TRUE(r.dependencies[3].vulnerabilities.empty());
}

TEST(DependencyCheckReport, BadInputNamesTheFileAndMember) {
  auto message = [](std::string_view text) {
    try {
      parse_dependency_check_json(text, "dc.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("{\"dependencies\": [").rfind("dc.json: not JSON", 0), 0u) << message("[");
  EXPECT_EQ(message("{\"scanInfo\": {}}"),
            "dc.json: not a Dependency-Check report (no `dependencies` array)");
  EXPECT_EQ(message("{\"dependencies\": [{\"vulnerabilities\": {}}]}"),
            "dc.json: dependencies[0].vulnerabilities must be an array, not object");
  EXPECT_EQ(message("{\"dependencies\": [{\"vulnerabilities\": [{\"name\": \"X\", \"cvssv3\": "
                    "{\"baseScore\": \"high\"}}]}]}"),
            "dc.json: dependencies[0].vulnerabilities[0].cvssv3.baseScore must be a number, not "
            "string");
  EXPECT_EQ(message("{\"dependencies\": [{\"vulnerabilities\": [{\"severity\": \"HIGH\"}]}]}"),
            "dc.json: dependencies[0].vulnerabilities[0] has no `name`");
}

// A native scan result: black 23.1.0 with PYSEC-2024-48 (alias CVE-2024-21503), and jinja2 2.10
// scanned without a finding.
ScanResult native_result() {
  ScanResult r;
  for (auto [name, version] : {std::pair{"black", "23.1.0"}, std::pair{"Jinja2", "2.10"}}) {
    ScannedPackage p;
    p.name = name;
    p.normalized = name == std::string("Jinja2") ? "jinja2" : name;
    p.version = version;
    p.purl = pypi_purl(p.normalized, p.version);
    p.found_in = {"requirements.txt:1"};
    p.pinned_file = "requirements.txt";
    p.pinned_line = 1;
    r.packages.push_back(p);
  }
  VulnFinding f;
  f.package = r.packages[0];
  f.match.id = "PYSEC-2024-48";
  f.match.aliases = {"CVE-2024-21503"};
  f.rating = Rating::medium;
  f.severity = "MEDIUM";
  f.found_by = {std::string(kNativeTool)};
  r.findings.push_back(f);
  return r;
}

TEST(DependencyCheckMerge, OneFindingPerVulnerabilityAcrossBothTools) {
  ScanResult r = native_result();
  DcReport dc = parse_dependency_check_json(read_file(kReport), kReport.string());
  DcMergeCounts c = merge_dependency_check(r, dc);
  EXPECT_EQ(c.confirmed, 1u);
  EXPECT_EQ(c.added, 1u);  // CVE-2019-10906 once, though two dependencies name it
  ASSERT_EQ(r.findings.size(), 2u);
  const VulnFinding& black = r.findings[0];
  EXPECT_EQ(black.match.id, "PYSEC-2024-48");
  EXPECT_EQ(black.found_by, (std::vector<std::string>{"pipewright", "dependency-check"}));
  const VulnFinding& jinja = r.findings[1];
  EXPECT_EQ(jinja.match.id, "CVE-2019-10906");
  EXPECT_EQ(jinja.found_by, std::vector<std::string>{"dependency-check"});
  EXPECT_EQ(jinja.rating, Rating::high);
  EXPECT_EQ(jinja.severity, "HIGH");
  EXPECT_EQ(jinja.fixed_versions, std::vector<std::string>{"2.10.1"});
  EXPECT_EQ(jinja.match.link, "https://nvd.nist.gov/vuln/detail/CVE-2019-10906");
  // The natively scanned package (its pin) is the one reported; where DC found it is added.
  EXPECT_EQ(jinja.package.pinned_file, "requirements.txt");
  EXPECT_EQ(r.packages.size(), 2u);  // "2.10.0" and "2.10" are one version (PEP 440)
  EXPECT_NE(std::find(r.packages[1].found_in.begin(), r.packages[1].found_in.end(),
                      "/src/python-app/requirements.txt"),
            r.packages[1].found_in.end());
}

TEST(DependencyCheckMerge, PackageOnlyDependencyCheckSawIsAdded) {
  ScanResult r;
  DcReport dc = parse_dependency_check_json(
      R"({"dependencies": [{"fileName": "lib/log4j-core-2.14.1.jar",
          "packages": [{"id": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}],
          "vulnerabilities": [{"name": "CVE-2021-44228", "severity": "CRITICAL",
                               "cvssv3": {"baseScore": 10.0}}]}]})",
      "dc.json");
  DcMergeCounts c = merge_dependency_check(r, dc);
  EXPECT_EQ(c.added, 1u);
  ASSERT_EQ(r.packages.size(), 1u);
  EXPECT_EQ(r.packages[0].name, "log4j-core");
  EXPECT_EQ(r.packages[0].version, "2.14.1");
  EXPECT_EQ(r.packages[0].purl, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].rating, Rating::critical);
  EXPECT_EQ(r.findings[0].match.ecosystem, "maven");
}

}  // namespace
}  // namespace pw::security
