// The SQLite advisory store: schema and migrations, the transactional import, the match index.
#include "security/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "security/ecosystem.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/sqlite.h"
#include "util/strings.h"
#include "util/thread_pool.h"

namespace pw::security {

namespace {

// Forward-only migrations: entry i takes the schema from version i to i + 1. Never edit a
// shipped entry; append a new one.
const std::vector<const char*>& migrations() {
  static const std::vector<const char*> m = {
      R"sql(
CREATE TABLE sources(
  id INTEGER PRIMARY KEY,
  location TEXT NOT NULL UNIQUE,
  imported_at TEXT NOT NULL,
  imported_at_unix INTEGER NOT NULL,
  records INTEGER NOT NULL DEFAULT 0);
CREATE TABLE source_counts(
  source_id INTEGER NOT NULL,
  ecosystem TEXT NOT NULL,
  records INTEGER NOT NULL,
  PRIMARY KEY(source_id, ecosystem));
CREATE TABLE records(
  id TEXT PRIMARY KEY,
  modified TEXT NOT NULL,
  source_id INTEGER NOT NULL,
  summary TEXT NOT NULL,
  details TEXT NOT NULL,
  aliases TEXT NOT NULL,
  rating TEXT NOT NULL,
  score REAL,
  vector TEXT NOT NULL,
  vector_type TEXT NOT NULL,
  severity_source TEXT NOT NULL,
  json TEXT NOT NULL);
CREATE INDEX records_by_source ON records(source_id);
CREATE TABLE affected(
  ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  record_id TEXT NOT NULL,
  package TEXT NOT NULL,
  ranges TEXT NOT NULL);
CREATE INDEX affected_by_name ON affected(ecosystem, name);
CREATE INDEX affected_by_record ON affected(record_id);
CREATE TABLE listed(
  ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  key TEXT NOT NULL,
  record_id TEXT NOT NULL,
  PRIMARY KEY(ecosystem, name, key, record_id)) WITHOUT ROWID;
)sql",
      // 2: the whole record's JSON moves to its own table. Inline, it pushed every records row
      // to overflow pages, so a scan fetching a thousand advisories touched thousands of pages.
      R"sql(
CREATE TABLE record_json(
  id TEXT PRIMARY KEY,
  json TEXT NOT NULL);
INSERT INTO record_json(id, json) SELECT id, json FROM records;
ALTER TABLE records DROP COLUMN json;
)sql",
  };
  return m;
}

// An SQLite error naming the database file, so that "database or disk is full" says which disk.
std::string db_error(sqlite3* db, const std::string& message) {
  const char* file = sqlite3_db_filename(db, "main");
  return std::string("advisory database") + (file && *file ? std::string(" ") + file : "") + ": " +
         message;
}

// A prepared statement kept for the store's life, reset after each use; a failure names the
// database file.
class Stmt : public sqlite::Statement {
 public:
  Stmt(sqlite3* db, const char* sql)
      : sqlite::Statement(db, sql, SQLITE_PREPARE_PERSISTENT, [db](const std::string&) {
          throw Error(db_error(db, sqlite3_errmsg(db)));
        }) {}
};

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw Error(db_error(db, msg));
  }
}

// RFC 3339 timestamps compared as text go wrong on fractions ("...23.9Z" < "...23Z" by
// bytes): pad the fraction to nine digits so text order is time order (UTC "Z", as OSV writes).
std::string time_key(std::string_view t) {
  if (t.size() < 19) return std::string(t);
  std::string out(t.substr(0, 19));
  std::string frac;
  size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    for (++i; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) frac += t[i];
  }
  frac.resize(9, '0');
  return out + "." + frac + std::string(t.substr(i));
}

char event_code(EventKind k) {
  switch (k) {
    case EventKind::introduced:
      return 'i';
    case EventKind::fixed:
      return 'f';
    case EventKind::last_affected:
      return 'l';
    case EventKind::limit:
      return 'm';
  }
  return '?';
}

// Ranges as compact text: one line per range, events tab-separated, each a kind letter and the
// version, after an "s" for a SEMVER range. Valid versions of a scheme never hold tabs or
// newlines, and only ranges with an order (the ecosystem's, or SemVer) are kept (osv.cpp).
std::string encode_ranges(const std::vector<Range>& ranges) {
  std::string out;
  for (size_t r = 0; r < ranges.size(); ++r) {
    if (r) out += '\n';
    if (ranges[r].type == RangeType::semver) out += "s\t";  // 's' is no event's letter
    for (size_t e = 0; e < ranges[r].events.size(); ++e) {
      if (e) out += '\t';
      out += event_code(ranges[r].events[e].kind);
      out += ranges[r].events[e].version;
    }
  }
  return out;
}

