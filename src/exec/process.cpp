#include "exec/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "exec/guard.h"
#include "util/fs.h"

extern char** environ;

namespace pw::exec {

using Clock = std::chrono::steady_clock;

std::string ProcessResult::describe() const {
  if (!spawn_error.empty()) return spawn_error;
  if (aborted) return "aborted";
  if (timed_out) return "timed out";
  if (term_signal) return std::string("killed by signal ") + strsignal(term_signal);
  return "exit code " + std::to_string(exit_code);
}

std::vector<std::string> current_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
  return out;
}

void set_env(std::vector<std::string>& env, std::string_view key, std::string_view value) {
  std::string prefix = std::string(key) + "=";
  for (auto& e : env) {
    if (e.compare(0, prefix.size(), prefix) == 0) {
      e = prefix + std::string(value);
      return;
    }
  }
  env.push_back(prefix + std::string(value));
}

std::string get_env(const std::vector<std::string>& env, std::string_view key) {
  std::string prefix = std::string(key) + "=";
  for (const auto& e : env)
    if (e.compare(0, prefix.size(), prefix) == 0) return e.substr(prefix.size());
  return {};
}

std::vector<std::string> shell_argv(const std::string& command) {
  bool simple = !command.empty();
  std::vector<std::string> words;
  std::string cur;
  for (char c : command) {
    if (c == ' ') {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == '.' || c == '/' || c == ',' || c == ':' || c == '+' ||
                 c == '@' || c == '%' || c == '=';
    if (!plain) {
      simple = false;
      break;
    }
    cur += c;
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  // "FOO=1 cmd" is an assignment for the shell, not a program called "FOO=1"; and a word that is
  // no program on PATH may be a shell builtin (exit, cd, export): both go to the shell.
  if (simple && !words.empty() && words[0].find('=') == std::string::npos &&
      !find_on_path(words[0]).empty())
    return words;
  static const std::string bash = find_on_path("bash");
  if (!bash.empty()) return {bash, "-e", "-o", "pipefail", "-c", command};
  return {"/bin/sh", "-e", "-c", command};
}

namespace {

int pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

struct Pipe {
  int r = -1, w = -1;
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    r = fds[0];
    w = fds[1];
    return true;
  }
  void close_r() {
    if (r >= 0) ::close(r), r = -1;
  }
  void close_w() {
    if (w >= 0) ::close(w), w = -1;
  }
  ~Pipe() {
    close_r();
    close_w();
  }
};

}  // namespace

namespace {

// The program to exec: posix_spawnp would search pipewright's PATH, and the child's may differ.
// "" when it is not found.
std::string resolve_program(const ProcessSpec& spec) {
  const std::string& program = spec.argv[0];
  if (program.find('/') != std::string::npos) return program;
  std::string path = get_env(spec.env, "PATH");
  return path.empty() ? find_on_path(program) : find_on_path(program, path);
}

// Starts the child in its own process group with the pipes as its stdin/stdout/stderr, default
// signal handling and the guard's token in its environment. -1 with result's spawn_error set
// when it cannot be started.
pid_t spawn(const ProcessSpec& spec, const std::string& program, Pipe& out, Pipe& err, Pipe& in,
            ProcessResult& result) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (spec.stdin_data)
    posix_spawn_file_actions_adddup2(&fa, in.r, 0);
  else
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out.w, 1);
  posix_spawn_file_actions_adddup2(&fa, spec.merge_stderr ? out.w : err.w, 2);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, spec.cwd.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP, SIGQUIT}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_USEVFORK);

  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // The guard kills this child's group, and whatever carries this token, if pipewright dies
  // before the child is done (guard.h).
  std::vector<std::string> env = spec.env;
  if (Guard::start()) set_env(env, Guard::kEnv, Guard::token());
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    result.spawn_error = "cannot run " + program + ": " + errno_text(rc);
    result.exit_code = 127;
    return -1;
  }
  return pid;
}

