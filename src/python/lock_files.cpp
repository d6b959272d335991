// The five lock readers. Each maps its format's own words onto LockedPackage; the facts of each
// format (field names, version numbers) are from the tools' documentation and lock files they
// write (see tests/fixtures/python/locks/README.md).
#include "python/lock_files.h"

#include <toml++/toml.h>

#include <algorithm>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "python/names.h"
#include "python/requirement.h"
#include "util/fs.h"
#include "util/numbers.h"

namespace pw::python {

std::string_view lock_format_name(LockFormat f) {
  switch (f) {
    case LockFormat::uv:
      return "uv.lock";
    case LockFormat::poetry:
      return "poetry.lock";
    case LockFormat::pipfile:
      return "Pipfile.lock";
    case LockFormat::pdm:
      return "pdm.lock";
    case LockFormat::pylock:
      return "pylock.toml";
  }
  return "";
}

std::string_view lock_command(LockFormat f) {
  switch (f) {
    case LockFormat::uv:
      return "uv lock";
    case LockFormat::poetry:
      return "poetry lock";
    case LockFormat::pipfile:
      return "pipenv lock";
    case LockFormat::pdm:
      return "pdm lock";
    case LockFormat::pylock:
      return "pip lock -o pylock.toml";
  }
  return "";
}

const LockedPackage* LockFile::find(std::string_view normalized_name) const {
  for (const auto& p : packages)
    if (p.normalized == normalized_name) return &p;
  return nullptr;
}

bool LockFile::hashed() const {
  bool any = false;
  for (const auto& p : packages) {
    if (p.is_project) continue;
    if (p.hashes.empty()) return false;
    any = true;
  }
  return any;
}

std::optional<LockFormat> lock_format_for(const std::filesystem::path& file) {
  std::string n = file.filename().string();
  if (n == "uv.lock") return LockFormat::uv;
  if (n == "poetry.lock") return LockFormat::poetry;
  if (n == "Pipfile.lock") return LockFormat::pipfile;
  if (n == "pdm.lock") return LockFormat::pdm;
  // PEP 751: pylock.toml or pylock.<name>.toml, <name> without dots.
  if (n == "pylock.toml") return LockFormat::pylock;
  if (n.size() > 12 && n.starts_with("pylock.") && n.ends_with(".toml") &&
      n.substr(7, n.size() - 12).find('.') == std::string::npos)
    return LockFormat::pylock;
  return std::nullopt;
}

namespace {

// Collects the diagnostics of one read; positions come from toml++ nodes.
class LockReader {
 public:
  LockReader(std::string path, LockFormat format) : path_(std::move(path)) {
    out_.lock.emplace();
    out_.lock->format = format;
    out_.lock->path = path_;
  }

  LockFile& lock() { return *out_.lock; }

  void error(int line, int col, std::string message) {
    out_.diagnostics.push_back({path_, line, col, std::move(message)});
  }
  void error(const toml::node& n, std::string message) {
    error(static_cast<int>(n.source().begin.line), static_cast<int>(n.source().begin.column),
          std::move(message));
  }
  void note(const toml::node& n, std::string message) {
    lock().notes.push_back({path_, static_cast<int>(n.source().begin.line),
                            static_cast<int>(n.source().begin.column), std::move(message)});
  }

  LockReadResult finish() {
    if (!out_.diagnostics.empty() && out_.lock && out_.lock->packages.empty()) out_.lock.reset();
    return std::move(out_);
  }
  LockReadResult fail() {
    out_.lock.reset();
    return std::move(out_);
  }

