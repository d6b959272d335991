#include "history/sqlite.h"

#include <chrono>
#include <thread>

namespace pw::history {

Db::Db(const std::filesystem::path& path, bool read_only) : path_(path) {
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error("history index " + path.string() + ": " + msg);
  }
  // Two builds ending at once, or a server reading while a build is added: wait for the lock.
  sqlite3_busy_timeout(db_, 10000);
}

Db::~Db() {
  if (db_) sqlite3_close(db_);
}

void Db::fail(std::string_view what) const {
  throw Error("history index " + path_.string() + ": " + std::string(what) + ": " +
              sqlite3_errmsg(db_));
}

void Db::fail_with(const std::string& msg) const {
  throw Error("history index " + path_.string() + ": " + msg);
}

void Db::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    fail_with(msg);
  }
}

void Db::exec_when_free(const char* sql, int timeout_ms) {
  for (int waited = 0;; waited += 20) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    if (rc == SQLITE_OK) return;
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) fail_with(msg);
    if (waited >= timeout_ms) fail_with(msg + " (waited " + std::to_string(waited / 1000) + " s)");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace pw::history