std::vector<Range> decode_ranges(std::string_view text) {
  std::vector<Range> out;
  if (text.empty()) return out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    Range range;
    std::string_view line = text.substr(start, end - start);
    size_t p = 0;
    while (p < line.size()) {
      size_t q = line.find('\t', p);
      if (q == std::string_view::npos) q = line.size();
      if (q - p == 1 && line[p] == 's') {
        range.type = RangeType::semver;
        p = q + 1;
        continue;
      }
      Event e;
      switch (line[p]) {
        case 'i':
          e.kind = EventKind::introduced;
          break;
        case 'f':
          e.kind = EventKind::fixed;
          break;
        case 'l':
          e.kind = EventKind::last_affected;
          break;
        default:
          e.kind = EventKind::limit;
          break;
      }
      e.version = std::string(line.substr(p + 1, q - p - 1));
      range.events.push_back(std::move(e));
      p = q + 1;
    }
    out.push_back(std::move(range));
    start = end + 1;
  }
  return out;
}

// One ParseOutcome per document, in order, parsed on up to hardware_concurrency threads.
std::vector<ParseOutcome> parse_parallel(const std::vector<SourceDocument>& docs) {
  std::vector<ParseOutcome> out(docs.size());
  size_t workers = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), 8);
  // parse_osv reports a bad record in its outcome; anything it throws reaches this thread.
  parallel_for(docs.size(), workers,
               [&](size_t i) { parse_osv(docs[i].text, docs[i].format, docs[i].name, out[i]); });
  return out;
}

std::string normalized_name(std::string_view ecosystem, std::string_view name) {
  const VersionScheme* scheme = scheme_for(ecosystem);
  return scheme ? scheme->normalize_name(name) : std::string(name);
}

// One entry of the `listed` table.
struct ListedKey {
  std::string ecosystem, name, key;
};

// The `versions` entries a match still needs from the `listed` table. A version that every
// affected entry of the record for the same package already includes through its ranges is
// affected and gets the same fixed versions whatever the list says (evaluate() in match.cpp:
// listed || a range includes it, fixes from the including ranges), so only the others are
// stored. On the PyPI corpus that keeps 10 of 139,000 rows, and a scan's look-up of the lists
// touches a page instead of thousands. The schemes are compiled in (ecosystem.cpp), so a scan
// orders versions exactly as the import that pruned the lists did.
std::vector<ListedKey> needed_listed_keys(const Record& r) {
  std::map<std::pair<std::string, std::string>, std::vector<const Affected*>> groups;
  for (const auto& a : r.affected) {
    groups[{a.package.ecosystem, normalized_name(a.package.ecosystem, a.package.name)}].push_back(
        &a);
  }
  std::vector<ListedKey> out;
  for (const auto& [eco_name, entries] : groups) {
    const auto& [ecosystem, name] = eco_name;
    const VersionScheme* scheme = scheme_for(ecosystem);
    std::vector<std::vector<PreparedRange>> prepared;
    for (const Affected* a : entries) {
      prepared.emplace_back();
      for (const auto& range : a->ranges) prepared.back().push_back(prepare_range(range, scheme));
    }
    std::unordered_set<std::string> seen;
    for (const Affected* a : entries) {
      for (size_t i = 0; i < a->versions.size() && i < a->version_keys.size(); ++i) {
        const std::string& key = a->version_keys[i];
        if (!seen.insert(key).second) continue;
        bool covered = false;
        if (scheme) {
          QueryVersion q = make_query(ecosystem, a->versions[i]);
          covered = q.parsed != nullptr && q.key == key;
          for (const auto& ranges : prepared) {
            if (!covered) break;
            covered = std::any_of(ranges.begin(), ranges.end(),
                                  [&](const PreparedRange& pr) { return range_includes(pr, q); });
          }
        }
        if (!covered) out.push_back({ecosystem, name, key});
      }
    }
  }
  return out;
}

