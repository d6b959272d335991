// OWASP Dependency-Check's JSON report, merged into the dependency scan when it ran.
#include "fuzz.h"
#include "security/dependency_check.h"

PW_FUZZ_TARGET(text) {
  (void)pw::security::parse_dependency_check_json(text, "dependency-check-report.json");
}
