// What the history index knows of one build, read from its folder (.pipewright/builds/<N>/, the
// source of truth): build.json and the stage records, every JUnit test case, coverage per
// package, findings counted per tool and severity, the quality gate, the artifacts' SHA-256.
// A report that cannot be read is a `problem` of the build, not a reason to drop it; only a
// missing or unreadable build.json makes the folder unusable (pw::Error).
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/build_record.h"

namespace pw::history {

enum class Outcome { passed = 0, failed = 1, error = 2, skipped = 3 };
const char* to_string(Outcome o);
bool is_failure(Outcome o);

struct TestCase {
  std::string nodeid;  // pytest's node id, the test's identity across builds
  std::string classname, name, file;
  Outcome outcome = Outcome::passed;
  int64_t duration_us = 0;
  std::string message;
  int line = 0;
};

struct CoveragePackage {
  std::string name;
  int64_t lines_valid = 0, lines_covered = 0, branches_valid = 0, branches_covered = 0;
};

struct FindingCount {
  std::string source;    // quality, dependency, image
  std::string tool;      // flake8, pipewright, ...
  std::string severity;  // critical, high, medium, low, error, warning, note, unknown
  int count = 0;
};

struct GateCondition {
  std::string metric, name, op, threshold, actual, status;
};

struct Artifact {
  std::string path;  // relative to artifacts/
  int64_t size = 0;
  std::string sha256;
};

struct BuildFacts {
  engine::BuildRecord record;
  std::string message;  // the commit's subject, when the checkout stage recorded it
  std::vector<TestCase> tests;
  std::optional<double> coverage, line_coverage, branch_coverage;
  std::vector<CoveragePackage> coverage_packages;
  std::vector<FindingCount> findings;
  std::string gate_status;
  std::vector<GateCondition> gate;
  nlohmann::json ratings;  // analysis.json's overall ratings, or null
  std::vector<Artifact> artifacts;
  std::vector<std::string> problems;  // reports that could not be read, and why
  int64_t record_mtime = 0;           // build.json's mtime (ns), to notice a changed folder
};

// A file's modification time in nanoseconds, 0 when it cannot be read: build.json's is
// record_mtime, what the index compares to notice a changed folder.
int64_t record_mtime_ns(const std::filesystem::path& p);

// Reads build.json and stages/*.json only (cheap: for a RUNNING build and for listings).
// Throws pw::Error when the folder has no readable build record.
engine::BuildRecord read_record(const std::filesystem::path& build_dir);

// Everything the index keeps of the build in `build_dir`. Throws pw::Error as read_record.
BuildFacts read_build(const std::filesystem::path& build_dir);

// The dependency scan's findings of the build in `build_dir` (pipewright's own JSON: a list of
// {id, package, version, severity, fixed_versions, summary, link, found_by, ignored}), from
// reports/dependency-scan.json; else from dependency-check-report.json (in reports/ or
// artifacts/): pipewright's JSON in builds written before the rename, Dependency-Check's schema
// since (from OWASP Dependency-Check, or a build whose scan was restored from an older cache
// entry without dependency-scan.json). nullopt when the build has no report (the scan did not run);
// a file that cannot be read adds a problem.
std::optional<nlohmann::json> dependency_findings(const std::filesystem::path& build_dir,
                                                  std::vector<std::string>& problems);
// A finding's found_by: a list of tools now ("pipewright", "dependency-check"), one name in
// older builds; joined with "+".
std::string found_by(const nlohmann::json& finding);

// Every test case of a JUnit XML file (pytest's), one per node id (a test that failed and then
// errored in teardown is one failed test). Problems are appended to `problems`.
std::vector<TestCase> read_junit_cases(const std::filesystem::path& file,
                                       std::vector<std::string>& problems);

}  // namespace pw::history
