// Matching a hand-made image against a real store, the Trivy report's shape, and merging
// Trivy's own report.
#include <gtest/gtest.h>

#include <map>

#include "image/inventory.h"
#include "image/trivy_report.h"
#include "image/vulnerabilities.h"
#include "security/store.h"
#include "support.h"

namespace pw::image {
namespace {

using namespace testing;  // NOLINT: the hand-made archive helpers
using nlohmann::ordered_json;

const char* kStatus =
    "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\n"
    "Version: 3.0.11-1~deb12u2\n\n"
    "Package: openssl\nStatus: install ok installed\nArchitecture: amd64\n"
    "Version: 3.0.11-1~deb12u2\n\n"
    "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\n"
    "Version: 1:1.2.13.dfsg-1\n\n";

// DSA-5764-1 (openssl, fixed for bookworm in 3.0.14-1~deb12u2), a zlib record whose fix has an
// epoch the installed version also has, a Debian 11 record that must not apply to Debian 12,
// and a PyPI record for pip.
const char* kRecords = R"([
  {"id": "DSA-5764-1", "modified": "2024-09-04T00:00:00Z", "published": "2024-09-03T00:00:00Z",
   "aliases": ["CVE-2024-6119"],
   "summary": "openssl - security update",
   "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
   "affected": [{"package": {"name": "openssl", "ecosystem": "Debian:12"},
                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.14-1~deb12u2"}]}]}]},
  {"id": "DEBIAN-CVE-2023-45853", "modified": "2024-01-01T00:00:00Z",
   "affected": [{"package": {"name": "zlib", "ecosystem": "Debian:12"},
                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:1.2.13.dfsg-1"}]}]}]},
  {"id": "DLA-3000-1", "modified": "2024-01-01T00:00:00Z",
   "affected": [{"package": {"name": "openssl", "ecosystem": "Debian:11"},
                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]},
  {"id": "GHSA-mq26-g339-26xf", "modified": "2024-06-10T18:39:11Z", "aliases": ["CVE-2023-5752", "PYSEC-2023-228"],
   "summary": "pip's Mercurial VCS URL config injection",
   "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:L/A:N"}],
   "affected": [{"package": {"name": "pip", "ecosystem": "PyPI"},
                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "23.3"}]}]}]}
])";

class ImageScan : public ::testing::Test {
 protected:
  void SetUp() override {
    write_bytes(dir_ / "osv" / "records.json", kRecords);
    store_ = std::make_unique<security::Store>(dir_ / "osv.db");
    store_->import({(dir_ / "osv").string()});
    write_bytes(
        dir_ / "image.tar",
        docker_archive(
            {{F("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"),
              F("etc/debian_version", "12.2\n"), F("var/lib/dpkg/status", kStatus),
              F("usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA",
                "Name: pip\nVersion: 23.0.1\n\n")}}));
  }
  ImageScanResult scan() {
    return scan_inventory(*store_, read_inventory(dir_ / "image.tar"), "demo:1-abc");
  }

