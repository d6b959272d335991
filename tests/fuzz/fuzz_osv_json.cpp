// OSV advisories in JSON, as osv.dev, a mirror or a user's own folder gives them to `db import`.
#include "fuzz.h"
#include "security/cvss.h"
#include "security/osv.h"

PW_FUZZ_TARGET(text) {
  (void)pw::security::parse_osv(text, pw::security::Format::json, "PYSEC-0000-0.json");
  (void)pw::security::parse_cvss_v3(text);
}
