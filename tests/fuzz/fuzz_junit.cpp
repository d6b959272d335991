// JUnit XML as pytest (or any runner the user configures) writes it.
#include "fuzz.h"
#include "reports/junit.h"

PW_FUZZ_TARGET(text) {
  pw::reports::ParseOptions options;
  options.source = "junit.xml";
  options.root = "/work/project";
  (void)pw::reports::parse_junit(text, options);
}
