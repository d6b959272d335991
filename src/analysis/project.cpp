// analyse_project: finds the files, measures them, and derives every SonarQube measure and the
// hints the gate's messages show. Each input that cannot be read becomes a warning, never a crash.
#include "analysis/project.h"

#include <algorithm>
#include <deque>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "reports/cobertura.h"
#include "reports/sarif.h"
#include "util/strings.h"

namespace pw::analysis {
namespace {

namespace fs = std::filesystem;

// Valid UTF-8 (no overlongs, no surrogates, at most U+10FFFF): a file that is not would make
// every column and every duplicate meaningless, so it is skipped rather than half measured.
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int n = 0;
    unsigned cp = 0;
    if ((c & 0xE0) == 0xC0)
      n = 1, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
      n = 2, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
      n = 3, cp = c & 0x07;
    else
      return false;
    if (i + static_cast<size_t>(n) >= s.size()) return false;  // truncated sequence
    for (int k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += static_cast<size_t>(n) + 1;
  }
  return true;
}

bool read_all(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::stringstream b;
  b << in.rdbuf();
  out = b.str();
  return !in.bad();
}

bool any_glob(const std::vector<std::string>& globs, const std::string& path) {
  for (const auto& g : globs) {
    if (glob_match(g, path)) return true;
  }
  return false;
}

// Analysed files, relative to the root with '/' separators, sorted so results are reproducible.
std::vector<std::string> find_sources(const AnalysisInput& in, std::vector<Diagnostic>& warnings) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(in.root, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    warnings.push_back({in.root.string(), 0, 0, "cannot list the project: " + ec.message()});
    return out;
  }
  const auto& skip = default_excluded_dirs();
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      warnings.push_back(
          {in.root.string(), 0, 0, "cannot list part of the project: " + ec.message()});
      ec.clear();
      continue;
    }
    const fs::directory_entry& e = *it;
    std::string name = e.path().filename().string();
    std::error_code e2;
    // Symbolic links are not followed: a link to a folder outside the project (or to itself)
    // must not pull in foreign code or loop.
    if (e.is_symlink(e2)) continue;
    if (e.is_directory(e2)) {
      if (std::find(skip.begin(), skip.end(), name) != skip.end() || name.ends_with(".egg-info"))
        it.disable_recursion_pending();
      continue;
    }
    if (!e.is_regular_file(e2) || !name.ends_with(".py")) continue;
    std::string rel = e.path().lexically_relative(in.root).generic_string();
    if (!in.include.empty() && !any_glob(in.include, rel)) continue;
    if (any_glob(in.exclude, rel)) continue;
    if (!in.include_tests && is_test_file(rel)) continue;
    out.push_back(rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string percent_text(double v) { return format_value("coverage", v); }

std::string issue_line(const Issue& i) {
  std::string where = i.finding.file.empty() ? "(project)" : i.finding.file;
  if (i.finding.line > 0) where += ":" + std::to_string(i.finding.line);
  std::string msg = i.finding.message.substr(0, i.finding.message.find('\n'));
  if (msg.size() > 80) msg = msg.substr(0, 77) + "...";
  return where + " " + i.finding.rule_id + " " + msg;
}

// "fix app/x.py:3 F821 undefined name 'y'; app/y.py:9 ..." for the worst `max` issues.
std::string issue_list(std::vector<const Issue*> list, size_t max = 3) {
  std::stable_sort(list.begin(), list.end(),
                   [](const Issue* a, const Issue* b) { return a->severity > b->severity; });
  std::string out;
  for (size_t k = 0; k < list.size() && k < max; ++k) {
    if (k) out += "; ";
    out += issue_line(*list[k]);
  }
  if (list.size() > max) out += "; and " + std::to_string(list.size() - max) + " more";
  return out;
}

std::vector<const Issue*> select(const std::vector<Issue>& issues, IssueType type, bool new_only,
                                 bool unreviewed_only = false) {
  std::vector<const Issue*> out;
  for (const auto& i : issues) {
    if (i.type != type || (new_only && !i.is_new)) continue;
    if (unreviewed_only && i.reviewed()) continue;
    out.push_back(&i);
  }
  return out;
}

std::string plural(long long n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

Ratings compute_ratings(const std::vector<Issue>& issues, bool new_only, long long ncloc,
                        int dev_cost) {
  Ratings r;
  r.reliability = reliability_rating(issues, new_only);
  r.security = security_rating(issues, new_only);
  long long hotspots = 0, reviewed = 0;
  for (const auto& i : issues) {
    if (new_only && !i.is_new) continue;
    if (i.type == IssueType::code_smell) r.debt_minutes += i.effort_minutes;
    if (i.type == IssueType::security_hotspot) {
      ++hotspots;
      if (i.reviewed()) ++reviewed;
    }
  }
  r.debt_ratio = debt_ratio_percent(r.debt_minutes, ncloc, dev_cost);
  r.maintainability = maintainability_rating(r.debt_ratio);
  r.hotspots_reviewed = hotspots_reviewed_percent(reviewed, hotspots);
  return r;
}

// Issues, ratings, hotspots and debt measures, overall (prefix "") or on new code ("new_").
void issue_measures(AnalysisResult& res, bool new_only, long long ncloc) {
  Measures& m = res.measures;
  const Ratings& r = new_only ? *res.on_new_code : res.overall;
  std::string p = new_only ? "new_" : "";
  std::string scope = new_only ? "new " : "";
  auto bugs = select(res.issues, IssueType::bug, new_only);
  auto vulns = select(res.issues, IssueType::vulnerability, new_only);
  auto smells = select(res.issues, IssueType::code_smell, new_only);
  auto hotspots = select(res.issues, IssueType::security_hotspot, new_only);
  auto unreviewed = select(res.issues, IssueType::security_hotspot, new_only, true);
  m.set(p + "bugs", static_cast<double>(bugs.size()));
  m.set(p + "vulnerabilities", static_cast<double>(vulns.size()));
  m.set(p + "code_smells", static_cast<double>(smells.size()));
  m.set(p + "security_hotspots", static_cast<double>(hotspots.size()));
  m.set(p + "security_hotspots_reviewed", r.hotspots_reviewed);

  auto worst = [](const std::vector<const Issue*>& v) {
    IssueSeverity s = IssueSeverity::info;
    for (const Issue* i : v) s = std::max(s, i->severity);
    return std::string(to_string(s));
  };
  std::string rel_key = p + "reliability_rating";
  std::string sec_key = p + "security_rating";
  std::string mnt_key = new_only ? "new_maintainability_rating" : "sqale_rating";
  m.set(rel_key, static_cast<double>(r.reliability));
  m.set(sec_key, static_cast<double>(r.security));
  m.set(mnt_key, static_cast<double>(r.maintainability));
  m.set(new_only ? "new_technical_debt" : "sqale_index", static_cast<double>(r.debt_minutes));
  m.set(p + "sqale_debt_ratio", r.debt_ratio);
  m.details[rel_key] = bugs.empty() ? "no " + scope + "bugs"
                                    : plural(static_cast<long long>(bugs.size()), scope + "bug") +
                                          ", worst " + worst(bugs);
  if (!bugs.empty()) m.hints[rel_key] = "fix " + issue_list(bugs);
  m.details[sec_key] = vulns.empty()
                           ? "no " + scope + "vulnerabilities"
                           : std::to_string(vulns.size()) + " " + scope + "vulnerabilit" +
                                 (vulns.size() == 1 ? "y" : "ies") + ", worst " + worst(vulns);
  if (!vulns.empty()) m.hints[sec_key] = "fix " + issue_list(vulns);
  m.details[mnt_key] = std::to_string(r.debt_minutes) + " min of debt on " +
                       plural(ncloc, scope + "line") + " of code, ratio " +
                       format_value("sqale_debt_ratio", r.debt_ratio);
  if (!smells.empty()) m.hints[mnt_key] = "fix code smells, first " + issue_list(smells);
  std::string hs_key = p + "security_hotspots_reviewed";
  m.details[hs_key] = std::to_string(hotspots.size() - unreviewed.size()) + " of " +
                      plural(static_cast<long long>(hotspots.size()), scope + "hotspot") +
                      " reviewed";
  if (!unreviewed.empty())
    m.hints[hs_key] = "review " + issue_list(unreviewed) +
                      ", and record each in pipewright-hotspots.yaml (status SAFE, FIXED or "
                      "ACKNOWLEDGED with a comment)";
  long long rel_effort = 0, sec_effort = 0;
  for (const Issue* i : bugs) rel_effort += i->effort_minutes;
  for (const Issue* i : vulns) sec_effort += i->effort_minutes;
  m.set(p + "reliability_remediation_effort", static_cast<double>(rel_effort));
  m.set(p + "security_remediation_effort", static_cast<double>(sec_effort));
}

void coverage_measures(AnalysisResult& res) {
  if (!res.coverage) return;
  Measures& m = res.measures;
  auto put = [&](const std::string& p, const CoverageCounts& c, const std::string& scope) {
    m.set(p + "coverage", c.coverage());
    m.set(p + "line_coverage", c.line_coverage());
    m.set(p + "condition_coverage", c.condition_coverage());
    m.set(p + "lines_to_cover", static_cast<double>(c.lines_to_cover));
    m.set(p + "uncovered_lines", static_cast<double>(c.lines_to_cover - c.covered_lines));
    m.set(p + "conditions_to_cover", static_cast<double>(c.conditions_to_cover));
    m.set(p + "uncovered_conditions",
          static_cast<double>(c.conditions_to_cover - c.covered_conditions));
    std::string d = std::to_string(c.covered_lines) + " of " +
                    plural(c.lines_to_cover, scope + "line") + " covered";
    if (c.conditions_to_cover > 0)
      d += ", " + std::to_string(c.covered_conditions) + " of " +
           plural(c.conditions_to_cover, "condition");
    if (c.lines_to_cover == 0) d = "no " + scope + "lines to cover";
    m.details[p + "coverage"] = d;
  };
  put("", res.coverage->overall, "");
  if (res.new_code.available) {
    put("new_", res.coverage->new_code, "new ");
    std::string hint;
    size_t shown = 0, with_gaps = 0;
    for (const auto& f : res.coverage->files) {
      if (f.uncovered_new_lines.empty()) continue;
      ++with_gaps;
      if (shown == 3) continue;
      hint += (shown ? "; " : "") + f.path + " line" +
              (f.uncovered_new_lines.size() == 1 ? " " : "s ") + line_ranges(f.uncovered_new_lines);
      ++shown;
    }
    if (with_gaps > shown)
      hint += "; and " + plural(static_cast<long long>(with_gaps - shown), "more file");
    if (!hint.empty()) m.hints["new_coverage"] = "add tests for " + hint;
  }
  std::vector<std::pair<double, std::string>> worst;
  for (const auto& f : res.coverage->files) {
    if (auto c = f.overall.coverage()) worst.emplace_back(*c, f.path);
  }
  std::sort(worst.begin(), worst.end());
  std::string hint;
  for (size_t k = 0; k < worst.size() && k < 3; ++k) {
    hint += (k ? ", " : "") + worst[k].second + " (" + percent_text(worst[k].first) + ")";
  }
  if (!hint.empty()) m.hints["coverage"] = "add tests, first for " + hint;
}

void duplication_measures(AnalysisResult& res) {
  Measures& m = res.measures;
  const DuplicationResult& d = res.duplication;
  m.set("duplicated_lines", static_cast<double>(d.duplicated_lines));
  m.set("duplicated_blocks", static_cast<double>(d.duplicated_blocks));
  m.set("duplicated_files", static_cast<double>(d.duplicated_files));
  m.set("duplicated_lines_density", d.density());
  m.details["duplicated_lines_density"] = std::to_string(d.duplicated_lines) + " of " +
                                          plural(d.lines, "line") + " in duplicated blocks";
  auto block_text = [](const DuplicatedBlock& b) {
    return b.second.file + " lines " + std::to_string(b.second.start_line) + "-" +
           std::to_string(b.second.end_line) + " repeat " + b.first.file + " lines " +
           std::to_string(b.first.start_line) + "-" + std::to_string(b.first.end_line);
  };
  if (!d.blocks.empty())
    m.hints["duplicated_lines_density"] =
        "factor out the repeated code: " + block_text(d.blocks[0]);
  if (!res.new_code.available) return;
  // New duplicated lines: duplicated lines that are new lines of code (SonarQube counts them over
  // new lines of code, so a duplicated comment line cannot push the density above 100%).
  long long new_dup = 0;
  std::map<std::string, const FileMetrics*> by_path;
  for (const auto& f : res.files) by_path[f.path] = &f;
  for (const auto& fd : d.files) {
    const auto* fresh = res.new_code.lines_of(fd.path);
    auto fm = by_path.find(fd.path);
    if (!fresh || fm == by_path.end()) continue;
    const auto& code = fm->second->code_lines;
    for (int line : fd.duplicated_lines) {
      if (std::binary_search(fresh->begin(), fresh->end(), line) &&
          std::binary_search(code.begin(), code.end(), line))
        ++new_dup;
    }
  }
  m.set("new_duplicated_lines", static_cast<double>(new_dup));
  if (res.new_ncloc > 0) {
    m.set("new_duplicated_lines_density",
          100.0 * static_cast<double>(new_dup) / static_cast<double>(res.new_ncloc));
  }
  m.details["new_duplicated_lines_density"] =
      std::to_string(new_dup) + " of " + plural(res.new_ncloc, "new line") + " of code duplicated";
  for (const auto& b : d.blocks) {
    auto touches = [&](const BlockLocation& loc) {
      const auto* fresh = res.new_code.lines_of(loc.file);
      if (!fresh) return false;
      auto lo = std::lower_bound(fresh->begin(), fresh->end(), loc.start_line);
      return lo != fresh->end() && *lo <= loc.end_line;
    };
    if (touches(b.first) || touches(b.second)) {
      m.hints["new_duplicated_lines_density"] = "factor out the repeated code: " + block_text(b);
      break;
    }
  }
}

}  // namespace

const std::vector<std::string>& default_excluded_dirs() {
  static const std::vector<std::string> dirs{
      ".venv",       "venv",         "build",         "dist",        ".git",
      ".pipewright", "node_modules", "site-packages", "__pycache__", ".tox",
      ".nox",        ".mypy_cache",  ".pytest_cache", ".ruff_cache", ".eggs"};
  return dirs;
}

bool is_test_file(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.starts_with("test_") || name.ends_with("_test.py") || name == "conftest.py") return true;
  std::string_view dirs = slash == std::string_view::npos ? "" : path.substr(0, slash);
  size_t start = 0;
  while (start <= dirs.size() && !dirs.empty()) {
    size_t end = dirs.find('/', start);
    std::string_view seg = dirs.substr(start, end == std::string_view::npos ? end : end - start);
    if (seg == "tests" || seg == "test") return true;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return false;
}

std::string line_ranges(const std::vector<int>& lines, size_t max_ranges) {
  std::string out;
  size_t ranges = 0;
  for (size_t i = 0; i < lines.size();) {
    size_t j = i;
    while (j + 1 < lines.size() && lines[j + 1] == lines[j] + 1) ++j;
    if (ranges == max_ranges) {
      out += ", ...";
      break;
    }
    if (ranges) out += ", ";
    out += std::to_string(lines[i]);
    if (j > i) out += "-" + std::to_string(lines[j]);
    ++ranges;
    i = j + 1;
  }
  return out;
}

AnalysisResult analyse_project(const AnalysisInput& in) {
  AnalysisResult res;
  res.root = in.root.generic_string();
  std::string root = in.root.string();

  // 1. Files: read, check, tokenize, measure. Sources and tokens live in deques because tokens
  // are views into the source and duplication reads the tokens later (a deque never moves its
  // elements on push_back, a vector of short strings would).
  std::deque<std::string> sources;
  std::deque<Tokenized> tokenized;
  std::vector<TokenizedFile> for_duplication;
  for (const std::string& rel : find_sources(in, res.warnings)) {
    std::string text;
    if (!read_all(in.root / rel, text)) {
      res.warnings.push_back({rel, 0, 0, "skipped: cannot read the file"});
      continue;
    }
    if (!valid_utf8(text)) {
      res.warnings.push_back({rel, 0, 0, "skipped: not UTF-8 text"});
      continue;
    }
    sources.push_back(std::move(text));
    Tokenized t = tokenize(sources.back(), rel);
    if (!t.errors.empty()) {
      Diagnostic d = t.errors.front();
      d.message = "skipped: not valid Python: " + d.message;
      res.warnings.push_back(d);
      sources.pop_back();
      continue;
    }
    tokenized.push_back(std::move(t));
    res.files.push_back(measure(tokenized.back(), rel));
    for_duplication.push_back({rel, &tokenized.back()});
  }
  res.totals = totals(res.files);
  res.duplication = find_duplication(for_duplication, in.duplication);

  // 2. New code.
  res.new_code = in.new_code ? *in.new_code : compute_new_code(in.root, in.new_code_reference);
  for (const auto& w : res.new_code.warnings) res.warnings.push_back(w);
  res.new_code_info.available = res.new_code.available;
  res.new_code_info.reason = res.new_code.reason;
  res.new_code_info.reference =
      res.new_code.reference_label.empty() ? res.new_code.reference : res.new_code.reference_label;
  if (res.new_code.available) {
    for (const auto& f : res.files) {
      const auto* fresh = res.new_code.lines_of(f.path);
      if (!fresh) continue;
      res.new_code_info.new_lines += static_cast<long long>(fresh->size());
      for (int line : *fresh) {
        if (std::binary_search(f.code_lines.begin(), f.code_lines.end(), line)) ++res.new_ncloc;
      }
    }
  }

  // 3. Coverage and tests.
  if (!in.coverage_xml.empty()) {
    auto parsed = reports::parse_cobertura_file(in.coverage_xml,
                                                {.source = in.coverage_xml.string(), .root = root});
    for (const auto& w : parsed.warnings) res.warnings.push_back(w);
    if (!parsed.ok()) {
      for (const auto& e : parsed.errors) res.warnings.push_back(e);
    } else {
      res.coverage = analyse_coverage(parsed.value, res.files, root,
                                      res.new_code.available ? &res.new_code : nullptr);
      bool none_mapped = res.coverage->files.size() == res.coverage->files_not_in_report.size();
      if (none_mapped && !parsed.value.files.empty()) {
        res.warnings.push_back(
            {in.coverage_xml.string(), 0, 0,
             "no file of the coverage report matches an analysed file (" +
                 plural(static_cast<long long>(res.coverage->unmapped_files.size()), "file") +
                 " unmapped): was it produced in another checkout?"});
      }
    }
  }
  if (!in.junit_xml.empty()) {
    auto parsed =
        reports::parse_junit_file(in.junit_xml, {.source = in.junit_xml.string(), .root = root});
    for (const auto& w : parsed.warnings) res.warnings.push_back(w);
    for (const auto& e : parsed.errors) res.warnings.push_back(e);
    if (parsed.ok()) res.tests = parsed.value.totals;
  }

  // 4. Issues: every SARIF, duplicates (the same finding in quality.sarif and a per-tool file)
  // dropped, classified, marked new, hotspots matched with their reviews.
  std::vector<reports::Finding> findings;
  std::set<std::tuple<std::string, std::string, std::string, int, int, std::string>> seen;
  for (const auto& path : in.sarif_files) {
    auto parsed = reports::read_sarif_file(path, {.source = path.string(), .root = root});
    for (const auto& w : parsed.warnings) res.warnings.push_back(w);
    for (const auto& e : parsed.errors) res.warnings.push_back(e);
    for (auto& f : reports::all_findings(parsed.value)) {
      if (seen.emplace(f.tool, f.rule_id, f.file, f.line, f.column, f.message).second)
        findings.push_back(std::move(f));
    }
  }
  reports::sort_findings(findings);
  res.issues = make_issues(findings);
  if (res.new_code.available) {
    for (auto& i : res.issues) {
      const auto& f = i.finding;
      if (f.line > 0) {
        i.is_new = res.new_code.is_new(f.file, f.line);
      } else if (!f.file.empty()) {
        // A file-level finding ("would reformat") is new when its file changed.
        const auto* fresh = res.new_code.lines_of(f.file);
        i.is_new = fresh && !fresh->empty();
      }
    }
  }
  fs::path reviews_path =
      in.hotspot_reviews.empty() ? in.root / "pipewright-hotspots.yaml" : in.hotspot_reviews;
  HotspotReviews reviews = read_hotspot_reviews(reviews_path);
  for (const auto& e : reviews.errors) res.warnings.push_back(e);
  for (const HotspotReview* stale : apply_reviews(res.issues, reviews)) {
    res.warnings.push_back({reviews_path.string(), stale->source_line, 0,
                            "review of " + stale->rule + " in " + stale->file +
                                " matches no security hotspot (fixed? remove the entry)"});
  }

  // 5. Ratings and measures.
  res.overall = compute_ratings(res.issues, false, res.totals.ncloc, in.dev_cost_minutes);
  if (res.new_code.available)
    res.on_new_code = compute_ratings(res.issues, true, res.new_ncloc, in.dev_cost_minutes);

  Measures& m = res.measures;
  m.set("files", res.totals.files);
  m.set("lines", static_cast<double>(res.totals.lines));
  m.set("ncloc", static_cast<double>(res.totals.ncloc));
  m.set("comment_lines", static_cast<double>(res.totals.comment_lines));
  m.set("statements", static_cast<double>(res.totals.statements));
  m.set("functions", static_cast<double>(res.totals.functions));
  m.set("classes", static_cast<double>(res.totals.classes));
  m.set("complexity", static_cast<double>(res.totals.complexity));
  m.set("cognitive_complexity", static_cast<double>(res.totals.cognitive_complexity));
  duplication_measures(res);
  coverage_measures(res);
  issue_measures(res, false, res.totals.ncloc);
  if (res.on_new_code) {
    m.set("new_lines", static_cast<double>(res.new_ncloc));
    issue_measures(res, true, res.new_ncloc);
  }
  if (res.tests) {
    const auto& t = *res.tests;
    m.set("tests", t.tests);
    m.set("test_failures", t.failed);
    m.set("test_errors", t.errors);
    m.set("skipped_tests", t.skipped);
    // SonarQube: (tests - errors - failures) / tests * 100, over the tests that ran.
    long long ran = t.tests - t.skipped;
    if (ran > 0)
      m.set("test_success_density",
            std::max(0.0, 100.0 * static_cast<double>(ran - t.failed - t.errors) /
                              static_cast<double>(ran)));
  }
  return res;
}

}  // namespace pw::analysis
