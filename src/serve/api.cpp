#include "serve/api.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>

#include "history/build_facts.h"
#include "pipeline/dag.h"
#include "pipeline/loader.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::serve {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

namespace {

std::string param(const Params& p, const std::string& key, const std::string& def = "") {
  auto it = p.find(key);
  return it == p.end() ? def : it->second;
}

long long int_param(const Params& p, const std::string& key, long long def, long long lo,
                    long long hi) {
  auto it = p.find(key);
  if (it == p.end()) return def;
  // Out of range is clamped, not refused; what is not a number is the default.
  auto v = parse_int(it->second).opt();
  return v ? std::clamp(*v, lo, hi) : def;
}

Response error(int status, const std::string& message) {
  return {status, "application/json", dump({{"error", message}}), {}, {}};
}

Response ok(const json& j) { return {200, "application/json", dump(j), {}, {}}; }

std::optional<int> number(const std::string& s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), ::isdigit)) return std::nullopt;
  auto v = parse_int(s, 0, 999'999'999).opt();
  return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}

fs::path build_dir(const Project& p, int n) { return p.index->builds_dir() / std::to_string(n); }

// Reads [start, end) of a file.
std::string read_range(int fd, long long start, long long end) {
  std::string out;
  if (end <= start) return out;
  out.resize(static_cast<size_t>(end - start));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t r = ::pread(fd, out.data() + got, out.size() - got,
                        static_cast<off_t>(start + static_cast<long long>(got)));
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  return out;
}

bool looks_failing(std::string_view line) {
  static const char* kWords[] = {"error", "fail", "traceback", "exception", "assert", "fatal"};
  std::string low = to_lower(line.substr(0, 400));
  for (const char* w : kWords)
    if (low.find(w) != std::string::npos) {
      // "0 failed", "failed=0" and the like are not failures.
      if (low.find(" 0 failed") != std::string::npos || low.find("0 errors") != std::string::npos)
        return false;
      return true;
    }
  return false;
}

}  // namespace

json read_log(const fs::path& file, long long offset, long long limit) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(file.filename().string() + ": " + errno_text(errno));
  long long size = ::lseek(fd, 0, SEEK_END);
  long long start = offset < 0 ? std::max(0LL, size - limit) : std::min(offset, size);
  long long end = std::min(size, start + limit);
  std::string text = read_range(fd, start, end);
  ::close(fd);
  // Never cut a line: drop a partial first line (unless at the start) and a partial last one
  // (unless at the end of the file, where a running build's last line is still being written).
  size_t head = 0;
  if (start > 0 && offset < 0) {
    auto nl = text.find('\n');
    head = nl == std::string::npos ? text.size() : nl + 1;
  }
  size_t tail = text.size();
  if (end < size) {
    auto nl = text.rfind('\n');
    if (nl != std::string::npos && nl + 1 > head) tail = nl + 1;
  }
  json out;
  out["size"] = size;
  out["offset"] = start + static_cast<long long>(head);
  out["end"] = start + static_cast<long long>(tail);
  out["text"] = text.substr(head, tail - head);
  return out;
}

json search_log(const fs::path& file, const std::string& needle, int max) {
  json matches = json::array();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.filename().string() + ": cannot be read");
  std::string low_needle = to_lower(needle);
  std::string line;
  long long lineno = 0, offset = 0;
  bool truncated = false;
  while (std::getline(in, line)) {
    ++lineno;
    if (!low_needle.empty() && to_lower(line).find(low_needle) != std::string::npos) {
      if (static_cast<int>(matches.size()) >= max) {
        truncated = true;
        break;
      }
      matches.push_back({{"line", lineno}, {"offset", offset}, {"text", line.substr(0, 2000)}});
    }
    offset += static_cast<long long>(line.size()) + 1;
  }
  return {{"query", needle}, {"matches", matches}, {"truncated", truncated}};
}

json failing_lines(const fs::path& file, int max) {
  // The tail holds the failure in practice; 2 MiB bounds the work on a 100 MB log.
  json w = read_log(file, -1, 2 << 20);
  std::string text = w["text"];
  long long base = w["offset"];
  json out = json::array();
  size_t pos = 0;
  while (pos < text.size() && static_cast<int>(out.size()) < max) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + pos, nl - pos);
    if (looks_failing(line))
      out.push_back({{"offset", base + static_cast<long long>(pos)},
                     {"text", std::string(line.substr(0, 2000))}});
    pos = nl + 1;
  }
  return out;
}

