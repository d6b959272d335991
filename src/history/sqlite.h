// A thin RAII wrapper over SQLite for the history index: a connection, and prepared statements
// (util's sqlite::Statement) that throw pw::Error naming the database, so the index code reads as
// SQL and bindings.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.h"
#include "util/sqlite.h"

namespace pw::history {

class Db {
 public:
  Db(const std::filesystem::path& path, bool read_only);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }
  void exec(const char* sql);
  // exec, retried while another connection holds a lock SQLite does not wait for itself: switching
  // a fresh file to WAL needs an exclusive lock and returns SQLITE_BUSY at once, busy timeout or
  // not.
  void exec_when_free(const char* sql, int timeout_ms = 10000);
  [[noreturn]] void fail(std::string_view what) const;
  [[noreturn]] void fail_with(const std::string& msg) const;

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

// A statement on the index; a failure names the index file (Db::fail).
class Stmt : public sqlite::Statement {
 public:
  Stmt(const Db& db, std::string_view sql)
      : sqlite::Statement(db.handle(), sql, 0, [&db](const std::string& what) { db.fail(what); }) {}
};

}  // namespace pw::history
