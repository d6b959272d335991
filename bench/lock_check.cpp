// Benchmark: reading a 500-package uv.lock and poetry.lock and checking them against the
// project's declarations (lock_files.h, declarations.h, lock_sync.h), driven by lock_check.sh
// beside lock_check_peer.py (tomllib + packaging doing the same check).
//
//   bench_lock_check --generate DIR [PACKAGES]   write DIR/uv/{uv.lock,pyproject.toml} and
//                                                DIR/poetry/{poetry.lock,pyproject.toml}
//   bench_lock_check DIR N                       read and check each N times, print CPU ms per
//   check
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "python/declarations.h"
#include "python/lock_files.h"
#include "python/lock_sync.h"

namespace fs = std::filesystem;

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

std::string version(int i) {
  return std::to_string(1 + i % 7) + "." + std::to_string(i % 13) + "." + std::to_string(i % 5);
}

// Package i depends on the next three (a graph like a real closure); every tenth is declared.
void generate(const fs::path& dir, int n) {
  fs::create_directories(dir / "uv");
  fs::create_directories(dir / "poetry");
  std::string py = "[project]\nname = \"bench\"\nversion = \"1.0\"\ndependencies = [\n";
  std::string dev = "[dependency-groups]\ndev = [\n";
  for (int i = 0; i < n; i += 10) {
    std::string line =
        "    \"pkg-" + std::to_string(i) + ">=" + std::to_string(1 + i % 7) + ".0\",\n";
    (i % 20 == 0 ? py : dev) += line;
  }
  std::string pyproject = py + "]\n\n" + dev + "]\n";
  std::ofstream(dir / "uv" / "pyproject.toml") << pyproject;
  std::ofstream(dir / "poetry" / "pyproject.toml") << pyproject;

  std::string uv = "version = 1\nrevision = 2\nrequires-python = \">=3.9\"\n\n";
  std::string poetry = "# generated\n\n";
  for (int i = 0; i < n; ++i) {
    std::string name = "pkg-" + std::to_string(i), v = version(i);
    uv += "[[package]]\nname = \"" + name + "\"\nversion = \"" + v +
          "\"\nsource = { registry = \"https://pypi.org/simple\" }\n";
    poetry += "[[package]]\nname = \"" + name + "\"\nversion = \"" + v +
              "\"\ndescription = \"\"\noptional = false\npython-versions = \">=3.8\"\nfiles = [\n";
    std::string deps_uv, deps_poetry;
    for (int d = i + 1; d < n && d <= i + 3; ++d) {
      std::string dn = "pkg-" + std::to_string(d);
      std::string marker = d % 11 == 0 ? "python_version < '3.12'" : "";
      deps_uv += "    { name = \"" + dn + "\"" +
                 (marker.empty() ? "" : ", marker = \"" + marker + "\"") + " },\n";
      deps_poetry +=
          dn + " = " +
          (marker.empty() ? "\">=1.0\"" : "{version = \">=1.0\", markers = \"" + marker + "\"}") +
          "\n";
    }
    if (!deps_uv.empty()) uv += "dependencies = [\n" + deps_uv + "]\n";
    std::string whl = name + "-" + v + "-py3-none-any.whl", sd = name + "-" + v + ".tar.gz";
    uv += "sdist = { url = \"https://files.pythonhosted.org/packages/" + sd +
          "\", hash = \"sha256:" + hex64(2 * i) +
          "\", size = 1000 }\nwheels = [\n    { url = \"https://files.pythonhosted.org/packages/" +
          whl + "\", hash = \"sha256:" + hex64(2 * i + 1) + "\", size = 900 },\n]\n\n";
    poetry += "    {file = \"" + whl + "\", hash = \"sha256:" + hex64(2 * i + 1) +
              "\"},\n    {file = \"" + sd + "\", hash = \"sha256:" + hex64(2 * i) +
              "\"},\n]\ngroups = [\"" + (i % 2 ? "dev" : "main") + "\"]\n\n";
    if (!deps_poetry.empty()) poetry += "[package.dependencies]\n" + deps_poetry + "\n";
  }
  uv += "[[package]]\nname = \"bench\"\nversion = \"1.0\"\nsource = { editable = \".\" }\n";
  poetry +=
      "[metadata]\nlock-version = \"2.1\"\npython-versions = \">=3.9\"\ncontent-hash = \"0\"\n";
  std::ofstream(dir / "uv" / "uv.lock") << uv;
  std::ofstream(dir / "poetry" / "poetry.lock") << poetry;
}

// One full check: read the lock and pyproject.toml from disk, check sync for all groups.
size_t check(const fs::path& dir, const char* lock) {
  auto read = pw::python::read_lock_file(dir / lock);
  auto declared = pw::python::read_declarations(dir);
  if (!read.ok() || !declared.diagnostics.empty()) {
    std::cerr << "bench: cannot read " << (dir / lock) << "\n";
    std::exit(1);
  }
  pw::python::SyncOptions o;
  o.groups = {"dev"};
  o.environment = pw::python::MarkerEnvironment{
      {"python_version", "3.11"}, {"python_full_version", "3.11.2"}, {"sys_platform", "linux"}};
  auto r = pw::python::check_lock_sync(*read.lock, declared.declarations, o);
  if (!r.ok()) {
    std::cerr << "bench: the generated lock is not in sync: " << r.problems.front().str() << "\n";
    std::exit(1);
  }
  return read.lock->packages.size();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "--generate") {
    generate(argv[2], argc > 3 ? std::atoi(argv[3]) : 500);
    return 0;
  }
  if (argc != 3) {
    std::cerr << "usage: bench_lock_check --generate DIR [PACKAGES] | DIR N\n";
    return 2;
  }
  fs::path dir = argv[1];
  int n = std::atoi(argv[2]);
  for (auto [sub, lock] : {std::pair{"uv", "uv.lock"}, std::pair{"poetry", "poetry.lock"}}) {
    size_t packages = check(dir / sub, lock);  // warm-up, outside the timing
    // CPU time of the process, as the peer measures it: on a loaded machine wall time mostly
    // measures the scheduler.
    std::clock_t start = std::clock();
    for (int i = 0; i < n; ++i) check(dir / sub, lock);
    double ms = 1000.0 * static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC / n;
    std::printf("pipewright-%s %.3f ms_per_check %zu packages\n", sub, ms, packages);
  }
  return 0;
}