// Migration 2's data step: a database imported before it holds every `versions` entry in
// `listed`; rewrite the table from the stored records to what needed_listed_keys() keeps, so
// Store::lookup may read an ecosystem's whole list in one pass.
void prune_listed(sqlite3* db) {
  exec(db, "DELETE FROM listed");
  Stmt all(db, "SELECT id, json FROM record_json");
  Stmt put(db, "INSERT OR IGNORE INTO listed(ecosystem, name, key, record_id) VALUES(?,?,?,?)");
  while (all.step()) {
    std::string id = all.text(0);
    ParseOutcome parsed = parse_osv(all.view(1), Format::json, id);
    if (parsed.records.empty()) {
      // Stored records were parsed on import, so this is a damaged row: fail the migration
      // (rolled back) rather than lose the record's list silently.
      throw Error("record " + id + " no longer parses; delete the database and import again");
    }
    for (const ListedKey& k : needed_listed_keys(parsed.records[0]))
      put.bind(1, k.ecosystem).bind(2, k.name).bind(3, k.key).bind(4, id).run();
  }
  all.reset();
}

}  // namespace

struct Store::Statements {
  explicit Statements(sqlite3* db)
      : find_record(db, "SELECT modified, source_id FROM records WHERE id = ?"),
        put_record(db,
                   "INSERT OR REPLACE INTO records(id, modified, source_id, summary, details, "
                   "aliases, rating, score, vector, vector_type, severity_source) "
                   "VALUES(?,?,?,?,?,?,?,?,?,?,?)"),
        put_json(db, "INSERT OR REPLACE INTO record_json(id, json) VALUES(?,?)"),
        delete_record(db, "DELETE FROM records WHERE id = ?"),
        delete_json(db, "DELETE FROM record_json WHERE id = ?"),
        delete_affected(db, "DELETE FROM affected WHERE record_id = ?"),
        // Through the record's index rows, so the primary key's (ecosystem, name) prefix is used.
        delete_listed(db,
                      "DELETE FROM listed WHERE (ecosystem, name) IN "
                      "(SELECT ecosystem, name FROM affected WHERE record_id = ?1) "
                      "AND record_id = ?1"),
        put_affected(db,
                     "INSERT INTO affected(ecosystem, name, record_id, package, ranges) "
                     "VALUES(?,?,?,?,?)"),
        put_listed(db,
                   "INSERT OR IGNORE INTO listed(ecosystem, name, key, record_id) VALUES(?,?,?,?)"),
        candidates(db,
                   "SELECT record_id, package, ranges FROM affected "
                   "WHERE ecosystem = ? AND name = ? ORDER BY record_id, rowid"),
        listed(
            db,
            "SELECT DISTINCT record_id FROM listed WHERE ecosystem = ? AND name = ? AND key = ?"),
        advisory(db,
                 "SELECT id, modified, summary, details, aliases, rating, score, vector, "
                 "vector_type, severity_source FROM records WHERE id = ?"),
        record_json(db, "SELECT json FROM record_json WHERE id = ?"),
        // The batched look-ups: ?2 (?1 for advisories_many) is a JSON array, walked first
        // (CROSS JOIN keeps that order) so each row is found through the table's index.
        // NOT INDEXED: one pass over the table in storage order, not a seek per row.
        affected_all(db,
                     "SELECT name, record_id, package, ranges, rowid FROM affected NOT INDEXED "
                     "WHERE ecosystem = ?"),
        listed_all(db, "SELECT name, key, record_id FROM listed WHERE ecosystem = ?"),
        candidates_many(db,
                        "SELECT a.name, a.record_id, a.package, a.ranges FROM json_each(?2) j "
                        "CROSS JOIN affected a ON a.ecosystem = ?1 AND a.name = j.value "
                        "ORDER BY a.name, a.record_id, a.rowid"),
        listed_many(db,
                    "SELECT j.key, l.record_id FROM json_each(?2) j CROSS JOIN listed l "
                    "ON l.ecosystem = ?1 AND l.name = json_extract(j.value, '$[0]') "
                    "AND l.key = json_extract(j.value, '$[1]')"),
        advisories_many(db,
                        "SELECT r.id, r.modified, r.summary, r.details, r.aliases, r.rating, "
                        "r.score, r.vector, r.vector_type, r.severity_source FROM json_each(?1) j "
                        "CROSS JOIN records r ON r.id = j.value") {}

  Stmt find_record, put_record, put_json, delete_record, delete_json, delete_affected,
      delete_listed, put_affected, put_listed, candidates, listed, advisory, record_json,
      affected_all, listed_all, candidates_many, listed_many, advisories_many;
};

