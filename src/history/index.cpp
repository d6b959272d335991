#include "history/index.h"

#include <sys/stat.h>

#include <algorithm>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "history/sqlite.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/numbers.h"

namespace pw::history {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::vector<const char*>& migrations() {
  static const std::vector<const char*> m = {
      // 1: the tables. Test names are interned (test_names) because 2,000 tests x 10,000 builds
      // of repeated node ids would dominate the file; tests rows are WITHOUT ROWID on (build,
      // test).
      R"sql(
CREATE TABLE builds(
  number INTEGER PRIMARY KEY, status TEXT NOT NULL, project TEXT, commit_sha TEXT, message TEXT,
  branch TEXT, started TEXT, duration_ms INTEGER, trigger TEXT,
  tests INTEGER, passed INTEGER, failed INTEGER, errors INTEGER, skipped INTEGER,
  coverage REAL, line_coverage REAL, branch_coverage REAL,
  quality INTEGER, vulns INTEGER, image_vulns INTEGER,
  critical INTEGER, high INTEGER, medium INTEGER, low INTEGER,
  gate TEXT, ratings TEXT, problems TEXT, record_mtime INTEGER, indexed_at TEXT);
CREATE INDEX builds_branch ON builds(branch, number);
CREATE TABLE stages(
  build INTEGER NOT NULL, ord INTEGER NOT NULL, id TEXT NOT NULL, status TEXT, blocking INTEGER,
  duration_ms INTEGER, summary TEXT, started TEXT, attempts INTEGER, log TEXT,
  PRIMARY KEY(build, ord)) WITHOUT ROWID;
CREATE TABLE test_names(id INTEGER PRIMARY KEY, nodeid TEXT NOT NULL UNIQUE, classname TEXT, name TEXT, file TEXT);
CREATE TABLE tests(
  build INTEGER NOT NULL, test INTEGER NOT NULL, outcome INTEGER NOT NULL, duration_us INTEGER,
  message TEXT, file TEXT, line INTEGER, PRIMARY KEY(build, test)) WITHOUT ROWID;
CREATE INDEX tests_by_test ON tests(test, build);
CREATE TABLE coverage(
  build INTEGER NOT NULL, package TEXT NOT NULL, lines_valid INTEGER, lines_covered INTEGER,
  branches_valid INTEGER, branches_covered INTEGER, PRIMARY KEY(build, package)) WITHOUT ROWID;
CREATE TABLE findings(
  build INTEGER NOT NULL, source TEXT NOT NULL, tool TEXT NOT NULL, severity TEXT NOT NULL,
  count INTEGER, PRIMARY KEY(build, source, tool, severity)) WITHOUT ROWID;
CREATE TABLE gate(
  build INTEGER NOT NULL, ord INTEGER NOT NULL, metric TEXT, name TEXT, op TEXT, threshold TEXT,
  actual TEXT, status TEXT, PRIMARY KEY(build, ord)) WITHOUT ROWID;
CREATE TABLE artifacts(
  build INTEGER NOT NULL, path TEXT NOT NULL, size INTEGER, sha256 TEXT,
  PRIMARY KEY(build, path)) WITHOUT ROWID;
)sql",
      // 2: failures are few among many passes; "failing since" and "first failed" read only them.
      R"sql(
CREATE INDEX tests_failures ON tests(test, build) WHERE outcome IN (1, 2);
)sql",
      // 3: each stage's needs as the build ran them (a JSON array; NULL for builds indexed
      // before, or recorded before pipewright wrote them).
      R"sql(
ALTER TABLE stages ADD COLUMN needs TEXT;
)sql",
  };
  return m;
}

int schema_version() { return static_cast<int>(migrations().size()); }

fs::path Index::default_path(const fs::path& project_dir) {
  return project_dir / ".pipewright" / "history.db";
}

Index::Index(const fs::path& project_dir)
    : project_(project_dir), builds_(project_dir / ".pipewright" / "builds") {
  fs::path path = default_path(project_dir);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  {
    // Look at the version before anything can write (journal_mode=WAL would): a file from a newer
    // pipewright stays byte for byte as it is.
    if (fs::exists(path, ec)) {
      Db ro(path, true);
      Stmt v(ro, "PRAGMA user_version");
      v.step();
      int version = static_cast<int>(v.integer(0));
      if (version > schema_version())
        throw Error(
            "history index " + path.string() + " has schema version " + std::to_string(version) +
            ", newer than this pipewright understands (" + std::to_string(schema_version()) +
            "); use a newer pipewright, or delete the file and run `pipewright history --rebuild`");
    }
  }
  db_ = std::make_unique<Db>(path, false);
  db_->exec_when_free("PRAGMA journal_mode=WAL");
  db_->exec("PRAGMA synchronous=NORMAL");
  // The tests table and its index grow with builds x tests: SQLite's 2 MiB default cache makes
  // every insert and history query go to the OS for pages.
  db_->exec("PRAGMA cache_size=-65536");
  db_->exec("PRAGMA mmap_size=1073741824");
  db_->exec("PRAGMA temp_store=MEMORY");
  migrate();
}

Index::~Index() = default;

