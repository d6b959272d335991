// Runs one child process to completion: its own process group, output pumped as it arrives,
// a deadline and an abort fd honoured by killing the whole group (SIGTERM, a grace period, then
// SIGKILL). When the main child exits, what it left behind in its group is killed too, so no
// process of a stage outlives it.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pw::exec {

struct ProcessSpec {
  std::vector<std::string> argv;          // argv[0] is looked up on PATH of `env`
  std::filesystem::path cwd;              // empty: the current directory
  std::vector<std::string> env;           // the child's whole environment, "KEY=value"
  std::optional<std::string> stdin_data;  // nullopt: stdin is /dev/null
  bool merge_stderr = true;               // stderr into the same pipe as stdout (keeps order)
};

struct ProcessLimits {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::chrono::milliseconds grace{3000};  // between SIGTERM and SIGKILL
  std::vector<int> abort_fds;             // any readable means: abort now
};

enum class Stream { out, err };
using OutputFn = std::function<void(Stream, std::string_view)>;

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128 + the signal that ended it
  int term_signal = 0;
  bool timed_out = false;
  bool aborted = false;
  std::string spawn_error;  // set when the program could not be started at all
  std::chrono::milliseconds duration{0};

  bool ok() const { return spawn_error.empty() && !timed_out && !aborted && exit_code == 0; }
  // One line for a summary: "exit code 2", "killed by SIGKILL", "timed out", ...
  std::string describe() const;
};

ProcessResult run_process(const ProcessSpec& spec, const ProcessLimits& limits,
                          const OutputFn& on_output);

// The argv that runs a `run:` command. A command made only of plain words is executed directly,
// as make does, which saves a shell start per stage; anything else goes to
// `bash -e -o pipefail -c` (Jenkins' `sh` step also stops at the first failing command), or to
// `sh -e -c` where bash is missing.
std::vector<std::string> shell_argv(const std::string& command);

// The current process's environment as "KEY=value" strings.
std::vector<std::string> current_environment();
// Sets or replaces KEY in an environment list.
void set_env(std::vector<std::string>& env, std::string_view key, std::string_view value);
std::string get_env(const std::vector<std::string>& env, std::string_view key);

}  // namespace pw::exec
