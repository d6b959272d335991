// Cobertura coverage.xml as coverage.py (or the user's own tool) writes it.
#include "fuzz.h"
#include "reports/cobertura.h"

PW_FUZZ_TARGET(text) {
  pw::reports::ParseOptions options;
  options.source = "coverage.xml";
  options.root = "/work/project";
  (void)pw::reports::parse_cobertura(text, options);
}
