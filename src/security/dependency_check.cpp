// Reading OWASP Dependency-Check's JSON report and merging it with the native scan.
#include "security/dependency_check.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <tuple>

#include "python/names.h"
#include "security/ecosystem.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::security {

namespace {

using json = nlohmann::json;

// A member of `obj` that must be of the given kind when present; throws naming its path.
const json* member(const json& obj, const char* key, json::value_t kind, const std::string& where,
                   const std::string& file) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  bool good = it->type() == kind || (kind == json::value_t::number_float && it->is_number());
  if (!good) {
    const char* want = kind == json::value_t::array    ? "an array"
                       : kind == json::value_t::object ? "an object"
                       : kind == json::value_t::string ? "a string"
                                                       : "a number";
    throw Error(file + ": " + where + "." + key + " must be " + want + ", not " + it->type_name());
  }
  return &*it;
}

std::string text_of(const json& obj, const char* key, const std::string& where,
                    const std::string& file) {
  const json* v = member(obj, key, json::value_t::string, where, file);
  return v ? v->get<std::string>() : std::string();
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(parse_uint(s.substr(i + 1, 2), 255, 16).value_or('?'));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct Purl {
  std::string type, name, version;
};

// "pkg:TYPE/[NAMESPACE/]NAME@VERSION?QUALIFIERS#SUBPATH"; nullopt when not a purl.
std::optional<Purl> parse_purl(std::string_view p) {
  if (p.rfind("pkg:", 0) != 0) return std::nullopt;
  p.remove_prefix(4);
  p = p.substr(0, p.find_first_of("?#"));
  size_t slash = p.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  Purl out;
  out.type = to_lower(p.substr(0, slash));
  std::string_view rest = p.substr(slash + 1);
  size_t at = rest.rfind('@');
  std::string_view path = at == std::string_view::npos ? rest : rest.substr(0, at);
  if (at != std::string_view::npos) out.version = percent_decode(rest.substr(at + 1));
  size_t last = path.rfind('/');
  out.name = percent_decode(last == std::string_view::npos ? path : path.substr(last + 1));
  if (out.name.empty()) return std::nullopt;
  return out;
}

// PEP 440 identity of a version ("1.0" == "1.0.0"), the text itself when it does not parse.
std::string version_identity(std::string_view v) {
  auto parsed = pypi_scheme().parse(v, nullptr);
  return parsed ? parsed->key() : std::string(v);
}

Rating dc_rating(const DcVulnerability& v) {
  if (v.cvss3_score) return rating_for_score(*v.cvss3_score);
  Rating r = rating_from_word(v.cvss3_severity);
  if (r == Rating::unknown) r = rating_from_word(v.severity);
  return r;
}

std::string first_line(std::string_view text, size_t max) {
  std::string_view line = text.substr(0, text.find('\n'));
  if (line.size() > max) return std::string(line.substr(0, max - 3)) + "...";
  return std::string(line);
}

}  // namespace

DcReport parse_dependency_check_json(std::string_view text, const std::string& file) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {  // out_of_range too: a number past a double's range
    throw Error(file + ": not JSON: " + e.what());
  }
  if (!root.is_object()) throw Error(file + ": not a Dependency-Check report (not an object)");
  DcReport out;
  if (const json* info = member(root, "scanInfo", json::value_t::object, "report", file))
    out.engine_version = text_of(*info, "engineVersion", "scanInfo", file);
  const json* deps = member(root, "dependencies", json::value_t::array, "report", file);
  if (!deps) throw Error(file + ": not a Dependency-Check report (no `dependencies` array)");
  for (size_t i = 0; i < deps->size(); ++i) {
    const json& d = (*deps)[i];
    std::string where = "dependencies[" + std::to_string(i) + "]";
    if (!d.is_object()) throw Error(file + ": " + where + " must be an object");
    DcDependency dep;
    dep.file_name = text_of(d, "fileName", where, file);
    dep.file_path = text_of(d, "filePath", where, file);
    if (const json* pkgs = member(d, "packages", json::value_t::array, where, file)) {
      for (const json& p : *pkgs)
        if (p.is_object() && p.contains("id") && p["id"].is_string())
          dep.purls.push_back(p["id"].get<std::string>());
    }
    if (const json* vulns = member(d, "vulnerabilities", json::value_t::array, where, file)) {
      for (size_t k = 0; k < vulns->size(); ++k) {
        const json& v = (*vulns)[k];
        std::string vw = where + ".vulnerabilities[" + std::to_string(k) + "]";
        if (!v.is_object()) throw Error(file + ": " + vw + " must be an object");
        DcVulnerability out_v;
        out_v.name = text_of(v, "name", vw, file);
        if (out_v.name.empty()) throw Error(file + ": " + vw + " has no `name`");
        out_v.source = text_of(v, "source", vw, file);
        out_v.severity = text_of(v, "severity", vw, file);
        out_v.description = text_of(v, "description", vw, file);
        if (const json* c3 = member(v, "cvssv3", json::value_t::object, vw, file)) {
          if (const json* s =
                  member(*c3, "baseScore", json::value_t::number_float, vw + ".cvssv3", file))
            out_v.cvss3_score = s->get<double>();
          out_v.cvss3_severity = text_of(*c3, "baseSeverity", vw + ".cvssv3", file);
        }
        if (const json* refs = member(v, "references", json::value_t::array, vw, file)) {
          for (const json& r : *refs)
            if (r.is_object() && r.contains("url") && r["url"].is_string())
              out_v.reference_urls.push_back(r["url"].get<std::string>());
        }
        if (const json* sw = member(v, "vulnerableSoftware", json::value_t::array, vw, file)) {
          for (const json& entry : *sw) {
            if (!entry.is_object() || !entry.contains("software")) continue;
            const json& s = entry["software"];
            if (!s.is_object()) continue;
            auto matched = s.find("vulnerabilityIdMatched");
            bool is_matched =
                matched != s.end() && ((matched->is_string() && *matched == "true") ||
                                       (matched->is_boolean() && matched->get<bool>()));
            auto end = s.find("versionEndExcluding");
            if (is_matched && end != s.end() && end->is_string())
              out_v.fixed.push_back(end->get<std::string>());
          }
        }
        dep.vulnerabilities.push_back(std::move(out_v));
      }
    }
    out.dependencies.push_back(std::move(dep));
  }
  return out;
}

