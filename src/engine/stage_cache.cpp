#include "engine/stage_cache.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <mutex>
#include <random>
#include <set>

#include "engine/build_record.h"
#include "engine/credentials.h"
#include "exec/capture.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/strings.h"

namespace pw::engine {

namespace {

std::optional<std::string> git_in(const fs::path& dir, std::vector<std::string> args,
                                  const std::string& index_file = {}) {
  std::vector<std::string> argv;
  if (!index_file.empty()) {
    argv = {"env", "GIT_INDEX_FILE=" + index_file};
  }
  argv.push_back("git");
  argv.push_back("-C");
  argv.push_back(dir.string());
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = exec::capture(argv, {}, 120);
  if (!r.ok()) return std::nullopt;
  return r.out;
}

std::string unique_suffix() {
  static std::mt19937_64 rng{std::random_device{}()};
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  return std::to_string(::getpid()) + "-" + std::to_string(rng());
}

// The literal folder a glob starts from ("workspace/dist/**" -> "workspace/dist"), so only
// that much of the build folder is walked.
std::string literal_prefix(const std::string& glob) {
  std::string prefix;
  for (const auto& seg : split(glob, '/')) {
    if (seg.find_first_of("*?[") != std::string::npos) break;
    prefix += (prefix.empty() ? "" : "/") + seg;
  }
  return prefix;
}

bool looks_like_text(const std::string& content) { return content.find('\0') == std::string::npos; }

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty() || from == to) return s;
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

// The folder a build-relative output path lives under.
fs::path resolve(const std::string& rel, const fs::path& build_root, const fs::path& workspace) {
  if (rel == "workspace") return workspace;
  if (rel.rfind("workspace/", 0) == 0) return workspace / rel.substr(10);
  return build_root / rel;
}

std::string iso_seconds(std::chrono::system_clock::time_point t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

}  // namespace

std::optional<TreeListing> TreeListing::read(const fs::path& dir, bool working_tree) {
  TreeListing t;
  std::string rev = "HEAD";
  if (working_tree) {
    // The working tree as it is, staged into a private copy of the index so the user's own
    // index is untouched; pipewright's folders and the build's venv are not the project's.
    auto index = git_in(dir, {"rev-parse", "--git-path", "index"});
    if (!index) return std::nullopt;
    fs::path real_index = trim(*index);
    if (real_index.is_relative()) real_index = dir / real_index;
    fs::path tmp = fs::temp_directory_path() / ("pw-index-" + unique_suffix());
    std::error_code ec;
    if (fs::exists(real_index)) fs::copy_file(real_index, tmp, ec);
    struct Remove {
      fs::path p;
      ~Remove() {
        std::error_code e;
        fs::remove(p, e);
      }
    } remove{tmp};
    if (!git_in(dir, {"add", "-A", "--", ".", ":!.pipewright", ":!.venv"}, tmp.string()))
      return std::nullopt;
    auto tree = git_in(dir, {"write-tree"}, tmp.string());
    if (!tree) return std::nullopt;
    rev = std::string(trim(*tree));
    t.tree_ = rev;
  } else {
    auto tree = git_in(dir, {"rev-parse", "HEAD^{tree}"});
    if (!tree) return std::nullopt;
    t.tree_ = std::string(trim(*tree));
  }
  auto listing = git_in(dir, {"ls-tree", "-r", "-z", "--full-tree", rev});
  if (!listing) return std::nullopt;
  for (const auto& rec : split(*listing, '\0')) {
    // "<mode> <type> <oid>\t<path>"
    auto tab = rec.find('\t');
    if (tab == std::string::npos) continue;
    auto head = split(rec.substr(0, tab), ' ');
    if (head.size() < 3) continue;
    t.files_.emplace_back(rec.substr(tab + 1), head[2]);
  }
  std::sort(t.files_.begin(), t.files_.end());
  return t;
}

std::string TreeListing::digest(const std::vector<std::string>& globs,
                                std::vector<std::pair<std::string, std::string>>* matched) const {
  Sha256 h;
  for (const auto& [path, oid] : files_) {
    bool take = globs.empty();
    for (const auto& g : globs)
      if (glob_match(g, path)) {
        take = true;
        break;
      }
    if (!take) continue;
    h.update(path);
    h.update(std::string_view("\0", 1));
    h.update(oid);
    h.update("\n");
    if (matched) matched->emplace_back(path, oid);
  }
  return h.hex_digest();
}

std::string python_environment_digest(const fs::path& python, const fs::path& workspace) {
  auto r = exec::capture(
      {python.string(), "-c", "import sys\nprint(sys.version)\nfor p in sys.path: print(p)"}, {},
      60);
  if (!r.ok()) return "no interpreter at " + python.string();
  Sha256 h;
  auto lines = split_lines(r.out);
  std::string ws = workspace.string();
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string shown = lines[i];
    if (!ws.empty() && shown.rfind(ws, 0) == 0) shown = "<workspace>" + shown.substr(ws.size());
    h.update(shown + "\n");
    if (i == 0 || lines[i].empty()) continue;
    std::error_code ec;
    std::vector<std::string> names;
    for (fs::directory_iterator it(lines[i], ec), end; !ec && it != end; it.increment(ec)) {
      auto name = it->path().filename().string();
      if (name.ends_with(".dist-info") || name.ends_with(".egg-info") || name.ends_with(".pth") ||
          name.ends_with(".egg-link"))
        names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    for (const auto& n : names) h.update(" " + n + "\n");
  }
  return h.hex_digest();
}

std::vector<std::string> tool_environment() {
  static const char* const prefixes[] = {
      "PYTHON", "PIP_",  "PYTEST", "COVERAGE", "MYPY",
      "RUFF",   "BLACK", "FLAKE8", "PYLINT",   "BANDIT",
      "SONAR",  "LANG",  "LC_",    "TZ",       "SOURCE_DATE_EPOCH"};
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    for (const char* p : prefixes)
      if (kv.rfind(p, 0) == 0) {
        out.emplace_back(kv);
        break;
      }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::vector<std::string>> input_globs(const pipeline::StageSpec& spec,
                                                    const CachePolicy& policy,
                                                    const pipeline::Pipeline& pipeline) {
  if (spec.kind == "run") return spec.cache.inputs;
  if (!policy.reads_tree) return std::nullopt;
  return policy.inputs ? policy.inputs(spec, pipeline) : std::vector<std::string>{};
}

bool cacheable(const pipeline::StageSpec& spec, const CachePolicy& policy, std::string* why_not) {
  auto no = [&](const std::string& why) {
    if (why_not) *why_not = why;
    return false;
  };
  if (!spec.cache.enabled) return no("cache: false");
  if (spec.kind == "run")
    return spec.cache.declared() ? true : no("a run: stage is cached only with cache.inputs");
  if (!policy.cacheable) return no("never cached (it has effects, or it makes the environment)");
  if (policy.applies && !policy.applies(spec)) return no("not cached with these settings");
  return true;
}

std::string settings_digest(const pipeline::StageSpec& spec, const Credentials& credentials) {
  Sha256 h;
  h.update(spec.id + "\n" + spec.kind + "\n" + spec.run + "\n");
  std::vector<std::string> lines;
  for (const auto& set : spec.settings) lines.push_back(set.key + "=" + YAML::Dump(set.value));
  for (const auto& [k, v] : spec.env) lines.push_back("env " + k + "=" + v);
  // Credential values count by hash: a rotated secret reruns the stage, and no secret is
  // written into the cache.
  for (const auto& id : spec.credentials)
    for (const auto& [k, v] : credentials.env_for(id))
      lines.push_back("credential " + k + "=" + sha256_hex(v));
  std::sort(lines.begin(), lines.end());
  for (const auto& l : lines) h.update(l + "\n");
  return h.hex_digest();
}

// --- the store -------------------------------------------------------------------------------

StageCache::StageCache(fs::path root) : root_(std::move(root)) {}

StageCache StageCache::user_default() { return StageCache(cache_home() / "stages"); }

fs::path StageCache::manifest_path(const std::string& key) const {
  return root_ / "entries" / key.substr(0, 2) / (key + ".json");
}

fs::path StageCache::object_path(const std::string& sha) const {
  return root_ / "objects" / sha.substr(0, 2) / sha;
}

namespace {

nlohmann::json entry_to_json(const CacheEntry& e) {
  nlohmann::json j;
  j["format"] = CacheEntry::kFormat;
  j["key"] = e.key;
  j["stage"] = e.stage;
  j["project"] = e.project;
  j["build"] = e.build;
  j["status"] = to_string(e.status);
  j["fails_build"] = e.fails_build;
  j["summary"] = e.summary;
  j["data"] = e.data;
  j["duration_ms"] = e.duration_ms;
  j["build_root"] = e.build_root;
  j["workspace"] = e.workspace;
  j["files"] = nlohmann::json::array();
  for (const auto& f : e.files)
    j["files"].push_back(
        {{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}, {"text", f.text}});
  j["log_sha256"] = e.log_sha256;
  j["inputs"] = nlohmann::json::array();
  for (const auto& [path, oid] : e.inputs) j["inputs"].push_back({path, oid});
  j["components"] = e.components;
  j["created"] = iso_seconds(e.created);
  j["bytes"] = e.bytes;
  return j;
}

CacheEntry entry_from_json(const nlohmann::json& j) {
  if (j.value("format", 0) != CacheEntry::kFormat)
    throw Error("made by another pipewright (entry format " + std::to_string(j.value("format", 0)) +
                ", this one reads " + std::to_string(CacheEntry::kFormat) + ")");
  CacheEntry e;
  e.key = j.at("key").get<std::string>();
  e.stage = j.at("stage").get<std::string>();
  e.project = j.value("project", "");
  e.build = j.value("build", 0);
  auto st = status_from_string(j.at("status").get<std::string>());
  if (!st) throw Error("unknown status");
  e.status = *st;
  e.fails_build = j.value("fails_build", false);
  e.summary = j.value("summary", "");
  e.data = j.value("data", nlohmann::json::object());
  e.duration_ms = j.value("duration_ms", int64_t{0});
  e.build_root = j.value("build_root", "");
  e.workspace = j.value("workspace", "");
  for (const auto& f : j.at("files")) {
    CacheEntry::File file;
    file.path = f.at("path").get<std::string>();
    file.sha256 = f.at("sha256").get<std::string>();
    file.size = f.at("size").get<uint64_t>();
    file.text = f.value("text", false);
    if (file.path.empty() || file.path.front() == '/' || contains(file.path, ".."))
      throw Error("names the path '" + file.path + "' outside a build");
    if (file.sha256.size() != 64) throw Error("has a malformed object hash");
    e.files.push_back(std::move(file));
  }
  e.log_sha256 = j.value("log_sha256", "");
  for (const auto& i : j.value("inputs", nlohmann::json::array()))
    if (i.is_array() && i.size() == 2 && i[0].is_string() && i[1].is_string())
      e.inputs.emplace_back(i[0].get<std::string>(), i[1].get<std::string>());
  e.components = j.value("components", nlohmann::json::object());
  int64_t created = 0;
  std::string c = j.value("created", std::string("0"));
  std::from_chars(c.data(), c.data() + c.size(), created);
  e.created = std::chrono::system_clock::time_point(std::chrono::seconds(created));
  e.bytes = j.value("bytes", uint64_t{0});
  return e;
}

// An object written once under its hash; a concurrent writer of the same content is harmless.
void put_object(const fs::path& path, const std::string& content) {
  if (fs::exists(path)) return;
  fs::create_directories(path.parent_path());
  write_file_atomic(path, content);
}

}  // namespace

std::optional<CacheEntry> StageCache::lookup(const std::string& key, std::string& warning) const {
  fs::path p = manifest_path(key);
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::nullopt;
  try {
    // The manifest carries the hash of its own body on its first line, so a truncated or
    // hand-edited entry is told from a whole one.
    std::string text = read_file(p);
    auto nl = text.find('\n');
    if (nl == std::string::npos || text.substr(0, nl) != sha256_hex(text.substr(nl + 1)))
      throw Error("its manifest does not match its hash (truncated or edited)");
    auto e = entry_from_json(nlohmann::json::parse(text.substr(nl + 1)));
    if (e.key != key) throw Error("its manifest is another key's");
    for (const auto& f : e.files)
      if (!fs::exists(object_path(f.sha256)))
        throw Error("its object for " + f.path + " is missing");
    return e;
  } catch (const std::exception& ex) {
    warning = "the stage cache entry " + p.string() + " is damaged and was ignored: " + ex.what();
    fs::remove(p, ec);
    return std::nullopt;
  }
}

std::string StageCache::restore(const CacheEntry& e, const fs::path& build_root,
                                const fs::path& workspace, nlohmann::json* data) const {
  // Everything is read and verified before anything is written, so a damaged object leaves
  // the build as it was and the stage simply runs.
  std::vector<std::pair<fs::path, std::string>> writes;
  auto load = [&](const std::string& sha) {
    std::string content = read_file(object_path(sha));
    if (sha256_hex(content) != sha)
      throw Error("the cached object " + object_path(sha).string() + " does not match its hash");
    return content;
  };
  auto move_paths = [&](std::string s) {
    // Paths of the build the entry was made in become this build's, as a run here would
    // have written them.
    if (!e.workspace.empty()) s = replace_all(std::move(s), e.workspace, workspace.string());
    if (!e.build_root.empty()) s = replace_all(std::move(s), e.build_root, build_root.string());
    return s;
  };
  for (const auto& f : e.files) {
    std::string content = load(f.sha256);
    if (f.text) content = move_paths(std::move(content));
    writes.emplace_back(resolve(f.path, build_root, workspace), std::move(content));
  }
  std::string log = e.log_sha256.empty() ? std::string() : move_paths(load(e.log_sha256));
  if (data) *data = nlohmann::json::parse(move_paths(dump_json(e.data)));
  for (const auto& [path, content] : writes) {
    fs::create_directories(path.parent_path());
    write_file_atomic(path, content);
  }
  return log;
}

void StageCache::store(CacheEntry e, const std::vector<std::string>& outputs,
                       const fs::path& build_root, const fs::path& workspace, const fs::path& log,
                       std::optional<fs::file_time_type> since) const {
  std::set<std::string> seen;
  uint64_t bytes = 0;
  for (const auto& pattern : outputs) {
    std::string glob = replace_all(pattern, "{id}", e.stage);
    std::string prefix = literal_prefix(glob);
    fs::path start = resolve(prefix, build_root, workspace);
    std::error_code ec;
    auto take = [&](const fs::path& file, const std::string& rel) {
      if (!glob_match(glob, rel) || !seen.insert(rel).second) return;
      std::error_code mec;
      if (since && fs::last_write_time(file, mec) < *since) return;
      std::string content = read_file(file);
      CacheEntry::File f;
      f.path = rel;
      f.sha256 = sha256_hex(content);
      f.size = content.size();
      f.text = looks_like_text(content);
      put_object(object_path(f.sha256), content);
      bytes += f.size;
      e.files.push_back(std::move(f));
    };
    if (fs::is_regular_file(start, ec)) {
      take(start, prefix);
      continue;
    }
    if (!fs::is_directory(start, ec)) continue;
    for (fs::recursive_directory_iterator it(start, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_symlink() || !it->is_regular_file()) continue;
      std::string rel = prefix + "/" + fs::relative(it->path(), start).generic_string();
      take(it->path(), rel);
    }
  }
  std::sort(e.files.begin(), e.files.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  std::error_code ec;
  if (fs::exists(log, ec)) {
    std::string text = read_file(log);
    e.log_sha256 = sha256_hex(text);
    put_object(object_path(e.log_sha256), text);
    bytes += text.size();
  }
  e.bytes = bytes;
  e.created = std::chrono::system_clock::now();
  e.build_root = build_root.string();
  e.workspace = workspace.string();
  std::string body = dump_json(entry_to_json(e), 2) + "\n";
  fs::path p = manifest_path(e.key);
  fs::create_directories(p.parent_path());
  write_file_atomic(p, sha256_hex(body) + "\n" + body);
}

std::vector<CacheEntry> StageCache::list() const {
  std::vector<CacheEntry> out;
  std::error_code ec;
  fs::path dir = root_ / "entries";
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".json") continue;
    std::string warning;
    if (auto e = lookup(it->path().stem().string(), warning)) out.push_back(std::move(*e));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.created > b.created; });
  return out;
}

std::vector<CacheEntry> StageCache::prune(
    std::optional<std::chrono::system_clock::time_point> cutoff, uint64_t max_bytes) const {
  auto entries = list();  // newest first
  std::vector<CacheEntry> removed;
  std::error_code ec;
  uint64_t total = 0;
  std::set<std::string> kept_objects;
  for (auto& e : entries) {
    bool drop = (cutoff && e.created < *cutoff) || (max_bytes && total + e.bytes > max_bytes);
    if (drop) {
      fs::remove(manifest_path(e.key), ec);
      removed.push_back(e);
      continue;
    }
    total += e.bytes;
    for (const auto& f : e.files) kept_objects.insert(f.sha256);
    if (!e.log_sha256.empty()) kept_objects.insert(e.log_sha256);
  }
  // Objects no entry names any more. An entry being written right now publishes its manifest
  // after its objects; one whose object goes here is found incomplete and ignored at lookup.
  if (!removed.empty())
    for (fs::recursive_directory_iterator it(root_ / "objects", ec), end; !ec && it != end;
         it.increment(ec))
      if (it->is_regular_file() && !kept_objects.count(it->path().filename().string()))
        fs::remove(it->path(), ec);
  return removed;
}

}  // namespace pw::engine
