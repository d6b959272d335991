// SARIF read back by later stages (and from tools that write SARIF themselves); what is read is
// written again, so the writer sees whatever the reader let through.
#include "fuzz.h"
#include "reports/sarif.h"

PW_FUZZ_TARGET(text) {
  pw::reports::ParseOptions options;
  options.source = "quality.sarif";
  options.root = "/work/project";
  auto runs = pw::reports::read_sarif(text, options);
  (void)pw::reports::write_sarif(runs.value);
  (void)pw::reports::all_findings(runs.value);
}
