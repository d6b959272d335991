#include "history/index.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "history/sqlite.h"
#include "history/test_runs.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/numbers.h"
#include "util/thread_pool.h"

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
      // 4: a build's tests as one packed record (test_runs, see test_runs.h) plus rows for the
      // tests that did not pass (test_failures): one row per test (20 million at 10,000 builds of
      // 2,000 tests) cannot be written within the rebuild's 10 s. The old rows are not converted:
      // the index is a cache of the build folders, so it is emptied and the next sync reads every
      // folder again. first_seen (the lowest build a name was added with) bounds the walks back
      // through the blobs for a test's passes.
      R"sql(
DROP INDEX IF EXISTS tests_failures;
DROP INDEX IF EXISTS tests_by_test;
DROP TABLE tests;
DELETE FROM builds;
DELETE FROM stages;
DELETE FROM test_names;
DELETE FROM coverage;
DELETE FROM findings;
DELETE FROM gate;
DELETE FROM artifacts;
ALTER TABLE test_names ADD COLUMN first_seen INTEGER;
CREATE TABLE test_runs(build INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE test_failures(
  build INTEGER NOT NULL, test INTEGER NOT NULL, outcome INTEGER NOT NULL, duration_us INTEGER,
  message TEXT, file TEXT, line INTEGER, PRIMARY KEY(build, test)) WITHOUT ROWID;
CREATE INDEX test_failures_by_test ON test_failures(test, build);
CREATE INDEX builds_commit ON builds(commit_sha, number);
CREATE INDEX builds_status ON builds(status, number);
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
      int now = static_cast<int>(again.integer(0));
      again.reset();  // a statement left running would lock the tables a migration drops
      if (now > v) {
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

// The statements that write one build, prepared once for all the builds of an add or a sync,
// and the test names already seen (nodeid -> id, first_seen).
struct Index::Writer {
  Writer(Db& db, bool every_name)
      : db(db),
        every_name(every_name),
        ins_build(db,
                  R"sql(INSERT INTO builds(number, status, project, commit_sha, message, branch,
      started, duration_ms, trigger, tests, passed, failed, errors, skipped, coverage,
      line_coverage, branch_coverage, quality, vulns, image_vulns, critical, high, medium, low,
      gate, ratings, problems, record_mtime, indexed_at) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,
      ?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29))sql"),
        ins_stage(db, "INSERT INTO stages VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"),
        name_get(db, "SELECT id, coalesce(first_seen, 0) FROM test_names WHERE nodeid = ?1"),
        name_put(db,
                 "INSERT INTO test_names(nodeid, classname, name, file, first_seen) "
                 "VALUES(?1, ?2, ?3, ?4, ?5)"),
        name_first(db, "UPDATE test_names SET first_seen = ?2 WHERE id = ?1"),
        ins_runs(db, "INSERT OR REPLACE INTO test_runs(build, data) VALUES(?1, ?2)"),
        ins_failure(db, "INSERT OR REPLACE INTO test_failures VALUES(?1,?2,?3,?4,?5,?6,?7)"),
        ins_coverage(db, "INSERT OR REPLACE INTO coverage VALUES(?1,?2,?3,?4,?5,?6)"),
        ins_finding(db, "INSERT OR REPLACE INTO findings VALUES(?1,?2,?3,?4,?5)"),
        ins_gate(db, "INSERT INTO gate VALUES(?1,?2,?3,?4,?5,?6,?7,?8)"),
        ins_artifact(db, "INSERT OR REPLACE INTO artifacts VALUES(?1,?2,?3,?4)") {
    for (const char* sql :
         {"DELETE FROM builds WHERE number = ?1", "DELETE FROM stages WHERE build = ?1",
          "DELETE FROM test_runs WHERE build = ?1", "DELETE FROM test_failures WHERE build = ?1",
          "DELETE FROM coverage WHERE build = ?1", "DELETE FROM findings WHERE build = ?1",
          "DELETE FROM gate WHERE build = ?1", "DELETE FROM artifacts WHERE build = ?1"})
      deletes.push_back(std::make_unique<Stmt>(db, sql));
    if (every_name) {
      Stmt q(db, "SELECT nodeid, id, coalesce(first_seen, 0) FROM test_names");
      while (q.step()) names.emplace(q.text(0), Name{q.integer(1), q.integer(2)});
    }
  }
  void remove(int number) {
    for (auto& d : deletes) {
      d->bind(1, number);
      d->run();
    }
  }
  // The id of a test's name, added when new; first_seen lowered when `build` is older.
  int64_t id(const TestCase& t, int build) {
    auto it = names.find(t.nodeid);
    if (it == names.end() && !every_name) {
      name_get.bind(1, t.nodeid);
      if (name_get.step())
        it = names.emplace(t.nodeid, Name{name_get.integer(0), name_get.integer(1)}).first;
      name_get.reset();
    }
    if (it == names.end()) {
      name_put.bind(1, t.nodeid)
          .bind(2, t.classname)
          .bind(3, t.name)
          .bind(4, t.file)
          .bind(5, build);
      name_put.run();
      return names.emplace(t.nodeid, Name{sqlite3_last_insert_rowid(db.handle()), build})
          .first->second.id;
    }
    if (it->second.first_seen > build) {
      name_first.bind(1, it->second.id).bind(2, build);
      name_first.run();
      it->second.first_seen = build;
    }
    return it->second.id;
  }

  struct Name {
    int64_t id, first_seen;
  };
  Db& db;
  bool every_name;  // names holds every row of test_names (a bulk load keeps them in memory)
  std::unordered_map<std::string, Name> names;
  std::vector<std::unique_ptr<Stmt>> deletes;
  Stmt ins_build, ins_stage, name_get, name_put, name_first, ins_runs, ins_failure, ins_coverage,
      ins_finding, ins_gate, ins_artifact;
};

