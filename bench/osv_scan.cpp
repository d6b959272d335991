// Benchmark: pipewright's advisory store and matcher against a Python script doing the same
// matching with packaging over the same OSV files, driven by osv_scan.sh.
//
//   bench_osv_scan --generate CORPUS_VULNS OUT N   write N name==version lines drawn from the
//                                                   corpus: half a listed (affected) version,
//                                                   half a fixed or far-future (clean) one
//   bench_osv_scan CORPUS_VULNS ENV DB             import into a fresh DB, then scan ENV with a
//                                                   freshly opened store (cold cache), batched
//                                                   as security::scan() does, five times; prints
//                                                   "pipewright IMPORT_MS MEDIAN_SCAN_MS FINDINGS
//                                                   MEDIAN_SCAN_CPU_MS"
//   bench_osv_scan --scan-only ENV DB               the scan alone against an existing DB (for
//                                                   profiling, e.g. under callgrind)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "security/match.h"
#include "security/sources.h"
#include "security/store.h"

using namespace pw::security;
using Clock = std::chrono::steady_clock;

namespace {

// The process's CPU time (user and system: page faults count), in ms.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

int generate(const std::string& corpus, const std::string& out_path, size_t n) {
  std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> by_name;
  ReadStats rs;
  read_location(
      corpus,
      [&](SourceDocument&& d) {
        for (const auto& r : parse_osv(d.text, d.format, d.name).records) {
          for (const auto& a : r.affected) {
            auto& [listed, fixed] = by_name[a.package.name];
            listed.insert(listed.end(), a.versions.begin(), a.versions.end());
            for (const auto& range : a.ranges)
              for (const auto& e : range.events)
                if (e.kind == EventKind::fixed) fixed.push_back(e.version);
          }
        }
      },
      rs);
  std::vector<std::string> names;
  for (const auto& [name, v] : by_name) names.push_back(name);
  std::ofstream out(out_path);
  unsigned x = 12345;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    const std::string& name = names[(x >> 8) % names.size()];
    const auto& [listed, fixed] = by_name[name];
    std::string version;
    if (i % 2 == 0 && !listed.empty())
      version = listed[(x >> 4) % listed.size()];
    else if (i % 4 == 1 && !fixed.empty())
      version = fixed[(x >> 4) % fixed.size()];
    else
      version = "999.0";
    out << name << "==" << version << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--generate")
    return generate(argv[2], argv[3], std::stoul(argv[4]));
  const bool scan_only = argc == 4 && std::string(argv[1]) == "--scan-only";
  if (argc != 4) {
    std::cerr << "usage: bench_osv_scan CORPUS_VULNS ENV DB | --scan-only ENV DB | "
                 "--generate CORPUS_VULNS OUT N\n";
    return 2;
  }
  double import_ms = 0;
  if (!scan_only) {
    std::filesystem::remove(argv[3]);
    Store store(argv[3]);
    auto t = Clock::now();
    store.import({argv[1]});
    import_ms = ms_since(t);
  }
  std::vector<std::pair<std::string, std::string>> env;
  std::ifstream in(argv[2]);
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find("==");
    if (eq != std::string::npos) env.emplace_back(line.substr(0, eq), line.substr(eq + 2));
  }
  // The scan as security::scan() runs it: one batched match of every name==version line (not
  // merged: duplicate lines count again, as in the Python peer), each time with a freshly
  // opened store (cold: no cached index entries). The median of kRepeats runs, as the peer
  // reports, since one run on this shared machine varies by a factor of two.
  // CPU time beside the wall time: on a loaded machine it leaves out the waits for a core.
  constexpr int kRepeats = 5;
  std::vector<double> times, cpu_times;
  size_t findings = 0;
  for (int r = 0; r < kRepeats; ++r) {
    Store store(argv[3]);
    double cpu = cpu_ms();
    auto t = Clock::now();
    findings = 0;
    for (const auto& matches : match(store, "PyPI", env)) findings += matches.size();
    times.push_back(ms_since(t));
    cpu_times.push_back(cpu_ms() - cpu);
  }
  std::sort(times.begin(), times.end());
  std::sort(cpu_times.begin(), cpu_times.end());
  std::printf("pipewright %.1f %.2f %zu %.2f\n", import_ms, times[kRepeats / 2], findings,
              cpu_times[kRepeats / 2]);
  return 0;
}