void Index::migrate() {
  Stmt get(*db_, "PRAGMA user_version");
  get.step();
  int version = static_cast<int>(get.integer(0));
  get.reset();
  for (int v = version; v < schema_version(); ++v) {
    db_->exec("BEGIN IMMEDIATE");
    try {
      // Another process may have migrated meanwhile: re-read under the write lock.
      Stmt again(*db_, "PRAGMA user_version");
      again.step();
      if (again.integer(0) > v) {
        db_->exec("COMMIT");
        continue;
      }
      db_->exec(migrations()[static_cast<size_t>(v)]);
      db_->exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
      db_->exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
}

int Index::test_id(const TestCase& t) {
  Stmt get(*db_, "SELECT id FROM test_names WHERE nodeid = ?1");
  get.bind(1, t.nodeid);
  if (get.step()) return static_cast<int>(get.integer(0));
  Stmt put(*db_, "INSERT INTO test_names(nodeid, classname, name, file) VALUES(?1, ?2, ?3, ?4)");
  put.bind(1, t.nodeid).bind(2, t.classname).bind(3, t.name).bind(4, t.file);
  put.run();
  return static_cast<int>(sqlite3_last_insert_rowid(db_->handle()));
}

void Index::add(int number) { add(read_build(builds_ / std::to_string(number))); }

namespace {

void delete_build(Db& db, int n) {
  for (const char* sql :
       {"DELETE FROM builds WHERE number = ?1", "DELETE FROM stages WHERE build = ?1",
        "DELETE FROM tests WHERE build = ?1", "DELETE FROM coverage WHERE build = ?1",
        "DELETE FROM findings WHERE build = ?1", "DELETE FROM gate WHERE build = ?1",
        "DELETE FROM artifacts WHERE build = ?1"}) {
    Stmt s(db, sql);
    s.bind(1, n);
    s.run();
  }
}

}  // namespace

void Index::add(const BuildFacts& b) {
  db_->exec("BEGIN IMMEDIATE");
  try {
    insert_rows(b);
    db_->exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void Index::insert_rows(const BuildFacts& b, std::unordered_map<std::string, int64_t>* names) {
  const auto& r = b.record;
  {
    delete_build(*db_, r.number);
    int counts[4] = {0, 0, 0, 0};
    for (const auto& t : b.tests) ++counts[static_cast<int>(t.outcome)];
    int quality = 0, vulns = 0, image = 0, crit = 0, high = 0, med = 0, low = 0;
    for (const auto& f : b.findings) {
      if (f.source == "quality")
        quality += f.count;
      else {
        (f.source == "image" ? image : vulns) += f.count;
        if (f.severity == "critical")
          crit += f.count;
        else if (f.severity == "high")
          high += f.count;
        else if (f.severity == "medium" || f.severity == "moderate")
          med += f.count;
        else if (f.severity == "low")
          low += f.count;
      }
    }
    Stmt ins(*db_,
             R"sql(INSERT INTO builds(number, status, project, commit_sha, message, branch, started,
      duration_ms, trigger, tests, passed, failed, errors, skipped, coverage, line_coverage,
      branch_coverage, quality, vulns, image_vulns, critical, high, medium, low, gate, ratings,
      problems, record_mtime, indexed_at) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,
      ?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29))sql");
    ins.bind(1, r.number).bind(2, engine::to_string(r.status)).bind(3, r.project).bind(4, r.commit);
    ins.bind(5, b.message)
        .bind(6, r.branch)
        .bind(7, r.started)
        .bind(8, r.duration_ms)
        .bind(9, b.record.trigger);
    ins.bind(10, static_cast<int>(b.tests.size()))
        .bind(11, counts[0])
        .bind(12, counts[1])
        .bind(13, counts[2]);
    ins.bind(14, counts[3])
        .bind(15, b.coverage)
        .bind(16, b.line_coverage)
        .bind(17, b.branch_coverage);
    ins.bind(18, quality)
        .bind(19, vulns)
        .bind(20, image)
        .bind(21, crit)
        .bind(22, high)
        .bind(23, med);
    ins.bind(24, low)
        .bind(25, b.gate_status)
        .bind(26, b.ratings.is_null() ? std::string() : b.ratings.dump());
    ins.bind(27, json(b.problems).dump()).bind(28, b.record_mtime).bind(29, iso8601_now());
    ins.run();

    Stmt st(*db_, "INSERT INTO stages VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)");
    int ord = 0;
    for (const auto& s : r.stages) {
      st.bind(1, r.number).bind(2, ord++).bind(3, s.id).bind(4, engine::to_string(s.status));
      st.bind(5, s.blocking ? 1 : 0).bind(6, s.duration_ms).bind(7, s.summary).bind(8, s.started);
      st.bind(9, s.attempts).bind(10, s.log);
      auto needs = r.needs.find(s.id);
      st.bind(11, needs == r.needs.end() ? std::string() : json(needs->second).dump());
      st.run();
    }
    // Intern the names first (one lookup each, in memory when the caller keeps them), then
    // insert the rows.
    std::unordered_map<std::string, int64_t> local;
    std::unordered_map<std::string, int64_t>& ids = names ? *names : local;
    {
      Stmt get(*db_, "SELECT id FROM test_names WHERE nodeid = ?1");
      Stmt put(*db_,
               "INSERT INTO test_names(nodeid, classname, name, file) VALUES(?1, ?2, ?3, ?4)");
      for (const auto& t : b.tests) {
        if (ids.count(t.nodeid)) continue;
        if (!names) {
          get.bind(1, t.nodeid);
          if (get.step()) {
            ids[t.nodeid] = get.integer(0);
            get.reset();
            continue;
          }
          get.reset();
        }
        put.bind(1, t.nodeid).bind(2, t.classname).bind(3, t.name).bind(4, t.file);
        put.run();
        ids[t.nodeid] = sqlite3_last_insert_rowid(db_->handle());
      }
    }
    Stmt tc(*db_, "INSERT OR REPLACE INTO tests VALUES(?1,?2,?3,?4,?5,?6,?7)");
    for (const auto& t : b.tests) {
      tc.bind(1, r.number)
          .bind(2, ids[t.nodeid])
          .bind(3, static_cast<int>(t.outcome))
          .bind(4, t.duration_us);
      if (t.outcome == Outcome::passed)
        tc.bind_null(5).bind_null(6).bind_null(7);
      else
        tc.bind(5, t.message).bind(6, t.file).bind(7, t.line);
      tc.run();
    }
    Stmt cv(*db_, "INSERT OR REPLACE INTO coverage VALUES(?1,?2,?3,?4,?5,?6)");
    for (const auto& p : b.coverage_packages) {
      cv.bind(1, r.number).bind(2, p.name).bind(3, p.lines_valid).bind(4, p.lines_covered);
      cv.bind(5, p.branches_valid).bind(6, p.branches_covered);
      cv.run();
    }
    Stmt fd(*db_, "INSERT OR REPLACE INTO findings VALUES(?1,?2,?3,?4,?5)");
    for (const auto& f : b.findings) {
      fd.bind(1, r.number).bind(2, f.source).bind(3, f.tool).bind(4, f.severity).bind(5, f.count);
      fd.run();
    }
    Stmt gt(*db_, "INSERT INTO gate VALUES(?1,?2,?3,?4,?5,?6,?7,?8)");
    ord = 0;
    for (const auto& c : b.gate) {
      gt.bind(1, r.number).bind(2, ord++).bind(3, c.metric).bind(4, c.name).bind(5, c.op);
      gt.bind(6, c.threshold).bind(7, c.actual).bind(8, c.status);
      gt.run();
    }
    Stmt ar(*db_, "INSERT OR REPLACE INTO artifacts VALUES(?1,?2,?3,?4)");
    for (const auto& a : b.artifacts) {
      ar.bind(1, r.number).bind(2, a.path).bind(3, a.size).bind(4, a.sha256);
      ar.run();
    }
  }
}

void Index::remove(int number) {
  db_->exec("BEGIN IMMEDIATE");
  try {
    delete_build(*db_, number);
    db_->exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

namespace {

std::vector<int> folder_numbers(const fs::path& dir) {
  std::vector<int> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.empty() || name.size() > 9 || !std::all_of(name.begin(), name.end(), ::isdigit))
      continue;
    if (!e.is_directory(ec) || e.is_symlink(ec)) continue;
    out.push_back(static_cast<int>(*parse_int(name)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

int64_t mtime_ns(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

std::string rel(int n) { return "builds/" + std::to_string(n); }

}  // namespace

SyncResult Index::rebuild() {
  db_->exec("BEGIN IMMEDIATE");
  for (const char* t :
       {"builds", "stages", "tests", "test_names", "coverage", "findings", "gate", "artifacts"})
    db_->exec((std::string("DELETE FROM ") + t).c_str());
  db_->exec("COMMIT");
  return sync();
}

SyncResult Index::sync() {
  SyncResult res;
  std::map<int, int64_t> indexed;
  {
    Stmt q(*db_, "SELECT number, record_mtime FROM builds");
    while (q.step()) indexed[static_cast<int>(q.integer(0))] = q.integer(1);
  }
  std::vector<int> folders = folder_numbers(builds_);
  std::set<int> present(folders.begin(), folders.end());
  for (const auto& [n, m] : indexed)
    if (!present.count(n)) {
      remove(n);
      ++res.removed;
    }
  std::vector<int> todo;
  for (int n : folders) {
    auto it = indexed.find(n);
    fs::path dir = builds_ / std::to_string(n);
    if (it != indexed.end() && it->second == mtime_ns(dir / "build.json")) continue;
    todo.push_back(n);
  }
  // A handful (the usual sync: the builds since the last look) one transaction each; more (a
  // rebuild, a first index of an old project) in bulk.
  if (todo.size() >= 16) {
    add_many(todo, res);
    return res;
  }
  for (int n : todo) {
    try {
      BuildFacts f = read_build(builds_ / std::to_string(n));
      if (f.record.status == engine::Status::running) continue;  // added when it ends
      add(f);
      ++res.added;
    } catch (const Error& e) {
      res.skipped.push_back(rel(n) + ": " + e.what());
    }
  }
  return res;
}

void Index::add_many(const std::vector<int>& numbers, SyncResult& res) {
  // The tests' secondary indexes, as migrations 1 and 2 create them: on an empty table they are
  // built once at the end (sorted, in one pass) instead of updated on every insert.
  static const char* const kTestIndexes[] = {
      "CREATE INDEX IF NOT EXISTS tests_by_test ON tests(test, build)",
      "CREATE INDEX IF NOT EXISTS tests_failures ON tests(test, build) WHERE outcome IN (1, 2)"};
  bool empty = false;
  {
    Stmt q(*db_, "SELECT NOT EXISTS(SELECT 1 FROM tests)");
    empty = q.step() && q.integer(0) == 1;
  }
  std::unordered_map<std::string, int64_t> names;
  {
    Stmt q(*db_, "SELECT nodeid, id FROM test_names");
    while (q.step()) names.emplace(q.text(0), q.integer(1));
  }
  // The index is a cache of the build folders: a crash halfway loses nothing that a sync cannot
  // redo, so the bulk load does not wait for the disk after every transaction.
  db_->exec("PRAGMA synchronous=OFF");
  bool in_tx = false;
  auto finish = [&] {
    if (in_tx) sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    in_tx = false;
    for (const char* sql : kTestIndexes)
      sqlite3_exec(db_->handle(), sql, nullptr, nullptr, nullptr);
    sqlite3_exec(db_->handle(), "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
  };
  try {
    if (empty) {
      db_->exec("DROP INDEX IF EXISTS tests_by_test");
      db_->exec("DROP INDEX IF EXISTS tests_failures");
    }
    // The next folder is read on a second thread while this one is written: reading (XML and
    // JSON) and SQLite's inserts take about the same time.
    auto read = [this](int n) -> std::pair<std::optional<BuildFacts>, std::string> {
      try {
        return {read_build(builds_ / std::to_string(n)), ""};
      } catch (const Error& e) {
        return {std::nullopt, e.what()};
      }
    };
    std::future<std::pair<std::optional<BuildFacts>, std::string>> next;
    if (!numbers.empty()) next = std::async(std::launch::async, read, numbers[0]);
    int in_batch = 0;
    for (size_t i = 0; i < numbers.size(); ++i) {
      auto [facts, error] = next.get();
      if (i + 1 < numbers.size()) next = std::async(std::launch::async, read, numbers[i + 1]);
      if (!facts) {
        res.skipped.push_back(rel(numbers[i]) + ": " + error);
        continue;
      }
      if (facts->record.status == engine::Status::running) continue;  // added when it ends
      if (!in_tx) {
        db_->exec("BEGIN IMMEDIATE");
        in_tx = true;
      }
      insert_rows(*facts, &names);
      ++res.added;
      if (++in_batch == 64) {
        db_->exec("COMMIT");
        in_tx = false;
        in_batch = 0;
      }
    }
    if (in_tx) {
      db_->exec("COMMIT");
      in_tx = false;
    }
  } catch (...) {
    finish();
    throw;
  }
  finish();
}

std::vector<int> Index::unindexed() const {
  std::set<int> indexed;
  Stmt q(*db_, "SELECT number FROM builds");
  while (q.step()) indexed.insert(static_cast<int>(q.integer(0)));
  std::vector<int> out;
  for (int n : folder_numbers(builds_))
    if (!indexed.count(n)) out.push_back(n);
  return out;
}

namespace {

json opt_real(const Stmt& s, int c) { return s.null(c) ? json() : json(s.real(c)); }

json problems_json(const std::string& text) {
  if (text.empty()) return json::array();
  try {
    return json::parse(text);
  } catch (...) {
    return json::array();
  }
}

constexpr const char* kBuildCols =
    "number, status, commit_sha, message, branch, started, duration_ms, trigger, tests, passed, "
    "failed, errors, skipped, coverage, quality, vulns, image_vulns, critical, high, medium, low, "
    "gate, problems, line_coverage, branch_coverage, ratings, project";

json build_row(const Stmt& s) {
  json b;
  b["number"] = s.integer(0);
  b["status"] = s.text(1);
  b["commit"] = s.text(2);
  b["message"] = s.text(3);
  b["branch"] = s.text(4);
  b["started"] = s.text(5);
  b["duration_ms"] = s.integer(6);
  b["trigger"] = s.text(7);
  b["tests"] = {{"total", s.integer(8)},
                {"passed", s.integer(9)},
                {"failed", s.integer(10)},
                {"errors", s.integer(11)},
                {"skipped", s.integer(12)}};
  b["coverage"] = opt_real(s, 13);
  b["findings"] = {{"quality", s.integer(14)}, {"dependency", s.integer(15)},
                   {"image", s.integer(16)},   {"critical", s.integer(17)},
                   {"high", s.integer(18)},    {"medium", s.integer(19)},
                   {"low", s.integer(20)}};
  b["gate"] = s.text(21);
  b["problems"] = problems_json(s.text(22));
  b["line_coverage"] = opt_real(s, 23);
  b["branch_coverage"] = opt_real(s, 24);
  std::string ratings = s.text(25);
  b["ratings"] = ratings.empty() ? json() : json::parse(ratings, nullptr, false);
  b["project"] = s.text(26);
  b["running"] = false;
  return b;
}

}  // namespace

json stage_json(const engine::StageRecord& s) {
  return {{"id", s.id},
          {"status", engine::to_string(s.status)},
          {"blocking", s.blocking},
          {"duration_ms", s.duration_ms},
          {"summary", s.summary},
          {"started", s.started},
          {"attempts", s.attempts},
          {"log", s.log}};
}

json live_summary(const engine::BuildRecord& r) {
  json b;
  b["number"] = r.number;
  b["status"] = engine::to_string(r.status);
  b["commit"] = r.commit;
  b["message"] = "";
  b["branch"] = r.branch;
  b["started"] = r.started;
  b["duration_ms"] = r.duration_ms;
  b["trigger"] = r.trigger;
  b["project"] = r.project;
  json tests = {{"total", 0}, {"passed", 0}, {"failed", 0}, {"errors", 0}, {"skipped", 0}};
  json coverage;
  for (const auto& s : r.stages) {
    if (!s.data.is_object()) continue;
    if (s.data.contains("message") && s.data["message"].is_string())
      b["message"] = s.data["message"];
    if (s.data.contains("tests") && s.data["tests"].is_object()) {
      const auto& t = s.data["tests"];
      tests = {{"total", t.value("tests", 0)},
               {"passed", t.value("passed", 0)},
               {"failed", t.value("failed", 0)},
               {"errors", t.value("errors", 0)},
               {"skipped", t.value("skipped", 0)}};
    }
    if (s.data.contains("coverage") && s.data["coverage"].is_object())
      coverage = s.data["coverage"].value("percent", json());
  }
  b["tests"] = tests;
  b["coverage"] = coverage;
  b["findings"] = json::object();
  b["gate"] = "";
  b["problems"] = json::array();
  b["running"] = r.status == engine::Status::running;
  b["indexed"] = false;
  return b;
}

json Index::builds(const BuildQuery& q) const {
  std::string where = " WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR branch = ?2)";
  json out;
  json list = json::array();
  // Builds the index does not hold yet (running ones) come first, read from their folders.
  int live = 0;
  std::vector<int> extra = unindexed();
  std::sort(extra.rbegin(), extra.rend());
  for (int n : extra) {
    try {
      json b = live_summary(read_record(builds_ / std::to_string(n)));
      if (!q.status.empty() && b["status"] != q.status) continue;
      if (!q.branch.empty() && b["branch"] != q.branch) continue;
      ++live;
      if (q.offset == 0) list.push_back(std::move(b));
    } catch (const Error&) {
      // Damaged: reported by sync, not listed.
    }
  }
  Stmt count(*db_, "SELECT count(*) FROM builds" + where);
  count.bind(1, q.status).bind(2, q.branch);
  count.step();
  out["total"] = count.integer(0) + live;
  Stmt s(*db_, std::string("SELECT ") + kBuildCols +
                   ", (quality + vulns + image_vulns) - coalesce((SELECT p.quality + p.vulns + "
                   "p.image_vulns "
                   "FROM builds p WHERE p.number < b.number ORDER BY p.number DESC LIMIT 1), 0) "
                   "FROM builds b" +
                   where + " ORDER BY number DESC LIMIT ?3 OFFSET ?4");
  s.bind(1, q.status)
      .bind(2, q.branch)
      .bind(3, q.limit)
      .bind(4, std::max(0, q.offset - (q.offset ? live : 0)));
  while (s.step()) {
    json b = build_row(s);
    b["new_findings"] = s.integer(27);
    list.push_back(std::move(b));
  }
  out["builds"] = std::move(list);
  json branches = json::array();
  Stmt br(*db_, "SELECT DISTINCT branch FROM builds WHERE branch != '' ORDER BY branch");
  while (br.step()) branches.push_back(br.text(0));
  out["branches"] = branches;
  out["offset"] = q.offset;
  out["limit"] = q.limit;
  return out;
}

bool Index::has(int number) const {
  Stmt s(*db_, "SELECT 1 FROM builds WHERE number = ?1");
  s.bind(1, number);
  return s.step();
}

int Index::newest() const {
  Stmt s(*db_, "SELECT coalesce(max(number), 0) FROM builds");
  s.step();
  return static_cast<int>(s.integer(0));
}

std::optional<int> Index::previous(int number) const {
  Stmt s(*db_, "SELECT max(number) FROM builds WHERE number < ?1");
  s.bind(1, number);
  if (s.step() && !s.null(0)) return static_cast<int>(s.integer(0));
  return std::nullopt;
}

std::optional<json> Index::build(int number) const {
  Stmt s(*db_, std::string("SELECT ") + kBuildCols + " FROM builds b WHERE number = ?1");
  s.bind(1, number);
  if (!s.step()) return std::nullopt;
  json b = build_row(s);
  b["indexed"] = true;
  json stages = json::array();
  Stmt st(*db_,
          "SELECT id, status, blocking, duration_ms, summary, started, attempts, log, needs FROM "
          "stages WHERE build = ?1 ORDER BY ord");
  st.bind(1, number);
  while (st.step()) {
    json stage = {{"id", st.text(0)},
                  {"status", st.text(1)},
                  {"blocking", st.integer(2) != 0},
                  {"duration_ms", st.integer(3)},
                  {"summary", st.text(4)},
                  {"started", st.text(5)},
                  {"attempts", st.integer(6)},
                  {"log", st.text(7)}};
    // Needs as recorded (absent for builds from before: the API then takes today's pipeline's).
    if (auto needs = json::parse(st.text(8), nullptr, false); needs.is_array())
      stage["needs"] = needs;
    stages.push_back(std::move(stage));
  }
  b["stages"] = stages;
  json pk = json::array();
  Stmt cv(
      *db_,
      "SELECT package, lines_valid, lines_covered, branches_valid, branches_covered FROM coverage "
      "WHERE build = ?1 ORDER BY package");
  cv.bind(1, number);
  while (cv.step())
    pk.push_back({{"package", cv.text(0)},
                  {"lines_valid", cv.integer(1)},
                  {"lines_covered", cv.integer(2)},
                  {"branches_valid", cv.integer(3)},
                  {"branches_covered", cv.integer(4)}});
  b["coverage_packages"] = pk;
  json gate = json::array();
  Stmt g(
      *db_,
      "SELECT metric, name, op, threshold, actual, status FROM gate WHERE build = ?1 ORDER BY ord");
  g.bind(1, number);
  while (g.step())
    gate.push_back({{"metric", g.text(0)},
                    {"name", g.text(1)},
                    {"op", g.text(2)},
                    {"threshold", g.text(3)},
                    {"actual", g.text(4)},
                    {"status", g.text(5)}});
  b["gate_conditions"] = gate;
  json findings = json::array();
  Stmt f(*db_,
         "SELECT source, tool, severity, count FROM findings WHERE build = ?1 ORDER BY source, "
         "tool, severity");
  f.bind(1, number);
  while (f.step())
    findings.push_back({{"source", f.text(0)},
                        {"tool", f.text(1)},
                        {"severity", f.text(2)},
                        {"count", f.integer(3)}});
  b["finding_counts"] = findings;
  json arts = json::array();
  Stmt a(*db_, "SELECT path, size, sha256 FROM artifacts WHERE build = ?1 ORDER BY path");
  a.bind(1, number);
  while (a.step())
    arts.push_back({{"path", a.text(0)}, {"size", a.integer(1)}, {"sha256", a.text(2)}});
  b["artifacts"] = arts;

  // What changed against the previous indexed build.
  auto prev = previous(number);
  b["previous"] = prev ? json(*prev) : json();
  json diff;
  if (prev) {
    auto names = [&](const char* sql) {
      json out = json::array();
      Stmt d(*db_, sql);
      d.bind(1, number).bind(2, *prev);
      while (d.step()) out.push_back(d.text(0));
      return out;
    };
    diff["newly_failing"] = names(
        "SELECT n.nodeid FROM tests t JOIN test_names n ON n.id = t.test WHERE t.build = ?1 AND "
        "t.outcome IN (1,2) "
        "AND NOT EXISTS (SELECT 1 FROM tests p WHERE p.build = ?2 AND p.test = t.test AND "
        "p.outcome IN (1,2)) "
        "ORDER BY n.nodeid");
    diff["fixed"] = names(
        "SELECT n.nodeid FROM tests t JOIN test_names n ON n.id = t.test WHERE t.build = ?1 AND "
        "t.outcome = 0 "
        "AND EXISTS (SELECT 1 FROM tests p WHERE p.build = ?2 AND p.test = t.test AND p.outcome IN "
        "(1,2)) "
        "ORDER BY n.nodeid");
    Stmt pc(*db_, "SELECT coverage, quality, vulns, image_vulns FROM builds WHERE number = ?1");
    pc.bind(1, *prev);
    if (pc.step()) {
      diff["coverage_delta"] = (b["coverage"].is_null() || pc.null(0))
                                   ? json()
                                   : json(b["coverage"].get<double>() - pc.real(0));
      diff["findings_delta"] = {
          {"quality", b["findings"]["quality"].get<int64_t>() - pc.integer(1)},
          {"dependency", b["findings"]["dependency"].get<int64_t>() - pc.integer(2)},
          {"image", b["findings"]["image"].get<int64_t>() - pc.integer(3)}};
    }
  }
  b["diff"] = diff;
  return b;
}

namespace {

// Where a test's failure began, for a test failing in build `number`.
json failure_history(const Db& db, int64_t test, int number) {
  json h;
  Stmt first(db, "SELECT min(build) FROM tests WHERE test = ?1 AND outcome IN (1,2)");
  first.bind(1, test);
  first.step();
  h["first_failed"] = first.null(0) ? json() : json(first.integer(0));
  Stmt pass(db, "SELECT max(build) FROM tests WHERE test = ?1 AND build < ?2 AND outcome = 0");
  pass.bind(1, test).bind(2, number);
  pass.step();
  int64_t last_pass = pass.null(0) ? 0 : pass.integer(0);
  h["last_passed"] = pass.null(0) ? json() : json(last_pass);
  Stmt since(db,
             "SELECT t.build, b.commit_sha FROM tests t JOIN builds b ON b.number = t.build "
             "WHERE t.test = ?1 AND t.build > ?2 AND t.build <= ?3 AND t.outcome IN (1,2) ORDER BY "
             "t.build LIMIT 1");
  since.bind(1, test).bind(2, last_pass).bind(3, number);
  if (since.step()) {
    h["failing_since"] = since.integer(0);
    h["failing_since_commit"] = since.text(1);
  } else {
    h["failing_since"] = number;
  }
  Stmt flaky(db,
             "SELECT 1 FROM tests t JOIN builds b ON b.number = t.build WHERE t.test = ?1 "
             "GROUP BY b.commit_sha HAVING sum(t.outcome = 0) > 0 AND sum(t.outcome IN (1,2)) > 0 "
             "LIMIT 1");
  flaky.bind(1, test);
  h["flaky"] = flaky.step();
  return h;
}

}  // namespace

json Index::tests_of(int number) const {
  json out = json::array();
  Stmt s(*db_,
         "SELECT t.test, n.nodeid, n.classname, n.name, t.outcome, t.duration_us, t.message, "
         "t.file, t.line, n.file "
         "FROM tests t JOIN test_names n ON n.id = t.test WHERE t.build = ?1 "
         "ORDER BY (t.outcome IN (1,2)) DESC, t.outcome = 3 DESC, n.nodeid");
  s.bind(1, number);
  while (s.step()) {
    auto outcome = static_cast<Outcome>(s.integer(4));
    json t = {{"nodeid", s.text(1)},
              {"classname", s.text(2)},
              {"name", s.text(3)},
              {"outcome", to_string(outcome)},
              {"duration_ms", double(s.integer(5)) / 1000.0}};
    if (outcome != Outcome::passed) {
      t["message"] = s.text(6);
      t["file"] = s.null(7) || s.text(7).empty() ? s.text(9) : s.text(7);
      t["line"] = s.integer(8);
    }
    if (is_failure(outcome)) t["history"] = failure_history(*db_, s.integer(0), number);
    out.push_back(std::move(t));
  }
  return out;
}

json Index::test_history(const std::string& nodeid, int limit) const {
  json out;
  out["nodeid"] = nodeid;
  json runs = json::array();
  Stmt s(
      *db_,
      "SELECT t.build, t.outcome, t.duration_us, t.message, b.commit_sha, b.status, t.file, t.line "
      "FROM tests t JOIN test_names n ON n.id = t.test JOIN builds b ON b.number = t.build "
      "WHERE n.nodeid = ?1 ORDER BY t.build DESC LIMIT ?2");
  s.bind(1, nodeid).bind(2, limit);
  int64_t newest_failure = 0;
  while (s.step()) {
    auto o = static_cast<Outcome>(s.integer(1));
    json r = {{"build", s.integer(0)},
              {"outcome", to_string(o)},
              {"duration_ms", double(s.integer(2)) / 1000.0},
              {"commit", s.text(4)},
              {"build_status", s.text(5)}};
    if (o != Outcome::passed) {
      r["message"] = s.text(3);
      r["file"] = s.text(6);
      r["line"] = s.integer(7);
    }
    if (is_failure(o) && !newest_failure) newest_failure = s.integer(0);
    runs.push_back(std::move(r));
  }
  out["runs"] = runs;
  Stmt id(*db_, "SELECT id FROM test_names WHERE nodeid = ?1");
  id.bind(1, nodeid);
  if (id.step() && newest_failure)
    out["failure"] = failure_history(*db_, id.integer(0), static_cast<int>(newest_failure));
  return out;
}

json Index::tests_overview(const std::string& view, int builds, int limit) const {
  json out;
  out["view"] = view;
  Stmt lo(*db_,
          "SELECT coalesce(min(number), 0) FROM (SELECT number FROM builds ORDER BY number DESC "
          "LIMIT ?1)");
  lo.bind(1, builds);
  lo.step();
  int64_t from = lo.integer(0);
  json rows = json::array();
  if (view == "failing") {
    int n = newest();
    Stmt s(*db_,
           "SELECT t.test, n.nodeid, t.outcome, t.message, t.file, t.line FROM tests t JOIN "
           "test_names n "
           "ON n.id = t.test WHERE t.build = ?1 AND t.outcome IN (1,2) ORDER BY n.nodeid LIMIT ?2");
    s.bind(1, n).bind(2, limit);
    while (s.step())
      rows.push_back({{"nodeid", s.text(1)},
                      {"outcome", to_string(static_cast<Outcome>(s.integer(2)))},
                      {"message", s.text(3)},
                      {"file", s.text(4)},
                      {"line", s.integer(5)},
                      {"build", n},
                      {"history", failure_history(*db_, s.integer(0), n)}});
  } else if (view == "flaky") {
    // Only a test that failed in the window can be flaky, and failures are few: find those
    // through the partial failures index, then read just their rows of the window (by
    // tests_by_test), instead of grouping all of the window's rows (60,000 at 2,000 tests).
    Stmt s(*db_,
           "WITH c AS MATERIALIZED (SELECT DISTINCT test FROM tests WHERE outcome IN (1,2) AND "
           "build >= ?1), "
           "w AS MATERIALIZED (SELECT t.test, t.build, t.outcome FROM c JOIN tests t ON t.test = "
           "c.test AND t.build >= ?1) "
           "SELECT n.nodeid, count(*), max(last) FROM (SELECT w.test, b.commit_sha, max(w.build) "
           "AS last "
           "FROM w JOIN builds b ON b.number = w.build GROUP BY w.test, b.commit_sha "
           "HAVING sum(w.outcome = 0) > 0 AND sum(w.outcome IN (1,2)) > 0) f "
           "JOIN test_names n ON n.id = f.test GROUP BY f.test ORDER BY count(*) DESC, n.nodeid "
           "LIMIT ?2");
    s.bind(1, from).bind(2, limit);
    while (s.step())
      rows.push_back(
          {{"nodeid", s.text(0)}, {"flaky_commits", s.integer(1)}, {"last_build", s.integer(2)}});
  } else if (view == "slowest") {
    // Averaged here, not by SQL's GROUP BY: SQLite sorts the window's rows (60,000 at 2,000
    // tests) into a temporary b-tree for that, several times slower than one pass into a map.
    struct Acc {
      int64_t sum = 0, max = 0, n = 0;
    };
    std::unordered_map<int64_t, Acc> acc;
    Stmt w(*db_, "SELECT test, duration_us FROM tests WHERE build >= ?1");
    w.bind(1, from);
    while (w.step()) {
      Acc& a = acc[w.integer(0)];
      int64_t d = w.integer(1);
      a.sum += d;
      a.max = std::max(a.max, d);
      ++a.n;
    }
    std::vector<std::pair<double, int64_t>> order;  // (average, test)
    order.reserve(acc.size());
    for (const auto& [test, a] : acc) order.emplace_back(double(a.sum) / double(a.n), test);
    size_t keep = std::min(order.size(), static_cast<size_t>(std::max(limit, 0)));
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(),
                      [](const auto& x, const auto& y) {
                        return x.first != y.first ? x.first > y.first : x.second < y.second;
                      });
    Stmt name(*db_, "SELECT nodeid FROM test_names WHERE id = ?1");
    for (size_t i = 0; i < keep; ++i) {
      const Acc& a = acc[order[i].second];
      name.bind(1, order[i].second);
      std::string nodeid = name.step() ? name.text(0) : std::string();
      name.reset();
      rows.push_back({{"nodeid", nodeid},
                      {"avg_ms", order[i].first / 1000.0},
                      {"max_ms", double(a.max) / 1000.0},
                      {"runs", a.n}});
    }
  } else if (view == "grid") {
    json numbers = json::array();
    Stmt b(*db_, "SELECT number FROM builds WHERE number >= ?1 ORDER BY number");
    b.bind(1, from);
    std::map<int64_t, size_t> col;
    while (b.step()) {
      col[b.integer(0)] = numbers.size();
      numbers.push_back(b.integer(0));
    }
    out["builds"] = numbers;
    // Tests that failed somewhere in the window first, then the rest by name.
    Stmt s(*db_,
           "WITH w AS MATERIALIZED (SELECT test, outcome FROM tests WHERE build >= ?1) "
           "SELECT w.test, n.nodeid, max(w.outcome IN (1,2)) AS bad FROM w JOIN test_names n "
           "ON n.id = w.test GROUP BY w.test ORDER BY bad DESC, n.nodeid LIMIT ?2");
    s.bind(1, from).bind(2, limit);
    Stmt cells(*db_, "SELECT build, outcome FROM tests WHERE test = ?1 AND build >= ?2");
    while (s.step()) {
      std::string cellstr(numbers.size(), '-');
      cells.bind(1, s.integer(0)).bind(2, from);
      while (cells.step()) {
        auto it = col.find(cells.integer(0));
        if (it != col.end()) cellstr[it->second] = "PFES"[cells.integer(1) & 3];
      }
      cells.reset();
      rows.push_back({{"nodeid", s.text(1)}, {"cells", cellstr}});
    }
  }
  out["tests"] = rows;
  return out;
}

json Index::trends(int limit) const {
  json out;
  json numbers = json::array(), status = json::array(), duration = json::array(),
       passed = json::array(), failed = json::array(), skipped = json::array(),
       coverage = json::array(), crit = json::array(), high = json::array(), med = json::array(),
       low = json::array(), quality = json::array(), ratings = json::array();
  Stmt s(*db_,
         "SELECT * FROM (SELECT number, status, duration_ms, passed, failed + errors, skipped, "
         "coverage, "
         "critical, high, medium, low, quality, ratings FROM builds ORDER BY number DESC LIMIT ?1) "
         "ORDER BY number");
  s.bind(1, limit);
  std::map<int64_t, size_t> col;
  while (s.step()) {
    col[s.integer(0)] = numbers.size();
    numbers.push_back(s.integer(0));
    status.push_back(s.text(1));
    duration.push_back(s.integer(2));
    passed.push_back(s.integer(3));
    failed.push_back(s.integer(4));
    skipped.push_back(s.integer(5));
    coverage.push_back(opt_real(s, 6));
    crit.push_back(s.integer(7));
    high.push_back(s.integer(8));
    med.push_back(s.integer(9));
    low.push_back(s.integer(10));
    quality.push_back(s.integer(11));
    std::string r = s.text(12);
    ratings.push_back(r.empty() ? json() : json::parse(r, nullptr, false));
  }
  out["builds"] = numbers;
  out["status"] = status;
  out["duration_ms"] = duration;
  out["tests"] = {{"passed", passed}, {"failed", failed}, {"skipped", skipped}};
  out["coverage"] = coverage;
  out["vulnerabilities"] = {{"critical", crit}, {"high", high}, {"medium", med}, {"low", low}};
  out["quality_findings"] = quality;
  out["ratings"] = ratings;
  json stages = json::object();
  if (!numbers.empty()) {
    Stmt st(*db_,
            "SELECT build, id, duration_ms FROM stages WHERE build >= ?1 ORDER BY build, ord");
    st.bind(1, numbers.front().get<int64_t>());
    while (st.step()) {
      std::string id = st.text(1);
      if (!stages.contains(id)) stages[id] = json(std::vector<json>(numbers.size(), json()));
      auto it = col.find(st.integer(0));
      if (it != col.end()) stages[id][it->second] = st.integer(2);
    }
  }
  out["stage_duration_ms"] = stages;
  return out;
}

}  // namespace pw::history
