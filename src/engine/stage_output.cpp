#include "engine/stage_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "engine/console.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::engine {

StageOutput::StageOutput(std::string stage_id, const std::filesystem::path& log_path,
                         std::shared_ptr<const exec::Masker> masker, Console* console)
    : id_(std::move(stage_id)),
      log_path_(log_path),
      masker_(masker),
      console_(console),
      mask_{exec::MaskingStream(masker), exec::MaskingStream(masker)} {
  fd_ = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) write_error_ = "cannot write " + log_path.string() + ": " + errno_text(errno);
}

StageOutput::~StageOutput() {
  if (fd_ >= 0) ::close(fd_);
}

void StageOutput::write_log(std::string_view data) {
  if (fd_ < 0 || data.empty()) return;
  try {
    write_all(fd_, data, log_path_);
  } catch (const Error& e) {
    if (write_error_.empty()) write_error_ = e.what();
    ::close(fd_);
    fd_ = -1;
  }
}

void StageOutput::chunk(int stream, std::string_view data) {
  std::string masked = mask_[stream & 1].feed(data);
  write_log(masked);
  feed_lines(stream & 1, masked);
}

void StageOutput::feed_lines(int s, std::string_view masked) {
  size_t start = 0;
  while (start < masked.size()) {
    size_t nl = masked.find('\n', start);
    std::string_view piece =
        masked.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    // Keep at most kMaxDisplayLine bytes of a line for display; count the rest.
    size_t room = partial_[s].size() < kMaxDisplayLine ? kMaxDisplayLine - partial_[s].size() : 0;
    if (piece.size() > room) {
      partial_[s].append(piece.substr(0, room));
      dropped_[s] += piece.size() - room;
    } else {
      partial_[s].append(piece);
    }
    if (nl == std::string_view::npos) break;
    emit_line(partial_[s], dropped_[s]);
    partial_[s].clear();
    dropped_[s] = 0;
    start = nl + 1;
  }
}

void StageOutput::emit_line(std::string_view raw, size_t dropped, Tail tail) {
  std::string_view r = raw;
  if (!r.empty() && r.back() == '\r') r.remove_suffix(1);
  std::string shown = sanitize_for_display(r);
  if (dropped) shown += " [... " + std::to_string(dropped) + " more bytes in the log]";
  if (tail == Tail::keep) {
    tail_.push_back(shown);
    if (tail_.size() > kTailLines) tail_.pop_front();
  }
  if (console_) console_->stage_output(id_, shown);
}

void StageOutput::end_of_process() {
  for (int s = 0; s < 2; ++s) {
    std::string rest = mask_[s].finish();
    write_log(rest);
    feed_lines(s, rest);
    if (!partial_[s].empty() || dropped_[s]) {
      emit_line(partial_[s], dropped_[s]);
      write_log("\n");  // the log's next line starts on a line of its own
      partial_[s].clear();
      dropped_[s] = 0;
    }
  }
}

void StageOutput::line(const std::string& text, Tail tail) {
  std::string masked = masker_->mask(text);
  write_log(masked + "\n");
  // A multi-line text (a tool's whole output logged at once) is several lines on the console
  // and in the failure tail, not one line with its breaks escaped.
  std::string_view rest = masked;
  for (;;) {
    size_t nl = rest.find('\n');
    emit_line(rest.substr(0, nl), 0, tail);
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
    if (rest.empty()) break;
  }
}

}  // namespace pw::engine
