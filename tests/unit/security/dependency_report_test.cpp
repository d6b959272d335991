// The dependency scan's writers: pipewright's JSON, Dependency-Check XML (well-formed, schema
// order and required elements), SARIF (one result per finding not ignored) and CycloneDX 1.5
// (required fields, every reference resolving to a component).
#include "security/dependency_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <regex>
#include <set>

#include "security/dependency_check.h"
#include "security/store.h"
#include "support.h"

namespace pw::security {
namespace {

using testing::TempDir;
using testing::write;
namespace fs = std::filesystem;
using namespace std::chrono;
using json = nlohmann::json;

const fs::path kFixtures = fs::path(PW_FIXTURES) / "security" / "deps-osv";

// A scan of a small project against the fixture records, one finding ignored.
class Reports : public ::testing::Test {
 protected:
  void SetUp() override {
    Store store(tmp_ / "osv.db");
    store.import({kFixtures.string()});
    write(tmp_ / "requirements.txt", "black==23.1.0\nFoo_Bar==1.5\nsafe==1.0\n");
    auto packages = packages_from_requirements(tmp_ / "requirements.txt").value;
    write(tmp_ / "site/nosev-1.0.dist-info/METADATA", "Name: nosev\nVersion: 1.0\n");
    write(tmp_ / "site/transitive_lib-1.0.dist-info/METADATA",
          "Name: transitive_lib\nVersion: 1.0\n");
    auto site = packages_from_site_dirs({tmp_ / "site"}).value;
    packages.insert(packages.end(), site.begin(), site.end());
    result_ = scan(store, packages, "demo <&> \x01 \xff", sys_days{2025y / 1 / 15});
    apply_ignores(result_,
                  parse_ignore_text("ignore:\n  - id: GHSA-test-2099-0002\n    reason: \"not "
                                    "used <here> & now\"\n",
                                    "pipewright-ignore.yaml"),
                  year_month_day{2025y / 1 / 15});
    options_.root = tmp_.path().string();
    options_.tool_version = "9.9.9";
  }
  TempDir tmp_;
  ScanResult result_;
  DependencyReportOptions options_;
};

TEST_F(Reports, JsonSchema) {
  ASSERT_EQ(result_.findings.size(), 4u);
  json j = json::parse(write_dependency_json(result_, options_));
  EXPECT_EQ(j["tool"], "pipewright");
  EXPECT_EQ(j["tool_version"], "9.9.9");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["scanned_at"], "2025-01-15T00:00:00.000Z");
  EXPECT_EQ(j["database"]["records"], 5);
  EXPECT_TRUE(j["database"]["age_days"].is_number());
  EXPECT_EQ(j["packages"].size(), 5u);
  ASSERT_EQ(j["findings"].size(), 4u);
  const json& black = j["findings"][0];
  EXPECT_EQ(black["id"], "PYSEC-2024-48");
  EXPECT_EQ(black["package"], "black");
  EXPECT_EQ(black["severity"], "MEDIUM");
  EXPECT_DOUBLE_EQ(black["cvss"]["score"].get<double>(), 5.3);
  EXPECT_EQ(black["fixed_versions"], json::array({"24.3.0"}));
  EXPECT_EQ(black["link"], "https://osv.dev/vulnerability/PYSEC-2024-48");
  int ignored = 0;
  for (const auto& f : j["findings"]) {
    if (f["ignored"].get<bool>()) {
      ++ignored;
      EXPECT_EQ(f["ignore_reason"], "not used <here> & now");
      EXPECT_TRUE(f["cvss"]["score"].is_null());
    }
  }
  EXPECT_EQ(ignored, 1);
  EXPECT_EQ(j["counts"]["critical"], 1);
  EXPECT_EQ(j["counts"]["high"], 0);
  EXPECT_EQ(j["counts"]["ignored"], 1);
  EXPECT_EQ(j["counts"]["total"], 3);
  // Deterministic: the same result writes the same bytes.
  EXPECT_EQ(write_dependency_json(result_, options_), write_dependency_json(result_, options_));
}

TEST_F(Reports, DependencyCheckXmlIsWellFormedAndFollowsTheSchema) {
  std::string xml = write_dependency_check_xml(result_, options_);
  pugi::xml_document doc;
  pugi::xml_parse_result ok = doc.load_string(xml.c_str());
  ASSERT_TRUE(ok) << ok.description() << "\n" << xml;
  pugi::xml_node analysis = doc.child("analysis");
  ASSERT_TRUE(analysis);
  EXPECT_STREQ(analysis.attribute("xmlns").value(),
               "https://jeremylong.github.io/DependencyCheck/dependency-check.2.5.xsd");
  // Top-level order: scanInfo, projectInfo, dependencies.
  std::vector<std::string> top;
  for (auto n : analysis.children()) top.push_back(n.name());
  EXPECT_EQ(top, (std::vector<std::string>{"scanInfo", "projectInfo", "dependencies"}));
  EXPECT_STREQ(analysis.child("scanInfo").child_value("engineVersion"), "pipewright 9.9.9");
  EXPECT_TRUE(analysis.child("scanInfo").child("dataSource").child("name"));
  EXPECT_TRUE(analysis.child("scanInfo").child("dataSource").child("timestamp"));
  pugi::xml_node project = analysis.child("projectInfo");
  // Escaped, and the control character and invalid byte replaced: the name survives.
  EXPECT_STREQ(project.child_value("name"), "demo <&> \xEF\xBF\xBD \xEF\xBF\xBD");
  EXPECT_TRUE(project.child("reportDate"));
  EXPECT_TRUE(project.child("credits"));

  int deps = 0, vulns = 0, suppressed = 0, cvss = 0;
  for (auto dep : analysis.child("dependencies").children("dependency")) {
    ++deps;
    EXPECT_STREQ(dep.attribute("isVirtual").value(), "true");
    std::vector<std::string> head;
    for (auto n : dep.children()) head.push_back(n.name());
    ASSERT_GE(head.size(), 5u);
    EXPECT_EQ(std::vector<std::string>(head.begin(), head.begin() + 5),
              (std::vector<std::string>{"fileName", "filePath", "md5", "sha1", "sha256"}));
    EXPECT_EQ(std::string(dep.child("identifiers").child("package").child_value("id"))
                  .rfind("pkg:pypi/", 0),
              0u);
    bool seen_suppressed = false;
    for (auto v : dep.child("vulnerabilities").children()) {
      std::string tag = v.name();
      ASSERT_TRUE(tag == "vulnerability" || tag == "suppressedVulnerability") << tag;
      if (tag == "vulnerability") {
        EXPECT_FALSE(seen_suppressed) << "vulnerability after suppressedVulnerability";
        ++vulns;
      } else {
        seen_suppressed = true;
        ++suppressed;
      }
      EXPECT_STREQ(v.attribute("source").value(), "OSV");
      EXPECT_TRUE(v.child("name"));
      EXPECT_TRUE(v.child("description"));
      for (auto r : v.child("references").children("reference")) {
        EXPECT_TRUE(r.child("source"));
        EXPECT_TRUE(r.child("name"));
      }
      if (auto c = v.child("cvssV3")) {
        ++cvss;
        std::vector<std::string> metrics;
        for (auto m : c.children()) metrics.push_back(m.name());
        EXPECT_EQ(metrics,
                  (std::vector<std::string>{"baseScore", "attackVector", "attackComplexity",
                                            "privilegesRequired", "userInteraction", "scope",
                                            "confidentialityImpact", "integrityImpact",
                                            "availabilityImpact", "baseSeverity", "version"}));
      }
    }
  }
  EXPECT_EQ(deps, 5);
  EXPECT_EQ(vulns, 3);
  EXPECT_EQ(suppressed, 1);
  EXPECT_EQ(cvss, 2);  // black and foo-bar have v3 vectors
  // black's vulnerability is named by its CVE, as Dependency-Check readers expect.
  auto black =
      analysis.child("dependencies").find_child_by_attribute("dependency", "isVirtual", "true");
  EXPECT_STREQ(black.child_value("fileName"), "black:23.1.0");
  auto v = black.child("vulnerabilities").child("vulnerability");
  EXPECT_STREQ(v.child_value("name"), "CVE-2024-21503");
  EXPECT_STREQ(v.child("cvssV3").child_value("baseScore"), "5.3");
  EXPECT_STREQ(v.child("cvssV3").child_value("attackVector"), "NETWORK");
  EXPECT_STREQ(v.child("cvssV3").child_value("availabilityImpact"), "LOW");
  EXPECT_NE(std::string(v.child_value("description")).find("tabs & <spaces>"), std::string::npos);
  EXPECT_STREQ(
      v.child("vulnerableSoftware").child("software").attribute("versionEndExcluding").value(),
      "24.3.0");
}

TEST_F(Reports, SarifHasOneResultPerFindingNotIgnored) {
  std::string text = write_dependency_sarif(result_, options_);
  auto back = reports::read_sarif(text);
  ASSERT_TRUE(back.ok()) << join_diagnostics(back.errors);
  ASSERT_EQ(back.value.size(), 1u);
  EXPECT_EQ(back.value[0].tool.name, "pipewright-deps");
  const auto& fs = back.value[0].findings;
  ASSERT_EQ(fs.size(), 3u);
  const reports::Finding* black = nullptr;
  const reports::Finding* foo = nullptr;
  for (const auto& f : fs) {
    if (f.rule_id == "PYSEC-2024-48") black = &f;
    if (f.rule_id == "PYSEC-2099-1") foo = &f;
    EXPECT_NE(f.rule_id, "GHSA-test-2099-0002");  // ignored
  }
  ASSERT_NE(black, nullptr);
  EXPECT_EQ(black->message,
            "black 23.1.0 is affected by PYSEC-2024-48 (CVE-2024-21503, GHSA-fj7x-q9j7-g6q6), "
            "fixed in 24.3.0: Regular expression denial of service in black's docstring "
            "handling");
  EXPECT_EQ(black->level, reports::Level::warning);
  EXPECT_EQ(black->file, "requirements.txt");
  EXPECT_EQ(black->line, 1);
  ASSERT_NE(foo, nullptr);
  EXPECT_EQ(foo->level, reports::Level::error);
  EXPECT_EQ(foo->severity, reports::Severity::critical);
  EXPECT_EQ(foo->line, 2);
}

TEST_F(Reports, CycloneDxShapeAndReferencesResolve) {
  options_.serial_number = "";
  json bom = json::parse(write_cyclonedx(result_, options_));
  EXPECT_EQ(bom["bomFormat"], "CycloneDX");
  EXPECT_EQ(bom["specVersion"], "1.5");
  EXPECT_EQ(bom["version"], 1);
  std::regex uuid4("urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(bom["serialNumber"].get<std::string>(), uuid4))
      << bom["serialNumber"];
  EXPECT_EQ(bom["metadata"]["timestamp"], "2025-01-15T00:00:00.000Z");
  EXPECT_EQ(bom["metadata"]["tools"]["components"][0]["name"], "pipewright");
  EXPECT_EQ(bom["metadata"]["component"]["type"], "application");
  std::set<std::string> refs;
  for (const auto& c : bom["components"]) {
    EXPECT_EQ(c["type"], "library");
    EXPECT_FALSE(c["name"].get<std::string>().empty());
    EXPECT_EQ(c["bom-ref"], c["purl"]);
    EXPECT_TRUE(refs.insert(c["bom-ref"].get<std::string>()).second) << "duplicate bom-ref";
  }
  EXPECT_EQ(refs.size(), 5u);
  ASSERT_EQ(bom["vulnerabilities"].size(), 4u);
  std::set<std::string> vuln_refs;
  const std::set<std::string> severities = {"critical", "high", "medium", "low",
                                            "info",     "none", "unknown"};
  const std::set<std::string> methods = {"CVSSv2", "CVSSv3", "CVSSv31", "CVSSv4",
                                         "OWASP",  "SSVC",   "other"};
  for (const auto& v : bom["vulnerabilities"]) {
    EXPECT_TRUE(vuln_refs.insert(v["bom-ref"].get<std::string>()).second);
    EXPECT_FALSE(v["id"].get<std::string>().empty());
    EXPECT_EQ(v["source"]["name"], "OSV");
    for (const auto& a : v["affects"]) EXPECT_TRUE(refs.count(a["ref"].get<std::string>())) << a;
    for (const auto& r : v["ratings"]) {
      EXPECT_TRUE(severities.count(r["severity"].get<std::string>())) << r;
      EXPECT_TRUE(methods.count(r["method"].get<std::string>())) << r;
    }
    if (v["id"] == "PYSEC-2024-48") {
      EXPECT_EQ(v["ratings"][0]["method"], "CVSSv31");
      EXPECT_DOUBLE_EQ(v["ratings"][0]["score"].get<double>(), 5.3);
      EXPECT_EQ(v["ratings"][0]["severity"], "medium");
      EXPECT_EQ(v["recommendation"], "Upgrade black to 24.3.0");
      ASSERT_EQ(v["references"].size(), 2u);
      EXPECT_EQ(v["references"][0]["id"], "CVE-2024-21503");
      EXPECT_EQ(v["references"][0]["source"]["name"], "NVD");
      EXPECT_FALSE(v.contains("analysis"));
    }
    if (v["id"] == "GHSA-test-2099-0002") {
      EXPECT_EQ(v["analysis"]["state"], "not_affected");
      EXPECT_EQ(v["analysis"]["detail"], "not used <here> & now");
      EXPECT_EQ(v["ratings"][0]["method"], "other");
    }
  }
  // A given serial number is used as is, so two writes can be compared.
  options_.serial_number = "urn:uuid:00000000-0000-4000-8000-000000000000";
  EXPECT_EQ(write_cyclonedx(result_, options_), write_cyclonedx(result_, options_));
  EXPECT_NE(random_uuid_v4(), random_uuid_v4());
}

}  // namespace
}  // namespace pw::security

