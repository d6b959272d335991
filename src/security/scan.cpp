// The dependency scan: collectors (requirements files, site dirs, venvs), the match against the
// store, the ignore file and the fail-on policy. See scan.h for the contracts.
#include "security/scan.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <system_error>

#include "python/names.h"
#include "python/requirements_file.h"
#include "security/ecosystem.h"
#include "security/store.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::security {

namespace fs = std::filesystem;

std::string pypi_purl(std::string_view normalized, std::string_view version) {
  // purl percent-encodes everything outside its unreserved set; PEP 440 versions need it for
  // '+' (local labels) and '!' (epochs), === versions for anything.
  return "pkg:pypi/" + percent_encode(normalized) + "@" + percent_encode(version);
}

namespace {

ScannedPackage make_package(std::string name, std::string version, std::string where) {
  ScannedPackage p;
  p.normalized = python::normalize_name(name);
  p.name = std::move(name);
  p.version = std::move(version);
  p.purl = pypi_purl(p.normalized, p.version);
  p.found_in.push_back(std::move(where));
  return p;
}

// The version a pin names: one `==X` without wildcard, or `===X`; nullopt otherwise.
std::optional<std::string> pinned_version(const python::Requirement& req) {
  const auto& specs = req.specifier.specifiers();
  if (specs.size() != 1) return std::nullopt;
  const python::Specifier& s = specs[0];
  if (s.op() == python::Specifier::Op::arbitrary) return s.version_text();
  if (s.op() == python::Specifier::Op::equal && !s.is_wildcard()) return s.version_text();
  return std::nullopt;
}

// A version's identity for merging: PEP 440 equality ("1.0" == "1.0.0") when it parses.
std::string version_key(std::string_view version) {
  std::string why;
  auto parsed = pypi_scheme().parse(version, &why);
  return parsed ? parsed->key() : std::string(version);
}

// RFC 822-style headers of a METADATA / PKG-INFO file, up to the first blank line (the body
// that follows is the long description and may contain anything).
std::map<std::string, std::string> read_headers(std::string_view text) {
  std::map<std::string, std::string> out;
  for (const std::string& raw : split_lines(text)) {
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if (line[0] == ' ' || line[0] == '\t') continue;  // continuation of a folded header
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string key = to_lower(trim(line.substr(0, colon)));
    if (!out.count(key)) out[key] = std::string(trim(line.substr(colon + 1)));
  }
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

reports::Parsed<std::vector<ScannedPackage>> packages_from_requirements(const fs::path& path) {
  reports::Parsed<std::vector<ScannedPackage>> out;
  python::RequirementsFile file = python::read_requirements_file(path);
  out.errors = file.diagnostics;
  for (const python::RequirementEntry& e : file.requirements) {
    if (e.constraint) continue;  // constraints are not installed
    std::string where = e.file + ":" + std::to_string(e.line);
    // URLs, paths and editables name no version, except a wheel file, whose name does.
    if (!e.requirement || e.name.empty() || !e.requirement->url.empty()) continue;
    std::optional<std::string> version = pinned_version(*e.requirement);
    if (!version) {
      if (e.form == python::RequirementForm::named) {
        out.warnings.push_back({e.file, e.line, 0,
                                e.text + " is not pinned with == or ===: its version is known "
                                         "only from an installed environment"});
      }
      continue;
    }
    ScannedPackage p = make_package(e.requirement->name, *version, where);
    p.pinned_file = e.file;
    p.pinned_line = e.line;
    out.value.push_back(std::move(p));
  }
  out.value = merge_packages(std::move(out.value));
  return out;
}

reports::Parsed<std::vector<ScannedPackage>> packages_from_site_dirs(
    const std::vector<fs::path>& dirs) {
  reports::Parsed<std::vector<ScannedPackage>> out;
  for (const fs::path& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      out.errors.push_back({dir.string(), 0, 0, "not a directory"});
      continue;
    }
    // Sorted, so the order of found_in and warnings does not depend on the file system.
    std::vector<fs::path> metadata_files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      if (ends_with(name, ".dist-info") && entry.is_directory()) {
        metadata_files.push_back(entry.path() / "METADATA");
      } else if (ends_with(name, ".egg-info")) {
        // setuptools writes either a folder with PKG-INFO or a single file with its content.
        metadata_files.push_back(entry.is_directory() ? entry.path() / "PKG-INFO" : entry.path());
      }
    }
    if (ec) out.errors.push_back({dir.string(), 0, 0, "cannot list: " + ec.message()});
    std::sort(metadata_files.begin(), metadata_files.end());
    for (const fs::path& f : metadata_files) {
      std::string text;
      try {
        text = read_file(f);
      } catch (const Error& e) {
        out.warnings.push_back({f.string(), 0, 0, std::string("skipped: ") + e.what()});
        continue;
      }
      auto headers = read_headers(text);
      auto name = headers.find("name");
      auto version = headers.find("version");
      if (name == headers.end() || name->second.empty() || version == headers.end() ||
          version->second.empty()) {
        out.warnings.push_back({f.string(), 0, 0, "skipped: no Name or Version header"});
        continue;
      }
      out.value.push_back(make_package(name->second, version->second, dir.string()));
    }
  }
  out.value = merge_packages(std::move(out.value));
  return out;
}