fs::path artifact_path(const fs::path& build_dir, const std::string& rel) {
  if (rel.empty() || rel.front() == '/' || rel.find('\0') != std::string::npos) return {};
  fs::path r(rel);
  for (const auto& part : r)
    if (part == ".." || part == ".") return {};
  std::error_code ec;
  fs::path root = fs::canonical(build_dir / "artifacts", ec);
  if (ec) return {};
  fs::path p = root / r;
  // Every component must be a real folder or file: a symlink anywhere on the way is refused,
  // wherever it points.
  fs::path walk = root;
  for (const auto& part : r) {
    walk /= part;
    if (fs::is_symlink(fs::symlink_status(walk, ec))) return {};
  }
  if (!fs::is_regular_file(fs::symlink_status(p, ec))) return {};
  fs::path canon = fs::canonical(p, ec);
  if (ec) return {};
  auto [a, b] = std::mismatch(root.begin(), root.end(), canon.begin(), canon.end());
  if (a != root.end()) return {};
  return canon;
}

Api::Api(const std::vector<fs::path>& dirs) {
  std::set<std::string> names;
  for (const auto& d : dirs) {
    auto p = std::make_unique<Project>();
    p->dir = d;
    std::string base = d.filename().string();
    if (base.empty()) base = "project";
    std::string name = base;
    for (int i = 2; names.count(name); ++i) name = base + "-" + std::to_string(i);
    names.insert(name);
    p->name = name;
    p->index = std::make_unique<history::Index>(d);
    p->skipped = p->index->sync().skipped;
    try {
      p->needs = pipeline::resolve(pipeline::load_pipeline(pipeline::find_config(d))).needs;
    } catch (const std::exception&) {
    }
    projects_.push_back(std::move(p));
  }
}

void Api::sync_all() {
  for (auto& p : projects_) {
    std::lock_guard lock(p->mutex);
    try {
      p->skipped = p->index->sync().skipped;
    } catch (const Error&) {
    }
  }
}

Project* Api::project(const Params& params) {
  std::string name = param(params, "project");
  if (name.empty()) return projects_.empty() ? nullptr : projects_.front().get();
  for (auto& p : projects_)
    if (p->name == name) return p.get();
  return nullptr;
}

namespace {
// Each stage's needs: as the build recorded them, else (a build from before pipewright recorded
// them) as the project's pipeline says today.
void add_needs(const Project& p, json& b) {
  for (auto& s : b["stages"]) {
    if (s.contains("needs") && s["needs"].is_array()) continue;
    auto it = p.needs.find(s["id"].get<std::string>());
    s["needs"] = it == p.needs.end() ? json::array() : json(it->second);
  }
}
}  // namespace

std::optional<json> build_json(Project& p, int n) {
  if (auto b = p.index->build(n)) {
    add_needs(p, *b);
    return b;
  }
  // Not indexed: running (or finished a moment ago): straight from its folder.
  try {
    auto r = history::read_record(build_dir(p, n));
    json b = history::live_summary(r);
    json stages = json::array();
    for (const auto& s : r.stages) {
      stages.push_back(history::stage_json(s));
      if (auto it = r.needs.find(s.id); it != r.needs.end()) stages.back()["needs"] = it->second;
    }
    b["stages"] = stages;
    b["coverage_packages"] = json::array();
    b["gate_conditions"] = json::array();
    b["finding_counts"] = json::array();
    b["artifacts"] = json::array();
    auto prev = p.index->previous(n);
    b["previous"] = prev ? json(*prev) : json();
    b["diff"] = json();
    add_needs(p, b);
    return b;
  } catch (const Error&) {
    return std::nullopt;
  }
}

json tests_json(Project& p, int n) {
  if (p.index->has(n)) return p.index->tests_of(n);
  json out = json::array();
  fs::path report = build_dir(p, n) / "reports" / "report.xml";
  std::error_code ec;
  if (!fs::is_regular_file(report, ec)) return out;
  std::vector<std::string> problems;
  auto cases = history::read_junit_cases(report, problems);
  std::stable_sort(cases.begin(), cases.end(), [](const auto& a, const auto& b) {
    return history::is_failure(a.outcome) > history::is_failure(b.outcome);
  });
  for (const auto& t : cases) {
    json j = {{"nodeid", t.nodeid},
              {"outcome", history::to_string(t.outcome)},
              {"duration_ms", double(t.duration_us) / 1000.0}};
    if (t.outcome != history::Outcome::passed)
      j.update({{"message", t.message}, {"file", t.file}, {"line", t.line}});
    out.push_back(std::move(j));
  }
  return out;
}

