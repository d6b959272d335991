// Native half of the XML report benchmark (bench/xml_reports.sh runs it beside
// bench/xml_reports_peer.py on the same generated files): times pipewright's JUnit and Cobertura
// parsers, each reading the file and doing the whole job (totals and failing tests; per-file line
// and branch data), and prints "<report> <impl> <best ms> <summary>" lines. The summary is the
// same string the Python peer prints, so the driver can check both did the same work.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "reports/cobertura.h"
#include "reports/junit.h"
#include "reports/xml_input.h"

namespace {

using Clock = std::chrono::steady_clock;

// Best of `repeat` wall-clock runs: on a shared machine the minimum is the run least disturbed by
// other processes, which is what both halves of the benchmark report.
template <class F>
double best_ms(int repeat, F&& f) {
  std::vector<double> times;
  for (int i = 0; i < repeat; ++i) {
    auto t0 = Clock::now();
    f();
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return *std::min_element(times.begin(), times.end());
}

std::string junit_summary(const pw::reports::JUnitReport& r) {
  const auto& t = r.totals;
  std::string s = "tests=" + std::to_string(t.tests) + ",passed=" + std::to_string(t.passed) +
                  ",failed=" + std::to_string(t.failed) + ",errors=" + std::to_string(t.errors) +
                  ",skipped=" + std::to_string(t.skipped) +
                  ",listed=" + std::to_string(r.failures.size());
  if (!r.failures.empty()) {
    const auto& last = r.failures.back();
    s += ",last=" + last.nodeid + "@" + last.file + ":" + std::to_string(last.line);
  }
  return s;
}

std::string coverage_summary(const pw::reports::CoverageReport& r) {
  long long lines = 0, covered = 0, branches = 0, bcovered = 0, stored = 0;
  for (const auto& f : r.files) {
    lines += f.lines_valid;
    covered += f.lines_covered;
    branches += f.branches_valid;
    bcovered += f.branches_covered;
    stored += static_cast<long long>(f.lines.size());
  }
  return "files=" + std::to_string(r.files.size()) + ",lines=" + std::to_string(lines) +
         ",covered=" + std::to_string(covered) + ",branches=" + std::to_string(branches) +
         ",bcovered=" + std::to_string(bcovered) + ",stored=" + std::to_string(stored);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s JUNIT_XML COVERAGE_XML [REPEAT]\n", argv[0]);
    return 2;
  }
  int repeat = argc > 3 ? std::max(1, std::atoi(argv[3])) : 21;

  // As shipped: reports over 4 MiB are parsed in two halves on two threads. Then on one
  // thread, so the table can show what the split is worth.
  auto& tuning = pw::reports::detail::xml_split_tuning();
  const size_t shipped_min_size = tuning.min_size;
  for (const char* impl : {"pipewright", "pipewright-1-thread"}) {
    tuning.min_size = std::string_view(impl) == "pipewright" ? shipped_min_size : SIZE_MAX;
    size_t splits_before = tuning.splits;
    pw::reports::Parsed<pw::reports::JUnitReport> junit;
    double junit_ms = best_ms(repeat, [&] { junit = pw::reports::parse_junit_file(argv[1]); });
    if (!junit.ok()) {
      std::fprintf(stderr, "%s\n", pw::join_diagnostics(junit.errors).c_str());
      return 1;
    }
    std::printf("junit %s %.2f %s\n", impl, junit_ms, junit_summary(junit.value).c_str());

    pw::reports::Parsed<pw::reports::CoverageReport> cov;
    double cov_ms = best_ms(repeat, [&] { cov = pw::reports::parse_cobertura_file(argv[2]); });
    if (!cov.ok()) {
      std::fprintf(stderr, "%s\n", pw::join_diagnostics(cov.errors).c_str());
      return 1;
    }
    std::printf("coverage %s %.2f %s\n", impl, cov_ms, coverage_summary(cov.value).c_str());
    if (std::string_view(impl) == "pipewright") {
      double load = 0;
      getloadavg(&load, 1);
      std::printf(
          "note pipewright parsed %zu of %d loads in two halves on two threads (it splits "
          "only when the load average, %.1f now, is below the %u cores)\n",
          static_cast<size_t>(tuning.splits - splits_before), 2 * repeat, load,
          std::thread::hardware_concurrency());
    }
  }
  return 0;
}
