#include "history/build_facts.h"

#include <sys/stat.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <pugixml.hpp>
#include <string_view>
#include <unordered_map>

#include "engine/build_store.h"
#include "reports/cobertura.h"
#include "reports/junit.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/strings.h"

namespace pw::history {

namespace fs = std::filesystem;
using json = nlohmann::json;

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::passed:
      return "passed";
    case Outcome::failed:
      return "failed";
    case Outcome::error:
      return "error";
    case Outcome::skipped:
      return "skipped";
  }
  return "?";
}

bool is_failure(Outcome o) { return o == Outcome::failed || o == Outcome::error; }

int64_t record_mtime_ns(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

namespace {

std::optional<json> read_json(const fs::path& p, std::vector<std::string>& problems) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  try {
    return json::parse(read_file(p));
  } catch (const std::exception& e) {
    problems.push_back(p.filename().string() + ": unreadable (" + e.what() + ")");
    return std::nullopt;
  }
}

// The worse of two outcomes of one node id: error > failed > skipped > passed.
int rank(Outcome o) {
  switch (o) {
    case Outcome::error:
      return 3;
    case Outcome::failed:
      return 2;
    case Outcome::skipped:
      return 1;
    default:
      return 0;
  }
}

std::string lower_severity(std::string s) {
  s = to_lower(s);
  if (s.empty()) return "unknown";
  return s;
}

void count(std::vector<FindingCount>& out, const std::string& source, const std::string& tool,
           const std::string& severity) {
  for (auto& f : out)
    if (f.source == source && f.tool == tool && f.severity == severity) {
      ++f.count;
      return;
    }
  out.push_back({source, tool, severity, 1});
}

void read_sarif(const fs::path& p, BuildFacts& b) {
  auto j = read_json(p, b.problems);
  if (!j) return;
  try {
    for (const auto& run : j->value("runs", json::array())) {
      std::string tool = run.value("/tool/driver/name"_json_pointer, std::string("?"));
      for (const auto& r : run.value("results", json::array()))
        count(b.findings, "quality", tool, lower_severity(r.value("level", "warning")));
    }
  } catch (const std::exception& e) {
    b.problems.push_back(p.filename().string() + ": " + e.what());
  }
}

// Dependency-Check's JSON report (dependencies[].vulnerabilities[], suppressed ones apart), as
// pipewright's findings: what a build restored from an older cache entry has, and what
// OWASP Dependency-Check itself writes.
json from_dependency_check(const json& report) {
  std::string engine = report.value("/scanInfo/engineVersion"_json_pointer, std::string());
  std::string tool = engine.starts_with("pipewright") ? "pipewright" : "dependency-check";
  json out = json::array();
  for (const auto& d : report["dependencies"]) {
    if (!d.is_object() || !d.contains("vulnerabilities")) continue;
    // The package from its purl (pkg:pypi/name@version), else from "name:version".
    std::string name = d.value("fileName", ""), version;
    if (d.contains("packages") && d["packages"].is_array() && !d["packages"].empty()) {
      std::string purl = d["packages"][0].value("id", "");
      auto at = purl.rfind('@'), slash = purl.rfind('/', at);
      if (at != std::string::npos && slash != std::string::npos) {
        name = purl.substr(slash + 1, at - slash - 1);
        version = purl.substr(at + 1);
      }
    }
    if (version.empty() && name.find(':') != std::string::npos) {
      version = name.substr(name.find(':') + 1);
      name = name.substr(0, name.find(':'));
    }
    for (const auto& v : d["vulnerabilities"]) {
      json fixed = json::array();
      for (const auto& s : v.value("vulnerableSoftware", json::array())) {
        std::string end = s.value("/software/versionEndExcluding"_json_pointer, std::string());
        if (!end.empty()) fixed.push_back(end);
      }
      std::string link;
      for (const auto& r : v.value("references", json::array()))
        if (link.empty()) link = r.value("url", "");
      out.push_back({{"id", v.value("name", "")},
                     {"package", name},
                     {"version", version},
                     {"severity", v.value("severity", "")},
                     {"fixed_versions", fixed},
                     {"summary", v.value("description", "")},
                     {"link", link},
                     {"found_by", tool},
                     {"ignored", false}});
    }
  }
  return out;
}

void read_trivy(const fs::path& p, BuildFacts& b) {
  auto j = read_json(p, b.problems);
  if (!j) return;
  try {
    for (const auto& r : j->value("Results", json::array()))
      for (const auto& v : r.value("Vulnerabilities", json::array()))
        count(b.findings, "image", "image-scan", lower_severity(v.value("Severity", "")));
  } catch (const std::exception& e) {
    b.problems.push_back(p.filename().string() + ": " + e.what());
  }
}

std::string scalar(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

void read_artifacts(const fs::path& dir, BuildFacts& b) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    // Symlinks are listed by nobody: the server refuses them too, so they cannot leak files.
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    Artifact a;
    a.path = fs::relative(it->path(), dir, ec).generic_string();
    a.size = static_cast<int64_t>(it->file_size(ec));
    try {
      a.sha256 = sha256_file_hex(it->path());
    } catch (const Error& e) {
      b.problems.push_back("artifact " + a.path + ": " + e.what());
    }
    b.artifacts.push_back(std::move(a));
  }
}