DcMergeCounts merge_dependency_check(ScanResult& result, const DcReport& report) {
  DcMergeCounts counts;
  const std::string dc(kDependencyCheckTool);
  for (const DcDependency& dep : report.dependencies) {
    if (dep.vulnerabilities.empty()) continue;
    // The package: the first pypi purl, else any purl, else the file name without a version.
    std::optional<Purl> purl;
    std::string purl_text;
    for (const std::string& p : dep.purls) {
      auto parsed = parse_purl(p);
      if (!parsed) continue;
      if (!purl || (purl->type != "pypi" && parsed->type == "pypi")) {
        purl = parsed;
        purl_text = p;
      }
    }
    ScannedPackage pkg;
    bool pypi = purl && purl->type == "pypi";
    pkg.name = purl ? purl->name : dep.file_name;
    pkg.normalized = pypi ? python::normalize_name(pkg.name) : to_lower(pkg.name);
    pkg.version = purl ? purl->version : std::string();
    pkg.purl = pypi ? pypi_purl(pkg.normalized, pkg.version) : purl_text;
    std::string where = dep.file_path.empty() ? dep.file_name : dep.file_path;
    if (!where.empty()) pkg.found_in.push_back(where);
    const std::string identity = version_identity(pkg.version);
    auto same_package = [&](const ScannedPackage& p) {
      return p.normalized == pkg.normalized && version_identity(p.version) == identity;
    };
    // The natively scanned package of that name and version, when there is one: its pin and
    // where it was found are what the reports show.
    size_t known = static_cast<size_t>(
        std::find_if(result.packages.begin(), result.packages.end(), same_package) -
        result.packages.begin());
    if (known == result.packages.size()) {
      result.packages.push_back(pkg);
    } else if (auto& in = result.packages[known].found_in;
               !where.empty() && std::find(in.begin(), in.end(), where) == in.end()) {
      in.push_back(where);
    }
    const ScannedPackage target = result.packages[known];

    for (const DcVulnerability& v : dep.vulnerabilities) {
      const std::string id = to_upper(v.name);
      auto it =
          std::find_if(result.findings.begin(), result.findings.end(), [&](const VulnFinding& f) {
            if (!same_package(f.package)) return false;
            if (to_upper(f.match.id) == id) return true;
            for (const std::string& a : f.match.aliases)
              if (to_upper(a) == id) return true;
            return false;
          });
      if (it != result.findings.end()) {
        bool native =
            std::find(it->found_by.begin(), it->found_by.end(), kNativeTool) != it->found_by.end();
        if (std::find(it->found_by.begin(), it->found_by.end(), dc) == it->found_by.end()) {
          it->found_by.push_back(dc);
          if (native) ++counts.confirmed;
        }
        continue;
      }
      VulnFinding f;
      f.package = target;
      Match& m = f.match;
      m.id = v.name;
      m.ecosystem = pypi ? "PyPI" : (purl ? purl->type : std::string());
      m.package = pkg.name;
      m.version = pkg.version;
      m.summary = first_line(v.description, 200);
      m.details = v.description;
      m.severity.rating = dc_rating(v);
      m.severity.score = v.cvss3_score;
      m.severity.source = dc;
      m.fixed = v.fixed;
      if (!v.reference_urls.empty()) m.link = v.reference_urls.front();
      if (id.rfind("CVE-", 0) == 0) m.link = "https://nvd.nist.gov/vuln/detail/" + v.name;
      f.rating = m.severity.rating;
      f.severity = std::string(to_string(f.rating));
      f.cvss_score = v.cvss3_score;
      f.fixed_versions = v.fixed;
      f.found_by = {dc};
      result.findings.push_back(std::move(f));
      ++counts.added;
    }
  }
  std::stable_sort(result.packages.begin(), result.packages.end(),
                   [](const ScannedPackage& a, const ScannedPackage& b) {
                     return std::tie(a.normalized, a.version) < std::tie(b.normalized, b.version);
                   });
  std::stable_sort(result.findings.begin(), result.findings.end(),
                   [](const VulnFinding& a, const VulnFinding& b) {
                     return std::tie(a.package.normalized, a.package.version, a.match.id) <
                            std::tie(b.package.normalized, b.package.version, b.match.id);
                   });
  return counts;
}

}  // namespace pw::security
