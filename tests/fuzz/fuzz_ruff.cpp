// ruff's two outputs, `ruff check --output-format=json` and `ruff format --check [--diff]`, as
// the quality stage captures them.
#include "fuzz.h"
#include "reports/tool_outputs.h"

PW_FUZZ_TARGET(text) {
  pw::reports::ParseOptions options;
  options.source = "ruff output";
  options.root = "/work/project";
  (void)pw::reports::parse_ruff_json(text, options);
  (void)pw::reports::parse_ruff_format(text, options);
}