  TempDir dir_;
  std::unique_ptr<security::Store> store_;
};

TEST_F(ImageScan, DebianBySourceWithDpkgOrderAndPythonByPep440) {
  auto r = scan();
  EXPECT_EQ(r.os_ecosystem, "Debian:12");
  std::vector<std::string> got;
  for (const auto& f : r.findings)
    got.push_back(f.pkg_name + " " + f.installed_version + " " + f.match.id);
  // openssl's advisory reaches both binaries built from it; zlib's fix (with its epoch) equals the
  // installed version, so it is fixed; Debian 11's record does not apply.
  EXPECT_EQ(got, (std::vector<std::string>{"libssl3 3.0.11-1~deb12u2 DSA-5764-1",
                                           "openssl 3.0.11-1~deb12u2 DSA-5764-1",
                                           "pip 23.0.1 GHSA-mq26-g339-26xf"}));
  EXPECT_EQ(r.findings[0].fixed, "3.0.14-1~deb12u2");
  EXPECT_EQ(r.findings[0].source, "openssl");
  EXPECT_EQ(r.findings[0].severity, "HIGH");
  EXPECT_TRUE(fails(r, security::Rating::high));
  EXPECT_FALSE(fails(r, security::Rating::critical));
  EXPECT_FALSE(fails(r, security::Rating::none));
  auto c = count_findings(r);
  EXPECT_EQ(c.high, 2);
  EXPECT_EQ(c.low, 1);
  EXPECT_EQ(
      findings_summary(r),
      "debian 12 (bookworm): 3 vulnerabilities (2 high, 1 low) in 3 Debian and 1 Python packages");
  std::string table = findings_table(r);
  EXPECT_LT(table.find("HIGH 7.5"), table.find("LOW 3.3"));  // most severe first
}

TEST_F(ImageScan, TrivyReportShape) {
  auto j = trivy_report(scan());
  EXPECT_EQ(j["SchemaVersion"], 2);
  EXPECT_EQ(j["ArtifactName"], "demo:1-abc");
  EXPECT_EQ(j["ArtifactType"], "container_image");
  EXPECT_EQ(j["Metadata"]["OS"], (ordered_json{{"Family", "debian"}, {"Name", "12.2"}}));
  EXPECT_EQ(j["Metadata"]["RepoTags"], ordered_json::array({"localhost/test:1"}));
  EXPECT_EQ(j["Metadata"]["ImageConfig"]["architecture"], "amd64");
  ASSERT_EQ(j["Results"].size(), 2u);
  const auto& os = j["Results"][0];
  EXPECT_EQ(os["Target"], "demo:1-abc (debian 12.2)");
  EXPECT_EQ(os["Class"], "os-pkgs");
  EXPECT_EQ(os["Type"], "debian");
  ASSERT_EQ(os["Packages"].size(), 3u);
  const auto& zlib = os["Packages"][2];
  EXPECT_EQ(zlib["Name"], "zlib1g");
  EXPECT_EQ(zlib["Version"], "1.2.13.dfsg");
  EXPECT_EQ(zlib["Release"], "1");
  EXPECT_EQ(zlib["Epoch"], 1);
  EXPECT_EQ(zlib["SrcName"], "zlib");
  EXPECT_EQ(zlib["Identifier"]["PURL"],
            "pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&distro=debian-12.2&epoch=1");
  const auto& v = os["Vulnerabilities"][0];
  EXPECT_EQ(v["VulnerabilityID"], "CVE-2024-6119");  // the CVE alias leads, as Trivy reports
  EXPECT_EQ(v["VendorIDs"], ordered_json::array({"DSA-5764-1"}));
  EXPECT_EQ(v["PkgName"], "libssl3");
  EXPECT_EQ(v["PkgID"], "libssl3@3.0.11-1~deb12u2");
  EXPECT_EQ(v["InstalledVersion"], "3.0.11-1~deb12u2");
  EXPECT_EQ(v["FixedVersion"], "3.0.14-1~deb12u2");
  EXPECT_EQ(v["Status"], "fixed");
  EXPECT_EQ(v["Severity"], "HIGH");
  EXPECT_EQ(v["VendorSeverity"]["osv"], 3);
  EXPECT_EQ(v["CVSS"]["osv"]["V3Score"], 7.5);
  EXPECT_EQ(v["PrimaryURL"], "https://osv.dev/vulnerability/DSA-5764-1");
  EXPECT_EQ(v["Title"], "openssl - security update");
  EXPECT_EQ(v["PublishedDate"], "2024-09-03T00:00:00Z");
  EXPECT_EQ(v["LastModifiedDate"], "2024-09-04T00:00:00Z");
  // One layer: every package and finding is in it.
  const auto& diff_id = j["Metadata"]["DiffIDs"][0];
  EXPECT_EQ(v["Layer"]["DiffID"], diff_id);
  EXPECT_EQ(zlib["Layer"]["DiffID"], diff_id);
  EXPECT_FALSE(j["Results"][1]["Vulnerabilities"][0].contains("PublishedDate"));
  const auto& py = j["Results"][1];
  EXPECT_EQ(py["Target"], "Python");
  EXPECT_EQ(py["Class"], "lang-pkgs");
  EXPECT_EQ(py["Type"], "python-pkg");
  EXPECT_EQ(py["Vulnerabilities"][0]["PkgPath"],
            "usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA");
  EXPECT_EQ(py["Vulnerabilities"][0]["FixedVersion"], "23.3");
}

// As Trivy attributes them: a package to the lowest layer whose dpkg status lists it at the
// installed version (an upgrade moves it up), a Python distribution to the layer of its METADATA.
TEST_F(ImageScan, EachPackageAndFindingNamesItsLayer) {
  const char* lower =
      "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\n"
      "Version: 3.0.11-1~deb12u2\n\n"
      "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\n"
      "Version: 1:1.2.12.dfsg-1\n\n";
  write_bytes(dir_ / "image.tar",
              docker_archive({{F("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
                               F("var/lib/dpkg/status", lower)},
                              {F("var/lib/dpkg/status", kStatus)},
                              {F("usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA",
                                 "Name: pip\nVersion: 23.0.1\n\n")}}));
  auto r = scan();
  std::map<std::string, size_t> deb_layer;
  for (const auto& d : r.inventory.debs) deb_layer[d.name] = d.layer;
  EXPECT_EQ(deb_layer,
            (std::map<std::string, size_t>{{"libssl3", 0}, {"openssl", 1}, {"zlib1g", 1}}));
  ASSERT_EQ(r.inventory.python.size(), 1u);
  EXPECT_EQ(r.inventory.python[0].layer, 2u);
  auto j = trivy_report(r);
  const auto& ids = j["Metadata"]["DiffIDs"];
  ASSERT_EQ(ids.size(), 3u);
  std::map<std::string, ordered_json> vuln_layer;
  for (const auto& res : j["Results"])
    for (const auto& v : res["Vulnerabilities"]) vuln_layer[v["PkgName"]] = v["Layer"]["DiffID"];
  EXPECT_EQ(vuln_layer["libssl3"], ids[0]);
  EXPECT_EQ(vuln_layer["openssl"], ids[1]);
  EXPECT_EQ(vuln_layer["pip"], ids[2]);
}

TEST_F(ImageScan, MergeKeepsTrivysReportAndAddsWhatItMissed) {
  auto ours = trivy_report(scan());
  // Trivy found the openssl CVE for libssl3 only (by its CVE id) and nothing in Python.
  std::string theirs = R"J({"SchemaVersion": 2, "ArtifactName": "demo:1-abc",
    "ArtifactType": "container_image", "Metadata": {"OS": {"Family": "debian", "Name": "12.2"}},
    "Results": [{"Target": "demo:1-abc (debian 12.2)", "Class": "os-pkgs", "Type": "debian",
                 "Vulnerabilities": [{"VulnerabilityID": "CVE-2024-6119", "PkgName": "libssl3",
                                      "InstalledVersion": "3.0.11-1~deb12u2", "Severity": "HIGH",
                                      "DataSource": {"ID": "debian"}}]}]})J";
  auto m = merge_trivy_reports(theirs, ours);
  ASSERT_EQ(m["Results"].size(), 2u);
  const auto& os = m["Results"][0]["Vulnerabilities"];
  ASSERT_EQ(os.size(), 2u);  // Trivy's libssl3 kept, pipewright's openssl added
  EXPECT_EQ(os[0]["DataSource"]["ID"], "debian");
  EXPECT_EQ(os[1]["PkgName"], "openssl");
  EXPECT_EQ(m["Results"][1]["Class"], "lang-pkgs");
  EXPECT_THROW(merge_trivy_reports("not json", ours), Error);
  EXPECT_THROW(merge_trivy_reports(R"({"SchemaVersion": 1})", ours), Error);
  auto none = merge_trivy_reports(R"({"SchemaVersion": 2, "Results": null})", ours);
  EXPECT_EQ(none["Results"].size(), 2u);
}

TEST(OsEcosystem, OnlyDebianReleases) {
  OsRelease os;
  os.id = "debian";
  os.version_id = "12";
  EXPECT_EQ(os_ecosystem(os), "Debian:12");
  os.version_id = "11.9";
  EXPECT_EQ(os_ecosystem(os), "Debian:11");
  os.version_id = "";  // testing/sid
  EXPECT_EQ(os_ecosystem(os), "");
  os.id = "ubuntu";
  os.version_id = "22.04";
  EXPECT_EQ(os_ecosystem(os), "");
}

}  // namespace
}  // namespace pw::image
