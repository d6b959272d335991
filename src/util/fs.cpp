#include "util/fs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "util/error.h"
#include "util/strings.h"

namespace pw {

std::string errno_text(int err) { return std::strerror(err); }

void read_file_chunks(const fs::path& path, const std::function<void(std::string_view)>& chunk) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot read " + path.string() + ": " + errno_text(errno));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw Error("cannot read " + path.string() + ": " + errno_text(err));
    }
    if (n == 0) break;
    try {
      chunk(std::string_view(buf, static_cast<size_t>(n)));
    } catch (...) {
      ::close(fd);
      throw;
    }
  }
  ::close(fd);
}

std::string read_file(const fs::path& path) {
  std::string out;
  read_file_chunks(path, [&](std::string_view c) { out.append(c); });
  return out;
}

void write_all(int fd, std::string_view data, const fs::path& path_for_errors) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("cannot write " + path_for_errors.string() + ": " + errno_text(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void write_file_atomic(const fs::path& path, std::string_view content) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rng() % 1000000);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot write " + path.string() + ": " + errno_text(errno));
  try {
    write_all(fd, content, path);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error("cannot write " + path.string() + ": " + errno_text(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error("cannot write " + path.string() + ": " + errno_text(err));
  }
}

namespace {
fs::path home_dir() {
  const char* home = std::getenv("HOME");
  return home && *home ? fs::path(home) : fs::path("/tmp");
}
}  // namespace

fs::path cache_home() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg) return fs::path(xdg) / "pipewright";
  return home_dir() / ".cache" / "pipewright";
}

fs::path config_home() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg) return fs::path(xdg) / "pipewright";
  return home_dir() / ".config" / "pipewright";
}

std::string find_on_path(std::string_view program) {
  if (program.find('/') != std::string_view::npos) {
    std::string p(program);
    return ::access(p.c_str(), X_OK) == 0 ? p : std::string();
  }
  const char* path = std::getenv("PATH");
  return find_on_path(program, path ? path : "/usr/local/bin:/usr/bin:/bin");
}

std::string find_on_path(std::string_view program, std::string_view path) {
  if (program.find('/') != std::string_view::npos) return find_on_path(program);
  for (const auto& dir : split(path, ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + std::string(program);
    if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
  }
  return {};
}

}  // namespace pw