// Pumps the child's output and stdin, and enforces the deadline and the abort descriptors (TERM,
// then KILL after the grace period) until it has exited and its pipes are drained; whatever it
// left running in its group is killed. Returns the wait status.
int supervise(pid_t pid, const ProcessSpec& spec, const ProcessLimits& limits,
              const OutputFn& on_output, Pipe& out, Pipe& err, Pipe& in, ProcessResult& result) {
  int pidfd = pidfd_open(pid);
  size_t stdin_off = 0;
  if (in.w >= 0) ::fcntl(in.w, F_SETFL, O_NONBLOCK);
  if (in.w >= 0 && spec.stdin_data->empty()) in.close_w();

  bool exited = false;
  int status = 0;
  enum class Kill { none, term_sent, kill_sent } kill_state = Kill::none;
  Clock::time_point kill_at{};
  bool cleanup_started = false;  // main child gone: kill leftovers in its group
  Clock::time_point cleanup_deadline{};

  auto signal_group = [&](int sig) { ::kill(-pid, sig); };
  auto begin_kill = [&]() {
    if (kill_state != Kill::none) return;
    signal_group(SIGTERM);
    kill_state = Kill::term_sent;
    kill_at = Clock::now() + limits.grace;
  };

  char buf[65536];
  for (;;) {
    if (!exited) {
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) exited = true;
    }
    if (exited && !cleanup_started) {
      cleanup_started = true;
      // Whatever the main child left running in its group goes now; its output so far is kept.
      signal_group(SIGTERM);
      cleanup_deadline = Clock::now() + std::chrono::milliseconds(500);
    }
    if (exited && out.r < 0 && err.r < 0) break;

    auto now = Clock::now();
    if (!exited && limits.deadline && now >= *limits.deadline && !result.timed_out &&
        !result.aborted) {
      result.timed_out = true;
      begin_kill();
    }
    if (kill_state == Kill::term_sent && now >= kill_at) {
      signal_group(SIGKILL);
      kill_state = Kill::kill_sent;
    }
    if (cleanup_started && now >= cleanup_deadline) {
      signal_group(SIGKILL);
      // Whoever still holds the pipe open is dead or not ours: stop reading.
      out.close_r();
      err.close_r();
      break;
    }

    pollfd fds[8];
    int n = 0;
    int i_out = -1, i_err = -1, i_in = -1, i_abort = -1;
    if (out.r >= 0) {
      i_out = n;
      fds[n++] = {out.r, POLLIN, 0};
    }
    if (err.r >= 0) {
      i_err = n;
      fds[n++] = {err.r, POLLIN, 0};
    }
    if (in.w >= 0) {
      i_in = n;
      fds[n++] = {in.w, POLLOUT, 0};
    }
    if (pidfd >= 0 && !exited) fds[n++] = {pidfd, POLLIN, 0};
    if (!result.aborted) {
      i_abort = n;
      for (int fd : limits.abort_fds)
        if (fd >= 0 && n < 8) fds[n++] = {fd, POLLIN, 0};
      if (i_abort == n) i_abort = -1;
    }

    int timeout_ms = (pidfd >= 0 || exited) ? 1000 : 20;
    auto until = [&](Clock::time_point t) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - now).count() + 1;
      if (ms < timeout_ms) timeout_ms = static_cast<int>(std::max<long long>(ms, 0));
    };
    if (limits.deadline && !result.timed_out) until(*limits.deadline);
    if (kill_state == Kill::term_sent) until(kill_at);
    if (cleanup_started) until(cleanup_deadline);

    int pr = ::poll(fds, static_cast<nfds_t>(n), timeout_ms);
    if (pr < 0 && errno != EINTR) break;
    if (pr <= 0) continue;

    auto pump = [&](int idx, Pipe& p, Stream s) {
      if (idx < 0 || !(fds[idx].revents & (POLLIN | POLLHUP | POLLERR))) return;
      ssize_t r = ::read(p.r, buf, sizeof buf);
      if (r > 0)
        on_output(s, std::string_view(buf, static_cast<size_t>(r)));
      else if (r == 0 || (errno != EINTR && errno != EAGAIN))
        p.close_r();
    };
    pump(i_out, out, Stream::out);
    pump(i_err, err, Stream::err);
    if (i_in >= 0 && (fds[i_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const std::string& data = *spec.stdin_data;
      ssize_t w = ::write(in.w, data.data() + stdin_off, data.size() - stdin_off);
      if (w > 0) stdin_off += static_cast<size_t>(w);
      if (w < 0 && errno != EAGAIN && errno != EINTR) in.close_w();
      if (stdin_off >= data.size()) in.close_w();
    }
    for (int k = i_abort; k >= 0 && k < n; ++k) {
      if ((fds[k].revents & POLLIN) && !exited && !result.aborted) {
        result.aborted = true;
        begin_kill();
      }
    }
  }
  if (!exited) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  Guard::forget(pid);

  return status;
}

}  // namespace

ProcessResult run_process(const ProcessSpec& spec, const ProcessLimits& limits,
                          const OutputFn& on_output) {
  ProcessResult result;
  auto started = Clock::now();
  if (spec.argv.empty()) {
    result.spawn_error = "empty command";
    return result;
  }
  Pipe out, err, in;
  if (!out.open() || (!spec.merge_stderr && !err.open()) || (spec.stdin_data && !in.open())) {
    result.spawn_error = "cannot create a pipe: " + errno_text(errno);
    return result;
  }
  std::string program = resolve_program(spec);
  if (program.empty()) {
    result.spawn_error = "command not found: " + spec.argv[0];
    result.exit_code = 127;
    return result;
  }
  pid_t pid = spawn(spec, program, out, err, in, result);
  if (pid < 0) return result;
  Guard::watch(pid);
  out.close_w();
  err.close_w();
  in.close_r();
  int status = supervise(pid, spec, limits, on_output, out, err, in, result);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
    result.exit_code = 128 + result.term_signal;
  }
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return result;
}

}  // namespace pw::exec
