// The local advisory database: OSV records in one SQLite file at
// cache_home()/advisories/osv.db, indexed by (ecosystem, normalized package name), so a scan
// answers from disk in milliseconds and offline. Imports are one transaction each: a failed or
// interrupted import leaves the previous database as it was, and readers (WAL mode) keep seeing
// it while an import runs.
//
// Tables (schema version in PRAGMA user_version, migrations forward-only):
//   sources(id, location UNIQUE, imported_at, imported_at_unix, records)
//   source_counts(source_id, ecosystem, records)
//   records(id PRIMARY KEY, modified, source_id, summary, details, aliases, rating, score,
//           vector, vector_type, severity_source)  -- what a report shows, small rows
//   record_json(id PRIMARY KEY, json)             -- the whole record (schema 2)
//   affected(ecosystem, name, record_id, package, ranges)  -- the match index
//   listed(ecosystem, name, key, record_id)  -- the `versions` entries, by ParsedVersion::key(),
//       that the record's ranges do not already include (schema 2; the others cannot change a
//       verdict), so the table is a few rows where the lists hold 139,000 versions
// A scan of many packages reads `affected` and `listed` in one pass each, not a seek per name.
// A Store is used by one thread at a time (the connection is opened without SQLite's mutex).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "security/cvss.h"
#include "security/match.h"
#include "security/osv.h"
#include "security/sources.h"
#include "util/duration.h"
#include "util/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace pw::security {

struct ImportSummary {
  size_t files_read = 0;  // documents read (files and archive members)
  size_t imported = 0;    // records new to the database
  size_t updated = 0;     // records whose `modified` changed
  size_t unchanged = 0;
  size_t removed = 0;     // withdrawn, or gone from a source that had them
  size_t skipped = 0;     // records, files or members not imported
  size_t duplicates = 0;  // an id seen again (another source or file): newest `modified` kept
  std::map<std::string, size_t> skipped_reasons;  // why, for `skipped`
  std::map<std::string, size_t> dropped_parts;    // ranges/versions left out of kept records
  std::vector<Diagnostic> diagnostics;            // one per skip or drop
  Millis elapsed{0};
};

struct SourceStatus {
  std::string location;     // absolute path or URL, as update() re-reads it
  std::string imported_at;  // ISO 8601 UTC
  size_t records = 0;
  std::map<std::string, size_t> records_by_ecosystem;
};

struct StoreStatus {
  std::filesystem::path path;
  int schema_version = 0;
  std::vector<SourceStatus> sources;  // by location
  size_t records = 0;
  std::map<std::string, size_t> records_by_ecosystem;  // a record counts once per ecosystem
  std::string newest_id;                               // the record with the latest `modified`
  std::string newest_modified;
  std::string last_import;  // ISO 8601 of the most recent import, "" when never imported
  std::optional<std::chrono::seconds> age;  // now - last import
};

// An index row: one affected package entry of one record (see match.h).
struct Candidate {
  std::string record_id;
  std::string package;                                       // as the advisory spells it
  std::shared_ptr<const std::vector<PreparedRange>> ranges;  // shared with the store's cache
  // The record's `versions` list names the asked version and its ranges do not include it (a
  // version they include is affected either way: see `listed` above).
  bool listed = false;
};

// One cached index row, shared by every query for the package (see Store::lookup).
struct IndexEntry {
  std::string record_id;
  std::string package;  // as the advisory spells it
  std::shared_ptr<const std::vector<PreparedRange>> ranges;
};

// The batched form of candidates(): one package's cached index rows and which records' `versions`
// list names the asked version. `entries` points into the store's cache: valid until the next
// import (or the Store's end).
struct PackageIndex {
  const std::vector<IndexEntry>* entries = nullptr;
  std::vector<std::string> listed;  // record ids, unique
};

// What a report shows of an advisory, without parsing its JSON.
struct AdvisoryInfo {
  std::string id;
  std::string modified;
  std::string summary;
  std::string details;
  std::vector<std::string> aliases;
  AdvisorySeverity severity;
};

class Store {
 public:
  // cache_home()/"advisories"/"osv.db".
  static std::filesystem::path default_path();

  // Opens (creating folders and file as needed) and migrates to the current schema. Throws
  // pw::Error when the file cannot be opened or was written by a newer pipewright.
  explicit Store(const std::filesystem::path& path = default_path());
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The schema version this build writes.
  static int current_schema_version();

  // Imports files, folders, zip archives and http(s) URLs (sources.h), all in one transaction:
  // on any pw::Error (missing path, corrupt zip, HTTP error) nothing changes and the error is
  // rethrown. Per record: new -> imported; same `modified` -> unchanged; other `modified` ->
  // updated (from another source only when newer: duplicates keep the newest); withdrawn ->
  // removed. Records a source had before and no longer has are removed.
  ImportSummary import(const std::vector<std::string>& paths_or_urls,
                       const ReadOptions& options = {});
  // Re-imports every recorded source.
  ImportSummary update(const ReadOptions& options = {});
  StoreStatus status(
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

  // The match index for one package (name normalized by the ecosystem's scheme); `version_key`
  // (QueryVersion::key) sets Candidate::listed. Ranges are parsed once per package and cached
  // for the Store's lifetime (an import clears the cache). Not thread-safe.
  std::vector<Candidate> candidates(std::string_view ecosystem, std::string_view name,
                                    std::string_view version_key) const;
  std::optional<AdvisoryInfo> advisory(std::string_view id) const;

  // Batched look-ups for a whole scan. lookup(): the index of every (name, version_key) pair,
  // in order, with one query for all names not cached yet and one for all `versions` lists.
  // advisories(): the AdvisoryInfo of each id (nullptr when unknown), in order, one query for
  // all ids not cached yet; cached like the index. Same answers as candidates() / advisory().
  std::vector<PackageIndex> lookup(
      std::string_view ecosystem,
      const std::vector<std::pair<std::string_view, std::string_view>>& names_and_keys) const;
  std::vector<std::shared_ptr<const AdvisoryInfo>> advisories(
      const std::vector<std::string_view>& ids) const;
  // The record's JSON as imported, or nullopt.
  std::optional<std::string> record_json(std::string_view id) const;

  const std::filesystem::path& path() const { return path_; }

 private:
  struct Statements;
  void migrate();
  void compact();
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Statements> st_;
  // Hashed, with look-ups by string_view (a scan asks a few thousand times).
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <typename V>
  using TextMap = std::unordered_map<std::string, V, TextHash, std::equal_to<>>;
  mutable TextMap<std::vector<IndexEntry>> cache_;
  mutable TextMap<std::shared_ptr<const AdvisoryInfo>> info_cache_;
};

}  // namespace pw::security
