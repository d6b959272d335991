#include "exec/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "exec/guard.h"

namespace pw::exec {

namespace {
ProcessResult run_sh(const std::string& script, std::string& out, ProcessLimits limits = {}) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.env = current_environment();
  return run_process(spec, limits, [&](Stream, std::string_view d) { out.append(d); });
}
}  // namespace

TEST(Process, CapturesOutputAndExitCode) {
  std::string out;
  auto r = run_sh("echo hi; echo err >&2; exit 3", out);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(out, "hi\nerr\n");
  EXPECT_FALSE(r.ok());
}

TEST(Process, DeadlineKillsTheWholeGroup) {
  std::string out;
  ProcessLimits limits;
  limits.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  limits.grace = std::chrono::milliseconds(200);
  auto t0 = std::chrono::steady_clock::now();
  // The background child holds the pipe open: the group kill must take it too.
  auto r = run_sh("sleep 600 & sleep 600", out, limits);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST(Process, LeftoverChildrenDieWithTheMainChild) {
  std::string out;
  auto t0 = std::chrono::steady_clock::now();
  auto r = run_sh("sleep 600 & echo done", out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(out, "done\n");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST(Process, StdinDataReachesTheChild) {
  ProcessSpec spec;
  spec.argv = {"/bin/cat"};
  spec.env = current_environment();
  spec.stdin_data = "secret-from-stdin";
  std::string out;
  auto r = run_process(spec, {}, [&](Stream, std::string_view d) { out.append(d); });
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(out, "secret-from-stdin");
}

TEST(Process, MissingProgramIsReportedNotCrashed) {
  ProcessSpec spec;
  spec.argv = {"no-such-program-pw"};
  spec.env = current_environment();
  auto r = run_process(spec, {}, [](Stream, std::string_view) {});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.spawn_error.find("command not found"), std::string::npos);
}

TEST(ShellArgv, PlainCommandsSkipTheShell) {
  EXPECT_EQ(shell_argv("true"), (std::vector<std::string>{"true"}));
  EXPECT_EQ(shell_argv("echo a b"), (std::vector<std::string>{"echo", "a", "b"}));
  EXPECT_GT(shell_argv("echo $HOME").size(), 1u);
  EXPECT_EQ(shell_argv("echo $HOME").back(), "echo $HOME");
  EXPECT_EQ(shell_argv("exit 3").back(), "exit 3");        // a builtin, no program
  EXPECT_EQ(shell_argv("FOO=1 env").back(), "FOO=1 env");  // an assignment
  EXPECT_EQ(shell_argv("a | b").back(), "a | b");
}

}  // namespace pw::exec

namespace pw::exec {

namespace {
// Alive and not a zombie (a killed orphan stays a zombie until init reaps it).
bool running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}
}  // namespace

TEST(Guard, ChildrenOfAKilledParentDieWithIt) {
  char dir_template[] = "/tmp/pw-guard-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  std::string pids = std::string(dir_template) + "/pids";
  // The "pipewright" is a forked copy of this test that runs one child and is then SIGKILLed:
  // the child's own sleep stays in its group, the setsid one leaves it (only the token finds it).
  pid_t parent = ::fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    std::string out;
    run_sh("setsid sleep 600 & echo $! > " + pids + ".tmp; sleep 600 & echo $! >> " + pids +
               ".tmp; mv " + pids + ".tmp " + pids + "; wait",
           out);
    ::_exit(0);
  }
  std::vector<pid_t> children;
  for (int i = 0; i < 200 && children.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(pids);
    children.clear();
    for (pid_t p; in >> p;) children.push_back(p);
  }
  ASSERT_EQ(children.size(), 2u);
  for (pid_t p : children) EXPECT_TRUE(running(p));
  ::kill(parent, SIGKILL);
  ::waitpid(parent, nullptr, 0);
  bool any = true;
  for (int i = 0; i < 100 && any; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    any = false;
    for (pid_t p : children) any = any || running(p);
  }
  for (pid_t p : children) {
    EXPECT_FALSE(running(p)) << "pid " << p << " outlived its killed parent";
    ::kill(p, SIGKILL);
  }
  std::filesystem::remove_all(dir_template);
}

TEST(Guard, ChildrenCarryTheToken) {
  std::string out;
  auto r = run_sh("printf %s \"$PIPEWRIGHT_GUARD\"", out);
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_FALSE(out.empty());
  EXPECT_EQ(out, Guard::token());
}

}  // namespace pw::exec