void Index::add(int number) { add(read_build(builds_ / std::to_string(number))); }

void Index::add(const BuildFacts& b) {
  db_->exec("BEGIN IMMEDIATE");
  try {
    Writer w(*db_, false);
    insert_rows(b, w);
    db_->exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void Index::insert_rows(const BuildFacts& b, Writer& w) {
  const auto& r = b.record;
  w.remove(r.number);
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
  Stmt& ins = w.ins_build;
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
  ins.bind(18, quality).bind(19, vulns).bind(20, image).bind(21, crit).bind(22, high).bind(23, med);
  ins.bind(24, low)
      .bind(25, b.gate_status)
      .bind(26, b.ratings.is_null() ? std::string() : b.ratings.dump());
  ins.bind(27, json(b.problems).dump()).bind(28, b.record_mtime).bind(29, iso8601_now());
  ins.run();

  Stmt& st = w.ins_stage;
  int ord = 0;
  for (const auto& s : r.stages) {
    st.bind(1, r.number).bind(2, ord++).bind(3, s.id).bind(4, engine::to_string(s.status));
    st.bind(5, s.blocking ? 1 : 0).bind(6, s.duration_ms).bind(7, s.summary).bind(8, s.started);
    st.bind(9, s.attempts).bind(10, s.log);
    auto needs = r.needs.find(s.id);
    st.bind(11, needs == r.needs.end() ? std::string() : json(needs->second).dump());
    st.run();
  }
  // Every test in one packed record; rows only for those that did not pass.
  std::vector<TestRun> runs;
  runs.reserve(b.tests.size());
  for (const auto& t : b.tests) {
    int64_t id = w.id(t, r.number);
    runs.push_back({id, t.outcome, t.duration_us});
    if (t.outcome == Outcome::passed) continue;
    w.ins_failure.bind(1, r.number)
        .bind(2, id)
        .bind(3, static_cast<int>(t.outcome))
        .bind(4, t.duration_us);
    w.ins_failure.bind(5, t.message).bind(6, t.file).bind(7, t.line);
    w.ins_failure.run();
  }
  w.ins_runs.bind(1, r.number).bind_blob(2, encode_runs(std::move(runs)));
  w.ins_runs.run();
  Stmt& cv = w.ins_coverage;
  for (const auto& p : b.coverage_packages) {
    cv.bind(1, r.number).bind(2, p.name).bind(3, p.lines_valid).bind(4, p.lines_covered);
    cv.bind(5, p.branches_valid).bind(6, p.branches_covered);
    cv.run();
  }
  Stmt& fd = w.ins_finding;
  for (const auto& f : b.findings) {
    fd.bind(1, r.number).bind(2, f.source).bind(3, f.tool).bind(4, f.severity).bind(5, f.count);
    fd.run();
  }
  Stmt& gt = w.ins_gate;
  ord = 0;
  for (const auto& c : b.gate) {
    gt.bind(1, r.number).bind(2, ord++).bind(3, c.metric).bind(4, c.name).bind(5, c.op);
    gt.bind(6, c.threshold).bind(7, c.actual).bind(8, c.status);
    gt.run();
  }
  Stmt& ar = w.ins_artifact;
  for (const auto& a : b.artifacts) {
    ar.bind(1, r.number).bind(2, a.path).bind(3, a.size).bind(4, a.sha256);
    ar.run();
  }
}

void Index::remove(int number) {
  db_->exec("BEGIN IMMEDIATE");
  try {
    Writer(*db_, false).remove(number);
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

std::string rel(int n) { return "builds/" + std::to_string(n); }

}  // namespace

std::vector<int> Index::folders() const {
  struct stat st {};
  int64_t mtime = 0;
  if (::stat(builds_.c_str(), &st) == 0)
    mtime = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  std::lock_guard lock(folders_mu_);
  if (mtime != folders_mtime_) {
    folders_ = folder_numbers(builds_);
    // A folder's mtime has the kernel's coarse clock (a few ms): one made within the same tick as
    // this listing would not change it. A listing is trusted only when the folder had been still
    // for two seconds before it.
    auto now = std::chrono::system_clock::now().time_since_epoch();
    int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
    folders_mtime_ = now_ns - mtime > 2'000'000'000 ? mtime : -1;
  }
  return folders_;
}

SyncResult Index::rebuild() {
  db_->exec("BEGIN IMMEDIATE");
  for (const char* t : {"builds", "stages", "test_runs", "test_failures", "test_names", "coverage",
                        "findings", "gate", "artifacts"})
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
  std::vector<int> folders = this->folders();
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
    if (it != indexed.end() && it->second == record_mtime_ns(dir / "build.json")) continue;
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
  // The index is a cache of the build folders: a crash halfway loses nothing that a sync cannot
  // redo, so the bulk load does not wait for the disk after every transaction.
  db_->exec("PRAGMA synchronous=OFF");
  bool in_tx = false;
  auto finish = [&] {
    if (in_tx) sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    in_tx = false;
    sqlite3_exec(db_->handle(), "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
  };
  using Read = std::pair<std::optional<BuildFacts>, std::string>;
  auto read = [this](int n) -> Read {
    try {
      return {read_build(builds_ / std::to_string(n)), ""};
    } catch (const Error& e) {
      return {std::nullopt, e.what()};
    }
  };
  try {
    Writer w(*db_, true);
    // Reading a folder (XML and JSON) costs several times what writing it does: readers on every
    // core parse the folders ahead while this thread writes them in build order. A window of
    // folders in flight bounds the memory.
    ThreadPool pool(std::max(1u, std::thread::hardware_concurrency()));
    const size_t window = 4 * pool.size() + 4;
    std::deque<std::future<Read>> ahead;
    size_t next = 0;
    auto fill = [&] {
      while (next < numbers.size() && ahead.size() < window)
        ahead.push_back(pool.submit([&read, n = numbers[next++]] { return read(n); }));
    };
    int in_batch = 0;
    for (size_t i = 0; i < numbers.size(); ++i) {
      fill();
      Read got = ahead.front().get();
      ahead.pop_front();
      auto& [facts, error] = got;
      if (!facts) {
        res.skipped.push_back(rel(numbers[i]) + ": " + error);
        continue;
      }
      if (facts->record.status == engine::Status::running) continue;  // added when it ends
      if (!in_tx) {
        db_->exec("BEGIN IMMEDIATE");
        in_tx = true;
      }
      insert_rows(*facts, w);
      ++res.added;
      if (++in_batch == 256) {
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
  // Both sorted: one merge, no set of 10,000 numbers.
  std::vector<int> out;
  std::vector<int> all = folders();
  Stmt q(*db_, "SELECT number FROM builds ORDER BY number");
  bool more = q.step();
  for (int n : all) {
    while (more && q.integer(0) < n) more = q.step();
    if (!more || q.integer(0) != n) out.push_back(n);
  }
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
  // Only the filters given, so that SQLite can use builds_status and builds_branch (an OR with
  // an empty parameter would scan all the builds).
  std::string where = " WHERE 1";
  if (!q.status.empty()) where += " AND status = ?1";
  if (!q.branch.empty()) where += " AND branch = ?2";
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
        "SELECT n.nodeid FROM test_failures t JOIN test_names n ON n.id = t.test WHERE t.build = "
        "?1 AND t.outcome IN (1,2) AND NOT EXISTS (SELECT 1 FROM test_failures p WHERE p.build = "
        "?2 AND p.test = t.test AND p.outcome IN (1,2)) ORDER BY n.nodeid");
    // Fixed: failing in the previous build (indexed rows), passed in this one (its blob).
    json fixed = json::array();
    Stmt was(*db_,
             "SELECT p.test, n.nodeid FROM test_failures p JOIN test_names n ON n.id = p.test "
             "WHERE p.build = ?1 AND p.outcome IN (1,2) ORDER BY n.nodeid");
    was.bind(1, *prev);
    Stmt runs(*db_, "SELECT data FROM test_runs WHERE build = ?1");
    runs.bind(1, number);
    if (runs.step()) {
      std::string blob(runs.blob(0));
      while (was.step()) {
        auto run = find_run(blob, was.integer(0));
        if (run && run->outcome == Outcome::passed) fixed.push_back(was.text(1));
      }
    }
    diff["fixed"] = fixed;
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

// The packed runs of the indexed builds from `from` down (newest first), for the walks back
// through a test's history. Builds below first_seen cannot hold the test: the walk stops there.
class RunsDown {
 public:
  RunsDown(const Db& db, int64_t below, int64_t down_to)
      : s_(db,
           "SELECT r.build, r.data, b.commit_sha, b.status FROM test_runs r JOIN builds b ON "
           "b.number = r.build WHERE r.build < ?1 AND r.build >= ?2 ORDER BY r.build DESC") {
    s_.bind(1, below).bind(2, down_to);
  }
  bool next() { return s_.step(); }
  int64_t build() const { return s_.integer(0); }
  std::string_view blob() const { return s_.blob(1); }
  std::string commit() const { return s_.text(2); }
  std::string status() const { return s_.text(3); }

 private:
  Stmt s_;
};

int64_t first_seen(const Db& db, int64_t test) {
  Stmt s(db, "SELECT coalesce(first_seen, 0) FROM test_names WHERE id = ?1");
  s.bind(1, test);
  return s.step() ? s.integer(0) : 0;
}

// Did `test` pass in a build of `commit`? The commit's builds' blobs say (few builds a commit).
bool passed_on_commit(const Db& db, int64_t test, const std::string& commit, int64_t since) {
  Stmt s(db,
         "SELECT r.data FROM builds b JOIN test_runs r ON r.build = b.number WHERE b.commit_sha = "
         "?1 AND b.number >= ?2");
  s.bind(1, commit).bind(2, since);
  while (s.step()) {
    auto run = find_run(s.blob(0), test);
    if (run && run->outcome == Outcome::passed) return true;
  }
  return false;
}

// Where a test's failure began, for a test failing in build `number`.
json failure_history(const Db& db, int64_t test, int number) {
  json h;
  Stmt first(db, "SELECT min(build) FROM test_failures WHERE test = ?1 AND outcome IN (1,2)");
  first.bind(1, test);
  first.step();
  h["first_failed"] = first.null(0) ? json() : json(first.integer(0));
  // The last pass before `number`: walk back through the builds, skipping those where the test
  // has a row (it did not pass there) without decoding their blobs.
  int64_t seen = first_seen(db, test);
  std::set<int64_t> not_passed;
  {
    Stmt np(db, "SELECT build FROM test_failures WHERE test = ?1 AND build < ?2");
    np.bind(1, test).bind(2, number);
    while (np.step()) not_passed.insert(np.integer(0));
  }
  int64_t last_pass = 0;
  for (RunsDown r(db, number, seen); r.next();) {
    if (not_passed.count(r.build())) continue;
    auto run = find_run(r.blob(), test);
    if (run && run->outcome == Outcome::passed) {
      last_pass = r.build();
      break;
    }
  }
  h["last_passed"] = last_pass ? json(last_pass) : json();
  Stmt since(db,
             "SELECT t.build, b.commit_sha FROM test_failures t JOIN builds b ON b.number = "
             "t.build WHERE t.test = ?1 AND t.build > ?2 AND t.build <= ?3 AND t.outcome IN "
             "(1,2) ORDER BY t.build LIMIT 1");
  since.bind(1, test).bind(2, last_pass).bind(3, number);
  if (since.step()) {
    h["failing_since"] = since.integer(0);
    h["failing_since_commit"] = since.text(1);
  } else {
    h["failing_since"] = number;
  }
  // Flaky: passed and failed on one commit. Only the commits it failed on can say so.
  bool flaky = false;
  Stmt commits(db,
               "SELECT DISTINCT b.commit_sha FROM test_failures t JOIN builds b ON b.number = "
               "t.build WHERE t.test = ?1 AND t.outcome IN (1,2)");
  commits.bind(1, test);
  while (!flaky && commits.step()) flaky = passed_on_commit(db, test, commits.text(0), seen);
  h["flaky"] = flaky;
  return h;
}

struct Detail {
  std::string message, file;
  int64_t line = 0;
  bool file_null = true;
};

// What the index keeps of the tests of `build` that did not pass: test id -> details.
std::unordered_map<int64_t, Detail> details_of(const Db& db, int64_t build) {
  std::unordered_map<int64_t, Detail> out;
  Stmt s(db, "SELECT test, message, file, line FROM test_failures WHERE build = ?1");
  s.bind(1, build);
  while (s.step()) out[s.integer(0)] = {s.text(1), s.text(2), s.integer(3), s.null(2)};
  return out;
}

struct Names {
  std::string nodeid, classname, name, file;
};

// test id -> its names, for the ids given.
std::unordered_map<int64_t, Names> names_of(const Db& db, const std::vector<int64_t>& ids) {
  std::unordered_map<int64_t, Names> out;
  out.reserve(ids.size());
  Stmt count(db, "SELECT coalesce(max(id), 0) FROM test_names");
  count.step();
  if (static_cast<int64_t>(ids.size()) * 4 >= count.integer(0)) {
    // Most of the names (a build's every test): one pass over the table costs less than a
    // lookup each.
    std::unordered_set<int64_t> want(ids.begin(), ids.end());
    Stmt all(db, "SELECT id, nodeid, classname, name, file FROM test_names");
    while (all.step())
      if (want.count(all.integer(0)))
        out[all.integer(0)] = {all.text(1), all.text(2), all.text(3), all.text(4)};
    return out;
  }
  Stmt s(db, "SELECT nodeid, classname, name, file FROM test_names WHERE id = ?1");
  for (int64_t id : ids) {
    s.bind(1, id);
    if (s.step()) out[id] = {s.text(0), s.text(1), s.text(2), s.text(3)};
    s.reset();
  }
  return out;
}

// Calls fn(build, commit, runs blob) for each indexed build from `from` up, in build order.
template <class F>
void window_runs(const Db& db, int64_t from, F&& fn) {
  Stmt s(db,
         "SELECT r.build, b.commit_sha, r.data FROM test_runs r JOIN builds b ON b.number = "
         "r.build WHERE r.build >= ?1 ORDER BY r.build");
  s.bind(1, from);
  while (s.step()) fn(s.integer(0), s.view(1), s.blob(2));
}

}  // namespace

json Index::tests_of(int number) const {
  json out = json::array();
  Stmt rs(*db_, "SELECT data FROM test_runs WHERE build = ?1");
  rs.bind(1, number);
  if (!rs.step()) return out;
  std::vector<TestRun> runs = decode_runs(rs.blob(0));
  rs.reset();
  std::vector<int64_t> ids;
  ids.reserve(runs.size());
  for (const auto& r : runs) ids.push_back(r.test);
  auto names = names_of(*db_, ids);
  auto details = details_of(*db_, number);
  // Failures first, then skipped, then the passes; by node id within each.
  auto group = [](Outcome o) { return is_failure(o) ? 0 : o == Outcome::skipped ? 1 : 2; };
  static const Names kNone;
  std::vector<std::pair<const TestRun*, const Names*>> order;
  order.reserve(runs.size());
  for (const auto& r : runs) {
    auto it = names.find(r.test);
    order.emplace_back(&r, it == names.end() ? &kNone : &it->second);
  }
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    int ga = group(a.first->outcome), gb = group(b.first->outcome);
    if (ga != gb) return ga < gb;
    return a.second->nodeid < b.second->nodeid;
  });
  for (const auto& [run, name] : order) {
    const TestRun& r = *run;
    const Names& n = *name;
    json t = {{"nodeid", n.nodeid},
              {"classname", n.classname},
              {"name", n.name},
              {"outcome", to_string(r.outcome)},
              {"duration_ms", double(r.duration_us) / 1000.0}};
    if (r.outcome != Outcome::passed) {
      const Detail& d = details[r.test];
      t["message"] = d.message;
      t["file"] = d.file_null || d.file.empty() ? n.file : d.file;
      t["line"] = d.line;
    }
    if (is_failure(r.outcome)) t["history"] = failure_history(*db_, r.test, number);
    out.push_back(std::move(t));
  }
  return out;
}

json Index::test_history(const std::string& nodeid, int limit) const {
  json out;
  out["nodeid"] = nodeid;
  json runs = json::array();
  Stmt id(*db_, "SELECT id, coalesce(first_seen, 0) FROM test_names WHERE nodeid = ?1");
  id.bind(1, nodeid);
  int64_t test = 0, newest_failure = 0;
  if (id.step()) {
    test = id.integer(0);
    Stmt detail(*db_,
                "SELECT message, file, line FROM test_failures WHERE build = ?1 AND test = ?2");
    size_t want = limit < 0 ? SIZE_MAX : static_cast<size_t>(limit);
    for (RunsDown r(*db_, INT64_MAX, id.integer(1)); runs.size() < want && r.next();) {
      auto run = find_run(r.blob(), test);
      if (!run) continue;
      json j = {{"build", r.build()},
                {"outcome", to_string(run->outcome)},
                {"duration_ms", double(run->duration_us) / 1000.0},
                {"commit", r.commit()},
                {"build_status", r.status()}};
      if (run->outcome != Outcome::passed) {
        detail.bind(1, r.build()).bind(2, test);
        bool found = detail.step();
        j["message"] = found ? detail.text(0) : std::string();
        j["file"] = found ? detail.text(1) : std::string();
        j["line"] = found ? detail.integer(2) : 0;
        detail.reset();
      }
      if (is_failure(run->outcome) && !newest_failure) newest_failure = r.build();
      runs.push_back(std::move(j));
    }
  }
  out["runs"] = runs;
  if (test && newest_failure)
    out["failure"] = failure_history(*db_, test, static_cast<int>(newest_failure));
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
  size_t keep_at_most = limit < 0 ? SIZE_MAX : static_cast<size_t>(limit);
  json rows = json::array();
  if (view == "failing") {
    int n = newest();
    Stmt s(*db_,
           "SELECT t.test, n.nodeid, t.outcome, t.message, t.file, t.line FROM test_failures t "
           "JOIN test_names n ON n.id = t.test WHERE t.build = ?1 AND t.outcome IN (1,2) ORDER BY "
           "n.nodeid LIMIT ?2");
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
    // through the indexed failure rows, then read just their runs from the window's blobs.
    std::set<int64_t> candidates;
    {
      Stmt c(*db_,
             "SELECT DISTINCT test FROM test_failures WHERE build >= ?1 AND outcome IN (1,2)");
      c.bind(1, from);
      while (c.step()) candidates.insert(c.integer(0));
    }
    struct Group {
      int64_t passed = 0, failed = 0, last = 0;
    };
    std::map<std::pair<int64_t, std::string>, Group> groups;  // (test, commit)
    if (!candidates.empty())
      window_runs(*db_, from, [&](int64_t build, std::string_view commit, std::string_view blob) {
        for_each_run(blob, [&](const TestRun& r) {
          if (candidates.count(r.test)) {
            Group& g = groups[{r.test, std::string(commit)}];
            g.passed += r.outcome == Outcome::passed;
            g.failed += is_failure(r.outcome);
            g.last = std::max(g.last, build);
          }
          return true;
        });
      });
    std::map<int64_t, std::pair<int64_t, int64_t>> flaky;  // test -> (commits, last build)
    for (const auto& [key, g] : groups)
      if (g.passed > 0 && g.failed > 0) {
        auto& f = flaky[key.first];
        ++f.first;
        f.second = std::max(f.second, g.last);
      }
    std::vector<int64_t> ids;
    for (const auto& [test, f] : flaky) ids.push_back(test);
    auto names = names_of(*db_, ids);
    std::sort(ids.begin(), ids.end(), [&](int64_t a, int64_t b) {
      if (flaky[a].first != flaky[b].first) return flaky[a].first > flaky[b].first;
      return names[a].nodeid < names[b].nodeid;
    });
    for (size_t i = 0; i < ids.size() && i < keep_at_most; ++i)
      rows.push_back({{"nodeid", names[ids[i]].nodeid},
                      {"flaky_commits", flaky[ids[i]].first},
                      {"last_build", flaky[ids[i]].second}});
  } else if (view == "slowest") {
    struct Acc {
      int64_t sum = 0, max = 0, n = 0;
    };
    std::unordered_map<int64_t, Acc> acc;
    window_runs(*db_, from, [&](int64_t, std::string_view, std::string_view blob) {
      for_each_run(blob, [&](const TestRun& r) {
        Acc& a = acc[r.test];
        a.sum += r.duration_us;
        a.max = std::max(a.max, r.duration_us);
        ++a.n;
        return true;
      });
    });
    std::vector<std::pair<double, int64_t>> order;  // (average, test)
    order.reserve(acc.size());
    for (const auto& [test, a] : acc) order.emplace_back(double(a.sum) / double(a.n), test);
    size_t keep = std::min(order.size(), static_cast<size_t>(std::max(limit, 0)));
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(),
                      [](const auto& x, const auto& y) {
                        return x.first != y.first ? x.first > y.first : x.second < y.second;
                      });
    std::vector<int64_t> ids;
    for (size_t i = 0; i < keep; ++i) ids.push_back(order[i].second);
    auto names = names_of(*db_, ids);
    for (size_t i = 0; i < keep; ++i) {
      const Acc& a = acc[order[i].second];
      rows.push_back({{"nodeid", names[order[i].second].nodeid},
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
    struct Row {
      bool bad = false;
      std::string cells;
    };
    std::unordered_map<int64_t, Row> grid;
    window_runs(*db_, from, [&](int64_t build, std::string_view, std::string_view blob) {
      auto c = col.find(build);
      for_each_run(blob, [&](const TestRun& r) {
        Row& row = grid[r.test];
        if (row.cells.empty()) row.cells.assign(numbers.size(), '-');
        row.bad = row.bad || is_failure(r.outcome);
        if (c != col.end()) row.cells[c->second] = "PFES"[static_cast<int>(r.outcome) & 3];
        return true;
      });
    });
    // Tests that failed somewhere in the window first, then the rest by name.
    std::vector<int64_t> ids;
    ids.reserve(grid.size());
    for (const auto& [test, row] : grid) ids.push_back(test);
    auto names = names_of(*db_, ids);
    std::sort(ids.begin(), ids.end(), [&](int64_t x, int64_t y) {
      if (grid[x].bad != grid[y].bad) return grid[x].bad;
      return names[x].nodeid < names[y].nodeid;
    });
    for (size_t i = 0; i < ids.size() && i < keep_at_most; ++i)
      rows.push_back({{"nodeid", names[ids[i]].nodeid}, {"cells", grid[ids[i]].cells}});
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
  // Filled in plain containers, then made JSON once: 100 builds of 50 stages are 5,000 cells,
  // each a lookup by name in a JSON object otherwise.
  std::map<std::string, std::vector<json>, std::less<>> stages;
  if (!numbers.empty()) {
    Stmt st(*db_,
            "SELECT build, id, duration_ms FROM stages WHERE build >= ?1 ORDER BY build, ord");
    st.bind(1, numbers.front().get<int64_t>());
    while (st.step()) {
      auto row = stages.find(st.view(1));
      if (row == stages.end())
        row = stages.emplace(st.text(1), std::vector<json>(numbers.size(), json())).first;
      auto it = col.find(st.integer(0));
      if (it != col.end()) row->second[it->second] = st.integer(2);
    }
  }
  json by_stage = json::object();
  for (auto& [id, cells] : stages) by_stage[id] = std::move(cells);
  out["stage_duration_ms"] = std::move(by_stage);
  return out;
}

}  // namespace pw::history
