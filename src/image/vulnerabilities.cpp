// Matching an image's packages against the advisory store (see vulnerabilities.h).
#include "image/vulnerabilities.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "python/names.h"
#include "security/scan.h"
#include "security/store.h"
#include "util/clock.h"
#include "util/strings.h"

namespace pw::image {

using security::Rating;

namespace {

ImageFinding make_finding(security::Match m) {
  ImageFinding f;
  f.rating = m.severity.rating;
  f.severity = std::string(security::to_string(f.rating));
  f.fixed = join(m.fixed, ", ");
  f.match = std::move(m);
  return f;
}

std::string pad(std::string s, size_t n) {
  return s.size() >= n ? s + " " : s + std::string(n - s.size(), ' ');
}

}  // namespace

std::string os_ecosystem(const OsRelease& os) {
  if (os.id != "debian" || os.version_id.empty()) return "";
  return "Debian:" + os.version_id.substr(0, os.version_id.find('.'));
}

std::string os_name(const ImageInventory& inv) {
  return inv.os.id == "debian" && !inv.debian_version.empty() ? inv.debian_version
                                                              : inv.os.version_id;
}

std::string deb_purl(const DebPackage& p, const std::string& version_id) {
  // "1:1.2.13.dfsg-1": the epoch is what comes before the first ':' when it is all digits.
  std::string version = p.version, epoch;
  size_t colon = version.find(':');
  if (colon != std::string::npos && colon > 0 && version.find_first_not_of("0123456789") == colon) {
    epoch = version.substr(0, colon);
    version = version.substr(colon + 1);
  }
  std::string out = "pkg:deb/debian/" + percent_encode(p.name) + "@" + percent_encode(version);
  std::vector<std::string> q;  // qualifiers in the purl spec's sorted order
  if (!p.architecture.empty()) q.push_back("arch=" + percent_encode(p.architecture));
  if (!version_id.empty()) q.push_back("distro=debian-" + percent_encode(version_id));
  if (!epoch.empty()) q.push_back("epoch=" + epoch);
  if (!q.empty()) out += "?" + join(q, "&");
  return out;
}

ImageScanResult scan_inventory(const security::Store& store, ImageInventory inv,
                               std::string artifact, std::chrono::system_clock::time_point now) {
  ImageScanResult r;
  r.artifact = std::move(artifact);
  r.scanned_at = iso8601(now);
  r.database_records = store.status(now).records;
  r.warnings = inv.warnings;
  r.os_ecosystem = os_ecosystem(inv.os);

  // Debian: one query per (source, source version), answers fanned out to its binaries.
  if (!inv.debs.empty() && r.os_ecosystem.empty()) {
    r.warnings.push_back({"", 0, 0,
                          inv.os_found
                              ? "OS '" + inv.os.id + " " + inv.os.version_id +
                                    "': only Debian releases' packages are matched; " +
                                    std::to_string(inv.debs.size()) + " dpkg packages not checked"
                              : "no os-release in the image: " + std::to_string(inv.debs.size()) +
                                    " dpkg packages not checked"});
  }
  if (!inv.debs.empty() && !r.os_ecosystem.empty()) {
    std::map<std::pair<std::string, std::string>, size_t> slot;
    std::vector<std::pair<std::string, std::string>> asks;
    for (const auto& d : inv.debs) {
      auto key = std::make_pair(d.source, d.source_version);
      if (slot.emplace(key, asks.size()).second) asks.push_back(key);
    }
    auto answers = security::match(store, r.os_ecosystem, asks);
    for (const auto& d : inv.debs) {
      for (const auto& m : answers[slot[{d.source, d.source_version}]]) {
        ImageFinding f = make_finding(m);
        f.cls = PackageClass::os;
        f.pkg_name = d.name;
        f.installed_version = d.version;
        f.arch = d.architecture;
        f.source = d.source;
        f.source_version = d.source_version;
        f.layer = d.layer;
        f.purl = deb_purl(d, os_name(inv));
        r.findings.push_back(std::move(f));
      }
    }
  }
  if (!inv.python.empty()) {
    std::vector<std::pair<std::string, std::string>> asks;
    for (const auto& p : inv.python) asks.emplace_back(python::normalize_name(p.name), p.version);
    auto answers = security::match(store, "PyPI", asks);
    for (size_t i = 0; i < inv.python.size(); ++i) {
      for (const auto& m : answers[i]) {
        ImageFinding f = make_finding(m);
        f.cls = PackageClass::lang;
        f.pkg_name = inv.python[i].name;
        f.installed_version = inv.python[i].version;
        f.path = inv.python[i].path;
        f.layer = inv.python[i].layer;
        f.purl = security::pypi_purl(asks[i].first, inv.python[i].version);
        r.findings.push_back(std::move(f));
      }
    }
  }
  // The publication date is only in the whole record, read for the few advisories that matched.
  std::map<std::string, std::string> published;
  for (auto& f : r.findings) {
    auto [it, added] = published.try_emplace(f.match.id);
    if (added)
      if (auto text = store.record_json(f.match.id)) {
        auto j = nlohmann::json::parse(*text, nullptr, false);
        if (j.is_object() && j.contains("published") && j["published"].is_string())
          it->second = j["published"].get<std::string>();
      }
    f.published = it->second;
  }
  std::sort(r.findings.begin(), r.findings.end(), [](const ImageFinding& a, const ImageFinding& b) {
    return std::tie(a.cls, a.pkg_name, a.installed_version, a.path, a.match.id) <
           std::tie(b.cls, b.pkg_name, b.installed_version, b.path, b.match.id);
  });
  r.inventory = std::move(inv);
  return r;
}

ImageCounts count_findings(const ImageScanResult& r) {
  security::SeverityCounts s;
  for (const auto& f : r.findings) s.add(f.rating);
  return {.critical = s.critical,
          .high = s.high,
          .medium = s.medium,
          .low = s.low,
          .unknown = s.none + s.unknown};
}

bool fails(const ImageScanResult& r, Rating fail_on) {
  for (const auto& f : r.findings)
    if (security::gates(f.rating, fail_on)) return true;
  return false;
}

std::string findings_table(const ImageScanResult& r) {
  std::vector<const ImageFinding*> rows;
  for (const auto& f : r.findings) rows.push_back(&f);
  // Most severe first; unrated ones gate as MEDIUM but are listed last, being unknown.
  std::stable_sort(rows.begin(), rows.end(), [](const ImageFinding* a, const ImageFinding* b) {
    auto k = [](const ImageFinding* f) {
      return f->rating == Rating::unknown ? -1 : security::severity_rank(f->rating);
    };
    return k(a) > k(b);
  });
  std::string out = pad("Severity", 14) + pad("Package", 24) + pad("Installed", 22) +
                    pad("Vulnerability", 22) + pad("Fixed in", 22) + "Where\n";
  for (const auto* f : rows) {
    char score[16] = "";
    if (f->match.severity.score)
      std::snprintf(score, sizeof score, " %.1f", *f->match.severity.score);
    out += pad(f->severity + score, 14) + pad(f->pkg_name, 24) + pad(f->installed_version, 22) +
           pad(f->match.id, 22) + pad(f->fixed.empty() ? "-" : f->fixed, 22) +
           (f->cls == PackageClass::os ? "os (" + f->source + ")" : "/" + f->path) + "\n";
  }
  return out;
}

std::string findings_summary(const ImageScanResult& r) {
  const auto& inv = r.inventory;
  std::string os = inv.os_found ? inv.os.id + " " + inv.os.version_id : "unknown OS";
  if (!inv.os.codename.empty()) os += " (" + inv.os.codename + ")";
  std::string counted = std::to_string(inv.debs.size()) + " Debian and " +
                        std::to_string(inv.python.size()) + " Python packages";
  auto c = count_findings(r);
  if (c.total() == 0) return os + ": no known vulnerability in " + counted;
  return os + ": " +
         security::vulnerability_count_text(c.critical, c.high, c.medium, c.low, c.unknown) +
         " in " + counted;
}

}  // namespace pw::image
