// What the user sees while a build runs. On a terminal: a live block with one line per running
// stage (spinner, elapsed time) under the lines of finished stages. Elsewhere (a pipe, a file,
// CI set): plain lines prefixed by the stage id, no escape codes. The model (what runs since
// when) is separate from the rendering, and time is passed in, so both are testable.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/build_record.h"
#include "engine/status.h"
#include "util/duration.h"

namespace pw::engine {

using SteadyClock = std::chrono::steady_clock;

struct ConsoleOptions {
  bool live = false;     // redraw a live block (a smart terminal, CI not set)
  bool color = false;    // ANSI colours (NO_COLOR unset, or FORCE_COLOR set)
  bool verbose = false;  // stream every tool's output
  int width = 100;
  // The CI engine whose log conventions plain output speaks: "github" (::group:: folding and
  // ::error annotations), "gitlab" (collapsible sections), "jenkins" or "" (plain lines).
  std::string ci;

  // From the environment and the output: isatty, TERM, CI, NO_COLOR, FORCE_COLOR, COLUMNS,
  // GITHUB_ACTIONS, GITLAB_CI, JENKINS_URL.
  static ConsoleOptions detect(int fd, bool verbose);
};

class Console {
 public:
  explicit Console(ConsoleOptions options, std::FILE* out = stdout);

  void stage_started(const std::string& id, SteadyClock::time_point now);
  // One line of a tool's output (shown with --verbose only); `line` is already masked.
  void stage_output(const std::string& id, std::string_view line);
  void stage_finished(const std::string& id, Status status, Millis duration,
                      const std::string& summary, const std::vector<std::string>& tail,
                      SteadyClock::time_point now);
  // A line of pipewright's own.
  void info(const std::string& text);
  void warn(const std::string& text);
  // Asks a person at the terminal (a Jenkinsfile's input): prints `question` and reads a line
  // from stdin, with the live block held still meanwhile. nullopt when stdin is no terminal, at
  // its end, or once `stop` says so (polled: an abort while waiting). One question at a time.
  std::optional<std::string> ask(const std::string& question, const std::function<bool()>& stop);
  // Whether ask can ask anyone: stdin is a terminal.
  static bool can_ask();
  // Redraws the live block (a ticker calls it ~10 times a second); no-op in plain mode.
  void tick(SteadyClock::time_point now);
  // The summary table and the build's result line.
  void summary(const BuildRecord& record, const std::string& build_dir, ExitCode exit_code);

  const ConsoleOptions& options() const { return opt_; }

  // Rendering pieces, exposed for tests.
  std::string status_word(Status s) const;
  static std::string table(const BuildRecord& record, bool color, int width);

 private:
  struct Running {
    std::string id;
    SteadyClock::time_point since;
  };
  void print_permanent(const std::string& text);  // with the live block cleared and redrawn
  void draw_live(SteadyClock::time_point now);
  std::string paint(const std::string& text, const char* code) const;

  ConsoleOptions opt_;
  std::FILE* out_;
  std::mutex mu_;
  std::mutex ask_mu_;    // one question at a time
  bool asking_ = false;  // under mu_: the live block is not drawn while a person types
  std::vector<Running> running_;
  int live_lines_ = 0;
  unsigned frame_ = 0;
  SteadyClock::time_point last_now_{};
};

}  // namespace pw::engine
