// A thin RAII wrapper over SQLite for the history index: a connection and prepared statements
// that throw pw::Error naming the database, so the index code reads as SQL and bindings.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.h"

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

class Stmt {
 public:
  Stmt(const Db& db, std::string_view sql);
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Stmt& bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, std::optional<double> v) {
    if (v)
      sqlite3_bind_double(s_, i, *v);
    else
      sqlite3_bind_null(s_, i);
    return *this;
  }
  Stmt& bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  // True while rows come; throws on error.
  bool step();
  void run() {
    while (step()) {
    }
    reset();
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  double real(int col) const { return sqlite3_column_double(s_, col); }
  bool null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }

 private:
  const Db& db_;
  sqlite3_stmt* s_ = nullptr;
};

}  // namespace pw::history
