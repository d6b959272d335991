// Where one stage's output goes: its log file (everything, masked), the console (lines, with
// --verbose), and a tail of the last lines shown when it fails. Lines are cut for the console
// but never for the log, so a 100 MB line or NUL bytes reach the log intact and the terminal
// sees a bounded, printable line.
#pragma once

#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "exec/masker.h"

namespace pw::engine {

class Console;

class StageOutput {
 public:
  static constexpr size_t kTailLines = 25;
  static constexpr size_t kMaxDisplayLine = 2000;

  StageOutput(std::string stage_id, const std::filesystem::path& log_path,
              std::shared_ptr<const exec::Masker> masker, Console* console);
  ~StageOutput();
  StageOutput(const StageOutput&) = delete;
  StageOutput& operator=(const StageOutput&) = delete;

  // A chunk from a process's pipe; `stream` tells stdout (0) from stderr (1) so that a chunk
  // split mid-secret or mid-line in one stream is joined with its own continuation.
  void chunk(int stream, std::string_view data);
  // End of a process: flush what the maskers and line buffers held back.
  void end_of_process();
  // A whole line of pipewright's own (masked like the rest). Bookkeeping lines (the header and
  // the result) stay out of the tail, which is for what explains a failure.
  enum class Tail { keep, skip };
  void line(const std::string& text, Tail tail = Tail::keep);

  std::vector<std::string> tail() const { return {tail_.begin(), tail_.end()}; }
  void clear_tail() { tail_.clear(); }
  // The first error met writing the log (a full disk), "" when none.
  const std::string& write_error() const { return write_error_; }
  const std::filesystem::path& log_path() const { return log_path_; }

 private:
  void write_log(std::string_view data);
  void feed_lines(int stream, std::string_view masked);
  void emit_line(std::string_view raw, size_t dropped, Tail tail = Tail::keep);

  std::string id_;
  std::filesystem::path log_path_;
  int fd_ = -1;
  std::shared_ptr<const exec::Masker> masker_;
  Console* console_;
  exec::MaskingStream mask_[2];
  std::string partial_[2];
  size_t dropped_[2] = {0, 0};
  std::deque<std::string> tail_;
  std::string write_error_;
};

}  // namespace pw::engine