namespace {

json load(const fs::path& f) {
  std::error_code ec;
  if (!fs::is_regular_file(f, ec)) return json();
  try {
    return json::parse(read_file(f));
  } catch (...) {
    return json();
  }
}

// Quality findings (SARIF), dependency and image vulnerabilities of one build folder, each with a
// key that stays the same across builds (not the line: code moves).
json folder_findings(const fs::path& dir) {
  json quality = json::array(), deps = json::array(), image = json::array();
  json sarif = load(dir / "reports" / "quality.sarif");
  if (sarif.is_object())
    for (const auto& run : sarif.value("runs", json::array())) {
      std::string tool = run.value("/tool/driver/name"_json_pointer, std::string("?"));
      for (const auto& r : run.value("results", json::array())) {
        std::string file;
        int line = 0;
        if (r.contains("locations") && r["locations"].is_array() && !r["locations"].empty()) {
          const auto& pl = r["locations"][0].value("physicalLocation", json::object());
          file = pl.value("/artifactLocation/uri"_json_pointer, std::string());
          line = pl.value("/region/startLine"_json_pointer, 0);
        }
        std::string msg = r.value("/message/text"_json_pointer, std::string());
        std::string rule = r.value("ruleId", "");
        quality.push_back({{"tool", tool},
                           {"rule", rule},
                           {"level", r.value("level", "warning")},
                           {"message", msg},
                           {"file", file},
                           {"line", line},
                           {"key", tool + "|" + rule + "|" + file + "|" + msg}});
      }
    }
  std::vector<std::string> unread;  // the index reports these; a page shows what it can read
  auto dep_report = history::dependency_findings(dir, unread);
  for (const auto& f : dep_report.value_or(json::array())) {
    try {
      if (!f.is_object() || f.value("ignored", false)) continue;
      std::string id = f.value("id", ""), pkg = f.value("package", "");
      deps.push_back({{"id", id},
                      {"package", pkg},
                      {"version", f.value("version", "")},
                      {"severity", to_lower(f.value("severity", "unknown"))},
                      {"fixed_versions", f.value("fixed_versions", json::array())},
                      {"summary", f.value("summary", "")},
                      {"link", f.value("link", "")},
                      {"found_by", history::found_by(f)},
                      {"key", id + "|" + pkg}});
    } catch (const json::exception&) {
      // A finding of the wrong shape is left out; the index names the damaged file.
    }
  }
  json trivy = load(dir / "artifacts" / "trivy-image-report.json");
  if (trivy.is_object())
    for (const auto& r : trivy.value("Results", json::array()))
      for (const auto& v : r.value("Vulnerabilities", json::array())) {
        std::string id = v.value("VulnerabilityID", ""), pkg = v.value("PkgName", "");
        std::string fixed = v.value("FixedVersion", "");
        image.push_back({{"id", id},
                         {"package", pkg},
                         {"version", v.value("InstalledVersion", "")},
                         {"severity", to_lower(v.value("Severity", "unknown"))},
                         {"fixed_versions", fixed.empty() ? json::array() : json::array({fixed})},
                         {"summary", v.value("Title", "")},
                         {"link", v.value("PrimaryURL", "")},
                         {"key", id + "|" + pkg}});
      }
  // Whether each kind's report is in the folder: a build that stopped before a scan has none,
  // which is not the same as a scan that found nothing.
  return {{"quality", quality},
          {"dependency", deps},
          {"image", image},
          {"scanned",
           {{"quality", sarif.is_object()},
            {"dependency", dep_report.has_value()},
            {"image", trivy.is_object()}}}};
}

}  // namespace

json findings_json(Project& p, int n) {
  json cur = folder_findings(build_dir(p, n));
  auto prev = p.index->previous(n);
  json out = cur;
  out["previous"] = prev ? json(*prev) : json();
  // Each kind is compared with the last earlier build that scanned it: a build that stopped
  // before its image scan neither resolves the image's vulnerabilities nor makes the next
  // build's look new.
  std::map<int, json> earlier;
  auto baseline = [&](const char* kind) -> std::optional<int> {
    std::optional<int> b = prev;
    for (int steps = 0; b && steps < 50; ++steps, b = p.index->previous(*b)) {
      auto it = earlier.find(*b);
      if (it == earlier.end()) it = earlier.emplace(*b, folder_findings(build_dir(p, *b))).first;
      if (it->second["scanned"].value(kind, false)) return b;
    }
    return std::nullopt;
  };
  for (const char* kind : {"quality", "dependency", "image"}) {
    json resolved = json::array();
    auto base = cur["scanned"].value(kind, false) ? baseline(kind) : std::nullopt;
    out["compared_" + std::string(kind)] = base ? json(*base) : json();
    if (base) {
      const json& old = earlier[*base];
      std::set<std::string> before, now;
      for (const auto& f : old[kind]) before.insert(f["key"].get<std::string>());
      for (auto& f : out[kind]) {
        now.insert(f["key"].get<std::string>());
        f["new"] = !before.count(f["key"].get<std::string>());
      }
      for (const auto& f : old[kind])
        if (!now.count(f["key"].get<std::string>())) resolved.push_back(f);
    } else {
      for (auto& f : out[kind]) f["new"] = false;
    }
    out["resolved_" + std::string(kind)] = resolved;
  }
  return out;
}