// The node ids of a report's cases, as views of out[i].nodeid: an open-addressing table of
// indexes, two allocations in all instead of one node and one key copy per case.
class NodeIdSet {
 public:
  explicit NodeIdSet(size_t n) {
    size_t size = 16;
    while (size < 2 * n) size *= 2;
    slots_.assign(size, kEmpty);
  }
  // The index of the first case with out[i]'s node id: i itself when it is new.
  size_t insert(const std::vector<TestCase>& out, size_t i) {
    size_t mask = slots_.size() - 1;
    for (size_t h = std::hash<std::string_view>()(out[i].nodeid) & mask;; h = (h + 1) & mask) {
      if (slots_[h] == kEmpty) {
        slots_[h] = i;
        return i;
      }
      if (out[slots_[h]].nodeid == out[i].nodeid) return slots_[h];
    }
  }

 private:
  static constexpr size_t kEmpty = SIZE_MAX;
  std::vector<size_t> slots_;
};

// A case's time attribute in microseconds. pytest writes plain decimals ("0.015"): up to six
// decimals are read exactly as integers (what as_double() * 1e6 rounded gives for them, without
// strtod's cost); anything else goes through as_double as before.
int64_t duration_us(pugi::xml_attribute a) {
  const char* p = a.value();
  int64_t whole = 0, frac = 0;
  int digits = 0, decimals = 0;
  const char* q = p;
  for (; *q >= '0' && *q <= '9' && digits < 10; ++q, ++digits) whole = whole * 10 + (*q - '0');
  if (digits > 0 && digits < 10) {
    if (*q == '.') {
      for (++q; *q >= '0' && *q <= '9' && decimals < 7; ++q, ++decimals)
        frac = frac * 10 + (*q - '0');
    }
    if (*q == '\0' && decimals <= 6) {
      for (int i = decimals; i < 6; ++i) frac *= 10;
      return whole * 1000000 + frac;
    }
  }
  return static_cast<int64_t>(a.as_double() * 1e6 + 0.5);
}

// Calls fn(node) for every <testcase> element in document order, as "//testcase" selects them,
// without building XPath's node set; iterative, so a deeply nested file cannot exhaust the stack.
template <class F>
void for_each_testcase(const pugi::xml_document& doc, F&& fn) {
  pugi::xml_node root = doc, n = doc.first_child();
  while (n) {
    if (n.type() == pugi::node_element && std::strcmp(n.name(), "testcase") == 0) fn(n);
    if (pugi::xml_node c = n.first_child()) {
      n = c;
      continue;
    }
    while (n != root && !n.next_sibling()) n = n.parent();
    if (n == root) break;
    n = n.next_sibling();
  }
}

}  // namespace