namespace {

// From this many names not cached yet, Store::lookup reads the ecosystem's whole index once
// instead of seeking each name.
constexpr size_t kSequentialLookup = 64;

// Texts the batched queries pass inside a JSON array: printable ASCII only, so the array is
// valid JSON whatever the bytes (others take the one-at-a-time statements).
bool json_safe(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x7f) return false;
  return true;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

AdvisoryInfo read_info(auto text, auto real) {
  AdvisoryInfo a;
  a.id = text(0);
  a.modified = text(1);
  a.summary = text(2);
  a.details = text(3);
  std::string aliases = text(4);
  if (!aliases.empty()) a.aliases = split(aliases, '\n');
  a.severity.rating = rating_from_word(text(5));
  a.severity.score = real(6);
  a.severity.vector = text(7);
  a.severity.vector_type = text(8);
  a.severity.source = text(9);
  return a;
}

}  // namespace

std::filesystem::path Store::default_path() { return cache_home() / "advisories" / "osv.db"; }

int Store::current_schema_version() { return static_cast<int>(migrations().size()); }

Store::Store(const std::filesystem::path& path) : path_(path) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  // NOMUTEX: a Store is used by one thread at a time (store.h), and SQLite's per-call locking
  // was a tenth of a scan's instructions.
  if (sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(path.string() + ": cannot open the advisory database: " + msg);
  }
  try {
    sqlite3_busy_timeout(db_, 10000);
    // WAL: scans keep reading the previous state while an import writes.
    exec(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    // Reads through a memory map: a scan on a freshly opened store touches a few hundred pages,
    // and a pread per page cost more than the matching itself. Best effort (SQLite caps it).
    exec(db_, "PRAGMA mmap_size=268435456;");
    migrate();
    st_ = std::make_unique<Statements>(db_);
  } catch (const Error& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(path.string() + ": " + e.what());
  }
}

Store::~Store() {
  st_.reset();
  if (db_) sqlite3_close(db_);
}

void Store::compact() {
  // An import writes each record's rows into several tables in turn, so every table ends up
  // spread over the whole file, and a scan's reads fault in pages of the others (a page fault
  // on this memory map costs more than matching a package). VACUUM rewrites the file table by
  // table: the same scan then touches a third of the pages and takes half the time. It runs
  // after the commit, so a failure here (a full disk) loses nothing; the layout just stays.
  sqlite3_exec(db_, "VACUUM", nullptr, nullptr, nullptr);
}

