// OSV advisories in YAML (the PyPA advisory database's own format).
#include "fuzz.h"
#include "security/osv.h"

PW_FUZZ_TARGET(text) {
  (void)pw::security::parse_osv(text, pw::security::Format::yaml, "PYSEC-0000-0.yaml");
}
