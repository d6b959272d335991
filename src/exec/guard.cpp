// See guard.h. The guard is forked from a process that may have threads, so between fork and
// its end it calls only async-signal-safe functions: no allocation, no stdio, no locks.
#include "exec/guard.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>

namespace pw::exec {

namespace {

std::mutex g_mu;
bool g_started = false;
pid_t g_owner = 0;  // the process the guard watches (a forked copy of it needs its own guard)
int g_write_fd = -1;
char g_token[64] = {0};
// "\0PIPEWRIGHT_GUARD=<token>\0": an environ entry exactly, NUL-delimited on both sides.
char g_needle[128] = {0};
size_t g_needle_len = 0;

void close_from(int first) {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, first, ~0U, 0) == 0) return;
#endif
  for (int fd = first; fd < 65536; ++fd) ::close(fd);
}

// Whether the file (a /proc/<pid>/environ) holds the needle as a whole entry. The needle has NUL
// only at its ends, so after a mismatch a match can only restart at a NUL byte.
bool environ_has_needle(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  size_t state = 1;  // the text starts as if after a NUL
  char buf[4096];
  bool found = false;
  for (;;) {
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    for (ssize_t i = 0; i < r && !found; ++i) {
      char c = buf[i];
      if (c == g_needle[state]) {
        if (++state == g_needle_len) found = true;
      } else {
        state = c == '\0' ? 1 : 0;
      }
    }
    if (found) break;
  }
  ::close(fd);
  return found;
}

// SIGKILLs every process whose environment carries this run's token; returns how many.
int kill_by_token() {
  int dfd = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return 0;
  pid_t self = ::getpid();
  int killed = 0;
  alignas(8) char buf[8192];
  for (;;) {
    long n = ::syscall(SYS_getdents64, dfd, buf, sizeof buf);
    if (n <= 0) break;
    for (long pos = 0; pos < n;) {
      // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[].
      unsigned short reclen;
      std::memcpy(&reclen, buf + pos + 16, sizeof reclen);
      const char* name = buf + pos + 19;
      pos += reclen;
      pid_t pid = 0;
      bool digits = *name != '\0';
      for (const char* p = name; *p; ++p) {
        if (*p < '0' || *p > '9') {
          digits = false;
          break;
        }
        pid = pid * 10 + (*p - '0');
      }
      if (!digits || pid == self) continue;
      char path[64] = "/proc/";
      size_t len = 6;
      for (const char* p = name; *p && len < 50; ++p) path[len++] = *p;
      std::memcpy(path + len, "/environ", 9);
      if (environ_has_needle(path) && ::kill(pid, SIGKILL) == 0) ++killed;
    }
  }
  ::close(dfd);
  return killed;
}

[[noreturn]] void guard_main(int read_fd) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  // Signals meant for pipewright's terminal or group must not end the guard before it acts.
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU})
    ::sigaction(s, &ignore, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setpgid(0, 0);  // out of pipewright's group: a kill of that group leaves the guard to act
  [[maybe_unused]] int rc = ::chdir("/");  // holds no folder busy (an unmount, a removal)
  ::prctl(PR_SET_NAME, "pipewright-grd", 0, 0, 0);
  // Only the pipe stays open: not the build's locks (a lock the guard held would make a dead
  // build look alive), not the caller's stdout (a reader waiting for its EOF would wait for us).
  int keep = ::fcntl(read_fd, F_DUPFD, 10);
  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd >= 0)
    for (int fd = 0; fd <= 2; ++fd) ::dup2(null_fd, fd);
  if (keep < 0 || ::dup2(keep, 3) < 0) ::_exit(1);
  close_from(4);

  constexpr int kMax = 4096;
  pid_t groups[kMax];
  int count = 0;
  unsigned char buf[4096];
  size_t have = 0;
  for (;;) {
    ssize_t r = ::read(3, buf + have, sizeof buf - have);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;  // pipewright is gone without a goodbye
    have += static_cast<size_t>(r);
    size_t off = 0;
    for (; have - off >= sizeof(int32_t); off += sizeof(int32_t)) {
      int32_t v;
      std::memcpy(&v, buf + off, sizeof v);
      if (v == 0) ::_exit(0);  // goodbye: pipewright cleaned up itself
      if (v > 0) {
        if (count < kMax) groups[count++] = v;
      } else {
        for (int i = 0; i < count; ++i) {
          if (groups[i] == -v) {
            groups[i] = groups[--count];
            break;
          }
        }
      }
    }
    std::memmove(buf, buf + off, have - off);
    have -= off;
  }
  for (int i = 0; i < count; ++i) ::kill(-groups[i], SIGKILL);
  // Processes that left their group, or started between a spawn and its registration; again
  // while some are found, for those that forked during the walk.
  for (int pass = 0; pass < 5 && kill_by_token() > 0; ++pass) {
  }
  ::_exit(0);
}

void send(int32_t v) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_write_fd < 0 || g_owner != ::getpid()) return;  // a forked copy speaks for itself only
  // 4 bytes into a pipe are written whole or not at all; a guard that died (EPIPE: SIGPIPE is
  // ignored below) only means no guard.
  ssize_t w;
  do {
    w = ::write(g_write_fd, &v, sizeof v);
  } while (w < 0 && errno == EINTR);
  if (w < 0) {
    ::close(g_write_fd);
    g_write_fd = -1;
  }
}

}  // namespace

bool Guard::start() {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_started && g_owner == ::getpid()) return g_write_fd >= 0;
  if (g_write_fd >= 0) ::close(g_write_fd);  // a forked copy: that pipe is its parent's
  g_write_fd = -1;
  bool first = !g_started;
  g_started = true;
  g_owner = ::getpid();
  std::random_device rd;
  std::snprintf(g_token, sizeof g_token, "%d.%08x%08x", static_cast<int>(::getpid()), rd(), rd());
  int len = std::snprintf(g_needle + 1, sizeof g_needle - 2, "%s=%s", kEnv, g_token);
  g_needle[0] = '\0';
  g_needle_len = static_cast<size_t>(len) + 2;  // the NULs around it
  g_needle[g_needle_len - 1] = '\0';
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    g_token[0] = '\0';
    return false;
  }
  pid_t pid = ::fork();
  if (pid == 0) guard_main(fds[0]);
  ::close(fds[0]);
  if (pid < 0) {
    ::close(fds[1]);
    g_token[0] = '\0';
    return false;
  }
  g_write_fd = fds[1];
  ::signal(SIGPIPE, SIG_IGN);
  if (first) std::atexit([] { Guard::goodbye(); });
  return true;
}

std::string Guard::token() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_write_fd >= 0 ? std::string(g_token) : std::string();
}

void Guard::watch(pid_t pgid) {
  if (pgid > 0) send(static_cast<int32_t>(pgid));
}

void Guard::forget(pid_t pgid) {
  if (pgid > 0) send(-static_cast<int32_t>(pgid));
}

void Guard::goodbye() {
  send(0);
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_write_fd >= 0 && g_owner == ::getpid()) ::close(g_write_fd);
  g_write_fd = -1;
}

}  // namespace pw::exec
