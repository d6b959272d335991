// The analysis stage's reports: analysis.json (everything measured, for people and scripts),
// quality-gate.json (the gate's verdict), and SonarQube's generic external issues format, so a
// project that also runs a SonarQube server can import pipewright's findings unchanged.
//
// All three are deterministic (fixed key order, sorted inputs, 2-space indentation, no timestamps),
// so two runs on the same tree give identical files.
//
// analysis.json, schema version 1:
// {
//   "version": 1,
//   "root": "/abs/project",
//   "files": [{"path", "lines", "ncloc", "comment_lines", "statements", "functions", "classes",
//              "complexity", "cognitive_complexity", "new_lines" (null when new code unknown),
//              "duplicated_lines", "coverage" (null when not in the report),
//              "function_metrics": [{"name", "line", "end_line", "complexity",
//                                    "cognitive_complexity"}]}],
//   "total": {"files", "lines", "ncloc", "comment_lines", "statements", "functions", "classes",
//             "complexity", "cognitive_complexity"},
//   "duplication": {"duplicated_lines", "duplicated_blocks", "duplicated_files", "density",
//                   "blocks": [{"tokens", "lines", "first": {"file", "start_line", "end_line"},
//                               "second": {...}}]},
//   "new_code": {"available", "reason", "reference" (sha), "reference_label", "new_lines",
//                "new_ncloc", "files": {"path": "10-14, 20"}},
//   "coverage": null | {"overall": Counts, "new_code": Counts (null when new code unknown),
//                       "unmapped_files": [...],
//                       "files_not_in_report": N (analysed files absent from coverage.xml,
//                           all their lines of code counted as uncovered, as SonarQube does),
//                       "files_not_in_report_list": [...]},
//        Counts = {"lines_to_cover", "covered_lines", "conditions_to_cover",
//                  "covered_conditions", "coverage", "line_coverage", "condition_coverage"}
//                  (percentages null when nothing to cover)
//   "tests": null | {"tests", "passed", "failed", "errors", "skipped", "duration_s"},
//   "issues": [{"tool", "rule", "type", "severity", "effort_minutes", "file", "line", "column",
//               "message", "new", "fingerprint", "review" (hotspots only: status),
//               "review_comment" (when reviewed)}],
//   "ratings": {"overall": Ratings, "new_code": Ratings | null},
//        Ratings = {"reliability", "security", "maintainability" ("A".."E"), "debt_minutes",
//                   "debt_ratio", "hotspots_reviewed" (null without hotspots)}
//   "measures": {"<sonar metric key>": number, ...},
//   "warnings": ["file:line:col: message", ...]
// }
//
// quality-gate.json: {"status": "OK"|"ERROR", "conditions": [{"metric", "name", "op", "threshold",
// "actual" (null when no value), "status": "PASSED"|"FAILED"|"NO_VALUE", "message", "reason"
// (null, or why a failing value passed: "fewer than 20 new lines")}],
// "ignored_conditions_on_small_changeset": bool, "warnings": [...]}.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "analysis/gate.h"
#include "analysis/project.h"

namespace pw::analysis {

std::string analysis_json(const AnalysisResult& result);
std::string quality_gate_json(const GateResult& gate);

// SonarQube's generic external issues format. `current` (SonarQube 10.3 and later, and Cloud):
// {"rules": [{"id", "name", "engineId", "cleanCodeAttribute", "impacts": [{"softwareQuality",
// "severity"}]}], "issues": [{"ruleId", "primaryLocation", "effortMinutes"}]}, no severity or
// type on issues. `deprecated` (servers before 10.3, which do not read rules):
// {"issues": [{"engineId", "ruleId", "severity", "type", "primaryLocation": {"message",
// "filePath", "textRange": {"startLine", "endLine", "startColumn", "endColumn"}},
// "effortMinutes"}]}. The format has no hotspot type, and writing an unreviewed hotspot as a
// VULNERABILITY would wrongly lower Sonar's security rating, so it goes as a CODE_SMELL (old) or
// a SECURITY impact of a TRUSTWORTHY rule (current) with the message prefixed "Security hotspot
// to review: "; reviewed hotspots are left out. Issues without a file are left out (the format
// requires a filePath). textRange only when the line is known; SonarQube's columns are 0-based,
// so SARIF's 1-based columns are shifted.
enum class SonarIssuesFormat { current, deprecated };
std::string sonar_generic_issues_json(const AnalysisResult& result,
                                      SonarIssuesFormat format = SonarIssuesFormat::current);

// What the analysis stage recorded for the gate in its stage data ("measures", "measure_details",
// "measure_hints", "new_code"), read back leniently: a build.json edited by hand or written by
// another version must not crash the gate (a missing value is NO_VALUE, as in SonarQube).
struct RecordedAnalysis {
  Measures measures;
  NewCodeInfo new_code;
  std::string new_code_definition;
};
RecordedAnalysis read_recorded_analysis(const nlohmann::json& data);

}  // namespace pw::analysis
