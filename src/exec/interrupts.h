// SIGINT/SIGTERM handling for the whole process. The signals are blocked in every thread and
// taken by one watcher thread with sigwait, so no handler runs in the middle of our code; the
// watcher makes an eventfd readable per level, which the process loops poll beside the pipes.
// Level 1 (the first signal) aborts the build; level 2 (a second signal) also aborts `post`.
#pragma once

#include <atomic>
#include <functional>

namespace pw::exec {

class Interrupts {
 public:
  static constexpr int kLevels = 2;

  // Blocks SIGINT and SIGTERM in the calling thread (call before starting any thread, so every
  // thread inherits the mask) and starts the watcher. `on_signal` runs on the watcher thread.
  static void install(std::function<void(int signo, int level)> on_signal);

  // Raises a level by hand (tests, or an engine that wants to abort).
  static void raise(int level);

  // The fd that becomes readable once `level` is reached; -1 before install().
  static int fd(int level);
  static bool raised(int level);
  // The signal that raised level 1, 0 when none.
  static int first_signal();
};

}  // namespace pw::exec