namespace pw::security {
namespace {

// dependency-check-report.json is Dependency-Check's JSON schema: its top-level keys, and the
// reader of Dependency-Check's reports reads back what the XML says.
TEST_F(Reports, DependencyCheckJsonHasDependencyChecksSchema) {
  std::string text = write_dependency_check_json(result_, options_);
  json j = json::parse(text);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"dependencies", "projectInfo", "reportSchema", "scanInfo"}));
  EXPECT_EQ(j["reportSchema"], "1.1");
  EXPECT_EQ(j["scanInfo"]["engineVersion"], "pipewright 9.9.9");
  EXPECT_EQ(j["projectInfo"]["reportDate"], "2025-01-15T00:00:00.000Z");
  EXPECT_EQ(j["dependencies"].size(), 5u);
  DcReport back = parse_dependency_check_json(text, "dependency-check-report.json");
  const DcVulnerability* black = nullptr;
  for (const auto& d : back.dependencies)
    for (const auto& v : d.vulnerabilities)
      if (d.file_name == "black:23.1.0") black = &v;
  ASSERT_NE(black, nullptr);
  EXPECT_EQ(black->name, "CVE-2024-21503");
  ASSERT_TRUE(black->cvss3_score);
  EXPECT_DOUBLE_EQ(*black->cvss3_score, 5.3);
  EXPECT_EQ(black->fixed, std::vector<std::string>{"24.3.0"});
  // The ignored finding is a suppressed vulnerability, as Dependency-Check writes it.
  size_t suppressed = 0;
  for (const auto& d : j["dependencies"])
    if (d.contains("suppressedVulnerabilities"))
      suppressed += d["suppressedVulnerabilities"].size();
  EXPECT_EQ(suppressed, 1u);
}

