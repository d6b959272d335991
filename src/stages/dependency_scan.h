// dependency-scan (seed stage 7, in place of OWASP Dependency-Check and beside pip-audit): the
// project's pinned requirements and every package installed in its environment, matched offline
// against the local OSV database (security/), with the ignore file and the fail_on policy;
// reports in reports/: dependency-scan.json (pipewright's schema), dependency-check-report.json
// and .xml (OWASP Dependency-Check's schemas), dependency-scan.sarif and sbom.cdx.json
// (CycloneDX 1.5). With no
// database it is SKIPPED with the command that creates one: it never passes silently.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/stage.h"
#include "security/scan.h"

namespace pw::stages {

class DependencyScanStage : public engine::Stage {
 public:
  engine::StageOutcome run(engine::StageContext& ctx) override;
  static void validate(const pipeline::StageSpec& spec, const pipeline::Pipeline& p,
                       std::vector<Diagnostic>& diags);
};

}  // namespace pw::stages