reports::Parsed<std::vector<fs::path>> site_dirs_of_venv(const fs::path& venv,
                                                         const std::vector<fs::path>& base) {
  reports::Parsed<std::vector<fs::path>> out;
  std::error_code ec;
  std::vector<fs::path> found;
  for (const char* lib : {"lib", "lib64"}) {
    fs::path libdir = venv / lib;
    if (!fs::is_directory(libdir, ec)) continue;
    for (const auto& entry : fs::directory_iterator(libdir, ec)) {
      std::string name = entry.path().filename().string();
      fs::path sp = entry.path() / "site-packages";
      if (name.rfind("python", 0) == 0 && fs::is_directory(sp, ec)) found.push_back(sp);
    }
  }
  if (fs::is_directory(venv / "Lib" / "site-packages", ec)) {
    found.push_back(venv / "Lib" / "site-packages");
  }
  std::sort(found.begin(), found.end());
  // lib64 is often a symlink to lib: one dir, scanned once.
  std::vector<fs::path> unique;
  std::set<fs::path> seen;
  for (const fs::path& p : found) {
    fs::path canon = fs::weakly_canonical(p, ec);
    if (seen.insert(ec ? p : canon).second) unique.push_back(p);
  }
  if (unique.empty()) {
    out.errors.push_back(
        {venv.string(), 0, 0, "no lib/python*/site-packages: not a virtual environment"});
  }
  // pyvenv.cfg: "key = value" lines; the key pip and venv write is
  // include-system-site-packages.
  fs::path cfg = venv / "pyvenv.cfg";
  if (fs::exists(cfg, ec)) {
    try {
      for (const std::string& line : split_lines(read_file(cfg))) {
        size_t eq = line.find('=');
        if (eq == std::string::npos) continue;
        if (to_lower(trim(std::string_view(line).substr(0, eq))) != "include-system-site-packages")
          continue;
        if (to_lower(trim(std::string_view(line).substr(eq + 1))) == "true") {
          for (const fs::path& b : base) unique.push_back(b);
        }
      }
    } catch (const Error& e) {
      out.warnings.push_back({cfg.string(), 0, 0, e.what()});
    }
  }
  out.value = std::move(unique);
  return out;
}