// The same finding has the same score everywhere: SARIF's security-severity is the advisory's
// CVSS score (5.3 for PYSEC-2024-48), as in CycloneDX and the XML, not its class value (5.5).
TEST_F(Reports, SarifSecuritySeverityIsTheCvssScore) {
  json sarif = json::parse(write_dependency_sarif(result_, options_));
  std::string in_sarif;
  for (const auto& rule : sarif["runs"][0]["tool"]["driver"]["rules"])
    if (rule["id"] == "PYSEC-2024-48") in_sarif = rule["properties"]["security-severity"];
  EXPECT_EQ(in_sarif, "5.3");
  options_.serial_number = "";
  json bom = json::parse(write_cyclonedx(result_, options_));
  double in_bom = 0;
  for (const auto& v : bom["vulnerabilities"])
    if (v["id"] == "PYSEC-2024-48") in_bom = v["ratings"][0]["score"].get<double>();
  EXPECT_DOUBLE_EQ(in_bom, 5.3);
  // Each component records where it came from.
  for (const auto& c : bom["components"])
    if (c["name"] == "black") {
      ASSERT_TRUE(c.contains("properties")) << c.dump();
      EXPECT_EQ(c["properties"][0]["name"], "pipewright:found_in");
      EXPECT_EQ(c["properties"][0]["value"], "requirements.txt:1");
    }
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(write_dependency_check_xml(result_, options_).c_str()));
  auto score = doc.select_node("//vulnerability[name='CVE-2024-21503']/cvssV3/baseScore");
  ASSERT_TRUE(score);
  EXPECT_STREQ(score.node().child_value(), "5.3");
}

}  // namespace
}  // namespace pw::security