std::vector<TestCase> read_junit_cases(const fs::path& file, std::vector<std::string>& problems) {
  std::vector<TestCase> out;
  pugi::xml_document doc;
  // parse_default has no DTD processing: a DOCTYPE is skipped, never expanded.
  auto res = doc.load_file(file.c_str(), pugi::parse_default);
  if (!res) {
    problems.push_back(file.filename().string() + ": not readable JUnit XML (" + res.description() +
                       " at byte " + std::to_string(res.offset) + ")");
    return out;
  }
  size_t count = 0;
  for_each_testcase(doc, [&](pugi::xml_node) { ++count; });
  // Filled in place: `seen` holds views of the node ids in `out`, which must not reallocate.
  out.reserve(count);
  NodeIdSet seen(count);
  // A node id is the module and classes (from classname and file, shared by a module's tests)
  // then the name: each pair's prefix is worked out once, not once per test.
  std::unordered_map<std::string, std::string> prefixes;
  std::string key;
  bool any_failure = false;
  for_each_testcase(doc, [&](pugi::xml_node tc) {
    TestCase& t = out.emplace_back();
    // One pass over the attributes (the first of each name counts, as attribute() would take).
    pugi::xml_attribute classname, name, file, time;
    for (pugi::xml_attribute a = tc.first_attribute(); a; a = a.next_attribute()) {
      const char* n = a.name();
      if (!classname && std::strcmp(n, "classname") == 0)
        classname = a;
      else if (!name && std::strcmp(n, "name") == 0)
        name = a;
      else if (!file && std::strcmp(n, "file") == 0)
        file = a;
      else if (!time && std::strcmp(n, "time") == 0)
        time = a;
    }
    t.classname = classname.as_string();
    t.name = name.as_string();
    t.file = file.as_string();
    if (t.classname.empty()) {
      t.nodeid = t.name;
    } else {
      key.assign(t.classname).push_back('\0');
      key += t.file;
      auto p = prefixes.find(key);
      if (p == prefixes.end())
        p = prefixes.emplace(key, reports::pytest_nodeid(t.classname, "", t.file)).first;
      t.nodeid.reserve(p->second.size() + t.name.size());
      t.nodeid.assign(p->second).append(t.name);
    }
    t.duration_us = duration_us(time);
    if (auto f = tc.child("failure")) {
      t.outcome = Outcome::failed;
      t.message = f.attribute("message").as_string();
    } else if (auto e = tc.child("error")) {
      t.outcome = Outcome::error;
      t.message = e.attribute("message").as_string();
    } else if (auto s = tc.child("skipped")) {
      t.outcome = Outcome::skipped;
      t.message = s.attribute("message").as_string();
    }
    any_failure = any_failure || is_failure(t.outcome);
    size_t first = seen.insert(out, out.size() - 1);
    if (first == out.size() - 1) return;
    // A second case of one node id: merged into the first, then dropped.
    TestCase& kept = out[first];
    if (rank(t.outcome) > rank(kept.outcome)) {
      int64_t d = kept.duration_us + t.duration_us;
      // A test that failed and then errored in teardown stays a failure, as pytest counts it.
      if (!(kept.outcome == Outcome::failed && t.outcome == Outcome::error)) {
        // Everything but the node id (equal, and viewed by `seen`).
        kept.classname = std::move(t.classname);
        kept.name = std::move(t.name);
        kept.file = std::move(t.file);
        kept.outcome = t.outcome;
        kept.message = std::move(t.message);
        kept.line = t.line;
      }
      kept.duration_us = d;
    }
    out.pop_back();
  });
  if (any_failure) {
    // The reports layer knows where in the traceback a test failed (file:line); reuse it.
    auto parsed = reports::parse_junit_file(file);
    std::unordered_map<std::string, const reports::FailedTest*> where;
    for (const auto& f : parsed.value.failures) where.emplace(f.nodeid, &f);
    for (auto& t : out) {
      if (!is_failure(t.outcome)) continue;
      auto it = where.find(t.nodeid);
      if (it == where.end()) continue;
      if (!it->second->file.empty()) t.file = it->second->file;
      t.line = it->second->line;
      if (t.message.empty()) t.message = it->second->message;
    }
  }
  return out;
}

std::optional<json> dependency_findings(const fs::path& dir, std::vector<std::string>& problems) {
  std::error_code ec;
  fs::path own = dir / "reports" / "dependency-scan.json";
  if (fs::is_regular_file(own, ec)) {
    auto j = read_json(own, problems);
    if (j && j->is_object() && j->contains("findings") && (*j)["findings"].is_array())
      return std::move((*j)["findings"]);
    if (j) problems.push_back("dependency-scan.json: no list of findings");
    return json::array();
  }
  for (const fs::path& p : {dir / "reports" / "dependency-check-report.json",
                            dir / "artifacts" / "dependency-check-report.json"}) {
    if (!fs::is_regular_file(p, ec)) continue;
    auto j = read_json(p, problems);
    if (!j || !j->is_object()) return json::array();
    if (j->contains("findings") && (*j)["findings"].is_array()) return std::move((*j)["findings"]);
    if (j->contains("dependencies") && (*j)["dependencies"].is_array()) {
      try {
        return from_dependency_check(*j);
      } catch (const json::exception& e) {
        problems.push_back(p.filename().string() + ": " + e.what());
      }
    }
    return json::array();
  }
  return std::nullopt;
}