std::vector<ScannedPackage> merge_packages(std::vector<ScannedPackage> packages) {
  std::vector<ScannedPackage> out;
  std::map<std::pair<std::string, std::string>, size_t> index;
  for (ScannedPackage& p : packages) {
    auto key = std::make_pair(p.normalized, version_key(p.version));
    auto it = index.find(key);
    if (it == index.end()) {
      index.emplace(key, out.size());
      out.push_back(std::move(p));
      continue;
    }
    ScannedPackage& into = out[it->second];
    for (std::string& w : p.found_in) {
      if (std::find(into.found_in.begin(), into.found_in.end(), w) == into.found_in.end())
        into.found_in.push_back(std::move(w));
    }
    if (into.pinned_file.empty() && !p.pinned_file.empty()) {
      into.pinned_file = p.pinned_file;
      into.pinned_line = p.pinned_line;
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const ScannedPackage& a, const ScannedPackage& b) {
    return std::tie(a.normalized, a.version) < std::tie(b.normalized, b.version);
  });
  return out;
}

ScanResult scan(const Store& store, const std::vector<ScannedPackage>& packages,
                std::string project, std::chrono::system_clock::time_point now) {
  ScanResult r;
  r.project = std::move(project);
  r.scanned_at = iso8601(now);
  r.packages = merge_packages(packages);
  StoreStatus st = store.status(now);
  r.database_path = st.path.string();
  r.database_records = st.records;
  r.database_last_import = st.last_import;
  r.database_age = st.age;
  if (st.records == 0) {
    r.warnings.push_back({r.database_path, 0, 0,
                          "the advisory database holds no records: import OSV data first, or "
                          "every package will look clean"});
  }
  // One batched match for all packages: a few queries in all, not a few per package.
  std::vector<std::pair<std::string, std::string>> asks;
  asks.reserve(r.packages.size());
  for (const ScannedPackage& p : r.packages) asks.emplace_back(p.name, p.version);
  std::vector<std::vector<Match>> matches = match(store, "PyPI", asks);
  for (size_t i = 0; i < r.packages.size(); ++i) {
    const ScannedPackage& p = r.packages[i];
    for (Match& m : matches[i]) {
      VulnFinding f;
      f.package = p;
      f.rating = m.severity.rating;
      f.severity = std::string(to_string(m.severity.rating));
      f.cvss_score = m.severity.score;
      f.cvss_vector = m.severity.vector;
      f.fixed_versions = m.fixed;
      f.match = std::move(m);
      f.found_by = {"pipewright"};
      r.findings.push_back(std::move(f));
    }
  }
  // Packages are sorted and match() sorts by id, so findings are already in report order.
  return r;
}

void SeverityCounts::add(Rating r) {
  switch (r) {
    case Rating::critical:
      ++critical;
      break;
    case Rating::high:
      ++high;
      break;
    case Rating::medium:
      ++medium;
      break;
    case Rating::low:
      ++low;
      break;
    case Rating::none:
      ++none;
      break;
    case Rating::unknown:
      ++unknown;
      break;
  }
}

SeverityCounts count_findings(const ScanResult& result) {
  SeverityCounts c;
  for (const VulnFinding& f : result.findings) {
    if (f.ignored)
      ++c.ignored;
    else
      c.add(f.rating);
  }
  return c;
}

std::string vulnerability_count_text(int critical, int high, int medium, int low, int unrated) {
  std::vector<std::string> parts;
  auto add = [&](int n, const char* w) {
    if (n) parts.push_back(std::to_string(n) + " " + w);
  };
  add(critical, "critical");
  add(high, "high");
  add(medium, "medium");
  add(low, "low");
  add(unrated, "unrated");
  int total = critical + high + medium + low + unrated;
  return std::to_string(total) + " vulnerabilit" + (total == 1 ? "y" : "ies") + " (" +
         join(parts, ", ") + ")";
}

// ---- Ignore file.

