#include "engine/console.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "util/numbers.h"
#include "util/strings.h"

namespace pw::engine {

namespace {

const char* kGreen = "32";
const char* kYellow = "33";
const char* kRed = "31";
const char* kDim = "2";
const char* kBold = "1";
const char* kMagenta = "35";

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

// Cuts a display string to `width` columns (counting UTF-8 code points, not bytes).
std::string elide(const std::string& s, int width) {
  if (width <= 0) return "";
  int cols = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;
    if (++cols > width) {
      std::string out = s.substr(0, i);
      // Room for the ellipsis: drop one more code point.
      while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80)
        out.pop_back();
      if (!out.empty()) out.pop_back();
      return out + "\xE2\x80\xA6";
    }
  }
  return s;
}

std::string pad(const std::string& s, size_t w) {
  size_t cols = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++cols;
  return cols >= w ? s : s + std::string(w - cols, ' ');
}

const char* status_color(Status s) {
  switch (s) {
    case Status::success:
      return kGreen;
    case Status::unstable:
      return kYellow;
    case Status::failure:
      return kRed;
    case Status::aborted:
      return kMagenta;
    default:
      return kDim;
  }
}

}  // namespace

ConsoleOptions ConsoleOptions::detect(int fd, bool verbose) {
  ConsoleOptions o;
  o.verbose = verbose;
  bool tty = ::isatty(fd) == 1;
  const char* term = std::getenv("TERM");
  bool smart = tty && term && std::strcmp(term, "dumb") != 0;
  o.live = smart && !env_set("CI");
  o.color = (smart && !env_set("NO_COLOR")) || env_set("FORCE_COLOR");
  winsize ws{};
  if (tty && ::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
    o.width = ws.ws_col;
  else if (const char* cols = std::getenv("COLUMNS"))
    o.width = static_cast<int>(std::max(40LL, parse_int(cols, 0, 10000).value_or(80)));
  if (env_set("GITHUB_ACTIONS"))
    o.ci = "github";
  else if (env_set("GITLAB_CI"))
    o.ci = "gitlab";
  else if (env_set("JENKINS_URL"))
    o.ci = "jenkins";
  return o;
}

namespace {

// GitHub's workflow commands: data and property values escaped as its runner expects.
std::string gh_escape(std::string_view s, bool property) {
  std::string out;
  for (char c : s) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else if (property && c == ':')
      out += "%3A";
    else if (property && c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

// A GitLab section name: letters, digits, '_', '.' and '-' only.
std::string gl_section(const std::string& id) {
  std::string out = "pw_";
  for (char c : id) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
  return out;
}

std::string epoch_now() {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
}

}  // namespace

Console::Console(ConsoleOptions options, std::FILE* out) : opt_(options), out_(out) {}

std::string Console::paint(const std::string& text, const char* code) const {
  if (!opt_.color) return text;
  return std::string("\x1b[") + code + "m" + text + "\x1b[0m";
}

std::string Console::status_word(Status s) const { return paint(to_string(s), status_color(s)); }

void Console::print_permanent(const std::string& text) {
  if (opt_.live && live_lines_ > 0) {
    std::fprintf(out_, "\r\x1b[%dA\x1b[J", live_lines_);
    live_lines_ = 0;
  }
  std::fputs(text.c_str(), out_);
  if (text.empty() || text.back() != '\n') std::fputc('\n', out_);
  if (opt_.live && !asking_) draw_live(last_now_);
  std::fflush(out_);
}

void Console::draw_live(SteadyClock::time_point now) {
  static const char* frames[] = {"\xE2\xA0\x8B", "\xE2\xA0\x99", "\xE2\xA0\xB9", "\xE2\xA0\xB8",
                                 "\xE2\xA0\xBC", "\xE2\xA0\xB4", "\xE2\xA0\xA6", "\xE2\xA0\xA7",
                                 "\xE2\xA0\x87", "\xE2\xA0\x8F"};
  if (live_lines_ > 0) std::fprintf(out_, "\r\x1b[%dA\x1b[J", live_lines_);
  live_lines_ = 0;
  for (const auto& r : running_) {
    auto elapsed = std::chrono::duration_cast<Millis>(now - r.since);
    if (elapsed.count() < 0) elapsed = Millis(0);
    std::string line =
        std::string(frames[frame_ % 10]) + " " + pad(r.id, 16) + " " + format_duration(elapsed);
    std::fputs((paint(elide(line, opt_.width - 1), kBold) + "\n").c_str(), out_);
    ++live_lines_;
  }
}

void Console::stage_started(const std::string& id, SteadyClock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  last_now_ = now;
  running_.push_back({id, now});
  if (opt_.live) {
    draw_live(now);
    std::fflush(out_);
  } else {
    if (opt_.ci == "github") std::fprintf(out_, "::group::stage %s\n", id.c_str());
    if (opt_.ci == "gitlab")
      std::fprintf(out_, "\x1b[0Ksection_start:%s:%s[collapsed=true]\r\x1b[0Kstage %s\n",
                   epoch_now().c_str(), gl_section(id).c_str(), id.c_str());
    std::fprintf(out_, "[%s] started\n", id.c_str());
    std::fflush(out_);
  }
}

void Console::stage_output(const std::string& id, std::string_view line) {
  if (!opt_.verbose) return;
  std::lock_guard<std::mutex> lock(mu_);
  print_permanent(paint("[" + id + "]", kDim) + " " + std::string(line));
}

void Console::stage_finished(const std::string& id, Status status, Millis duration,
                             const std::string& summary, const std::vector<std::string>& tail,
                             SteadyClock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  last_now_ = now;
  running_.erase(std::remove_if(running_.begin(), running_.end(),
                                [&](const Running& r) { return r.id == id; }),
                 running_.end());
  std::string text;
  if (opt_.live) {
    const char* mark = status == Status::success    ? "\xE2\x9C\x94"  // check mark
                       : status == Status::failure  ? "\xE2\x9C\x98"  // ballot x
                       : status == Status::unstable ? "!"
                                                    : "-";
    // Elide the summary alone: the escape codes around the mark and status take no columns.
    std::string head_plain = std::string("x ") + pad(id, 16) + " " + pad(to_string(status), 9) +
                             " " + pad(format_duration(duration), 8) + " ";
    int cols = 0;
    for (unsigned char c : head_plain)
      if ((c & 0xC0) != 0x80) ++cols;
    text = paint(mark, status_color(status)) + " " + pad(id, 16) + " " +
           paint(pad(to_string(status), 9), status_color(status)) + " " +
           pad(format_duration(duration), 8) + " " + elide(summary, opt_.width - 1 - cols);
  } else {
    text = "[" + id + "] " + to_string(status) + " in " + format_duration(duration);
    if (!summary.empty()) text += ": " + summary;
  }
  if (!tail.empty() && !opt_.verbose) {
    text += "\n" + paint("  last lines of its output (whole log in logs/" + id + ".log):", kDim);
    for (const auto& l : tail) text += "\n  " + paint("|", kDim) + " " + l;
  }
  if (!opt_.live && opt_.ci == "github") {
    text += "\n::endgroup::";
    if (status == Status::failure || status == Status::unstable)
      text += std::string("\n::") + (status == Status::failure ? "error" : "warning") +
              " title=" + gh_escape("pipewright " + id, true) +
              "::" + gh_escape(to_string(status) + (summary.empty() ? "" : ": " + summary), false);
  }
  if (!opt_.live && opt_.ci == "gitlab")
    text += "\n\x1b[0Ksection_end:" + epoch_now() + ":" + gl_section(id) + "\r\x1b[0K";
  print_permanent(text);
}

void Console::info(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  print_permanent(text);
}

void Console::warn(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  print_permanent(paint("warning: ", kYellow) + text);
}

bool Console::can_ask() { return ::isatty(STDIN_FILENO) == 1; }

std::optional<std::string> Console::ask(const std::string& question,
                                        const std::function<bool()>& stop) {
  if (!can_ask()) return std::nullopt;
  std::lock_guard<std::mutex> one(ask_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    asking_ = true;
    print_permanent(question);
  }
  // The terminal hands over a line at a time (canonical mode): poll, so that an abort (Ctrl-C
  // reaches pipewright's handler, not this read) ends the wait.
  std::optional<std::string> answer = std::string();
  while (true) {
    if (stop()) {
      answer.reset();
      break;
    }
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char c = 0;
    if (::read(STDIN_FILENO, &c, 1) != 1) {
      answer.reset();
      break;
    }
    if (c == '\n') break;
    if (c != '\r') *answer += c;
  }
  std::lock_guard<std::mutex> lock(mu_);
  asking_ = false;
  return answer;
}

void Console::tick(SteadyClock::time_point now) {
  if (!opt_.live) return;
  std::lock_guard<std::mutex> lock(mu_);
  last_now_ = now;
  ++frame_;
  if (running_.empty() || asking_) return;
  draw_live(now);
  std::fflush(out_);
}

std::string Console::table(const BuildRecord& record, bool color, int width) {
  size_t w_id = 5, w_status = 9, w_dur = 8;
  for (const auto& s : record.stages) w_id = std::max(w_id, s.id.size());
  auto paint_if = [&](const std::string& t, const char* code) {
    return color ? std::string("\x1b[") + code + "m" + t + "\x1b[0m" : t;
  };
  std::string out;
  std::string head = pad("Stage", w_id) + "  " + pad("Status", w_status) + "  " +
                     pad("Duration", w_dur) + "  Summary";
  out += paint_if(head, kBold) + "\n";
  out += std::string(w_id, '-') + "  " + std::string(w_status, '-') + "  " +
         std::string(w_dur, '-') + "  " + std::string(7, '-') + "\n";
  int summary_width = std::max(20, width - static_cast<int>(w_id + w_status + w_dur + 6) - 1);
  for (const auto& s : record.stages) {
    std::string st = pad(to_string(s.status), w_status);
    std::string dur = s.status == Status::not_built ? "" : format_duration(Millis(s.duration_ms));
    out += pad(s.id, w_id) + "  " + paint_if(st, status_color(s.status)) + "  " + pad(dur, w_dur) +
           "  " + elide(s.summary, summary_width) + "\n";
  }
  return out;
}

void Console::summary(const BuildRecord& record, const std::string& build_dir, ExitCode exit_code) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string text;
  if (opt_.ci == "github") {
    // Failed tests as annotations on their lines, where GitHub shows them in the diff.
    for (const auto& st : record.stages) {
      if (!st.data.contains("failures") || !st.data["failures"].is_array()) continue;
      for (const auto& f : st.data["failures"]) {
        std::string file = f.value("file", ""), msg = f.value("message", "");
        int line = f.value("line", 0);
        text += "::error " + (file.empty() ? "" : "file=" + gh_escape(file, true) + ",") +
                (line > 0 ? "line=" + std::to_string(line) + "," : "") +
                "title=" + gh_escape(f.value("nodeid", st.id), true) +
                "::" + gh_escape(msg.substr(0, msg.find('\n')), false) + "\n";
      }
    }
  }
  text += "\n" + table(record, opt_.color, opt_.width) + "\n";
  text += paint("Build #" + std::to_string(record.number), kBold) + " " +
          status_word(record.status) + " in " + format_duration(Millis(record.duration_ms)) +
          "  (" + build_dir + ", exit code " + std::to_string(static_cast<int>(exit_code)) + ")";
  if (!record.reason.empty()) text += "\nReason: " + sanitize_for_display(record.reason);
  print_permanent(text);
}

}  // namespace pw::engine
