// The real PyPI advisory corpus as oracle: every record lists, next to its ranges, the released
// versions those ranges cover. Importing it all and asking the store about each listed version
// (must match its record) and each `fixed` version (must not, unless the record also lists it)
// checks the parser, the index and the range evaluation on 2,662 records nobody here wrote.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <set>

#include "security/match.h"
#include "security/sources.h"
#include "security/store.h"
#include "support.h"

namespace pw::security {
namespace {

using testing::corpus_dir;
using testing::TempDir;
namespace fs = std::filesystem;

TEST(Corpus, EveryListedVersionMatchesAndEveryFixIsClean) {
  fs::path corpus = corpus_dir();
  if (corpus.empty()) GTEST_SKIP() << "the shared corpus ../shared/data/osv-pypi is absent";
  TempDir tmp;
  Store store(tmp / "osv.db");
  auto t0 = std::chrono::steady_clock::now();
  ImportSummary sum = store.import({(corpus / "vulns").string()});
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  std::cout << "imported " << sum.imported << " records from " << sum.files_read << " files in "
            << ms << " ms; skipped " << sum.skipped << "\n";
  for (const auto& [reason, n] : sum.dropped_parts)
    std::cout << "  dropped " << n << " x " << reason << "\n";
  for (const auto& [reason, n] : sum.skipped_reasons)
    std::cout << "  skipped " << n << " x " << reason << "\n";
  size_t yaml_files = 0;  // SOURCE.md's 2,662 files include vulns/.id-allocator
  for (const auto& e : fs::recursive_directory_iterator(corpus / "vulns"))
    yaml_files += e.path().extension() == ".yaml";
  EXPECT_EQ(sum.files_read, yaml_files);
  EXPECT_EQ(sum.imported + sum.skipped, yaml_files);
  EXPECT_GT(sum.imported, 2600u);

  // Re-read the records themselves to know what to ask.
  std::vector<Record> records;
  ReadStats rs;
  read_location((corpus / "vulns").string(),
                [&](SourceDocument&& d) {
                  auto po = parse_osv(d.text, d.format, d.name);
                  for (auto& r : po.records) records.push_back(std::move(r));
                },
                rs);

  size_t listed_checked = 0, fixed_checked = 0, disagreements = 0;
  for (const auto& r : records) {
    if (!r.withdrawn.empty()) continue;
    for (const auto& a : r.affected) {
      if (a.package.ecosystem != "PyPI") continue;
      // Through the store's index and the evaluation match() uses; every 25th also through the
      // whole match() (alias merging, advisory look-up), which is slower on packages with
      // hundreds of advisories.
      auto has = [&](const std::string& version) {
        auto q = make_query("PyPI", version);
        bool found = false;
        for (const auto& c : store.candidates("PyPI", a.package.name, q.key))
          if (c.record_id == r.id && evaluate(*c.ranges, c.listed, q).affected) found = true;
        if (found && listed_checked % 25 == 0) {
          found = false;
          for (const auto& m : match(store, "PyPI", a.package.name, version)) {
            if (m.id == r.id) found = true;
            for (const auto& alias : m.aliases) found |= alias == r.id;
          }
        }
        return found;
      };
      for (const auto& v : a.versions) {
        ++listed_checked;
        if (!has(v)) {
          ++disagreements;
          ADD_FAILURE() << r.id << ": listed version " << a.package.name << " " << v
                        << " does not match its record";
        }
      }
      for (const auto& range : a.ranges) {
        for (const auto& e : range.events) {
          if (e.kind != EventKind::fixed) continue;
          // A record may list a fix of one range as affected by another (overlapping ranges).
          auto q = make_query("PyPI", e.version);
          if (std::find(a.version_keys.begin(), a.version_keys.end(), q.key) !=
              a.version_keys.end())
            continue;
          bool in_other_range = false;
          for (const auto& other : a.ranges) in_other_range |= range_includes(other, q);
          if (in_other_range) continue;
          ++fixed_checked;
          // Only this record's own verdict counts: an alias record may cover the fix differently.
          Verdict v = evaluate(a, q);
          if (v.affected) {
            ++disagreements;
            ADD_FAILURE() << r.id << ": fixed version " << a.package.name << " " << e.version
                          << " is reported affected";
          }
        }
      }
    }
  }
  std::cout << "checked " << listed_checked << " listed versions and " << fixed_checked
            << " fixed versions: " << disagreements << " disagreements\n";
  EXPECT_GT(listed_checked, 10000u);
  EXPECT_GT(fixed_checked, 1000u);
}

}  // namespace
}  // namespace pw::security
