// Implementation of the parsers' shared text helpers (see text.h).
#include "reports/text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "util/fs.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::reports::detail {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid (overlong forms,
// surrogates and code points above U+10FFFF count as invalid, as the standard says).
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t left = s.size() - i;
  auto cont = [&](size_t k) { return (b(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

std::string valid_utf8(std::string_view s, bool* repaired) {
  // Fast path: most text is ASCII or already valid, and then it is copied once. ASCII is skipped
  // eight bytes at a time.
  size_t i = 0;
  while (i + 8 <= s.size()) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (word & 0x8080808080808080ULL) break;
    i += 8;
  }
  while (i < s.size()) {
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) break;
    i += n;
  }
  if (i == s.size()) return std::string(s);
  if (repaired) *repaired = true;
  std::string out(s.substr(0, i));
  while (i < s.size()) {
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

LineCol line_col_at(std::string_view text, size_t offset) {
  LineCol lc;
  offset = std::min(offset, text.size());
  for (size_t i = 0; i < offset; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++lc.line;
      lc.col = 1;
    } else if ((c & 0xC0) != 0x80) {  // not a continuation byte: a new character
      ++lc.col;
    }
  }
  return lc;
}

std::optional<long long> parse_int(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(std::string_view s) {
  // Report attributes are plain numbers: skip the trimming unless there is something to trim.
  if (s.empty()) return std::nullopt;
  if (std::isspace(static_cast<unsigned char>(s.front())) ||
      std::isspace(static_cast<unsigned char>(s.back()))) {
    s = trim(s);
  }
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<Diagnostic> read_file_to(const std::filesystem::path& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Diagnostic{path.string(), 0, 0, "cannot open: " + errno_text(errno)};
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Diagnostic{path.string(), 0, 0, "cannot read: is a directory"};
  }
  out.clear();
  if (st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char chunk[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Diagnostic{path.string(), 0, 0, "cannot read: " + errno_text(err)};
    }
    out.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  return std::nullopt;
}

std::string first_line(std::string_view text, size_t max) {
  text = trim(text);
  text = text.substr(0, text.find('\n'));
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  std::string out = valid_utf8(text.substr(0, max));
  if (text.size() > max) out += "...";
  return out;
}

const nlohmann::json* tool_json_list(const nlohmann::json& doc, std::string_view tool,
                                     std::string_view key, std::string_view what,
                                     const std::string& source, std::vector<Diagnostic>& errors) {
  if (key.empty()) {
    if (doc.is_array()) return &doc;
    errors.push_back({source, 0, 0,
                      std::string(tool) + " JSON output should be a list of " + std::string(what) +
                          ", got a " + doc.type_name()});
    return nullptr;
  }
  if (doc.is_object())
    if (auto it = doc.find(key); it != doc.end() && it->is_array()) return &*it;
  errors.push_back({source, 0, 0,
                    std::string(tool) + " JSON output should be an object with a \"" +
                        std::string(key) + "\" list"});
  return nullptr;
}

std::optional<nlohmann::json> parse_tool_json(std::string_view text, std::string_view tool,
                                              const std::string& source,
                                              std::vector<Diagnostic>& errors) {
  if (trim(text).empty()) {
    errors.push_back(
        {source, 0, 0, std::string(tool) + " wrote no output, where a JSON document was expected"});
    return std::nullopt;
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // A stray invalid UTF-8 byte inside a string is not worth losing the report over: repair and
    // retry once (the bytes become U+FFFD).
    bool repaired = false;
    std::string fixed = valid_utf8(text, &repaired);
    if (repaired) {
      try {
        return nlohmann::json::parse(fixed);
      } catch (const nlohmann::json::exception&) {
        // Fall through and report the first error, which is about the original text.
      }
    }
    // e.byte is 1-based and points just past the offending character.
    size_t at = e.byte > 0 ? e.byte - 1 : 0;
    LineCol lc = line_col_at(text, at);
    // Keep nlohmann's reason ("syntax error while parsing value - invalid literal; last read:
    // 'T'") without its own position prefix, which counts bytes instead of characters.
    std::string what = e.what();
    size_t reason = what.find(": ", what.find("column"));
    what = reason == std::string::npos ? what : what.substr(reason + 2);
    errors.push_back({source, lc.line, lc.col,
                      std::string(tool) + " output is not valid JSON (" + what +
                          "); it starts with: \"" + first_line(text) + "\""});
    return std::nullopt;
  } catch (const nlohmann::json::exception& e) {
    // Not a syntax error but a value nlohmann cannot hold (a number past a double's range).
    errors.push_back({source, 1, 1,
                      std::string(tool) + " output is not valid JSON (" + e.what() +
                          "); it starts with: \"" + first_line(text) + "\""});
    return std::nullopt;
  }
}

std::string json_string(const nlohmann::json& obj, const char* key, std::string_view fallback) {
  if (!obj.is_object()) return std::string(fallback);
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::string(fallback);
  return valid_utf8(it->get_ref<const std::string&>());
}

long long json_int(const nlohmann::json& obj, const char* key, long long fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (it->is_number_integer()) return it->get<long long>();
  if (it->is_number_float()) return truncate_to_integer(it->get<double>()).value_or(fallback);
  return fallback;
}

}  // namespace pw::reports::detail

namespace pw::reports::detail {

void UnrecognisedLines::add(std::string_view line, int number) {
  if (++total_ <= 5) {
    kept_.push_back(
        {source_, number, 0, "unrecognised " + tool_ + " output: \"" + first_line(line) + "\""});
  }
}

void UnrecognisedLines::flush_to(std::vector<Diagnostic>& warnings) {
  warnings.insert(warnings.end(), kept_.begin(), kept_.end());
  if (total_ > 5) {
    warnings.push_back(
        {source_, 0, 0,
         std::to_string(total_ - 5) + " more unrecognised lines of " + tool_ + " output"});
  }
  kept_.clear();
  total_ = 0;
}

Level lint_code_level(std::string_view code) {
  if (code.starts_with("E9") || code.starts_with("F63") || code.starts_with("F7") ||
      code.starts_with("F82")) {
    return Level::error;
  }
  return Level::warning;
}

}  // namespace pw::reports::detail
