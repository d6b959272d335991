#include "cli/history_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "history/index.h"
#include "serve/api.h"
#include "serve/server.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::cli {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string pad_column(std::string s, size_t n) {
  return s.size() >= n ? s : s + std::string(n - s.size(), ' ');
}

std::string ms_text(int64_t ms) { return format_duration(std::chrono::milliseconds(ms)); }

std::string pct(const json& v) {
  if (!v.is_number()) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", v.get<double>());
  return buf;
}

void sync_reporting(history::Index& idx) {
  for (const auto& s : idx.sync().skipped)
    std::cerr << "pipewright: warning: skipped " << s << "\n";
}

int resolve_build(history::Index& idx, int build) {
  if (build > 0) return build;
  // The newest folder, running or not.
  int n = idx.newest();
  for (int u : idx.unindexed()) n = std::max(n, u);
  if (n == 0)
    throw Error("no builds yet in " + idx.builds_dir().string() + ": run `pipewright run` first");
  return n;
}

}  // namespace

void index_finished_build(const fs::path& dir, int build) {
  try {
    history::Index idx(dir);
    idx.add(build);
  } catch (const std::exception& e) {
    std::cerr << "pipewright: warning: build " << build
              << " not added to the history index: " << e.what() << "\n";
  }
}

int cmd_history(const fs::path& dir, const HistoryArgs& a) {
  history::Index idx(dir);
  auto r = a.rebuild ? idx.rebuild() : idx.sync();
  for (const auto& s : r.skipped) std::cerr << "pipewright: warning: skipped " << s << "\n";
  if (a.rebuild)
    std::cerr << "history index rebuilt: " << r.added << " build(s) indexed, " << r.skipped.size()
              << " skipped\n";
  history::BuildQuery q;
  q.limit = a.limit;
  q.status = to_upper(a.status);
  q.branch = a.branch;
  json j = idx.builds(q);
  if (a.json) {
    std::cout << serve::dump(j) << "\n";
    return 0;
  }
  if (j["builds"].empty()) {
    std::cout << "No builds yet: run `pipewright run`.\n";
    return 0;
  }
  std::cout << pad_column("#", 6) << pad_column("Status", 10) << pad_column("Commit", 12)
            << pad_column("Branch", 16) << pad_column("Duration", 10) << pad_column("Tests", 18)
            << pad_column("Coverage", 10) << "Findings\n";
  for (const auto& b : j["builds"]) {
    const auto& t = b["tests"];
    std::string tests = t["total"].get<int64_t>() == 0
                            ? "-"
                            : std::to_string(t["passed"].get<int64_t>()) + "/" +
                                  std::to_string(t["total"].get<int64_t>()) +
                                  (t["failed"].get<int64_t>() + t["errors"].get<int64_t>()
                                       ? " (" +
                                             std::to_string(t["failed"].get<int64_t>() +
                                                            t["errors"].get<int64_t>()) +
                                             " failed)"
                                       : "");
    std::string findings = "-";
    if (b["findings"].contains("quality")) {
      int64_t vulns =
          b["findings"]["dependency"].get<int64_t>() + b["findings"]["image"].get<int64_t>();
      findings = std::to_string(b["findings"]["quality"].get<int64_t>()) + " quality, " +
                 std::to_string(vulns) + (vulns == 1 ? " vuln" : " vulns");
    }
    std::cout << pad_column(std::to_string(b["number"].get<int64_t>()), 6)
              << pad_column(b["status"], 10)
              << pad_column(b["commit"].get<std::string>().substr(0, 10), 12)
              << pad_column(b["branch"], 16) << pad_column(ms_text(b["duration_ms"]), 10)
              << pad_column(tests, 18) << pad_column(pct(b["coverage"]), 10) << findings << "\n";
  }
  if (j["total"].get<int64_t>() > static_cast<int64_t>(j["builds"].size()))
    std::cout << "(" << j["builds"].size() << " of " << j["total"] << "; --limit N for more)\n";
  return 0;
}

int cmd_show(const fs::path& dir, int build, bool as_json) {
  serve::Api api({dir});
  auto& p = *api.projects().front();
  for (const auto& s : p.skipped) std::cerr << "pipewright: warning: skipped " << s << "\n";
  int n = resolve_build(*p.index, build);
  auto b = serve::build_json(p, n);
  if (!b) throw Error("no build " + std::to_string(n) + " (missing, or its build.json is damaged)");
  json tests = serve::tests_json(p, n);
  if (as_json) {
    json out = *b;
    out["test_cases"] = tests;
    std::cout << serve::dump(out) << "\n";
    return 0;
  }
  const json& j = *b;
  std::cout << "Build #" << n << "  " << j["status"].get<std::string>() << "  "
            << j["commit"].get<std::string>().substr(0, 10) << " " << j.value("message", "")
            << "  branch " << j["branch"].get<std::string>() << "  " << ms_text(j["duration_ms"])
            << (j.value("trigger", "").empty() ? "" : "  started by " + j.value("trigger", ""))
            << "\n\n";
  size_t w = 5;
  for (const auto& s : j["stages"]) w = std::max(w, s["id"].get<std::string>().size());
  for (const auto& s : j["stages"])
    std::cout << "  " << pad_column(s["id"], w) << "  " << pad_column(s["status"], 10)
              << pad_column(ms_text(s["duration_ms"]), 10) << s["summary"].get<std::string>()
              << "\n";
  const auto& t = j["tests"];
  std::cout << "\nTests: " << t["total"] << " (" << t["passed"] << " passed, " << t["failed"]
            << " failed, " << t["errors"] << " errors, " << t["skipped"]
            << " skipped)   Coverage: " << pct(j["coverage"]) << "\n";
  for (const auto& tc : tests) {
    if (tc["outcome"] != "failed" && tc["outcome"] != "error") break;
    std::cout << "  FAILED " << tc["nodeid"].get<std::string>();
    if (tc.contains("history")) {
      const auto& h = tc["history"];
      std::cout << "  (failing since #" << h["failing_since"] << ", first failed #"
                << h["first_failed"] << (h["flaky"].get<bool>() ? ", flaky" : "") << ")";
    }
    std::cout << "\n    " << tc.value("file", "") << ":" << tc.value("line", 0) << "  "
              << tc.value("message", "").substr(0, tc.value("message", "").find('\n')) << "\n";
  }
  if (!j["gate_conditions"].empty()) {
    std::cout << "\nQuality gate: " << j["gate"].get<std::string>() << "\n";
    for (const auto& c : j["gate_conditions"])
      std::cout << "  " << pad_column(c["status"], 6) << " " << c["name"].get<std::string>() << " "
                << c["op"].get<std::string>() << " " << c["threshold"].get<std::string>()
                << (c["actual"].get<std::string>().empty()
                        ? std::string(" (no value: no new code, or not measured)")
                        : " (actual " + c["actual"].get<std::string>() + ")")
                << "\n";
  }
  if (!j["finding_counts"].empty()) {
    std::cout << "\nFindings:";
    for (const auto& f : j["finding_counts"])
      std::cout << "  " << f["source"].get<std::string>() << "/" << f["tool"].get<std::string>()
                << " " << f["severity"].get<std::string>() << " " << f["count"];
    std::cout << "\n";
  }
  return 0;
}

