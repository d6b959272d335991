#include "exec/process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

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
  EXPECT_EQ(shell_argv("exit 3").back(), "exit 3");          // a builtin, no program
  EXPECT_EQ(shell_argv("FOO=1 env").back(), "FOO=1 env");    // an assignment
  EXPECT_EQ(shell_argv("a | b").back(), "a | b");
}

}  // namespace pw::exec
