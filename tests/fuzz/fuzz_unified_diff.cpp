// `git diff` output the analysis reads to find new code (file names and hunks are the user's).
#include "analysis/new_code.h"
#include "fuzz.h"

PW_FUZZ_TARGET(text) {
  std::vector<pw::Diagnostic> warnings;
  (void)pw::analysis::parse_unified_diff(text, &warnings);
}
