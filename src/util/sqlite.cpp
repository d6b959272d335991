#include "util/sqlite.h"

#include "util/error.h"

namespace pw::sqlite {

Statement::Statement(sqlite3* db, std::string_view sql, unsigned prepare_flags, Fail fail)
    : fail_(std::move(fail)) {
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), prepare_flags, &s_,
                         nullptr) != SQLITE_OK) {
    sqlite3_finalize(s_);  // a no-op on the null statement a failed prepare leaves
    s_ = nullptr;
    failed("cannot prepare " + std::string(sql.substr(0, 60)));
  }
}

bool Statement::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  failed("query failed");
}

void Statement::failed(const std::string& what) const {
  fail_(what);
  throw Error("SQLite: " + what);  // an owner's Fail that did not throw
}

}  // namespace pw::sqlite
