// Writers for the dependency scan's reports; see dependency_report.h for the formats and why
// each exists.
#include "security/dependency_report.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "security/cvss.h"
#include "util/json.h"
#include "util/strings.h"

#ifndef PW_VERSION
#define PW_VERSION "0.0.0"
#endif

namespace pw::security {

namespace {

using ojson = nlohmann::ordered_json;

std::string version_of(const DependencyReportOptions& o) {
  return o.tool_version.empty() ? std::string(PW_VERSION) : o.tool_version;
}

std::string score_text(double score) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", score);
  return buf;
}

std::string dump(const ojson& j) {
  // Advisory text is written by many hands: invalid UTF-8 becomes U+FFFD instead of an
  // exception halfway through a report.
  return dump_json(j, 2) + "\n";
}

// ---- XML text: util's xml_escape, which keeps only characters XML 1.0 allows, so one odd
// advisory cannot make the whole report unreadable for Jenkins.
class Xml {
 public:
  void open(std::string_view tag, std::string_view attrs = {}) {
    indent();
    out_ += "<" + std::string(tag) + std::string(attrs) + ">\n";
    ++depth_;
  }
  void close(std::string_view tag) {
    --depth_;
    indent();
    out_ += "</" + std::string(tag) + ">\n";
  }
  void leaf(std::string_view tag, std::string_view text, std::string_view attrs = {}) {
    indent();
    out_ += "<" + std::string(tag) + std::string(attrs) + ">" + xml_escape(text) + "</" +
            std::string(tag) + ">\n";
  }
  std::string& str() { return out_; }

 private:
  void indent() { out_.append(static_cast<size_t>(depth_) * 2, ' '); }
  std::string out_;
  int depth_ = 0;
};

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml_escape(value) + "\"";
}

// NVD's words for CVSS v3 metrics, as Dependency-Check writes them.
std::string metric_word(char metric, char value) {
  switch (metric) {
    case 'V':  // attack vector
      return value == 'N'   ? "NETWORK"
             : value == 'A' ? "ADJACENT_NETWORK"
             : value == 'L' ? "LOCAL"
                            : "PHYSICAL";
    case 'U':  // user interaction
      return value == 'N' ? "NONE" : "REQUIRED";
    case 'S':
      return value == 'U' ? "UNCHANGED" : "CHANGED";
    default:  // AC, PR, C, I, A
      return value == 'H' ? "HIGH" : value == 'L' ? "LOW" : "NONE";
  }
}

// Where an alias can be read by a person, and who publishes it.
// Whether OWASP Dependency-Check took part in a finding: then the XML and SARIF say which tool
// found it (a native finding alone reads as it always has).
bool with_dependency_check(const VulnFinding& f) {
  return std::find(f.found_by.begin(), f.found_by.end(), "dependency-check") != f.found_by.end();
}

std::pair<std::string, std::string> alias_source(const std::string& id) {
  if (id.rfind("CVE-", 0) == 0) return {"NVD", "https://nvd.nist.gov/vuln/detail/" + id};
  if (id.rfind("GHSA-", 0) == 0) return {"GitHub", "https://github.com/advisories/" + id};
  return {"OSV", "https://osv.dev/vulnerability/" + id};
}

// The name Dependency-Check readers key on: the CVE when the advisory has one.
std::string display_id(const Match& m) {
  if (m.id.rfind("CVE-", 0) == 0) return m.id;
  for (const std::string& a : m.aliases)
    if (a.rfind("CVE-", 0) == 0) return a;
  return m.id;
}

std::string lower(Rating r) { return to_lower(to_string(r)); }

}  // namespace

