// Benchmark: pipewright's requirements-file parser against pip's own
// (pip._internal.req.req_file.parse_requirements), driven by requirements_parse.sh.
//
//   bench_requirements_parse --generate FILE [LINES]   write the deterministic test file
//   bench_requirements_parse FILE N                    parse FILE N times, print ms per parse
//
// Each iteration reads the file from disk and parses every line completely (options, PEP 508
// requirement with specifiers and marker AST), which is more work than pip's parse_requirements
// does (it leaves the requirement text unparsed).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "python/requirements_file.h"

namespace {

std::string hex64(unsigned seed) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  unsigned x = seed * 2654435761u + 12345u;
  for (int i = 0; i < 64; ++i) {
    x = x * 1103515245u + 12345u;
    out += digits[(x >> 16) & 15];
  }
  return out;
}

// A mix of what real lock files and hand-written requirements contain.
std::string generate(int lines) {
  std::string out;
  int written = 0;
  for (int i = 0; written < lines; ++i) {
    std::string block;
    int n = 1;
    std::string p = "pkg" + std::to_string(i);
    switch (i % 10) {
      case 0:
        block = "# comment line " + std::to_string(i);
        break;
      case 1:
        block = p + "==1." + std::to_string(i % 17) + "." + std::to_string(i % 5);
        break;
      case 2:
        block =
            p + "[extra1,extra2]>=1." + std::to_string(i % 7) + ",<2 ; python_version >= \"3.8\"";
        break;
      case 3:
        block = p + "==3." + std::to_string(i % 11) + " \\\n    --hash=sha256:" + hex64(i) +
                " \\\n    --hash=sha256:" + hex64(i + 7);
        n = 3;
        break;
      case 4:
        block = "Pkg_" + std::to_string(i) + ".Name ~= 1." + std::to_string(i % 9) +
                ".0  # pinned later";
        break;
      case 5:
        block = p + "==1.0." + std::to_string(i) +
                " ; sys_platform == \"linux\" and (platform_machine == \"x86_64\" or "
                "python_version < \"3.12\")";
        break;
      case 6:
        block = "";
        break;
      case 7:
        block = p + " @ https://files.example.com/" + p + "-1.0.tar.gz#sha256=" + hex64(i);
        break;
      case 8:
        block = p + "[socks] (>=2.0, !=2.1.*)";
        break;
      default:
        block = p + "==2." + std::to_string(i % 13) + ".post1 --hash=sha256:" + hex64(i);
        break;
    }
    if (written + n > lines) block = "# filler", n = 1;
    out += block + "\n";
    written += n;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "--generate") {
    int lines = argc >= 4 ? std::atoi(argv[3]) : 5000;
    std::ofstream(argv[2]) << generate(lines);
    return 0;
  }
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s FILE N | --generate FILE [LINES]\n", argv[0]);
    return 2;
  }
  const std::string file = argv[1];
  const int n = std::atoi(argv[2]);
  pw::python::ReadOptions opts;
  opts.follow_includes = false;

  auto warm = pw::python::read_requirements_file(file, opts);  // warm the page cache
  if (!warm.diagnostics.empty()) {
    std::cerr << pw::join_diagnostics(warm.diagnostics) << "\n";
    return 1;
  }
  size_t reqs = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto parsed = pw::python::read_requirements_file(file, opts);
    reqs += parsed.requirements.size();
  }
  auto end = std::chrono::steady_clock::now();
  double ms = std::chrono::duration<double, std::milli>(end - start).count() / n;
  std::printf("pipewright %.3f ms_per_parse %zu requirements\n", ms, reqs / static_cast<size_t>(n));
  return 0;
}
