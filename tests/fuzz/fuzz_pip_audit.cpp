// pip_audit's output as the quality stage captures it (the tool runs on the user's code, so its
// output carries the user's paths and messages), read by reports::parse_pip_audit_json.
#include "fuzz.h"
#include "reports/tool_outputs.h"

PW_FUZZ_TARGET(text) {
  pw::reports::ParseOptions options;
  options.source = "pip_audit output";
  options.root = "/work/project";
  (void)pw::reports::parse_pip_audit_json(text, options);
}
