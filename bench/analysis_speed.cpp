// Native half of bench/analysis_speed.sh: reads, tokenizes and measures every file listed on stdin
// (size, cyclomatic and cognitive complexity), then tokenizes them again for duplication and finds
// duplicated blocks across them; prints
// "metrics <ms> <files> <lines> <ncloc>" and "duplication <ms> <blocks> <duplicated lines>".
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "analysis/duplication.h"
#include "analysis/metrics.h"
#include "util/fs.h"

int main(int argc, char** argv) {
  int min_lines = argc > 1 ? std::stoi(argv[1]) : 10;
  std::vector<std::string> paths, sources;
  for (std::string line; std::getline(std::cin, line);)
    if (!line.empty()) paths.push_back(line);
  using clock = std::chrono::steady_clock;
  // Metrics do what the peer (analysis_speed_peer.py metrics) does per file: read it, tokenize,
  // measure, and keep only the figures. The tokens are not retained here: duplication tokenizes
  // for itself below, and that tokenizing is counted in its time.
  auto t0 = clock::now();
  long long lines = 0, ncloc = 0;
  for (const auto& p : paths) {
    sources.push_back(pw::read_file(p));
    auto m = pw::analysis::measure_source(sources.back(), p);
    lines += m.lines;
    ncloc += m.ncloc;
  }
  auto t1 = clock::now();
  std::vector<pw::analysis::Tokenized> toks;
  toks.reserve(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) toks.push_back(pw::analysis::tokenize(sources[i], paths[i]));
  std::vector<pw::analysis::TokenizedFile> files;
  for (size_t i = 0; i < paths.size(); ++i) files.push_back({paths[i], &toks[i]});
  auto dup = pw::analysis::find_duplication(files, {100, min_lines});
  auto t2 = clock::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("metrics %.1f %zu %lld %lld\n", ms(t1 - t0), paths.size(), lines, ncloc);
  std::printf("duplication %.1f %zu %lld\n", ms(t2 - t1), dup.blocks.size(), dup.duplicated_lines);
}