namespace {

const std::vector<std::string> kEntryKeys = {"id",      "reason", "expires",
                                             "package", "state",  "justification"};
// CycloneDX 1.5 impactAnalysisState and impactAnalysisJustification.
const std::vector<std::string> kStates = {"resolved",  "resolved_with_pedigree", "exploitable",
                                          "in_triage", "false_positive",         "not_affected"};
const std::vector<std::string> kJustifications = {
    "code_not_present",     "code_not_reachable",     "requires_configuration",
    "requires_dependency",  "requires_environment",   "protected_by_compiler",
    "protected_at_runtime", "protected_at_perimeter", "protected_by_mitigating_control"};

std::optional<std::chrono::year_month_day> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  // Digits only (checked above): these parse.
  int y = static_cast<int>(parse_int(s.substr(0, 4)).value_or(0));
  unsigned m = static_cast<unsigned>(parse_int(s.substr(5, 2)).value_or(0));
  unsigned d = static_cast<unsigned>(parse_int(s.substr(8, 2)).value_or(0));
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

Diagnostic at(const std::string& file, const YAML::Node& n, std::string message) {
  YAML::Mark m = n.Mark();
  return {file, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0, std::move(message)};
}

}  // namespace

IgnoreList parse_ignore_text(std::string_view text, const std::string& file_name) {
  IgnoreList out;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    out.diagnostics.push_back({file_name, e.mark.line + 1, e.mark.column + 1, e.msg});
    return out;
  }
  if (!root || root.IsNull()) return out;  // an empty file ignores nothing
  if (!root.IsMap()) {
    out.diagnostics.push_back(at(file_name, root, "expected a mapping with an `ignore` list"));
    return out;
  }
  for (const auto& kv : root) {
    std::string key = kv.first.as<std::string>("");
    if (key != "ignore") {
      out.diagnostics.push_back(
          at(file_name, kv.first, "unknown key `" + key + "` (expected `ignore`)"));
    }
  }
  YAML::Node list = root["ignore"];
  if (!list || list.IsNull()) return out;
  if (!list.IsSequence()) {
    out.diagnostics.push_back(at(file_name, list, "`ignore` must be a list of entries"));
    return out;
  }
  for (const YAML::Node& item : list) {
    if (!item.IsMap()) {
      out.diagnostics.push_back(
          at(file_name, item, "an ignore entry must be a mapping with `id` and `reason`"));
      continue;
    }
    IgnoreEntry e;
    e.file = file_name;
    e.line = item.Mark().line + 1;
    bool good = true;
    auto scalar = [&](const YAML::Node& key_node, const YAML::Node& v,
                      const std::string& key) -> std::optional<std::string> {
      if (!v.IsScalar()) {
        out.diagnostics.push_back(at(file_name, v, "`" + key + "` must be a single value"));
        good = false;
        return std::nullopt;
      }
      (void)key_node;
      return std::string(trim(v.Scalar()));
    };
    for (const auto& kv : item) {
      std::string key = kv.first.as<std::string>("");
      if (std::find(kEntryKeys.begin(), kEntryKeys.end(), key) == kEntryKeys.end()) {
        std::string hint = closest_match(key, kEntryKeys);
        out.diagnostics.push_back(at(
            file_name, kv.first,
            "unknown key `" + key + "`" + (hint.empty() ? "" : " (did you mean `" + hint + "`?)")));
        good = false;
        continue;
      }
      auto v = scalar(kv.first, kv.second, key);
      if (!v) continue;
      if (key == "id") {
        e.id = *v;
      } else if (key == "reason") {
        e.reason = *v;
      } else if (key == "package") {
        e.package = python::normalize_name(*v);
      } else if (key == "expires") {
        e.expires_text = *v;
        e.expires = parse_date(*v);
        if (!e.expires) {
          out.diagnostics.push_back(
              at(file_name, kv.second, "`expires` must be a date YYYY-MM-DD, not `" + *v + "`"));
          good = false;
        }
      } else if (key == "state") {
        e.state = *v;
        if (std::find(kStates.begin(), kStates.end(), *v) == kStates.end()) {
          out.diagnostics.push_back(
              at(file_name, kv.second, "`state` must be one of " + join(kStates, ", ")));
          good = false;
        }
      } else if (key == "justification") {
        e.justification = *v;
        if (std::find(kJustifications.begin(), kJustifications.end(), *v) ==
            kJustifications.end()) {
          out.diagnostics.push_back(
              at(file_name, kv.second,
                 "`justification` must be one of " + join(kJustifications, ", ")));
          good = false;
        }
      }
    }
    if (e.id.empty()) {
      out.diagnostics.push_back(at(file_name, item, "ignore entry without `id`"));
      good = false;
    }
    if (e.reason.empty()) {
      out.diagnostics.push_back(at(file_name, item,
                                   "ignore entry " + (e.id.empty() ? std::string() : e.id + " ") +
                                       "without `reason`: say why it may be ignored"));
      good = false;
    }
    if (!e.justification.empty() && !e.state.empty() && e.state != "not_affected") {
      out.diagnostics.push_back(
          at(file_name, item, "`justification` goes only with state `not_affected`"));
      good = false;
    }
    if (good) out.entries.push_back(std::move(e));
  }
  return out;
}