void Store::migrate() {
  Stmt get(db_, "PRAGMA user_version");
  get.step();
  int version = static_cast<int>(get.integer(0));
  get.reset();
  const int target = current_schema_version();
  if (version > target) {
    throw Error("the advisory database has schema version " + std::to_string(version) +
                ", newer than this pipewright understands (" + std::to_string(target) +
                "); upgrade pipewright or delete the file");
  }
  bool compacting = false;
  for (int v = version; v < target; ++v) {
    exec(db_, "BEGIN IMMEDIATE");
    try {
      exec(db_, migrations()[static_cast<size_t>(v)]);
      if (v + 1 == 2) prune_listed(db_);
      compacting = compacting || version > 0;  // existing data rewritten: compact it after
      exec(db_, ("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
      exec(db_, "COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
  if (compacting) compact();
}

std::vector<Candidate> Store::candidates(std::string_view ecosystem, std::string_view name,
                                         std::string_view version_key) const {
  std::vector<PackageIndex> idx = lookup(ecosystem, {{name, version_key}});
  std::unordered_set<std::string_view> listed(idx[0].listed.begin(), idx[0].listed.end());
  std::vector<Candidate> out;
  out.reserve(idx[0].entries->size());
  for (const auto& e : *idx[0].entries)
    out.push_back({e.record_id, e.package, e.ranges, listed.count(e.record_id) > 0});
  return out;
}

std::vector<PackageIndex> Store::lookup(
    std::string_view ecosystem,
    const std::vector<std::pair<std::string_view, std::string_view>>& names_and_keys) const {
  const VersionScheme* scheme = scheme_for(ecosystem);
  const std::string prefix = std::string(ecosystem) + '\0';
  std::vector<std::string> norms;
  norms.reserve(names_and_keys.size());
  for (const auto& [name, key] : names_and_keys)
    norms.push_back(scheme ? scheme->normalize_name(name) : std::string(name));

  // Parsed event versions shared by every range of this look-up ("0", "1.0" recur a lot).
  std::unordered_map<std::string, std::shared_ptr<const ParsedVersion>> parsed_cache;
  auto prepare = [&](std::string_view encoded) {
    auto ranges = std::make_shared<std::vector<PreparedRange>>();
    for (const auto& r : decode_ranges(encoded))
      ranges->push_back(prepare_range(r, scheme, &parsed_cache));
    return ranges;
  };

  // The index of every name not cached yet: one query for the JSON-safe ones.
  std::vector<std::string_view> missing;
  {
    std::unordered_set<std::string_view> asked;
    for (const auto& n : norms) {
      if (asked.insert(n).second && cache_.find(prefix + n) == cache_.end()) missing.push_back(n);
    }
  }
  if (!missing.empty()) {
    std::map<std::string, std::vector<IndexEntry>, std::less<>> loaded;
    std::string array = "[";
    for (std::string_view n : missing) {
      loaded[std::string(n)];  // an empty entry list is an answer too
      if (!json_safe(n)) continue;
      if (array.size() > 1) array += ',';
      append_json_string(array, n);
    }
    array += ']';
    if (missing.size() >= kSequentialLookup) {
      // Many names: one sequential read of the ecosystem's rows, kept where asked, beats a seek
      // per name (the table is small; each seek touches a few pages, and page faults on this
      // memory map are what a cold scan mostly paid). Rows sorted as candidates_many sorts them.
      struct Row {
        int64_t rowid;
        IndexEntry entry;
      };
      std::map<std::string_view, std::vector<Row>> rows;
      for (const auto& [n, entries] : loaded) rows[n];
      Stmt& s = st_->affected_all;
      s.bind(1, ecosystem);
      while (s.step()) {
        auto it = rows.find(s.view(0));
        if (it == rows.end()) continue;
        it->second.push_back({s.integer(4), {s.text(1), s.text(2), prepare(s.view(3))}});
      }
      s.reset();
      for (auto& [n, list] : rows) {
        std::sort(list.begin(), list.end(), [](const Row& a, const Row& b) {
          return std::tie(a.entry.record_id, a.rowid) < std::tie(b.entry.record_id, b.rowid);
        });
        auto& entries = loaded.find(n)->second;
        entries.reserve(list.size());
        for (Row& r : list) entries.push_back(std::move(r.entry));
      }
    } else if (array.size() > 2) {
      Stmt& s = st_->candidates_many;
      s.bind(1, ecosystem).bind(2, array);
      while (s.step()) {
        auto it = loaded.find(s.text(0));
        if (it == loaded.end()) continue;
        it->second.push_back({s.text(1), s.text(2), prepare(s.text(3))});
      }
      s.reset();
    }
    for (std::string_view n : missing) {
      if (json_safe(n) || missing.size() >= kSequentialLookup) continue;
      auto& entries = loaded[std::string(n)];
      Stmt& s = st_->candidates;
      s.bind(1, ecosystem).bind(2, n);
      while (s.step()) entries.push_back({s.text(0), s.text(1), prepare(s.text(2))});
      s.reset();
    }
    for (auto& [n, entries] : loaded) cache_.emplace(prefix + n, std::move(entries));
  }

  std::vector<PackageIndex> out(names_and_keys.size());
  if (norms.size() >= kSequentialLookup) {
    // The lists hold only what the ranges do not cover (needed_listed_keys): a few rows per
    // ecosystem, read in one pass.
    std::unordered_map<std::string, std::vector<std::string>> by_name_key;
    Stmt& l = st_->listed_all;
    l.bind(1, ecosystem);
    while (l.step()) {
      std::string k = l.text(0);
      k += '\0';
      k += l.view(1);
      by_name_key[std::move(k)].push_back(l.text(2));
    }
    l.reset();
    std::string k;
    for (size_t i = 0; i < norms.size(); ++i) {
      out[i].entries = &cache_.find(prefix + norms[i])->second;
      if (out[i].entries->empty() || by_name_key.empty()) continue;
      k = norms[i];
      k += '\0';
      k += names_and_keys[i].second;
      auto it = by_name_key.find(k);
      if (it != by_name_key.end()) out[i].listed = it->second;
    }
  }
  std::string array = "[";
  for (size_t i = 0; i < norms.size() && norms.size() < kSequentialLookup; ++i) {
    out[i].entries = &cache_.find(prefix + norms[i])->second;
    if (out[i].entries->empty()) continue;  // nothing a `versions` list could name
    std::string_view key = names_and_keys[i].second;
    if (json_safe(norms[i]) && json_safe(key)) {
      if (array.size() > 1) array += ',';
      array += "[";
      append_json_string(array, norms[i]);
      array += ',';
      append_json_string(array, key);
      array += "]";
      continue;
    }
    Stmt& l = st_->listed;
    l.bind(1, ecosystem).bind(2, norms[i]).bind(3, key);
    while (l.step()) out[i].listed.push_back(l.text(0));
    l.reset();
  }
  array += ']';
  if (array.size() > 2) {
    // json_each's key is the index in the array, which holds only the pairs added above: map
    // it back to the query's position.
    std::vector<size_t> position;
    for (size_t i = 0; i < norms.size(); ++i)
      if (!out[i].entries->empty() && json_safe(norms[i]) && json_safe(names_and_keys[i].second))
        position.push_back(i);
    Stmt& l = st_->listed_many;
    l.bind(1, ecosystem).bind(2, array);
    while (l.step()) out[position[static_cast<size_t>(l.integer(0))]].listed.push_back(l.text(1));
    l.reset();
  }
  for (auto& p : out) {
    if (p.listed.size() < 2) continue;
    std::sort(p.listed.begin(), p.listed.end());
    p.listed.erase(std::unique(p.listed.begin(), p.listed.end()), p.listed.end());
  }
  return out;
}

std::optional<AdvisoryInfo> Store::advisory(std::string_view id) const {
  Stmt& s = st_->advisory;
  s.bind(1, id);
  std::optional<AdvisoryInfo> out;
  if (s.step()) {
    out = read_info([&](int c) { return s.text(c); }, [&](int c) { return s.optional_real(c); });
  }
  s.reset();
  return out;
}

std::vector<std::shared_ptr<const AdvisoryInfo>> Store::advisories(
    const std::vector<std::string_view>& ids) const {
  std::string array = "[";
  std::vector<std::string_view> pending, unsafe;
  {
    std::unordered_set<std::string_view> asked;
    for (std::string_view id : ids) {
      if (!asked.insert(id).second || info_cache_.find(id) != info_cache_.end()) continue;
      pending.push_back(id);
      if (!json_safe(id)) {
        unsafe.push_back(id);
        continue;
      }
      if (array.size() > 1) array += ',';
      append_json_string(array, id);
    }
  }
  array += ']';
  std::unordered_map<std::string, std::shared_ptr<const AdvisoryInfo>> found;
  if (array.size() > 2) {
    Stmt& s = st_->advisories_many;
    s.bind(1, array);
    while (s.step()) {
      auto info = std::make_shared<const AdvisoryInfo>(
          read_info([&](int c) { return s.text(c); }, [&](int c) { return s.optional_real(c); }));
      std::string id = info->id;
      found.emplace(std::move(id), std::move(info));
    }
    s.reset();
  }
  for (std::string_view id : unsafe) {
    if (auto a = advisory(id))
      found.emplace(std::string(id), std::make_shared<const AdvisoryInfo>(std::move(*a)));
  }
  for (std::string_view id : pending) {  // unknown ids are cached as nullptr
    auto it = found.find(std::string(id));
    info_cache_.emplace(std::string(id), it == found.end() ? nullptr : it->second);
  }
  std::vector<std::shared_ptr<const AdvisoryInfo>> out;
  out.reserve(ids.size());
  for (std::string_view id : ids) out.push_back(info_cache_.find(id)->second);
  return out;
}

std::optional<std::string> Store::record_json(std::string_view id) const {
  Stmt& s = st_->record_json;
  s.bind(1, id);
  std::optional<std::string> out;
  if (s.step()) out = s.text(0);
  s.reset();
  return out;
}

ImportSummary Store::import(const std::vector<std::string>& paths_or_urls,
                            const ReadOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  ImportSummary sum;
  Statements& st = *st_;
  cache_.clear();
  info_cache_.clear();

  auto remove = [&](const std::string& id) {
    st.delete_record.bind(1, id).run();
    st.delete_json.bind(1, id).run();
    st.delete_listed.bind(1, id).run();
    st.delete_affected.bind(1, id).run();
  };
  // `fresh`: the id is not in the database, so there are no old index rows to delete.
  auto write = [&](const Record& r, int64_t source_id, bool fresh) {
    AdvisorySeverity sev = advisory_severity(r);
    st.put_record.bind(1, r.id)
        .bind(2, r.modified)
        .bind(3, source_id)
        .bind(4, r.summary)
        .bind(5, r.details)
        .bind(6, join(r.aliases, "\n"))
        .bind(7, to_string(sev.rating))
        .bind(8, sev.score)
        .bind(9, sev.vector)
        .bind(10, sev.vector_type)
        .bind(11, sev.source)
        .run();
    st.put_json.bind(1, r.id).bind(2, r.json).run();
    if (!fresh) {
      st.delete_listed.bind(1, r.id).run();
      st.delete_affected.bind(1, r.id).run();
    }
    for (const auto& a : r.affected) {
      std::string name = normalized_name(a.package.ecosystem, a.package.name);
      st.put_affected.bind(1, a.package.ecosystem)
          .bind(2, name)
          .bind(3, r.id)
          .bind(4, a.package.name)
          .bind(5, encode_ranges(a.ranges))
          .run();
    }
    for (const ListedKey& k : needed_listed_keys(r)) {
      st.put_listed.bind(1, k.ecosystem).bind(2, k.name).bind(3, k.key).bind(4, r.id).run();
    }
  };

  exec(db_, "BEGIN IMMEDIATE");
  try {
    // id -> time_key(modified) of what this import wrote, to resolve duplicates among its files.
    std::unordered_map<std::string, std::string> written;
    Stmt upsert_source(db_,
                       "INSERT INTO sources(location, imported_at, imported_at_unix) "
                       "VALUES(?,?,?) ON CONFLICT(location) DO UPDATE SET "
                       "imported_at = excluded.imported_at, "
                       "imported_at_unix = excluded.imported_at_unix RETURNING id");
    Stmt source_records(db_, "SELECT id FROM records WHERE source_id = ?");
    for (const auto& given : paths_or_urls) {
      std::string location =
          is_url(given) ? given : fs::absolute(fs::path(given)).lexically_normal().string();
      auto now = std::chrono::system_clock::now();
      upsert_source.bind(1, location)
          .bind(2, iso8601(now))
          .bind(3, static_cast<int64_t>(
                       std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch())
                           .count()));
      upsert_source.step();
      const int64_t source_id = upsert_source.integer(0);
      upsert_source.reset();

      std::unordered_set<std::string> seen;  // ids this source holds now
      auto apply = [&](const Record& r) {
        std::optional<std::pair<std::string, int64_t>> existing;
        st.find_record.bind(1, r.id);
        if (st.find_record.step())
          existing.emplace(time_key(st.find_record.text(0)), st.find_record.integer(1));
        st.find_record.reset();
        const std::string mod = time_key(r.modified);
        if (!r.withdrawn.empty()) {
          if (existing) {
            remove(r.id);
            ++sum.removed;
          } else {
            ++sum.skipped;
            ++sum.skipped_reasons["withdrawn"];
          }
          written.erase(r.id);
          return;
        }
        if (!existing) {
          write(r, source_id, true);
          ++sum.imported;
          seen.insert(r.id);
          written[r.id] = mod;
          return;
        }
        auto w = written.find(r.id);
        if (w != written.end()) {  // the same id twice in this import
          ++sum.duplicates;
          if (mod > existing->first) {
            write(r, source_id, false);
            seen.insert(r.id);
            w->second = mod;
          }
          return;
        }
        written[r.id] = mod;
        if (existing->second == source_id) {
          seen.insert(r.id);
          if (mod == existing->first) {
            ++sum.unchanged;
          } else {
            write(r, source_id, false);
            ++sum.updated;
          }
          return;
        }
        ++sum.duplicates;  // held by another source: the newest wins
        if (mod > existing->first) {
          write(r, source_id, false);
          seen.insert(r.id);
          ++sum.updated;
        } else {
          ++sum.unchanged;
        }
      };

      // Parsing (YAML especially) is most of an import's time: documents are parsed in chunks
      // on all cores, then applied in reading order on this thread, which owns the database.
      std::vector<SourceDocument> chunk;
      auto flush = [&] {
        std::vector<ParseOutcome> parsed = parse_parallel(chunk);
        for (auto& po : parsed) {
          for (auto& [reason, n] : po.skipped) {
            sum.skipped += n;
            sum.skipped_reasons[reason] += n;
          }
          for (auto& [reason, n] : po.dropped) sum.dropped_parts[reason] += n;
          for (auto& d : po.diagnostics) sum.diagnostics.push_back(std::move(d));
          for (const auto& r : po.records) apply(r);
        }
        chunk.clear();
      };
      ReadStats rs;
      read_location(
          location,
          [&](SourceDocument&& doc) {
            chunk.push_back(std::move(doc));
            if (chunk.size() >= 1024) flush();
          },
          rs, options);
      flush();
      sum.files_read += rs.files;
      for (auto& [reason, n] : rs.skipped) {
        sum.skipped += n;
        sum.skipped_reasons[reason] += n;
      }
      for (auto& d : rs.diagnostics) sum.diagnostics.push_back(std::move(d));

      // What this source held before and no longer has.
      std::vector<std::string> gone;
      source_records.bind(1, source_id);
      while (source_records.step()) {
        std::string id = source_records.text(0);
        if (!seen.count(id)) gone.push_back(std::move(id));
      }
      source_records.reset();
      for (const auto& id : gone) {
        remove(id);
        ++sum.removed;
      }
    }
    // Counts of every source: records may have moved between sources.
    exec(db_,
         "DELETE FROM source_counts;"
         "INSERT INTO source_counts(source_id, ecosystem, records) "
         "  SELECT r.source_id, a.ecosystem, COUNT(DISTINCT a.record_id) FROM affected a "
         "  JOIN records r ON r.id = a.record_id GROUP BY r.source_id, a.ecosystem;"
         "UPDATE sources SET records = "
         "  (SELECT COUNT(*) FROM records r WHERE r.source_id = sources.id);");
    exec(db_, "COMMIT");
  } catch (const Error& e) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    // The database's own failures (a full disk) say what became of the import.
    if (std::string_view(e.what()).starts_with("advisory database"))
      throw Error(std::string(e.what()) +
                  " (the import was rolled back: the database is as before)");
    throw;
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  if (sum.imported + sum.updated + sum.removed > 0) compact();
  sum.elapsed = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started);
  return sum;
}

ImportSummary Store::update(const ReadOptions& options) {
  std::vector<std::string> locations;
  Stmt s(db_, "SELECT location FROM sources ORDER BY id");
  while (s.step()) locations.push_back(s.text(0));
  s.reset();
  return import(locations, options);
}

StoreStatus Store::status(std::chrono::system_clock::time_point now) const {
  StoreStatus out;
  out.path = path_;
  out.schema_version = current_schema_version();
  int64_t last_unix = -1;
  {
    Stmt s(db_,
           "SELECT id, location, imported_at, imported_at_unix, records FROM sources "
           "ORDER BY location");
    Stmt c(db_, "SELECT ecosystem, records FROM source_counts WHERE source_id = ? ORDER BY 1");
    while (s.step()) {
      SourceStatus src;
      src.location = s.text(1);
      src.imported_at = s.text(2);
      src.records = static_cast<size_t>(s.integer(4));
      if (s.integer(3) > last_unix) {
        last_unix = s.integer(3);
        out.last_import = src.imported_at;
      }
      c.bind(1, s.integer(0));
      while (c.step()) src.records_by_ecosystem[c.text(0)] = static_cast<size_t>(c.integer(1));
      c.reset();
      out.sources.push_back(std::move(src));
    }
  }
  {
    Stmt s(db_, "SELECT COUNT(*) FROM records");
    s.step();
    out.records = static_cast<size_t>(s.integer(0));
  }
  {
    Stmt s(db_, "SELECT ecosystem, COUNT(DISTINCT record_id) FROM affected GROUP BY ecosystem");
    while (s.step()) out.records_by_ecosystem[s.text(0)] = static_cast<size_t>(s.integer(1));
  }
  {
    // Text order of `modified` is close enough to pick the newest for display.
    Stmt s(db_, "SELECT id, modified FROM records ORDER BY modified DESC, id LIMIT 1");
    if (s.step()) {
      out.newest_id = s.text(0);
      out.newest_modified = s.text(1);
    }
  }
  if (last_unix >= 0) {
    auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    out.age = std::chrono::seconds(std::max<int64_t>(0, now_s - last_unix));
  }
  return out;
}

}  // namespace pw::security
