#include "exec/interrupts.h"

#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <thread>

namespace pw::exec {

namespace {
std::atomic<int> g_level{0};
std::atomic<int> g_first_signal{0};
int g_fds[Interrupts::kLevels] = {-1, -1};
std::function<void(int, int)> g_callback;

void raise_to(int level) {
  int prev = g_level.load();
  while (prev < level && !g_level.compare_exchange_weak(prev, level)) {
  }
  for (int l = 1; l <= level && l <= Interrupts::kLevels; ++l) {
    if (g_fds[l - 1] >= 0) {
      uint64_t one = 1;
      // An eventfd write only fails when the counter would overflow; it stays readable anyway.
      [[maybe_unused]] ssize_t n = ::write(g_fds[l - 1], &one, sizeof one);
    }
  }
}
}  // namespace

void Interrupts::install(std::function<void(int, int)> on_signal) {
  for (int& fd : g_fds)
    if (fd < 0) fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  g_callback = std::move(on_signal);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A closed pipe to a reader (the console piped into `head`) must not kill the build.
  ::signal(SIGPIPE, SIG_IGN);
  std::thread([set]() {
    for (;;) {
      int signo = 0;
      if (sigwait(&set, &signo) != 0) continue;
      int level = g_level.load() + 1;
      if (level == 1) g_first_signal = signo;
      raise_to(level);
      if (g_callback) g_callback(signo, level);
    }
  }).detach();
}

void Interrupts::raise(int level) {
  for (int& fd : g_fds)
    if (fd < 0) fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  raise_to(level);
}

int Interrupts::fd(int level) {
  if (level < 1 || level > kLevels) return -1;
  return g_fds[level - 1];
}

bool Interrupts::raised(int level) { return g_level.load() >= level; }

int Interrupts::first_signal() { return g_first_signal.load(); }

}  // namespace pw::exec