 private:
  std::string path_;
  LockReadResult out_;
};

void set_position(LockedPackage& p, const toml::node& n) {
  p.line = static_cast<int>(n.source().begin.line);
  p.column = static_cast<int>(n.source().begin.column);
}

std::string str_of(const toml::node_view<const toml::node>& v) {
  return v.value<std::string>().value_or("");
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

// Parses TOML; a syntax error becomes one diagnostic at its position.
std::optional<toml::table> parse_lock_toml(std::string_view text, const std::string& path,
                                           LockReader& r) {
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    r.error(static_cast<int>(e.source().begin.line), static_cast<int>(e.source().begin.column),
            std::string(e.description()));
    return std::nullopt;
  }
}

// Name and version of a [[package]] entry, or a diagnostic.
bool name_version(const toml::table& t, LockReader& r, LockedPackage& p, bool version_required) {
  set_position(p, t);
  p.name = str_of(t["name"]);
  p.version = str_of(t["version"]);
  if (p.name.empty()) {
    r.error(t, "package entry without a name");
    return false;
  }
  if (p.version.empty() && version_required) {
    r.error(t, "package '" + p.name + "' has no version");
    return false;
  }
  p.normalized = normalize_name(p.name);
  return true;
}

// The tables of an array of tables ([[package]]); other items are skipped, no array is none.
std::vector<const toml::table*> tables_of(const toml::array* a) {
  std::vector<const toml::table*> out;
  if (a)
    for (const auto& node : *a)
      if (const toml::table* t = node.as_table()) out.push_back(t);
  return out;
}

// "2.1" -> {2, 1}; nullopt when it is not MAJOR.MINOR[.PATCH].
std::optional<std::pair<int, int>> major_minor(const std::string& v) {
  std::string_view text = v;
  size_t dot = text.find('.');
  auto major = parse_int(text.substr(0, dot), 0, 1'000'000).opt();
  if (!major) return std::nullopt;
  long long minor = 0;
  if (dot != std::string_view::npos) {
    std::string_view rest = text.substr(dot + 1);
    auto m = parse_int(rest.substr(0, rest.find('.')), 0, 1'000'000).opt();
    if (!m) return std::nullopt;
    minor = *m;
  }
  return std::make_pair(static_cast<int>(*major), static_cast<int>(minor));
}

// A lock's "major.minor" format version (`vnode`, the value of `key`, written at `where` in
// `file`): refused (nullopt, with an error) unless its major is from min_major to max_major; a
// minor past `newest_minor` on max_major is read as that one, with a note. `read` says what
// pipewright reads.
std::optional<std::string> format_version(LockReader& r, const toml::node* vnode,
                                          const std::string& file, const std::string& key,
                                          const std::string& where, int min_major, int max_major,
                                          int newest_minor, const std::string& read) {
  std::string version = vnode ? vnode->value<std::string>().value_or("") : "";
  auto mm = major_minor(version);
  if (!mm || mm->first < min_major || mm->first > max_major) {
    if (vnode)
      r.error(*vnode, file + " " + key + " '" + version + "' is not read: " + read);
    else
      r.error(1, 1, file + " has no " + where + ": " + read);
    return std::nullopt;
  }
  if (mm->first == max_major && mm->second > newest_minor) {
    std::string newest = std::to_string(max_major) + "." + std::to_string(newest_minor);
    r.note(*vnode,
           file + " " + key + " " + version + " is newer than " + newest + ": read as " + newest);
  }
  return version;
}

// Where a TOML lock keeps its format version and which versions pipewright reads (format_version's
// arguments).
struct VersionRule {
  const char* file;  // "poetry.lock"
  const char* key;   // "lock-version"
  bool in_metadata;  // under [metadata], or at the top
  int min_major, max_major, newest_minor;
  const char* read;  // what pipewright reads, for the error
};

// The start the versioned TOML locks' readers share: the document parsed and its format version
// checked and recorded in the lock; nullopt after an error (the reader returns r.fail()).
std::optional<toml::table> parse_versioned(std::string_view text, const std::string& path,
                                           LockReader& r, const VersionRule& v) {
  auto doc = parse_lock_toml(text, path, r);
  if (!doc) return std::nullopt;
  const toml::node* vnode = v.in_metadata ? (*doc)["metadata"][v.key].node() : (*doc)[v.key].node();
  std::string where = v.in_metadata ? std::string("[metadata] ") + v.key : v.key;
  auto version = format_version(r, vnode, v.file, v.key, where, v.min_major, v.max_major,
                                v.newest_minor, v.read);
  if (!version) return std::nullopt;
  r.lock().format_version = *version;
  return doc;
}

// ---------------------------------------------------------------------------------------- uv

// uv's `source` table: { registry = url } | { git = url } | { url = url } | { path = p }
// | { directory = p } | { editable = p } | { virtual = p }.
void uv_source(const toml::table* src, LockedPackage& p) {
  if (!src) return;
  for (const char* kind : {"registry", "git", "url", "path", "directory", "editable", "virtual"}) {
    if (auto v = (*src)[kind].value<std::string>()) {
      p.source_kind = kind;
      p.source = *v;
      return;
    }
  }
}

void uv_hash(const toml::node* file, LockedPackage& p) {
  if (!file || !file->is_table()) return;
  if (auto h = (*file->as_table())["hash"].value<std::string>()) add_unique(p.hashes, *h);
}

std::vector<LockedDependency> uv_edges(const toml::array* deps) {
  std::vector<LockedDependency> out;
  if (!deps) return out;
  for (const auto& d : *deps) {
    const toml::table* t = d.as_table();
    if (!t) continue;
    LockedDependency e;
    e.name = normalize_name(str_of((*t)["name"]));
    e.marker = str_of((*t)["marker"]);
    if (const toml::array* ex = (*t)["extra"].as_array())
      for (const auto& x : *ex)
        if (auto s = x.value<std::string>()) e.extras.push_back(normalize_name(*s));
    if (!e.name.empty()) out.push_back(std::move(e));
  }
  return out;
}

// Everything the groups walk needs about one uv package beyond the model.
struct UvExtra {
  std::map<std::string, std::vector<LockedDependency>> optional;  // extra -> edges
  std::map<std::string, std::vector<LockedDependency>> dev;       // group -> edges
};

// Labels every package reachable from the project's own entries with the groups/extras that
// reach it, and its marker with the markers of the edges into it ("" if one has none).
void uv_walk(LockFile& lock, const std::vector<UvExtra>& extra) {
  std::map<std::string, std::vector<size_t>> by_name;
  for (size_t i = 0; i < lock.packages.size(); ++i)
    by_name[lock.packages[i].normalized].push_back(i);
  std::set<std::pair<size_t, std::string>> seen;  // (package, "label|extra") visited
  std::deque<std::tuple<size_t, std::string, std::vector<std::string>>> todo;

  auto push = [&](const LockedDependency& e, const std::string& label) {
    auto it = by_name.find(e.name);
    if (it == by_name.end()) return;
    for (size_t i : it->second) {
      if (lock.packages[i].is_project) continue;
      todo.emplace_back(i, label, e.extras);
    }
  };
  for (size_t i = 0; i < lock.packages.size(); ++i) {
    const auto& p = lock.packages[i];
    if (!p.is_project) continue;
    for (const auto& e : p.dependencies) push(e, std::string(kMainGroup));
    for (const auto& [x, edges] : extra[i].optional)
      for (const auto& e : edges) push(e, "extra:" + x);
    for (const auto& [g, edges] : extra[i].dev)
      for (const auto& e : edges) push(e, g);
  }
  while (!todo.empty()) {
    auto [i, label, extras] = todo.front();
    todo.pop_front();
    std::string key = label;
    for (const auto& x : extras) key += "|" + x;
    if (!seen.insert({i, key}).second) continue;
    auto& p = lock.packages[i];
    add_unique(p.groups, label);
    for (const auto& e : p.dependencies) {
      if (!e.via_extra.empty() &&
          std::find(extras.begin(), extras.end(), e.via_extra) == extras.end())
        continue;
      auto it = by_name.find(e.name);
      if (it == by_name.end()) continue;
      for (size_t j : it->second) {
        if (lock.packages[j].is_project) continue;
        todo.emplace_back(j, label, e.extras);
      }
    }
  }
}

// For formats that keep markers on the edges only (uv, Poetry before lock-version 2.1): a
// package's marker is the markers of the edges into it joined with "or", or "" when one edge has
// none. Not propagated further up the graph: an edge's own condition is what the tools record.
void markers_from_edges(LockFile& lock,
                        const std::vector<const std::vector<LockedDependency>*>& more) {
  std::map<std::string, std::set<std::string>> markers;
  std::set<std::string> unconditional;
  auto visit = [&](const std::vector<LockedDependency>& edges) {
    for (const auto& e : edges) {
      if (e.marker.empty() || !e.via_extra.empty())
        unconditional.insert(e.name);
      else
        markers[e.name].insert(e.marker);
    }
  };
  for (const auto& p : lock.packages) visit(p.dependencies);
  for (const auto* edges : more) visit(*edges);
  for (auto& p : lock.packages) {
    if (p.is_project || unconditional.count(p.normalized) || !p.marker.empty()) continue;
    auto it = markers.find(p.normalized);
    if (it == markers.end()) continue;
    for (const auto& one : it->second)
      p.marker +=
          (p.marker.empty() ? "" : " or ") + (it->second.size() == 1 ? one : "(" + one + ")");
  }
}

LockReadResult read_uv(std::string_view text, const std::string& path) {
  LockReader r(path, LockFormat::uv);
  auto doc = parse_lock_toml(text, path, r);
  if (!doc) return r.fail();
  auto version = (*doc)["version"].value<int64_t>();
  auto revision = (*doc)["revision"].value<int64_t>().value_or(0);
  if (version != 1) {
    const toml::node* n = (*doc)["version"].node();
    std::string seen = n ? (version ? std::to_string(*version) : "not an integer") : "missing";
    if (n)
      r.error(*n, "uv.lock version " + seen +
                      " is not read: pipewright reads version 1 (revisions 1 to 3)");
    else
      r.error(1, 1, "uv.lock has no version: pipewright reads version 1 (revisions 1 to 3)");
    return r.fail();
  }
  if (revision > 3)
    r.note(*(*doc)["revision"].node(),
           "uv.lock revision " + std::to_string(revision) +
               " is newer than the revisions read (1 to 3): read as revision 3");
  r.lock().format_version = "1 revision " + std::to_string(revision);
  r.lock().has_graph = true;
  std::vector<UvExtra> extra;
  for (const toml::table* t : tables_of((*doc)["package"].as_array())) {
    LockedPackage p;
    const toml::table* src = (*t)["source"].as_table();
    uv_source(src, p);
    bool project = p.source_kind == "editable" || p.source_kind == "virtual" ||
                   (p.source_kind == "directory" && p.source == ".");
    // A virtual workspace member has no version; every other package must have one.
    if (!name_version(*t, r, p, !project)) continue;
    p.is_project = project;
    uv_hash((*t)["sdist"].node(), p);
    if (const toml::array* wheels = (*t)["wheels"].as_array())
      for (const auto& w : *wheels) uv_hash(&w, p);
    p.dependencies = uv_edges((*t)["dependencies"].as_array());
    UvExtra x;
    if (const toml::table* opt = (*t)["optional-dependencies"].as_table())
      for (const auto& [k, v] : *opt) {
        std::string name = normalize_name(k.str());
        if (project) {
          x.optional[name] = uv_edges(v.as_array());
          continue;
        }
        for (auto& e : uv_edges(v.as_array())) {
          e.via_extra = name;
          p.dependencies.push_back(std::move(e));
        }
      }
    if (const toml::table* dev = (*t)["dev-dependencies"].as_table())
      for (const auto& [k, v] : *dev) x.dev[normalize_name(k.str())] = uv_edges(v.as_array());
    r.lock().packages.push_back(std::move(p));
    extra.push_back(std::move(x));
  }
  uv_walk(r.lock(), extra);
  std::vector<const std::vector<LockedDependency>*> more;
  for (const auto& x : extra) {
    for (const auto& [k, v] : x.optional) more.push_back(&v);
    for (const auto& [k, v] : x.dev) more.push_back(&v);
  }
  markers_from_edges(r.lock(), more);
  return r.finish();
}

// ------------------------------------------------------------------------------------ poetry

// [package.dependencies]: name = "spec" | { version, markers, extras, optional } | [ {...}, ... ]
std::vector<LockedDependency> poetry_edges(const toml::table* deps) {
  std::vector<LockedDependency> out;
  if (!deps) return out;
  for (const auto& [k, v] : *deps) {
    // A named copy: clang 14 (the sanitizer and fuzzer build) cannot capture a structured binding.
    const std::string name = normalize_name(k.str());
    auto one = [&](const toml::node& n) {
      LockedDependency e;
      e.name = name;
      if (const toml::table* t = n.as_table()) {
        e.marker = str_of((*t)["markers"]);
        if (const toml::array* ex = (*t)["extras"].as_array())
          for (const auto& x : *ex)
            if (auto s = x.value<std::string>()) e.extras.push_back(normalize_name(*s));
      }
      out.push_back(std::move(e));
    };
    if (const toml::array* alts = v.as_array()) {
      for (const auto& a : *alts) one(a);
    } else {
      one(v);
    }
  }
  return out;
}

void poetry_files(const toml::array* files, LockedPackage& p) {
  if (!files) return;
  for (const auto& f : *files)
    if (const toml::table* t = f.as_table())
      if (auto h = (*t)["hash"].value<std::string>()) add_unique(p.hashes, *h);
}

LockReadResult read_poetry(std::string_view text, const std::string& path) {
  LockReader r(path, LockFormat::poetry);
  auto doc = parse_versioned(text, path, r,
                             {"poetry.lock", "lock-version", true, 1, 2, 1,
                              "pipewright reads lock-version 1.0 to 2.1 (Poetry 1.0 to 2.x)"});
  if (!doc) return r.fail();
  const std::string& version = r.lock().format_version;
  r.lock().has_graph = true;
  const toml::table* meta_files = (*doc)["metadata"]["files"].as_table();  // lock-version 1.x
  const toml::table* extras = (*doc)["extras"].as_table();
  for (const toml::table* t : tables_of((*doc)["package"].as_array())) {
    LockedPackage p;
    if (!name_version(*t, r, p, true)) continue;
    p.source = "https://pypi.org/simple";  // no [package.source]: Poetry's default, PyPI
    if (const toml::table* src = (*t)["source"].as_table()) {
      std::string type = str_of((*src)["type"]);
      std::string url = str_of((*src)["url"]);
      if (type == "legacy") {
        p.source_kind = "registry";
        p.source = url;
      } else if (type == "git") {
        p.source_kind = "git";
        std::string commit = str_of((*src)["resolved_reference"]);
        p.source = url + (commit.empty() ? "" : "#" + commit);
      } else if (type == "url") {
        p.source_kind = "url";
        p.source = url;
      } else if (type == "file") {
        p.source_kind = "path";
        p.source = url;
      } else if (type == "directory") {
        p.source_kind = (*t)["develop"].value<bool>().value_or(false) ? "editable" : "directory";
        p.source = url;
      }
    }
    poetry_files((*t)["files"].as_array(), p);
    if (meta_files) poetry_files((*meta_files)[p.name].as_array(), p);
    p.dependencies = poetry_edges((*t)["dependencies"].as_table());
    // 2.1 records the groups; 1.x before 1.5 a category ("main"/"dev"); 2.0 neither.
    if (const toml::array* groups = (*t)["groups"].as_array()) {
      for (const auto& g : *groups)
        if (auto s = g.value<std::string>()) add_unique(p.groups, normalize_name(*s));
    } else if (auto cat = (*t)["category"].value<std::string>()) {
      p.groups.push_back(normalize_name(*cat));
    }
    // markers: one string, or per group { main = "...", dev = "..." } (2.1).
    if (auto m = (*t)["markers"].value<std::string>()) {
      p.marker = *m;
    } else if (const toml::table* per = (*t)["markers"].as_table()) {
      std::set<std::string> ms;
      bool always = false;
      for (const auto& g : p.groups) {
        auto v = (*per)[g].value<std::string>();
        if (!v)
          always = true;
        else
          ms.insert(*v);
      }
      if (!always && !ms.empty()) {
        for (const auto& one : ms)
          p.marker += (p.marker.empty() ? "" : " or ") + (ms.size() == 1 ? one : "(" + one + ")");
      }
    }
    // An optional package is installed only through the extras that name it ([extras]).
    if ((*t)["optional"].value<bool>().value_or(false) && extras) {
      std::vector<std::string> by_extra;
      for (const auto& [x, names] : *extras)
        if (const toml::array* a = names.as_array())
          for (const auto& n : *a)
            if (auto s = n.value<std::string>()) {
              // Entries may carry a constraint ("pysocks (>=1.5)"): the name is the first word.
              std::string nm = s->substr(0, s->find_first_of(" ([<>=!~;"));
              if (normalize_name(nm) == p.normalized)
                add_unique(by_extra, "extra:" + normalize_name(x.str()));
            }
      if (!by_extra.empty()) {
        std::erase(p.groups, std::string(kMainGroup));
        for (const auto& g : by_extra) add_unique(p.groups, g);
      }
    }
    r.lock().packages.push_back(std::move(p));
  }
  // Before 2.1 the markers are only on the dependency edges.
  if (auto mm = major_minor(version); mm->first < 2 || (mm->first == 2 && mm->second < 1))
    markers_from_edges(r.lock(), {});
  return r.finish();
}

// --------------------------------------------------------------------------------------- pdm

LockReadResult read_pdm(std::string_view text, const std::string& path) {
  LockReader r(path, LockFormat::pdm);
  auto doc = parse_versioned(text, path, r,
                             {"pdm.lock", "lock_version", true, 4, 4, 5,
                              "pipewright reads lock_version 4.0 to 4.5 (PDM 2.x)"});
  if (!doc) return r.fail();
  r.lock().has_graph = true;
  // `pdm lock -G x` locks the groups named; [metadata] groups lists them.
  if (const toml::array* groups = (*doc)["metadata"]["groups"].as_array()) {
    std::vector<std::string> covered;
    // PDM names extras and dependency groups alike: a bare name covers either spelling, so
    // the sync check looks names up without knowing the format.
    for (const auto& g : *groups)
      if (auto s = g.value<std::string>()) {
        if (*s == "default") {
          covered.push_back(std::string(kMainGroup));
        } else {
          covered.push_back(normalize_name(*s));
          covered.push_back("extra:" + normalize_name(*s));
        }
      }
    r.lock().covered_groups = std::move(covered);
  }
  for (const toml::table* t : tables_of((*doc)["package"].as_array())) {
    LockedPackage p;
    if (!name_version(*t, r, p, true)) continue;
    if (auto git = (*t)["git"].value<std::string>()) {
      p.source_kind = "git";
      p.source = *git + "#" + str_of((*t)["revision"]);
    } else if (auto u = (*t)["url"].value<std::string>()) {
      p.source_kind = "url";
      p.source = *u;
    } else if (auto pth = (*t)["path"].value<std::string>()) {
      p.source_kind = (*t)["editable"].value<bool>().value_or(false) ? "editable" : "directory";
      p.source = *pth;
    }
    poetry_files((*t)["files"].as_array(), p);
    if (const toml::array* groups = (*t)["groups"].as_array())
      for (const auto& g : *groups)
        if (auto s = g.value<std::string>())
          add_unique(p.groups, *s == "default" ? std::string(kMainGroup) : normalize_name(*s));
    p.marker = str_of((*t)["marker"]);
    if (const toml::array* deps = (*t)["dependencies"].as_array()) {
      for (const auto& d : *deps) {
        auto s = d.value<std::string>();
        if (!s) continue;
        auto req = parse_requirement(*s);
        if (!req) {
          r.error(d, "dependency '" + *s + "' of " + p.name + ": " + req.error());
          continue;
        }
        LockedDependency e;
        e.name = req->normalized_name();
        e.marker = req->marker_text;
        for (const auto& x : req->extras) e.extras.push_back(normalize_name(x));
        p.dependencies.push_back(std::move(e));
      }
    }
    // PDM writes a package once per set of extras it was asked with ("foo" and "foo[bar]"
    // with the same version): one package here, its edges and groups merged.
    auto same = std::find_if(
        r.lock().packages.begin(), r.lock().packages.end(),
        [&](const auto& q) { return q.normalized == p.normalized && q.version == p.version; });
    if (same != r.lock().packages.end()) {
      for (auto& e : p.dependencies) same->dependencies.push_back(std::move(e));
      for (const auto& g : p.groups) add_unique(same->groups, g);
      for (const auto& h : p.hashes) add_unique(same->hashes, h);
      continue;
    }
    r.lock().packages.push_back(std::move(p));
  }
  return r.finish();
}

// ------------------------------------------------------------------------------------ pylock

// The literal names PEP 751 markers test with `'<name>' in extras` / `in dependency_groups`.
void pylock_groups_from_marker(const std::string& marker, LockedPackage& p) {
  for (auto [var, prefix] : {std::pair<std::string_view, std::string_view>{"dependency_groups", ""},
                             {"extras", "extra:"}}) {
    size_t at = 0;
    while ((at = marker.find(var, at)) != std::string::npos) {
      // Look back over "in" and the quoted literal: 'dev' in dependency_groups.
      size_t in = marker.rfind(" in ", at);
      if (in != std::string::npos && in >= 2) {
        size_t close = marker.find_last_of("'\"", in);
        if (close != std::string::npos && close > 0) {
          size_t open = marker.find_last_of(marker[close], close - 1);
          if (open != std::string::npos)
            add_unique(p.groups, std::string(prefix) +
                                     normalize_name(marker.substr(open + 1, close - open - 1)));
        }
      }
      at += var.size();
    }
  }
}

void pylock_hashes(const toml::node* file, LockedPackage& p) {
  if (!file) return;
  const toml::table* t = file->as_table();
  if (!t) return;
  if (const toml::table* h = (*t)["hashes"].as_table())
    for (const auto& [alg, v] : *h)
      if (auto s = v.value<std::string>()) add_unique(p.hashes, std::string(alg.str()) + ":" + *s);
}

LockReadResult read_pylock(std::string_view text, const std::string& path) {
  LockReader r(path, LockFormat::pylock);
  // PEP 751: a tool must refuse an unknown major version and may warn on a newer minor one.
  auto doc = parse_versioned(text, path, r,
                             {"pylock.toml", "lock-version", false, 1, 1, 0,
                              "pipewright reads lock-version 1.0 (PEP 751)"});
  if (!doc) return r.fail();
  // PEP 751's extras and dependency-groups: what the lock was made for (absent keys mean none).
  if ((*doc)["extras"].is_array() || (*doc)["dependency-groups"].is_array()) {
    std::vector<std::string> covered;
    for (auto [key, prefix] :
         {std::pair<const char*, const char*>{"extras", "extra:"}, {"dependency-groups", ""}})
      if (const toml::array* a = (*doc)[key].as_array())
        for (const auto& g : *a)
          if (auto s = g.value<std::string>()) covered.push_back(prefix + normalize_name(*s));
    r.lock().covered_groups = std::move(covered);
  }
  const toml::array* pkgs = (*doc)["packages"].as_array();
  if (pkgs) {
    for (const auto& node : *pkgs) {
      const toml::table* t = node.as_table();
      if (!t) continue;
      LockedPackage p;
      bool is_dir = (*t)["directory"].is_table();
      if (!name_version(*t, r, p, !is_dir && !(*t)["vcs"].is_table())) continue;
      p.marker = str_of((*t)["marker"]);
      pylock_groups_from_marker(p.marker, p);
      if (auto idx = (*t)["index"].value<std::string>()) p.source = *idx;
      if (const toml::table* vcs = (*t)["vcs"].as_table()) {
        p.source_kind = "git";
        p.source = str_of((*vcs)["url"]) + "#" + str_of((*vcs)["commit-id"]);
      } else if (const toml::table* dir = (*t)["directory"].as_table()) {
        p.source_kind = (*dir)["editable"].value<bool>().value_or(false) ? "editable" : "directory";
        p.source = str_of((*dir)["path"]);
        p.is_project = p.source == ".";
      } else if (const toml::table* arch = (*t)["archive"].as_table()) {
        p.source_kind = "url";
        p.source = str_of((*arch)["url"]);
        if (p.source.empty()) p.source = str_of((*arch)["path"]);
        pylock_hashes(arch, p);
      }
      pylock_hashes((*t)["sdist"].node(), p);
      if (const toml::array* wheels = (*t)["wheels"].as_array())
        for (const auto& w : *wheels) pylock_hashes(&w, p);
      if (const toml::array* deps = (*t)["dependencies"].as_array()) {
        r.lock().has_graph = true;
        for (const auto& d : *deps)
          if (const toml::table* dt = d.as_table()) {
            LockedDependency e;
            e.name = normalize_name(str_of((*dt)["name"]));
            if (!e.name.empty()) p.dependencies.push_back(std::move(e));
          }
      }
      if (p.groups.empty()) p.groups.push_back(std::string(kMainGroup));
      r.lock().packages.push_back(std::move(p));
    }
  } else if (!(*doc)["packages"]) {
    r.error(1, 1, "pylock.toml has no [[packages]] array");
  }
  return r.finish();
}

// ---------------------------------------------------------------------------------- Pipfile

// nlohmann-json keeps no positions: 1-based line and column of a byte offset.
std::pair<int, int> line_col(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return {line, static_cast<int>(offset - line_start) + 1};
}

// A member's string value, or "" when it is missing or not a string (a hand-edited lock must not
// turn into a type error).
std::string jstr(const nlohmann::json& o, const char* key) {
  if (!o.is_object()) return "";
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

LockReadResult read_pipfile(std::string_view text, const std::string& path) {
  LockReader r(path, LockFormat::pipfile);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    auto [line, col] = line_col(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string what = e.what();
    auto cut = what.find("syntax error");
    r.error(line, col, "invalid JSON: " + (cut == std::string::npos ? what : what.substr(cut)));
    return r.fail();
  } catch (const nlohmann::json::exception& e) {
    // A number too large for a double ("2e931154") is out_of_range, not a parse_error.
    r.error(1, 1, std::string("invalid JSON: ") + e.what());
    return r.fail();
  }
  const std::string read = "pipewright reads pipfile-spec 6 and earlier (pipenv 2018 and later)";
  if (!doc.is_object() || !doc.contains("_meta") || !doc["_meta"].is_object()) {
    r.error(1, 1, "Pipfile.lock has no _meta object: " + read);
    return r.fail();
  }
  const auto& meta = doc["_meta"];
  auto spec = meta.contains("pipfile-spec") ? meta["pipfile-spec"] : nlohmann::json();
  size_t at = text.find("\"pipfile-spec\"");
  auto [sl, sc] = line_col(text, at == std::string::npos ? 0 : at);
  if (!spec.is_number_integer() || spec.get<int64_t>() > 6 || spec.get<int64_t>() < 1) {
    r.error(sl, sc, "Pipfile.lock pipfile-spec " + spec.dump() + " is not read: " + read);
    return r.fail();
  }
  r.lock().format_version = std::to_string(spec.get<int64_t>());
  std::map<std::string, std::string> indexes;  // source name -> URL
  if (meta.contains("sources") && meta["sources"].is_array())
    for (const auto& s : meta["sources"])
      if (s.is_object()) indexes[jstr(s, "name")] = jstr(s, "url");

  for (const auto& [section, entries] : doc.items()) {
    if (section == "_meta" || !entries.is_object()) continue;
    std::string group = section == "default"   ? std::string(kMainGroup)
                        : section == "develop" ? std::string("dev")
                                               : normalize_name(section);
    size_t section_at = text.find("\"" + section + "\"");
    for (const auto& [name, e] : entries.items()) {
      LockedPackage p;
      p.name = name;
      p.normalized = normalize_name(name);
      size_t pos = text.find("\"" + name + "\"", section_at == std::string::npos ? 0 : section_at);
      std::tie(p.line, p.column) = line_col(text, pos == std::string::npos ? 0 : pos);
      if (!e.is_object()) {
        r.error(p.line, p.column, "package '" + name + "' is not an object");
        continue;
      }
      std::string v = jstr(e, "version");
      if (v.starts_with("==="))
        v = v.substr(3);
      else if (v.starts_with("=="))
        v = v.substr(2);
      p.version = v;
      if (e.contains("git")) {
        p.source_kind = "git";
        p.source = jstr(e, "git") + "#" + jstr(e, "ref");
      } else if (e.contains("file")) {
        p.source_kind = "url";
        p.source = jstr(e, "file");
      } else if (e.contains("path")) {
        p.source_kind =
            e.contains("editable") && e["editable"].is_boolean() && e["editable"].get<bool>()
                ? "editable"
                : "directory";
        p.source = jstr(e, "path");
        p.is_project = p.source == ".";
      } else {
        std::string idx = jstr(e, "index");
        auto it = indexes.find(idx);
        p.source = it != indexes.end() ? it->second : idx;
      }
      if (p.version.empty() && p.source_kind == "registry") {
        r.error(p.line, p.column, "package '" + name + "' has no version");
        continue;
      }
      if (e.contains("hashes") && e["hashes"].is_array())
        for (const auto& h : e["hashes"])
          if (h.is_string()) add_unique(p.hashes, h.get<std::string>());
      p.marker = jstr(e, "markers");
      // The same package in default and develop is one package of both groups.
      auto same = std::find_if(r.lock().packages.begin(), r.lock().packages.end(),
                               [&](const auto& q) { return q.normalized == p.normalized; });
      if (same != r.lock().packages.end() && same->version == p.version) {
        add_unique(same->groups, group);
        continue;
      }
      p.groups.push_back(group);
      r.lock().packages.push_back(std::move(p));
    }
  }
  return r.finish();
}

}  // namespace

LockReadResult read_lock_text(LockFormat format, std::string_view text, const std::string& path) {
  switch (format) {
    case LockFormat::uv:
      return read_uv(text, path);
    case LockFormat::poetry:
      return read_poetry(text, path);
    case LockFormat::pipfile:
      return read_pipfile(text, path);
    case LockFormat::pdm:
      return read_pdm(text, path);
    case LockFormat::pylock:
      return read_pylock(text, path);
  }
  return {};
}

LockReadResult read_lock_file(const std::filesystem::path& file) {
  auto format = lock_format_for(file);
  if (!format) {
    LockReadResult r;
    r.diagnostics.push_back({file.string(), 0, 0,
                             "not a lock file name pipewright reads (uv.lock, poetry.lock, "
                             "Pipfile.lock, pdm.lock, pylock.toml, pylock.<name>.toml)"});
    return r;
  }
  std::string text;
  try {
    text = read_file(file);
  } catch (const Error& e) {
    LockReadResult r;
    r.diagnostics.push_back({file.string(), 0, 0, e.what()});
    return r;
  }
  return read_lock_text(*format, text, file.string());
}

}  // namespace pw::python
