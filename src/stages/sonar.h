// The SonarQube mode of `analysis` and `quality-gate` (seed stages 8 and 9 as the seed ran them):
// with a `sonar:` block in the analysis stage's settings, analysis also runs the real
// sonar-scanner and reads its report-task.txt, and the gate waits on the server's compute engine
// and reads the server's gate for that analysis, as Jenkins' waitForQualityGate does. The token
// goes to the scanner only through SONAR_TOKEN and to the web API only as a Bearer header.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/stage.h"

namespace pw::stages {

// analysis:
//   sonar:
//     host_url: https://sonar.example.com   # required
//     token: sonar-token                    # required: a credential id (value, or field `token`)
//     project_key: my-service               # default: the project's name
//     timeout: 5m                           # the gate's wait on the compute engine
//     poll_interval: 5s
//     properties: {sonar.python.version: "3.11"}   # more -D properties for the scanner
struct SonarSettings {
  std::string host_url;
  std::string token_credential;
  std::string project_key;  // "" until resolved from the project's name
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds poll_interval{std::chrono::seconds(5)};
  std::vector<std::pair<std::string, std::string>> properties;
};

// nullopt when the stage has no `sonar` setting (native mode). Problems go to `diags` when
// given, else throw ConfigError.
std::optional<SonarSettings> read_sonar_settings(const pipeline::StageSpec& spec,
                                                 std::vector<Diagnostic>* diags);

// After the native analysis wrote its reports: runs sonar-scanner, reads report-task.txt and
// records under the stage's data what the gate needs (never the token). `native_summary` is
// the native analysis' one line, kept in the outcome.
engine::StageOutcome run_sonar_analysis(engine::StageContext& ctx, const SonarSettings& settings,
                                        const std::string& native_summary);

// The gate in SonarQube mode, from what run_sonar_analysis recorded (`sonar` in the analysis
// stage's data).
engine::StageOutcome run_sonar_gate(engine::StageContext& ctx, const nlohmann::json& sonar);

}  // namespace pw::stages
