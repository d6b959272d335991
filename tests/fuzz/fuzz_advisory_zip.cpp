// The zip archives osv.dev publishes per ecosystem (all.zip), read in memory by `db import` from
// a download or a file; each member is then parsed as OSV.
#include "fuzz.h"
#include "security/osv.h"
#include "security/sources.h"

PW_FUZZ_TARGET(text) {
  pw::security::ReadStats stats;
  pw::security::ReadOptions options;
  options.max_member_size = 1u << 20;
  pw::security::ParseOutcome outcome;
  pw::security::read_zip_memory(
      std::string(text), "all.zip",
      [&](pw::security::SourceDocument&& doc) {
        pw::security::parse_osv(doc.text, doc.format, doc.name, outcome);
      },
      stats, options);
}
