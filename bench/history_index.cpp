// The native half of bench/history_index.py: rebuilds the history index of a project with many
// builds from scratch, adds one build incrementally, and times the API's answers at that size
// (serve::Api, the same code `pipewright serve` calls, without the socket). Prints JSON.
// Usage: bench_history_index PROJECT_DIR NEW_BUILD_NUMBER TEST_NODEID
#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "history/index.h"
#include "serve/api.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

static double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: bench_history_index PROJECT_DIR NEW_BUILD_NUMBER TEST_NODEID\n";
    return 2;
  }
  fs::path dir = argv[1];
  int fresh = std::stoi(argv[2]);
  std::string nodeid = argv[3];
  nlohmann::json out;
  Clock::time_point renamed;
  fs::remove(pw::history::Index::default_path(dir));
  fs::remove(pw::history::Index::default_path(dir).string() + "-wal");
  fs::remove(pw::history::Index::default_path(dir).string() + "-shm");
  fs::path pending = dir / ".pipewright" / "pending";
  fs::path target = dir / ".pipewright" / "builds" / std::to_string(fresh);
  if (fs::exists(target)) fs::rename(target, pending);
  {
    // Reading the folders alone (what the rebuild spends outside SQLite), on the first 20.
    auto t = Clock::now();
    int n = 0;
    for (; n < 20 && n < fresh - 1; ++n)
      pw::history::read_build(dir / ".pipewright" / "builds" / std::to_string(n + 1));
    out["read_build_ms"] = ms_since(t) / std::max(1, n);
  }
  {
    auto t = Clock::now();
    pw::history::Index idx(dir);
    auto r = idx.rebuild();
    out["rebuild_ms"] = ms_since(t);
    out["rebuild_builds"] = r.added;
    fs::rename(pending, target);
    renamed = Clock::now();
    t = Clock::now();
    idx.add(fresh);
    out["add_one_ms"] = ms_since(t);
  }
  out["db_bytes"] = fs::file_size(pw::history::Index::default_path(dir));
  pw::serve::Api api({dir});
  int newest = fresh;
  std::vector<std::pair<std::string, pw::serve::Params>> routes = {
      {"/api/builds", {}},
      {"/api/builds", {{"offset", "5000"}}},
      {"/api/builds", {{"status", "FAILURE"}}},
      {"/api/builds/" + std::to_string(newest), {}},
      {"/api/builds/" + std::to_string(newest) + "/tests", {}},
      {"/api/builds/" + std::to_string(newest) + "/log/stage-07", {}},
      {"/api/tests/history", {{"name", nodeid}}},
      {"/api/tests", {{"view", "failing"}}},
      {"/api/tests", {{"view", "flaky"}}},
      {"/api/tests", {{"view", "slowest"}}},
      {"/api/trends", {{"limit", "100"}}},
  };
  nlohmann::json api_ms = nlohmann::json::array();
  // The builds routes are timed twice. First right after the new build's folder appeared, so
  // each call lists the 10,000 folders (the worst case: a build just ended); then once the
  // builds folder has been still for the 2 s after which the index trusts its cached listing
  // (history::Index::folders), which is what a user browsing between builds gets.
  auto time_routes = [&](size_t count, const std::string& suffix) -> bool {
    for (size_t k = 0; k < count; ++k) {
      const auto& [path, params] = routes[k];
      std::vector<double> times;
      size_t bytes = 0;
      for (int i = 0; i < 15; ++i) {
        auto t = Clock::now();
        auto r = api.get(path, params);
        times.push_back(ms_since(t));
        bytes = r.body.size();
        if (r.status != 200) {
          std::cerr << path << ": " << r.status << " " << r.body << "\n";
          return false;
        }
      }
      std::sort(times.begin(), times.end());
      std::string name = path;
      for (const auto& [key, v] : params) name += (name == path ? "?" : "&") + key + "=" + v;
      api_ms.push_back({{"route", name + suffix},
                        {"median_ms", times[times.size() / 2]},
                        {"max_ms", times.back()},
                        {"bytes", bytes}});
    }
    return true;
  };
  if (!time_routes(routes.size(), "")) return 1;
  std::this_thread::sleep_until(renamed + std::chrono::milliseconds(2200));
  if (!time_routes(3, " (listing cached)")) return 1;
  out["api"] = api_ms;
  std::cout << out.dump() << "\n";
  return 0;
}
