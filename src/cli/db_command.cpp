#include "cli/db_command.h"

#include <iostream>

#include "security/store.h"
#include "util/duration.h"
#include "util/strings.h"

namespace pw::cli {

namespace {

void print_summary(const security::ImportSummary& s, const security::Store& store) {
  std::cout << "read " << s.files_read << " file(s) in " << format_duration(s.elapsed) << ": "
            << s.imported << " imported, " << s.updated << " updated, " << s.unchanged
            << " unchanged, " << s.removed << " removed, " << s.skipped << " skipped";
  if (s.duplicates) std::cout << ", " << s.duplicates << " duplicate id(s) (newest kept)";
  std::cout << "\n";
  for (const auto& [why, n] : s.skipped_reasons)
    std::cout << "  skipped " << n << ": " << why << "\n";
  for (const auto& [why, n] : s.dropped_parts)
    std::cout << "  left out " << n << ": " << why << "\n";
  auto st = store.status();
  std::cout << "database " << st.path.string() << ": " << st.records << " record(s)";
  std::vector<std::string> eco;
  for (const auto& [e, n] : st.records_by_ecosystem) eco.push_back(e + " " + std::to_string(n));
  if (!eco.empty()) std::cout << " (" << join(eco, ", ") << ")";
  std::cout << "\n";
}

}  // namespace

int cmd_db_import(const std::vector<std::string>& locations) {
  security::Store store;
  auto summary = store.import(locations);
  print_summary(summary, store);
  return 0;
}

int cmd_db_update() {
  security::Store store;
  if (store.status().sources.empty()) {
    std::cerr << "pipewright: the advisory database has no sources yet: run `pipewright db import "
                 "PATH|URL` first\n";
    return 2;
  }
  auto summary = store.update();
  print_summary(summary, store);
  return 0;
}

int cmd_db_status() {
  security::Store store;
  auto st = store.status();
  std::cout << "advisory database " << st.path.string() << " (schema " << st.schema_version
            << ")\n";
  if (st.records == 0) {
    std::cout
        << "empty: import OSV records with `pipewright db import PATH|URL` (a file, a folder, "
           "an osv.dev zip or its URL)\n";
    return 0;
  }
  std::cout << st.records << " record(s)";
  std::vector<std::string> eco;
  for (const auto& [e, n] : st.records_by_ecosystem) eco.push_back(e + " " + std::to_string(n));
  if (!eco.empty()) std::cout << ": " << join(eco, ", ");
  std::cout << "\nnewest record: " << st.newest_id << " (modified " << st.newest_modified << ")\n";
  if (st.age)
    std::cout << "last import: " << st.last_import << " ("
              << format_duration(std::chrono::duration_cast<Millis>(*st.age)) << " ago)\n";
  std::cout << "sources:\n";
  for (const auto& s : st.sources)
    std::cout << "  " << s.location << "  " << s.records << " record(s), imported " << s.imported_at
              << "\n";
  return 0;
}

}  // namespace pw::cli
