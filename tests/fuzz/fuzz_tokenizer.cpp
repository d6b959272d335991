// The Python tokenizer and the measures built on it: every .py file of the user's project.
#include "analysis/metrics.h"
#include "analysis/tokenizer.h"
#include "fuzz.h"

PW_FUZZ_TARGET(text) {
  auto tokens = pw::analysis::tokenize(text, "app/x.py");
  for (const auto& t : tokens.tokens) (void)tokens.text(t);
  (void)pw::analysis::measure(tokens, "app/x.py");
}