int cmd_log(const fs::path& dir, int build, const std::string& stage, bool follow) {
  history::Index idx(dir);
  int n = resolve_build(idx, build);
  fs::path bdir = idx.builds_dir() / std::to_string(n);
  engine::BuildRecord r = history::read_record(bdir);
  std::string rel;
  std::vector<std::string> ids;
  for (const auto& s : r.stages) {
    ids.push_back(s.id);
    if (s.id == stage) rel = s.log;
  }
  if (rel.empty()) rel = "logs/" + stage + ".log";
  fs::path file = bdir / rel;
  if (!fs::is_regular_file(file)) {
    std::string hint = closest_match(stage, ids);
    throw ConfigError("build " + std::to_string(n) + " has no log of stage '" + stage + "'" +
                      (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                      (ids.empty() ? "" : "; its stages: " + join(ids, ", ")));
  }
  std::ifstream in(file, std::ios::binary);
  std::vector<char> buf(1 << 16);
  auto pump = [&] {
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
      std::cout.write(buf.data(), in.gcount());
      if (in.eof()) break;
    }
    in.clear();
    std::cout.flush();
  };
  pump();
  if (!follow) return 0;
  // --follow: until the build has ended and the log stopped growing.
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    pump();
    try {
      auto now = history::read_record(bdir);
      bool stage_running = false;
      for (const auto& s : now.stages)
        if (s.id == stage && s.status == engine::Status::running) stage_running = true;
      if (now.status != engine::Status::running || (!stage_running && now.find(stage))) {
        pump();
        return 0;
      }
    } catch (const Error&) {
    }
  }
}

int cmd_tests(const fs::path& dir, const std::string& view, bool as_json) {
  history::Index idx(dir);
  sync_reporting(idx);
  json j = idx.tests_overview(view, 30, 100);
  if (as_json) {
    std::cout << serve::dump(j) << "\n";
    return 0;
  }
  const auto& rows = j["tests"];
  if (rows.empty()) {
    std::cout << (view == "failing" ? "No test fails in the newest build.\n"
                  : view == "flaky" ? "No flaky test (none both passed and failed on one commit) "
                                      "in the last 30 builds.\n"
                                    : "No tests recorded.\n");
    return 0;
  }
  for (const auto& t : rows) {
    if (view == "failing") {
      const auto& h = t["history"];
      std::cout << t["nodeid"].get<std::string>() << "\n    " << t["file"].get<std::string>() << ":"
                << t["line"] << "  "
                << t["message"].get<std::string>().substr(
                       0, t["message"].get<std::string>().find('\n'))
                << "\n    failing since #" << h["failing_since"] << ", first failed #"
                << h["first_failed"] << (h["flaky"].get<bool>() ? ", flaky" : "") << "\n";
    } else if (view == "flaky") {
      std::cout << t["nodeid"].get<std::string>() << "  both outcomes on " << t["flaky_commits"]
                << " commit(s), last #" << t["last_build"] << "\n";
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%10.1f ms avg %10.1f ms max", t["avg_ms"].get<double>(),
                    t["max_ms"].get<double>());
      std::cout << buf << "  " << t["nodeid"].get<std::string>() << "\n";
    }
  }
  return 0;
}

int cmd_serve(const std::vector<fs::path>& projects, const std::string& host, int port) {
  serve::ServeOptions o;
  o.host = host;
  o.port = port;
  o.projects = projects;
  o.on_listening = [&](const std::string& url) {
    std::cout << "pipewright: serving " << projects.size() << " project(s) at " << url
              << " (Ctrl-C stops)" << std::endl;
  };
  return serve::serve(o);
}

int cmd_report(const fs::path& dir, int build, const std::string& html_file) {
  std::string html = serve::report_html(dir, build);
  if (html_file == "-") {
    std::cout << html;
    return 0;
  }
  write_file_atomic(html_file, html);
  std::cerr << "wrote " << html_file << " (" << html.size() / 1024 << " KiB, opens offline)\n";
  return 0;
}

}  // namespace pw::cli
