// The guard: a small process forked beside pipewright that kills what pipewright started when
// pipewright itself dies without cleaning up (SIGKILL, a crash, the OOM killer). Children run in
// process groups of their own (so a stage's timeout can kill a whole tree), which also means
// nothing kills them when pipewright is gone: a killed build would leave pip writing into the
// environment cache, or a test server running, forever.
//
// Why a guard process and not PR_SET_PDEATHSIG or a reaper on the next run:
// - PR_SET_PDEATHSIG must be set in the child between fork and exec (posix_spawn cannot), is
//   not inherited by the child's own children (pip's build backends, `bash -c 'a; b'`), and
//   fires when the spawning *thread* ends, not the process.
// - A reaper on the next run leaves the processes running until someone runs pipewright again,
//   and must then tell our old process groups from unrelated ones that reused their numbers.
// The guard holds the read end of a pipe whose write end only pipewright has (close-on-exec, so
// no child inherits it). The kernel closes it when pipewright dies, however it dies; the guard
// reads EOF within milliseconds and SIGKILLs every process group still registered, then every
// process whose environment carries this run's token (PIPEWRIGHT_GUARD, inherited by
// grandchildren that left the group; Jenkins' ProcessTreeKiller finds a build's processes by
// the same kind of environment cookie). A normal exit says goodbye first, and the guard leaves.
#pragma once

#include <sys/types.h>

#include <string>

namespace pw::exec {

class Guard {
 public:
  static constexpr const char* kEnv = "PIPEWRIGHT_GUARD";

  // Starts the guard once per process (later calls do nothing). Returns false when it could not
  // be started (no pipe or fork): children then run unguarded, as before.
  static bool start();
  // The value children get in PIPEWRIGHT_GUARD; "" when the guard is not running.
  static std::string token();
  // A child's process group to kill if pipewright dies before forget().
  static void watch(pid_t pgid);
  static void forget(pid_t pgid);
  // Tells the guard that pipewright ends normally: it exits without killing anything. Called
  // at exit; safe to call more than once.
  static void goodbye();
};

}  // namespace pw::exec