std::string found_by(const json& f) {
  auto it = f.find("found_by");
  if (it == f.end() || it->is_null()) return "pipewright";
  if (it->is_string()) return it->get<std::string>();
  std::vector<std::string> tools;
  if (it->is_array())
    for (const auto& t : *it)
      if (t.is_string()) tools.push_back(t.get<std::string>());
  return tools.empty() ? "pipewright" : join(tools, "+");
}

engine::BuildRecord read_record(const fs::path& build_dir) {
  fs::path record = build_dir / "build.json";
  std::error_code ec;
  if (!fs::is_regular_file(record, ec)) throw Error(build_dir.string() + ": no build.json");
  engine::BuildRecord r;
  try {
    r = engine::BuildRecord::from_json(json::parse(read_file(record)));
  } catch (const json::exception& e) {
    throw Error(record.string() + ": damaged (" + e.what() + ")");
  }
  if (std::to_string(r.number) != build_dir.filename().string())
    throw Error(record.string() + ": records build " + std::to_string(r.number) + ", not " +
                build_dir.filename().string());
  // Each stage's final record (stages/<id>.json) wins over build.json, as for the engine.
  engine::BuildStore store(build_dir.parent_path().parent_path().parent_path());
  // A build whose pipewright died says RUNNING until a reader settles it as killed (see
  // build_store.h); unsettled, the index would wait for its end forever.
  if (r.status == engine::Status::running)
    if (auto settled = store.read(r.number)) r = *settled;
  try {
    store.merge_stages(r.number, r);
  } catch (const std::exception&) {
  }
  return r;
}

BuildFacts read_build(const fs::path& dir) {
  BuildFacts b;
  b.record = read_record(dir);
  b.record_mtime = record_mtime_ns(dir / "build.json");
  fs::path reports = dir / "reports";
  for (const auto& s : b.record.stages) {
    if (s.data.is_object() && s.data.contains("message") && s.data["message"].is_string() &&
        b.message.empty())
      b.message = s.data["message"].get<std::string>();
  }
  std::error_code ec;
  if (fs::is_regular_file(reports / "report.xml", ec))
    b.tests = read_junit_cases(reports / "report.xml", b.problems);
  if (fs::is_regular_file(reports / "coverage.xml", ec)) {
    auto cov = reports::parse_cobertura_file(reports / "coverage.xml");
    if (!cov.ok()) {
      b.problems.push_back("coverage.xml: " + join_diagnostics(cov.errors));
    } else {
      const auto& c = cov.value;
      b.coverage = c.percent();
      if (c.lines_valid > 0)
        b.line_coverage = 100.0 * double(c.lines_covered) / double(c.lines_valid);
      if (c.has_branch_data && c.branches_valid > 0)
        b.branch_coverage = 100.0 * double(c.branches_covered) / double(c.branches_valid);
      std::vector<CoveragePackage> pk;
      for (const auto& f : c.files) {
        CoveragePackage* p = nullptr;
        for (auto& q : pk)
          if (q.name == f.package) p = &q;
        if (!p) {
          pk.push_back({f.package});
          p = &pk.back();
        }
        p->lines_valid += f.lines_valid;
        p->lines_covered += f.lines_covered;
        p->branches_valid += f.branches_valid;
        p->branches_covered += f.branches_covered;
      }
      b.coverage_packages = std::move(pk);
    }
  }
  read_sarif(reports / "quality.sarif", b);
  for (const auto& f : dependency_findings(dir, b.problems).value_or(json::array())) {
    if (!f.is_object() || f.value("ignored", false)) continue;
    try {
      count(b.findings, "dependency", found_by(f), lower_severity(f.value("severity", "")));
    } catch (const json::exception& e) {
      b.problems.push_back(std::string("dependency findings: ") + e.what());
    }
  }
  read_trivy(dir / "artifacts" / "trivy-image-report.json", b);
  if (auto g = read_json(reports / "quality-gate.json", b.problems)) {
    try {
      b.gate_status = g->value("status", "");
      for (const auto& c : g->value("conditions", json::array()))
        b.gate.push_back({scalar(c.value("metric", json())), scalar(c.value("name", json())),
                          scalar(c.value("op", json())), scalar(c.value("threshold", json())),
                          scalar(c.value("actual", json())), scalar(c.value("status", json()))});
    } catch (const std::exception& e) {
      b.problems.push_back(std::string("quality-gate.json: ") + e.what());
    }
  }
  if (auto a = read_json(reports / "analysis.json", b.problems)) {
    if (a->contains("ratings") && (*a)["ratings"].is_object())
      b.ratings = (*a)["ratings"].value("overall", json());
  }
  read_artifacts(dir / "artifacts", b);
  return b;
}

}  // namespace pw::history
