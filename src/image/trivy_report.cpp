// Trivy's JSON schema, written and merged (see trivy_report.h).
#include "image/trivy_report.h"

#include <set>

#include "python/names.h"
#include "security/dpkg_version.h"
#include "security/scan.h"
#include "util/json.h"
#include "util/strings.h"

namespace pw::image {

using nlohmann::ordered_json;
using security::Rating;

namespace {

bool is_cve(const std::string& id) { return id.starts_with("CVE-"); }

// Trivy's Layer: the layer's DiffID, and its Digest when the archive names a blob of its own
// (a compressed layer); {} when the manifest gives neither.
ordered_json layer_json(const ImageScanResult& r, size_t index) {
  ordered_json l = ordered_json::object();
  const auto& layers = r.inventory.manifest.layers;
  if (index >= layers.size()) return l;
  const auto& ref = layers[index];
  if (!ref.digest.empty() && ref.digest != ref.diff_id) l["Digest"] = ref.digest;
  if (!ref.diff_id.empty()) l["DiffID"] = ref.diff_id;
  return l;
}

ordered_json vulnerability(const ImageFinding& f, const ImageScanResult& r) {
  std::string vid = f.match.id;
  if (!is_cve(vid)) {
    for (const auto& a : f.match.aliases)
      if (is_cve(a)) {
        vid = a;
        break;
      }
  }
  std::vector<std::string> vendor;
  if (vid != f.match.id) vendor.push_back(f.match.id);
  for (const auto& a : f.match.aliases)
    if (a != vid) vendor.push_back(a);
  ordered_json v;
  v["VulnerabilityID"] = vid;
  if (!vendor.empty()) v["VendorIDs"] = vendor;
  v["PkgID"] = f.pkg_name + "@" + f.installed_version;
  v["PkgName"] = f.pkg_name;
  if (!f.path.empty()) v["PkgPath"] = f.path;
  v["PkgIdentifier"] = {{"PURL", f.purl}};
  v["InstalledVersion"] = f.installed_version;
  if (!f.fixed.empty()) v["FixedVersion"] = f.fixed;
  v["Status"] = f.fixed.empty() ? "affected" : "fixed";
  if (auto l = layer_json(r, f.layer); !l.empty()) v["Layer"] = l;
  v["SeveritySource"] = "osv";
  v["PrimaryURL"] = f.match.link;
  v["DataSource"] = {
      {"ID", "osv"},
      {"Name", "OSV records in pipewright's advisory database (" +
                   (f.cls == PackageClass::os ? r.os_ecosystem : std::string("PyPI")) + ")"},
      {"URL", "https://osv.dev"}};
  if (!f.match.summary.empty()) v["Title"] = f.match.summary;
  if (!f.match.details.empty()) v["Description"] = f.match.details;
  v["Severity"] = f.severity;
  // Trivy's numeric severities: 0 unknown .. 4 critical, as severity_rank counts.
  v["VendorSeverity"] = {{"osv", security::severity_rank(f.rating)}};
  const auto& sev = f.match.severity;
  if (!sev.vector.empty()) {
    ordered_json c;
    if (sev.vector_type == "CVSS_V3") {
      c["V3Vector"] = sev.vector;
      if (sev.score) c["V3Score"] = *sev.score;
    } else if (sev.vector_type == "CVSS_V2") {
      c["V2Vector"] = sev.vector;
    } else if (sev.vector_type == "CVSS_V4") {
      c["V40Vector"] = sev.vector;
    }
    if (!c.empty()) v["CVSS"] = {{"osv", c}};
  }
  v["References"] = ordered_json::array({f.match.link});
  if (!f.published.empty()) v["PublishedDate"] = f.published;
  if (!f.match.modified.empty()) v["LastModifiedDate"] = f.match.modified;
  return v;
}

ordered_json deb_package(const DebPackage& d, const std::string& version_id,
                         const ImageScanResult& r) {
  ordered_json p;
  p["ID"] = d.name + "@" + d.version;
  p["Name"] = d.name;
  // Trivy splits versions into epoch, version and release (dpkg's upstream and revision).
  security::DpkgVersion v, sv;
  bool ok = security::DpkgVersion::parse(d.version, &v, nullptr);
  p["Identifier"] = {{"PURL", deb_purl(d, version_id)}};
  p["Version"] = ok ? v.upstream : d.version;
  if (ok && !v.revision.empty()) p["Release"] = v.revision;
  if (ok && v.epoch) p["Epoch"] = v.epoch;
  if (!d.architecture.empty()) p["Arch"] = d.architecture;
  p["SrcName"] = d.source;
  bool sok = security::DpkgVersion::parse(d.source_version, &sv, nullptr);
  p["SrcVersion"] = sok ? sv.upstream : d.source_version;
  if (sok && !sv.revision.empty()) p["SrcRelease"] = sv.revision;
  if (sok && sv.epoch) p["SrcEpoch"] = sv.epoch;
  if (auto l = layer_json(r, d.layer); !l.empty()) p["Layer"] = l;
  return p;
}

}  // namespace

ordered_json trivy_report(const ImageScanResult& r) {
  const auto& inv = r.inventory;
  ordered_json out;
  out["SchemaVersion"] = 2;
  out["CreatedAt"] = r.scanned_at;
  out["ArtifactName"] = r.artifact;
  out["ArtifactType"] = "container_image";
  ordered_json meta;
  // Trivy names a Debian by /etc/debian_version ("12.8"), other systems by VERSION_ID.
  std::string os = os_name(inv);
  if (inv.os_found) meta["OS"] = {{"Family", inv.os.id}, {"Name", os}};
  meta["ImageID"] = inv.manifest.image_id;
  ordered_json diff_ids = ordered_json::array();
  for (const auto& l : inv.manifest.layers)
    if (!l.diff_id.empty()) diff_ids.push_back(l.diff_id);
  meta["DiffIDs"] = diff_ids;
  meta["RepoTags"] = inv.manifest.repo_tags;
  if (!inv.manifest.config.is_null())
    meta["ImageConfig"] = ordered_json::parse(dump_json(inv.manifest.config));
  out["Metadata"] = meta;

  ordered_json results = ordered_json::array();
  if (!inv.debs.empty()) {
    ordered_json res;
    res["Target"] =
        r.artifact + " (" + (inv.os_found ? inv.os.id : std::string("unknown")) + " " + os + ")";
    res["Class"] = "os-pkgs";
    res["Type"] = inv.os_found ? inv.os.id : "debian";
    ordered_json pkgs = ordered_json::array();
    for (const auto& d : inv.debs) pkgs.push_back(deb_package(d, os, r));
    res["Packages"] = pkgs;
    ordered_json vulns = ordered_json::array();
    for (const auto& f : r.findings)
      if (f.cls == PackageClass::os) vulns.push_back(vulnerability(f, r));
    if (!vulns.empty()) res["Vulnerabilities"] = vulns;
    results.push_back(res);
  }
  if (!inv.python.empty()) {
    ordered_json res;
    res["Target"] = "Python";
    res["Class"] = "lang-pkgs";
    res["Type"] = "python-pkg";
    ordered_json pkgs = ordered_json::array();
    for (const auto& p : inv.python) {
      ordered_json j;
      j["Name"] = p.name;
      j["Identifier"] = {{"PURL", security::pypi_purl(python::normalize_name(p.name), p.version)}};
      j["Version"] = p.version;
      j["FilePath"] = p.path;
      if (auto l = layer_json(r, p.layer); !l.empty()) j["Layer"] = l;
      pkgs.push_back(j);
    }
    res["Packages"] = pkgs;
    ordered_json vulns = ordered_json::array();
    for (const auto& f : r.findings)
      if (f.cls == PackageClass::lang) vulns.push_back(vulnerability(f, r));
    if (!vulns.empty()) res["Vulnerabilities"] = vulns;
    results.push_back(res);
  }
  out["Results"] = results;
  return out;
}

std::string write_trivy_report(const ImageScanResult& r) {
  return dump_json(trivy_report(r), 2) + "\n";
}

ordered_json merge_trivy_reports(const std::string& trivy_json, const ordered_json& ours) {
  ordered_json theirs;
  try {
    theirs = ordered_json::parse(trivy_json);
  } catch (const ordered_json::exception& e) {
    throw Error(std::string("Trivy's report is not valid JSON: ") + e.what());
  }
  if (!theirs.is_object() || !theirs.contains("SchemaVersion") || theirs["SchemaVersion"] != 2)
    throw Error("Trivy's report is not a SchemaVersion 2 report");
  if (!theirs.contains("Results") || theirs["Results"].is_null())
    theirs["Results"] = ordered_json::array();
  if (!theirs["Results"].is_array()) throw Error("Trivy's report has no Results list");
  auto key_of = [](const ordered_json& res) {
    return res.value("Class", std::string()) + "/" + res.value("Type", std::string());
  };
  // Every id a vulnerability is known by, with its package and installed version.
  auto ids_of = [](const ordered_json& v) {
    std::set<std::string> ids;
    std::string pkg =
        v.value("PkgName", std::string()) + "@" + v.value("InstalledVersion", std::string()) + "/";
    ids.insert(pkg + v.value("VulnerabilityID", std::string()));
    if (v.contains("VendorIDs") && v["VendorIDs"].is_array())
      for (const auto& id : v["VendorIDs"])
        if (id.is_string()) ids.insert(pkg + id.get<std::string>());
    return ids;
  };
  if (!ours.contains("Results")) return theirs;
  for (const auto& res : ours["Results"]) {
    ordered_json* target = nullptr;
    for (auto& t : theirs["Results"])
      if (key_of(t) == key_of(res)) target = &t;
    if (!target) {
      theirs["Results"].push_back(res);
      continue;
    }
    if (!res.contains("Vulnerabilities")) continue;
    std::set<std::string> known;
    if (target->contains("Vulnerabilities") && (*target)["Vulnerabilities"].is_array())
      for (const auto& v : (*target)["Vulnerabilities"]) {
        auto ids = ids_of(v);
        known.insert(ids.begin(), ids.end());
      }
    else
      (*target)["Vulnerabilities"] = ordered_json::array();
    for (const auto& v : res["Vulnerabilities"]) {
      auto ids = ids_of(v);
      bool seen = false;
      for (const auto& id : ids) seen = seen || known.count(id);
      if (!seen) (*target)["Vulnerabilities"].push_back(v);
    }
  }
  return theirs;
}

}  // namespace pw::image