std::string random_uuid_v4() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  uint64_t hi = gen(), lo = gen();
  hi = (hi & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // variant 10xx
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

// ---- (a)

std::string write_dependency_json(const ScanResult& r, const DependencyReportOptions& o) {
  ojson j;
  j["tool"] = "pipewright";
  j["tool_version"] = version_of(o);
  j["version"] = 1;
  j["project"] = r.project;
  j["scanned_at"] = r.scanned_at;
  ojson db;
  db["path"] = r.database_path;
  db["records"] = r.database_records;
  db["last_import"] = r.database_last_import;
  db["age_days"] = r.database_age ? ojson(r.database_age->count() / 86400) : ojson(nullptr);
  j["database"] = db;
  ojson packages = ojson::array();
  for (const ScannedPackage& p : r.packages) {
    packages.push_back({{"name", p.name},
                        {"normalized", p.normalized},
                        {"version", p.version},
                        {"purl", p.purl},
                        {"found_in", p.found_in}});
  }
  j["packages"] = packages;
  ojson findings = ojson::array();
  for (const VulnFinding& f : r.findings) {
    ojson cvss;
    cvss["score"] = f.cvss_score ? ojson(*f.cvss_score) : ojson(nullptr);
    cvss["vector"] = f.cvss_vector;
    findings.push_back({{"id", f.match.id},
                        {"aliases", f.match.aliases},
                        {"package", f.package.name},
                        {"version", f.package.version},
                        {"purl", f.package.purl},
                        {"severity", f.severity},
                        {"cvss", cvss},
                        {"fixed_versions", f.fixed_versions},
                        {"summary", f.match.summary},
                        {"link", f.match.link},
                        {"found_in", f.package.found_in},
                        {"found_by", f.found_by},
                        {"ignored", f.ignored},
                        {"ignore_reason", f.ignore_reason}});
  }
  j["findings"] = findings;
  SeverityCounts c = count_findings(r);
  j["counts"] = {{"critical", c.critical}, {"high", c.high},    {"medium", c.medium},
                 {"low", c.low},           {"none", c.none},    {"unknown", c.unknown},
                 {"ignored", c.ignored},   {"total", c.total()}};
  ojson warnings = ojson::array();
  for (const Diagnostic& d : r.warnings) warnings.push_back(d.str());
  j["warnings"] = warnings;
  return dump(j);
}

// ---- (a2)

std::string write_dependency_check_json(const ScanResult& r, const DependencyReportOptions& o) {
  ojson j;
  j["reportSchema"] = "1.1";
  j["scanInfo"] = {
      {"engineVersion", "pipewright " + version_of(o)},
      {"dataSource", ojson::array({{{"name", "OSV"}, {"timestamp", r.database_last_import}}})}};
  j["projectInfo"] = {
      {"name", r.project},
      {"reportDate", r.scanned_at},
      {"credits",
       {{"OSV",
         "This report contains data from OSV (https://osv.dev), matched offline by pipewright."}}}};
  ojson deps = ojson::array();
  for (const ScannedPackage& p : r.packages) {
    ojson d;
    d["isVirtual"] = true;
    d["fileName"] = p.name + ":" + p.version;
    d["filePath"] = p.found_in.empty() ? std::string() : p.found_in.front();
    // A pinned name has no file to hash; Dependency-Check writes empty digests for virtual ones.
    d["md5"] = "";
    d["sha1"] = "";
    d["sha256"] = "";
    if (p.found_in.size() > 1) d["projectReferences"] = p.found_in;
    d["packages"] = ojson::array(
        {{{"id", p.purl},
          {"confidence", "HIGHEST"},
          {"url", "https://pypi.org/project/" + p.normalized + "/" + p.version + "/"}}});
    ojson active = ojson::array(), suppressed = ojson::array();
    for (const VulnFinding& f : r.findings) {
      if (f.package.normalized != p.normalized || f.package.version != p.version) continue;
      const Match& m = f.match;
      ojson v;
      v["source"] = "OSV";
      v["name"] = display_id(m);
      v["severity"] = f.severity;
      if (f.cvss_score) {
        if (auto v3 = parse_cvss_v3(f.cvss_vector)) {
          v["cvssv3"] = {{"baseScore", v3->base_score},
                         {"attackVector", metric_word('V', v3->av)},
                         {"attackComplexity", metric_word('C', v3->ac)},
                         {"privilegesRequired", metric_word('P', v3->pr)},
                         {"userInteraction", metric_word('U', v3->ui)},
                         {"scope", metric_word('S', v3->scope)},
                         {"confidentialityImpact", metric_word('C', v3->c)},
                         {"integrityImpact", metric_word('C', v3->i)},
                         {"availabilityImpact", metric_word('C', v3->a)},
                         {"baseSeverity", std::string(to_string(v3->rating))},
                         {"version", v3->version}};
        }
      }
      v["description"] = m.details.empty() ? m.summary : m.details;
      std::vector<std::string> notes;
      if (f.ignored) notes.push_back("Ignored: " + f.ignore_reason);
      if (with_dependency_check(f)) notes.push_back("Found by " + join(f.found_by, " and "));
      if (!f.fixed_versions.empty()) notes.push_back("Fixed in " + join(f.fixed_versions, ", "));
      if (!notes.empty()) v["notes"] = join(notes, ". ");
      ojson refs = ojson::array({{{"source", "OSV"}, {"url", m.link}, {"name", m.id}}});
      for (const std::string& a : m.aliases) {
        auto [source, url] = alias_source(a);
        refs.push_back({{"source", source}, {"url", url}, {"name", a}});
      }
      v["references"] = refs;
      ojson sw = {{"id", p.purl}, {"vulnerabilityIdMatched", "true"}};
      if (!f.fixed_versions.empty()) sw["versionEndExcluding"] = f.fixed_versions.front();
      v["vulnerableSoftware"] = ojson::array({{{"software", sw}}});
      (f.ignored ? suppressed : active).push_back(std::move(v));
    }
    if (!active.empty()) d["vulnerabilities"] = std::move(active);
    if (!suppressed.empty()) d["suppressedVulnerabilities"] = std::move(suppressed);
    deps.push_back(std::move(d));
  }
  j["dependencies"] = std::move(deps);
  return dump(j);
}

// ---- (b)

std::string write_dependency_check_xml(const ScanResult& r, const DependencyReportOptions& o) {
  Xml x;
  x.str() = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x.open("analysis",
         attr("xmlns", "https://jeremylong.github.io/DependencyCheck/dependency-check.2.5.xsd"));
  x.open("scanInfo");
  x.leaf("engineVersion", "pipewright " + version_of(o));
  x.open("dataSource");
  x.leaf("name", "OSV");
  x.leaf("timestamp", r.database_last_import);
  x.close("dataSource");
  x.close("scanInfo");
  x.open("projectInfo");
  x.leaf("name", r.project);
  x.leaf("reportDate", r.scanned_at);
  x.leaf("credits",
         "This report contains data from OSV (https://osv.dev), matched offline by pipewright.");
  x.close("projectInfo");
  x.open("dependencies");
  for (const ScannedPackage& p : r.packages) {
    x.open("dependency", attr("isVirtual", "true"));
    x.leaf("fileName", p.name + ":" + p.version);
    x.leaf("filePath", p.found_in.empty() ? std::string() : p.found_in.front());
    // Required by the schema; a pinned name has no file to hash.
    x.leaf("md5", "");
    x.leaf("sha1", "");
    x.leaf("sha256", "");
    if (p.found_in.size() > 1) {
      x.open("projectReferences");
      for (const std::string& w : p.found_in) x.leaf("projectReference", w);
      x.close("projectReferences");
    }
    x.open("identifiers");
    x.open("package", attr("confidence", "HIGHEST"));
    x.leaf("id", p.purl);
    x.leaf("url", "https://pypi.org/project/" + p.normalized + "/" + p.version + "/");
    x.close("package");
    x.close("identifiers");
    std::vector<const VulnFinding*> active, suppressed;
    for (const VulnFinding& f : r.findings) {
      if (f.package.normalized != p.normalized || f.package.version != p.version) continue;
      (f.ignored ? suppressed : active).push_back(&f);
    }
    if (!active.empty() || !suppressed.empty()) {
      x.open("vulnerabilities");
      // The schema puts every vulnerability before every suppressedVulnerability.
      for (const auto* list : {&active, &suppressed}) {
        for (const VulnFinding* f : *list) {
          const char* tag = list == &active ? "vulnerability" : "suppressedVulnerability";
          const Match& m = f->match;
          x.open(tag, attr("source", "OSV"));
          x.leaf("name", display_id(m));
          x.leaf("severity", f->severity,
                 f->rating == Rating::unknown ? attr("unscored", "true") : std::string());
          if (f->cvss_score) {
            auto v3 = parse_cvss_v3(f->cvss_vector);
            if (v3) {
              x.open("cvssV3");
              x.leaf("baseScore", score_text(v3->base_score));
              x.leaf("attackVector", metric_word('V', v3->av));
              x.leaf("attackComplexity", metric_word('C', v3->ac));
              x.leaf("privilegesRequired", metric_word('P', v3->pr));
              x.leaf("userInteraction", metric_word('U', v3->ui));
              x.leaf("scope", metric_word('S', v3->scope));
              x.leaf("confidentialityImpact", metric_word('C', v3->c));
              x.leaf("integrityImpact", metric_word('C', v3->i));
              x.leaf("availabilityImpact", metric_word('C', v3->a));
              x.leaf("baseSeverity", std::string(to_string(v3->rating)));
              x.leaf("version", v3->version);
              x.close("cvssV3");
            }
          }
          std::string description = m.details.empty() ? m.summary : m.details;
          x.leaf("description", description);
          std::vector<std::string> notes;
          if (f->ignored) notes.push_back("Ignored: " + f->ignore_reason);
          if (with_dependency_check(*f)) notes.push_back("Found by " + join(f->found_by, " and "));
          if (!f->fixed_versions.empty())
            notes.push_back("Fixed in " + join(f->fixed_versions, ", "));
          if (!notes.empty()) x.leaf("notes", join(notes, ". "));
          x.open("references");
          x.open("reference");
          x.leaf("source", "OSV");
          x.leaf("url", m.link);
          x.leaf("name", m.id);
          x.close("reference");
          for (const std::string& a : m.aliases) {
            auto [source, url] = alias_source(a);
            x.open("reference");
            x.leaf("source", source);
            x.leaf("url", url);
            x.leaf("name", a);
            x.close("reference");
          }
          x.close("references");
          x.open("vulnerableSoftware");
          std::string attrs = attr("vulnerabilityIdMatched", "true");
          if (!f->fixed_versions.empty())
            attrs += attr("versionEndExcluding", f->fixed_versions.front());
          x.leaf("software", p.purl, attrs);
          x.close("vulnerableSoftware");
          x.close(tag);
        }
      }
      x.close("vulnerabilities");
    }
    x.close("dependency");
  }
  x.close("dependencies");
  x.close("analysis");
  return std::move(x.str());
}

// ---- (c)

reports::ToolRun dependency_sarif_run(const ScanResult& r, const DependencyReportOptions& o) {
  reports::ToolRun run;
  run.tool = reports::ToolInfo{"pipewright-deps", version_of(o), "https://osv.dev"};
  for (const VulnFinding& f : r.findings) {
    if (f.ignored) continue;
    const Match& m = f.match;
    reports::Finding out;
    out.tool = "pipewright-deps";
    out.rule_id = m.id;
    out.level = (f.rating == Rating::high || f.rating == Rating::critical)
                    ? reports::Level::error
                    : reports::Level::warning;
    switch (f.rating) {
      case Rating::critical:
        out.severity = reports::Severity::critical;
        break;
      case Rating::high:
        out.severity = reports::Severity::high;
        break;
      case Rating::medium:
        out.severity = reports::Severity::medium;
        break;
      case Rating::low:
        out.severity = reports::Severity::low;
        break;
      default:
        out.severity = reports::Severity::none;
        break;
    }
    std::string msg = f.package.name + " " + f.package.version + " is affected by " + m.id;
    if (!m.aliases.empty()) msg += " (" + join(m.aliases, ", ") + ")";
    msg += f.fixed_versions.empty() ? ", no fixed version known"
                                    : ", fixed in " + join(f.fixed_versions, ", ");
    if (!m.summary.empty()) msg += ": " + m.summary;
    if (with_dependency_check(f)) msg += " [found by " + join(f.found_by, " and ") + "]";
    out.message = msg;
    if (!f.package.pinned_file.empty()) {
      out.file = reports::relative_path(f.package.pinned_file, o.root);
      out.line = f.package.pinned_line;
    }
    out.help_uri = m.link;
    out.cvss_score = f.cvss_score;  // the score CycloneDX and the XML report carry
    run.findings.push_back(std::move(out));
  }
  reports::assign_fingerprints(run.findings);
  reports::sort_findings(run.findings);
  return run;
}

std::string write_dependency_sarif(const ScanResult& r, const DependencyReportOptions& o) {
  reports::SarifOptions so;
  so.root = o.root;
  return reports::write_sarif({dependency_sarif_run(r, o)}, so);
}

// ---- (d)

std::string write_cyclonedx(const ScanResult& r, const DependencyReportOptions& o) {
  ojson bom;
  bom["bomFormat"] = "CycloneDX";
  bom["specVersion"] = "1.5";
  bom["serialNumber"] = o.serial_number.empty() ? "urn:uuid:" + random_uuid_v4() : o.serial_number;
  bom["version"] = 1;
  ojson meta;
  meta["timestamp"] = r.scanned_at;
  meta["tools"] = {{"components", ojson::array({{{"type", "application"},
                                                 {"name", "pipewright"},
                                                 {"version", version_of(o)}}})}};
  meta["component"] = {{"type", "application"}, {"bom-ref", "project"}, {"name", r.project}};
  bom["metadata"] = meta;
  ojson components = ojson::array();
  for (const ScannedPackage& p : r.packages) {
    ojson c = {{"type", "library"},
               {"bom-ref", p.purl},
               {"name", p.name},
               {"version", p.version},
               {"purl", p.purl}};
    // Which lock, declaration or environment each component came from ("uv.lock:12",
    // "requirements-dev.txt:3", a site-packages folder).
    ojson props = ojson::array();
    for (const std::string& w : p.found_in)
      props.push_back(
          {{"name", "pipewright:found_in"}, {"value", reports::relative_path(w, o.root)}});
    if (!props.empty()) c["properties"] = std::move(props);
    components.push_back(std::move(c));
  }
  bom["components"] = components;
  ojson vulns = ojson::array();
  for (const VulnFinding& f : r.findings) {
    const Match& m = f.match;
    ojson v;
    // bom-refs are unique in a BOM; one advisory can hit several components.
    v["bom-ref"] = m.id + "/" + f.package.purl;
    v["id"] = m.id;
    const bool osv = f.found_by.empty() || f.found_by.front() != "dependency-check";
    v["source"] = {{"name", osv ? "OSV" : "Dependency-Check"}, {"url", m.link}};
    if (!f.found_by.empty())
      v["properties"] =
          ojson::array({{{"name", "pipewright:found_by"}, {"value", join(f.found_by, ",")}}});
    if (!m.aliases.empty()) {
      ojson refs = ojson::array();
      for (const std::string& a : m.aliases) {
        auto [source, url] = alias_source(a);
        refs.push_back({{"id", a}, {"source", {{"name", source}, {"url", url}}}});
      }
      v["references"] = refs;
    }
    ojson rating;
    rating["source"] = {{"name", osv ? "OSV" : "Dependency-Check"}, {"url", m.link}};
    const AdvisorySeverity& s = m.severity;
    if (s.score) rating["score"] = *s.score;
    rating["severity"] = lower(f.rating);
    if (s.vector_type == "CVSS_V3") {
      rating["method"] = s.vector.rfind("CVSS:3.0/", 0) == 0 ? "CVSSv3" : "CVSSv31";
    } else if (s.vector_type == "CVSS_V4") {
      rating["method"] = "CVSSv4";
    } else if (s.vector_type == "CVSS_V2") {
      rating["method"] = "CVSSv2";
    } else {
      rating["method"] = "other";
    }
    if (!s.vector.empty()) rating["vector"] = s.vector;
    v["ratings"] = ojson::array({rating});
    if (!m.summary.empty()) v["description"] = m.summary;
    if (!m.details.empty()) v["detail"] = m.details;
    if (!f.fixed_versions.empty())
      v["recommendation"] = "Upgrade " + f.package.name + " to " + f.fixed_versions.front();
    if (!m.modified.empty()) v["updated"] = m.modified;
    if (f.ignored) {
      ojson analysis;
      analysis["state"] = f.ignore_state.empty() ? "not_affected" : f.ignore_state;
      if (!f.ignore_justification.empty()) analysis["justification"] = f.ignore_justification;
      analysis["detail"] = f.ignore_reason;
      v["analysis"] = analysis;
    }
    v["affects"] = ojson::array(
        {{{"ref", f.package.purl},
          {"versions", ojson::array({{{"version", f.package.version}, {"status", "affected"}}})}}});
    vulns.push_back(v);
  }
  bom["vulnerabilities"] = vulns;
  return dump(bom);
}

}  // namespace pw::security
