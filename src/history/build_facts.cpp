#include "history/build_facts.h"

#include <sys/stat.h>

#include <pugixml.hpp>
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

namespace {

int64_t mtime_ns(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

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

void read_dependency(const fs::path& p, BuildFacts& b) {
  auto j = read_json(p, b.problems);
  if (!j) return;
  try {
    for (const auto& f : j->value("findings", json::array())) {
      if (f.value("ignored", false)) continue;
      count(b.findings, "dependency", f.value("found_by", std::string("pipewright")),
            lower_severity(f.value("severity", "")));
    }
  } catch (const std::exception& e) {
    b.problems.push_back(p.filename().string() + ": " + e.what());
  }
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
  std::unordered_map<std::string, size_t> seen;
  bool any_failure = false;
  for (const auto& xn : doc.select_nodes("//testcase")) {
    pugi::xml_node tc = xn.node();
    TestCase t;
    t.classname = tc.attribute("classname").as_string();
    t.name = tc.attribute("name").as_string();
    t.file = tc.attribute("file").as_string();
    t.nodeid = reports::pytest_nodeid(t.classname, t.name, t.file);
    t.duration_us = static_cast<int64_t>(tc.attribute("time").as_double() * 1e6 + 0.5);
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
    auto [it, fresh] = seen.emplace(t.nodeid, out.size());
    if (fresh) {
      out.push_back(std::move(t));
    } else if (rank(t.outcome) > rank(out[it->second].outcome)) {
      TestCase& kept = out[it->second];
      int64_t d = kept.duration_us + t.duration_us;
      // A test that failed and then errored in teardown stays a failure, as pytest counts it.
      if (!(kept.outcome == Outcome::failed && t.outcome == Outcome::error)) kept = std::move(t);
      kept.duration_us = d;
    }
  }
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
  b.record_mtime = mtime_ns(dir / "build.json");
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
  for (const fs::path& p : {reports / "dependency-check-report.json",
                            dir / "artifacts" / "dependency-check-report.json"})
    if (fs::is_regular_file(p, ec)) {
      read_dependency(p, b);
      break;
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
