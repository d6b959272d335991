// The history index: one SQLite file per project (.pipewright/history.db) with every build, stage,
// test case, coverage figure, findings count, gate condition and artifact, for the dashboard,
// the history commands and trends. The build folders stay the source of truth: the index can be
// deleted and rebuilt from them at any time (`rebuild`), and `sync` adds what it is missing.
// Schema versioned with PRAGMA user_version and forward-only migrations; a file from a newer
// pipewright is refused with a message and never written.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "history/build_facts.h"

namespace pw::history {

class Db;

// The forward migrations, in order: migrations()[v] takes a database from version v to v + 1.
const std::vector<const char*>& migrations();
int schema_version();

struct SyncResult {
  int added = 0;
  int removed = 0;
  std::vector<std::string> skipped;  // damaged folders: "builds/7: damaged (...)"
};

struct BuildQuery {
  std::string status;  // "" for any
  std::string branch;
  int limit = 50;
  int offset = 0;
};

class Index {
 public:
  // Opens (creating and migrating when needed) the index of the project at `project_dir`.
  explicit Index(const std::filesystem::path& project_dir);
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  static std::filesystem::path default_path(const std::filesystem::path& project_dir);
  const std::filesystem::path& builds_dir() const { return builds_; }
  const std::filesystem::path& project_dir() const { return project_; }

  // Reads build N's folder and replaces what the index holds of it. Throws pw::Error when the
  // folder is damaged (nothing of it is then changed).
  void add(int number);
  void add(const BuildFacts& facts);
  void remove(int number);
  // Empties the index and reads every build folder again.
  SyncResult rebuild();
  // Adds finished builds missing from the index or changed since, drops deleted ones. Running
  // builds are left out: they are read from their folder until they end.
  SyncResult sync();
  // Build numbers with a folder that the index does not hold (running, damaged, or new).
  std::vector<int> unindexed() const;

  // JSON views (the API's and the CLI's). Empty optional when there is no such build.
  nlohmann::json builds(const BuildQuery& q) const;
  std::optional<nlohmann::json> build(int number) const;
  nlohmann::json tests_of(int number) const;  // failures first, each with its history
  nlohmann::json test_history(const std::string& nodeid, int limit) const;
  nlohmann::json tests_overview(const std::string& view, int builds, int limit) const;
  nlohmann::json trends(int limit) const;
  bool has(int number) const;
  int newest() const;
  std::optional<int> previous(int number) const;

  Db& db() { return *db_; }

 private:
  void migrate();
  struct Writer;
  // The rows of one build, inside the caller's transaction, with the statements of `w`.
  void insert_rows(const BuildFacts& facts, Writer& w);
  // Adds many builds at once: a few large transactions, the names in memory, the folders read
  // on every core while this thread writes them in build order.
  void add_many(const std::vector<int>& numbers, SyncResult& res);
  // The build folders' numbers, sorted. Listed again only when the builds folder changed: a
  // listing of 10,000 folders on every /api/builds costs more than the answer's whole budget.
  std::vector<int> folders() const;
  mutable std::mutex folders_mu_;
  mutable int64_t folders_mtime_ = -1;
  mutable std::vector<int> folders_;
  std::filesystem::path project_, builds_;
  std::unique_ptr<Db> db_;
};

// The summary JSON of a build straight from its folder, as builds() gives it for an indexed one:
// for RUNNING builds, which the index does not hold yet.
nlohmann::json live_summary(const engine::BuildRecord& r);
nlohmann::json stage_json(const engine::StageRecord& s);

}  // namespace pw::history
