// Native half of bench/analysis_speed.sh: reads, tokenizes and measures every file listed on stdin
// (size, cyclomatic and cognitive complexity), then reads and tokenizes them again for duplication
// and finds duplicated blocks across them; prints
// "metrics <ms> <files> <lines> <ncloc>" and "duplication <ms> <blocks> <duplicated lines>".
// Usage: bench_analysis_speed [MIN_LINES [metrics]] <filelist; "metrics" stops after the metrics,
// for the repeated metrics runs of analysis_speed.sh.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/duplication.h"
#include "analysis/metrics.h"
#include "util/fs.h"

namespace {

// Reads a whole file into `buf`, reusing its capacity: what the peer's buffered reads do too
// (Python reads through one 8 KiB buffer per open file and frees each line's bytes right away).
void read_into(const std::string& path, std::string& buf) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) throw std::runtime_error("cannot read " + path);
  buf.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  buf.resize(got);
}

}  // namespace

int main(int argc, char** argv) {
  int min_lines = argc > 1 ? std::stoi(argv[1]) : 10;
  std::vector<std::string> paths;
  for (std::string line; std::getline(std::cin, line);)
    if (!line.empty()) paths.push_back(line);
  using clock = std::chrono::steady_clock;
  // Metrics do what the peer (analysis_speed_peer.py metrics) does per file: read it, tokenize,
  // measure, and keep only the figures. Neither the source nor the tokens are retained here:
  // duplication reads and tokenizes for itself below, and that is counted in its time.
  auto t0 = clock::now();
  long long lines = 0, ncloc = 0;
  std::string source;
  for (const auto& p : paths) {
    read_into(p, source);
    auto m = pw::analysis::measure_source(source, p);
    lines += m.lines;
    ncloc += m.ncloc;
  }
  auto t1 = clock::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("metrics %.1f %zu %lld %lld\n", ms(t1 - t0), paths.size(), lines, ncloc);
  if (argc > 2 && std::string(argv[2]) == "metrics") return 0;
  // Duplication compares all files at once, so it keeps every source and its tokens.
  std::vector<std::string> sources;
  sources.reserve(paths.size());
  for (const auto& p : paths) sources.push_back(pw::read_file(p));
  std::vector<pw::analysis::Tokenized> toks;
  toks.reserve(paths.size());
  for (size_t i = 0; i < paths.size(); ++i)
    toks.push_back(pw::analysis::tokenize(sources[i], paths[i]));
  std::vector<pw::analysis::TokenizedFile> files;
  for (size_t i = 0; i < paths.size(); ++i) files.push_back({paths[i], &toks[i]});
  auto dup = pw::analysis::find_duplication(files, {100, min_lines});
  auto t2 = clock::now();
  std::printf("duplication %.1f %zu %lld\n", ms(t2 - t1), dup.blocks.size(), dup.duplicated_lines);
}
