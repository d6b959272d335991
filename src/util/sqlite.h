// A prepared SQLite statement (RAII: finalized when it goes) with typed bindings and columns,
// shared by the two SQLite databases, the advisory store (security) and the history index. A
// failure is worded by the statement's owner, who knows which database it is.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace pw::sqlite {

class Statement {
 public:
  // Called with what failed ("query failed", "cannot prepare SELECT ..."); it throws the owner's
  // error, naming the database and SQLite's message.
  using Fail = std::function<void(const std::string& what)>;

  // `prepare_flags` as sqlite3_prepare_v3's (SQLITE_PREPARE_PERSISTENT for a statement kept).
  Statement(sqlite3* db, std::string_view sql, unsigned prepare_flags, Fail fail);
  ~Statement() { sqlite3_finalize(s_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Statement& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Statement& bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  Statement& bind(int i, std::optional<double> v) {
    if (v)
      sqlite3_bind_double(s_, i, *v);
    else
      sqlite3_bind_null(s_, i);
    return *this;
  }
  Statement& bind_blob(int i, std::string_view v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  // True while rows come; a failure goes to `fail`.
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
  std::optional<double> optional_real(int col) const {
    if (null(col)) return std::nullopt;
    return real(col);
  }
  bool null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) const { return std::string(view(col)); }
  // Valid until the next step() or reset().
  std::string_view view(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : std::string_view();
  }
  // A BLOB column's bytes, valid until the next step() or reset().
  std::string_view blob(int col) const {
    auto* p = static_cast<const char*>(sqlite3_column_blob(s_, col));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : std::string_view();
  }

 private:
  [[noreturn]] void failed(const std::string& what) const;

  sqlite3_stmt* s_ = nullptr;
  Fail fail_;
};

}  // namespace pw::sqlite
