// SonarQube mode's decisions that need no server and no build: which settings values are refused
// (a token where a credential id belongs, scanner properties that would carry a secret or that
// pipewright sets itself), the default project key, and the server's quality gate turned into
// the gate stage's table, quality-gate.json and the record's conditions. stages/sonar runs the
// scanner and the wait and writes what these return.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/sonar_task.h"

namespace pw::analysis::sonar {

// Why a -D property may not be set through `properties`, or "" when it may.
std::string refused_property(const std::string& key);

// A value that looks like a SonarQube token rather than a credential id: refused, so a token
// never sits in a pipewright.yaml that is committed.
bool looks_like_token(const std::string& value);

// The project's name as a SonarQube key: letters, digits, '-', '_', '.' and ':' (others become
// '_'), and not only digits.
std::string project_key_for(const std::string& name);

// Where the gate's answer came from, for the table and the report.
struct GateSource {
  std::string host_url;
  std::string project_key;
  std::string task_id;
  std::string analysis_id;
  std::string dashboard_url;
};

struct GateReport {
  std::string table;                  // what the console shows
  nlohmann::ordered_json report;      // reports/quality-gate.json
  nlohmann::json data_conditions;     // the stage record's `conditions`
  std::vector<std::string> failed;    // one message per failed condition
  std::vector<std::string> warnings;  // also in the table and the report
};

// The server's gate as the native gate shows and writes its own: conditions named, values
// formatted, numbers kept as numbers.
GateReport gate_report(const ProjectStatus& gate, const GateSource& source);

}  // namespace pw::analysis::sonar