IgnoreList load_ignore_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    IgnoreList out;
    out.diagnostics.push_back({path.string(), 0, 0, "ignore file not found"});
    return out;
  }
  try {
    return parse_ignore_text(read_file(path), path.string());
  } catch (const Error& e) {
    IgnoreList out;
    out.diagnostics.push_back({path.string(), 0, 0, e.what()});
    return out;
  }
}

void apply_ignores(ScanResult& result, const IgnoreList& ignores,
                   std::chrono::year_month_day today) {
  for (const IgnoreEntry& e : ignores.entries) {
    std::string id = to_upper(e.id);
    bool any = false;
    bool expired = e.expires && *e.expires < today;
    for (VulnFinding& f : result.findings) {
      if (!e.package.empty() && e.package != f.package.normalized) continue;
      bool hit = to_upper(f.match.id) == id;
      for (const std::string& a : f.match.aliases) hit = hit || to_upper(a) == id;
      if (!hit) continue;
      any = true;
      if (expired) continue;
      f.ignored = true;
      f.ignore_reason = e.reason;
      f.ignore_state = e.state.empty() ? "not_affected" : e.state;
      f.ignore_justification = e.justification;
    }
    if (expired) {
      result.warnings.push_back(
          {e.file, e.line, 0, "ignore entry for " + e.id + " expired on " + e.expires_text});
    } else if (!any) {
      result.warnings.push_back({e.file, e.line, 0,
                                 "ignore entry for " + e.id +
                                     " matches no finding: remove it if it is no longer needed"});
    }
  }
}

std::chrono::year_month_day utc_today(std::chrono::system_clock::time_point now) {
  return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(now)};
}

// ---- Policy.

std::optional<Rating> parse_fail_on(std::string_view text) {
  std::string t = to_lower(trim(text));
  if (t == "none") return Rating::none;
  if (t == "low") return Rating::low;
  if (t == "medium") return Rating::medium;
  if (t == "high") return Rating::high;
  if (t == "critical") return Rating::critical;
  return std::nullopt;
}

Rating gating_rating(Rating rating) { return rating == Rating::unknown ? Rating::medium : rating; }

bool gates(Rating rating, Rating fail_on) {
  if (fail_on == Rating::none || fail_on == Rating::unknown) return false;
  return severity_rank(gating_rating(rating)) >= severity_rank(fail_on);
}

bool fails(const ScanResult& result, Rating fail_on) {
  for (const VulnFinding& f : result.findings) {
    if (!f.ignored && gates(f.rating, fail_on)) return true;
  }
  return false;
}

FailOnVerdict fail_on_verdict(std::string summary, std::string_view fail_on_text,
                              const std::function<bool(Rating)>& fails_at) {
  auto fail_on = parse_fail_on(fail_on_text);
  if (fail_on && *fail_on != Rating::none && fails_at(*fail_on))
    return {summary + " (fail_on: " + to_lower(to_string(*fail_on)) + ")", true};
  return {std::move(summary), false};
}

}  // namespace pw::security