Response Api::get(const std::string& path, const Params& params) {
  std::vector<std::string> parts;
  for (const auto& s : split(path, '/'))
    if (!s.empty()) parts.push_back(s);
  if (parts.empty() || parts[0] != "api") return error(404, "not an API path");
  if (parts.size() == 2 && parts[1] == "projects") {
    json list = json::array();
    for (auto& p : projects_) {
      std::lock_guard lock(p->mutex);
      list.push_back({{"name", p->name}, {"newest", p->index->newest()}, {"skipped", p->skipped}});
    }
    return ok(list);
  }
  Project* p = project(params);
  if (!p) return error(404, "no project " + param(params, "project"));
  std::lock_guard lock(p->mutex);
  try {
    if (parts.size() == 2 && parts[1] == "builds") {
      history::BuildQuery q;
      q.status = param(params, "status");
      q.branch = param(params, "branch");
      q.limit = static_cast<int>(int_param(params, "limit", 50, 1, 1000));
      q.offset = static_cast<int>(int_param(params, "offset", 0, 0, 1000000000));
      return ok(p->index->builds(q));
    }
    if (parts.size() >= 3 && parts[1] == "builds") {
      auto n = parts[2] == "latest" ? std::optional<int>(p->index->newest()) : number(parts[2]);
      if (!n) return error(400, "build number expected, got '" + parts[2] + "'");
      if (parts.size() == 3) {
        auto b = build_json(*p, *n);
        if (!b) return error(404, "no build " + std::to_string(*n));
        return ok(*b);
      }
      if (!fs::is_directory(build_dir(*p, *n))) return error(404, "no build " + std::to_string(*n));
      if (parts.size() == 4 && parts[3] == "tests") return ok(tests_json(*p, *n));
      if (parts.size() == 4 && parts[3] == "findings") return ok(findings_json(*p, *n));
      if ((parts.size() == 5 || parts.size() == 6) && parts[3] == "log") {
        auto b = build_json(*p, *n);
        std::string log;
        if (b)
          for (const auto& s : (*b)["stages"])
            if (s["id"] == parts[4]) log = s["log"];
        if (log.empty()) log = "logs/" + parts[4] + ".log";
        fs::path file = build_dir(*p, *n) / log;
        // The record names the log; still, only a file under the build's logs/ is served.
        if (log.find("..") != std::string::npos || !fs::is_regular_file(fs::symlink_status(file)))
          return error(404, "no log for stage '" + parts[4] + "' in build " + std::to_string(*n));
        if (parts.size() == 6 && parts[5] == "raw") {
          Response r;
          r.content_type = "text/plain; charset=utf-8";
          r.file = file;
          return r;
        }
        std::string q = param(params, "q");
        if (!q.empty())
          return ok(search_log(file, q, static_cast<int>(int_param(params, "max", 500, 1, 10000))));
        json w = read_log(file, int_param(params, "offset", -1, -1, 1LL << 50),
                          int_param(params, "limit", 256 * 1024, 1024, 16 << 20));
        if (param(params, "failing", "1") != "0") w["failing"] = failing_lines(file, 200);
        w["stage"] = parts[4];
        return ok(w);
      }
      if (parts.size() >= 5 && parts[3] == "artifacts") {
        std::string rel;
        for (size_t i = 4; i < parts.size(); ++i) rel += (rel.empty() ? "" : "/") + parts[i];
        fs::path f = artifact_path(build_dir(*p, *n), rel);
        if (f.empty())
          return error(404, "no artifact '" + rel + "' in build " + std::to_string(*n));
        Response r;
        r.content_type = "application/octet-stream";
        r.file = f;
        r.download_name = f.filename().string();
        return r;
      }
    }
    if (parts.size() == 2 && parts[1] == "tests")
      return ok(
          p->index->tests_overview(param(params, "view", "failing"),
                                   static_cast<int>(int_param(params, "builds", 30, 1, 1000)),
                                   static_cast<int>(int_param(params, "limit", 200, 1, 5000))));
    if (parts.size() == 3 && parts[1] == "tests" && parts[2] == "history") {
      std::string name = param(params, "name");
      if (name.empty()) return error(400, "name= (the test's node id) is required");
      return ok(p->index->test_history(
          name, static_cast<int>(int_param(params, "limit", 100, 1, 100000))));
    }
    if (parts.size() == 2 && parts[1] == "trends")
      return ok(p->index->trends(static_cast<int>(int_param(params, "limit", 50, 2, 10000))));
  } catch (const Error& e) {
    return error(500, e.what());
  }
  return error(404, "no such API route: " + path);
}

}  // namespace pw::serve
