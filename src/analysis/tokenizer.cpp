// The Python tokenizer: a hand-written scanner in the order of CPython's Lib/tokenize.py and
// Parser/tokenizer.c (indentation at the start of each logical line, then names, numbers,
// strings, operators), with errors collected instead of raised.
#include "analysis/tokenizer.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace pw::analysis {

std::string_view to_string(TokenType type) {
  static constexpr std::array<std::string_view, 11> names = {
      "NAME", "NUMBER", "STRING", "OP",        "COMMENT",   "NEWLINE",
      "NL",   "INDENT", "DEDENT", "ENDMARKER", "ERRORTOKEN"};
  return names[static_cast<size_t>(type)];
}

bool is_keyword(std::string_view name) {
  static constexpr std::array<std::string_view, 38> words = {
      "False",   "None",     "True",     "and",    "as",   "assert", "async",  "await",
      "break",   "class",    "continue", "def",    "del",  "elif",   "else",   "except",
      "finally", "for",      "from",     "global", "if",   "import", "in",     "is",
      "lambda",  "nonlocal", "not",      "or",     "pass", "raise",  "return", "try",
      "while",   "with",     "yield",    "match",  "case", "type"};
  for (auto w : words)
    if (w == name) return true;
  return false;
}

namespace {

// Byte classes, looked up instead of compared: the scanner asks one of these per source byte.
enum : std::uint8_t { kIdentStart = 1, kIdentChar = 2, kStringStop = 4 };
constexpr std::array<std::uint8_t, 256> kClass = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    // Non-ASCII bytes are taken as identifier characters: CPython checks XID_Start, which would
    // need Unicode tables, and a wrongly accepted letter changes no metric.
    bool start = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    if (start) t[c] |= kIdentStart | kIdentChar;
    if (c >= '0' && c <= '9') t[c] |= kIdentChar;
  }
  // The bytes string scanning must look at; everything else is skipped in a tight loop.
  for (unsigned char c : {'\\', '\n', '\r', '\'', '"', '{'}) t[c] |= kStringStop;
  return t;
}();

bool is_ident_start(unsigned char c) { return kClass[c] & kIdentStart; }
bool is_ident_char(unsigned char c) { return kClass[c] & kIdentChar; }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_hex(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_oct(unsigned char c) { return c >= '0' && c <= '7'; }
bool is_bin(unsigned char c) { return c == '0' || c == '1'; }

// Offset of the first byte that is not part of a valid UTF-8 sequence, or npos. `ascii` is set
// when every byte is below 0x80, so columns can be byte offsets.
size_t first_invalid_utf8(std::string_view s, bool& ascii) {
  size_t i = 0, n = s.size();
  ascii = true;
  while (i < n) {
    // Eight ASCII bytes at a time: source is nearly all ASCII, and this pass reads every byte.
    while (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if (word & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    ascii = false;
    int len = 0;
    unsigned min = 0;
    if ((c & 0xE0) == 0xC0)
      len = 2, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
      len = 3, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
      len = 4, min = 0x10000;
    else
      return i;
    if (i + len > n) return i;
    unsigned cp = c & (0x7F >> len);
    for (int k = 1; k < len; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

struct Prefix {
  bool valid = false;
  bool f = false;    // f-string (or 3.14's t-string): braces hold expressions
  bool raw = false;  // backslashes do not start escapes (they still protect a quote)
};

// The string prefixes CPython accepts, in any case: r u f b br rb fr rf (and t tr rt).
Prefix string_prefix(std::string_view name) {
  Prefix p;
  if (name.size() > 2) return p;
  bool r = false, u = false, f = false, b = false, t = false;
  for (char ch : name) {
    switch (ch | 0x20) {
      case 'r':
        if (r) return p;
        r = true;
        break;
      case 'u':
        if (u) return p;
        u = true;
        break;
      case 'f':
        if (f) return p;
        f = true;
        break;
      case 'b':
        if (b) return p;
        b = true;
        break;
      case 't':
        if (t) return p;
        t = true;
        break;
      default:
        return p;
    }
  }
  if (u && name.size() > 1) return p;  // "ur" is Python 2 only
  if ((f || t) && b) return p;         // no "fb"
  if (f && t) return p;
  p.valid = true;
  p.f = f || t;
  p.raw = r;
  return p;
}

constexpr int kMaxFStringDepth =
    150;  // nested fields/strings; deeper input is rejected, not a stack overflow

class Lexer {
 public:
  Lexer(std::string_view src, std::string_view filename, Tokenized& out)
      : s_(src), file_(filename), out_(out) {
    out_.source = src;
    out_.tokens.clear();
    out_.errors.clear();
    out_.lines = 0;
  }

  void run() {
    if (s_.size() > UINT32_MAX) {  // offsets are 32 bits; no Python source comes near
      error_at(1, 0, "file too large to analyse (4 GiB or more)");
      add(TokenType::ENDMARKER, 0, 0, 1, 0, 1, 0);
      return;
    }
    out_.tokens.reserve(s_.size() / 6 + 16);  // typical Python: a token per 5-8 bytes
    if (s_.size() >= 3 && s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = line_start_ = 3;
    if (auto bad = first_invalid_utf8(s_, ascii_); bad != std::string_view::npos)
      report_invalid_utf8(bad);
    bool at_line_start = true;
    bool line_has_token = false;
    while (pos_ < s_.size()) {
      if (at_line_start) {
        at_line_start = false;
        if (paren_depth_ == 0 && !continuation_) {
          if (!indentation()) {  // a blank or comment-only line was consumed
            at_line_start = true;
            continue;
          }
        }
        continuation_ = false;
      }
      unsigned char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\f') {
        do ++pos_;
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\f'));
      } else if (c == '#') {
        comment();
      } else if (c == '\n' || c == '\r') {
        auto type = (paren_depth_ > 0 || !line_has_token) ? TokenType::NL : TokenType::NEWLINE;
        newline_token(type);
        at_line_start = true;
        if (type == TokenType::NEWLINE) line_has_token = false;
      } else if (c == '\\') {
        size_t nl = newline_len(pos_ + 1);
        if (nl > 0) {
          pos_ += 1;
          advance_newline();
          continuation_ = true;
          at_line_start = true;
        } else {
          error_at(pos_, "unexpected character after line continuation character");
          single(TokenType::ERRORTOKEN, 1);
          line_has_token = true;
        }
      } else if (is_digit(c) || (c == '.' && pos_ + 1 < s_.size() && is_digit(s_[pos_ + 1]))) {
        number();
        line_has_token = true;
      } else if (is_ident_start(c)) {
        name_or_string();
        line_has_token = true;
      } else if (c == '"' || c == '\'') {
        string(pos_, Prefix{true, false, false});
        line_has_token = true;
      } else {
        op_or_error();
        line_has_token = true;
      }
    }
    finish(line_has_token);
  }

 private:
  std::string_view s_;
  std::string_view file_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
  // Column cache: tokens on a line come in order, so counting code points from the last token
  // keeps column computation linear even on very long lines.
  size_t cc_line_start_ = 0, cc_pos_ = 0;
  int cc_col_ = 0;
  bool ascii_ = false;  // no byte >= 0x80: a column is the byte offset in the line
  std::vector<int> indents_{0};
  int paren_depth_ = 0;
  bool continuation_ = false;
  Tokenized& out_;

  int col(size_t p) {
    if (ascii_) return static_cast<int>(p - line_start_);
    if (cc_line_start_ != line_start_ || p < cc_pos_) {
      cc_line_start_ = cc_pos_ = line_start_;
      cc_col_ = 0;
    }
    for (; cc_pos_ < p; ++cc_pos_)
      if ((static_cast<unsigned char>(s_[cc_pos_]) & 0xC0) != 0x80) ++cc_col_;
    return cc_col_;
  }

  size_t newline_len(size_t p) const {
    if (p >= s_.size()) return 0;
    if (s_[p] == '\n') return 1;
    if (s_[p] == '\r') return (p + 1 < s_.size() && s_[p + 1] == '\n') ? 2 : 1;
    return 0;
  }
  // pos_ is on a newline: step over it and start the next line.
  void advance_newline() {
    pos_ += newline_len(pos_);
    ++line_;
    line_start_ = pos_;
  }

  void error_at(int line, int col0, std::string message) {
    out_.errors.push_back(Diagnostic{std::string(file_), line, col0 + 1, std::move(message)});
  }
  void error_at(size_t p, std::string message) { error_at(line_, col(p), std::move(message)); }

  void report_invalid_utf8(size_t bad) {
    int line = 1;
    size_t ls = 0;
    for (size_t i = 0; i < bad; ++i)
      if (s_[i] == '\n') line++, ls = i + 1;
    int c = 0;
    for (size_t i = ls; i < bad; ++i)
      if ((static_cast<unsigned char>(s_[i]) & 0xC0) != 0x80) ++c;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(s_[bad]));
    error_at(line, c,
             std::string("invalid UTF-8: byte ") + hex + " does not start a valid sequence");
  }

  // The one place tokens are appended: a single call site lets the compiler inline push_back.
  void add(TokenType type, size_t start, size_t len, int line, int col, int end_line, int end_col) {
    out_.tokens.push_back(Token{static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(len),
                                line, col, end_line, end_col, type});
  }
  void emit(TokenType type, size_t start, int sline, int scol) {
    add(type, start, pos_ - start, sline, scol, line_, col(pos_));
  }
  void single(TokenType type, size_t len) {
    size_t start = pos_;
    int c = col(pos_);
    pos_ += len;
    emit(type, start, line_, c);
  }

  void newline_token(TokenType type) {
    size_t start = pos_;
    int c = col(pos_);
    size_t len = newline_len(pos_);
    add(type, start, len, line_, c, line_, c + static_cast<int>(len));  // "\r\n" ends 2 further
    advance_newline();
  }

  void comment() {
    size_t start = pos_;
    int c = col(pos_);
    // memchr for the '\n', then a '\r' (rare) before it: comments are a fair share of the bytes.
    const char* data = s_.data();
    const void* nl = std::memchr(data + pos_, '\n', s_.size() - pos_);
    size_t end = nl ? static_cast<const char*>(nl) - data : s_.size();
    if (const void* cr = std::memchr(data + pos_, '\r', end - pos_))
      end = static_cast<const char*>(cr) - data;
    pos_ = end;
    emit(TokenType::COMMENT, start, line_, c);
  }

  // At the start of a logical line: measures the indentation and emits INDENT/DEDENTs. Returns
  // false when the line was blank or only a comment (consumed here, with COMMENT and NL, and no
  // effect on indentation, as in tokenize).
  bool indentation() {
    int column = 0;
    size_t p = pos_;
    for (; p < s_.size(); ++p) {
      char c = s_[p];
      if (c == ' ')
        ++column;
      else if (c == '\t')
        column = (column / 8 + 1) * 8;
      else if (c == '\f')
        column = 0;
      else
        break;
    }
    if (p >= s_.size()) {
      pos_ = p;
      return false;
    }
    char c = s_[p];
    if (c == '#' || c == '\n' || c == '\r') {
      pos_ = p;
      if (c == '#') comment();
      if (pos_ < s_.size()) newline_token(TokenType::NL);
      return false;
    }
    if (column > indents_.back()) {
      indents_.push_back(column);
      size_t start = pos_;
      pos_ = p;
      emit(TokenType::INDENT, start, line_, 0);
    } else {
      while (column < indents_.back()) {
        indents_.pop_back();
        add(TokenType::DEDENT, p, 0, line_, col(p), line_, col(p));
      }
      if (column != indents_.back()) {
        error_at(p, "unindent does not match any outer indentation level");
        indents_.push_back(column);  // carry on at this level, as a reader would
      }
      pos_ = p;
    }
    return true;
  }

  // Digits of one class with single underscores between them; false on a misplaced underscore.
  template <class Pred>
  bool digits(Pred pred) {
    bool ok = true;
    while (pos_ < s_.size()) {
      unsigned char c = s_[pos_];
      if (pred(c)) {
        ++pos_;
      } else if (c == '_') {
        if (pos_ + 1 < s_.size() && pred(static_cast<unsigned char>(s_[pos_ + 1]))) {
          ++pos_;
        } else {
          ok = false;
          ++pos_;
        }
      } else {
        break;
      }
    }
    return ok;
  }

  void number() {
    size_t start = pos_;
    int c0 = col(pos_);
    bool ok = true;
    const char* kind = "decimal";
    if (s_[pos_] == '0' && pos_ + 1 < s_.size() &&
        std::string_view("xXoObB").find(s_[pos_ + 1]) != std::string_view::npos) {
      char k = s_[pos_ + 1] | 0x20;
      pos_ += 2;
      size_t body = pos_;
      if (pos_ < s_.size() && s_[pos_] == '_') ++pos_;  // 0x_ff is valid
      if (k == 'x')
        ok = digits(is_hex), kind = "hexadecimal";
      else if (k == 'o')
        ok = digits(is_oct), kind = "octal";
      else
        ok = digits(is_bin), kind = "binary";
      if (pos_ == body || (pos_ < s_.size() && is_digit(s_[pos_]))) ok = false;
    } else {
      ok = digits(is_digit);
      if (pos_ < s_.size() && s_[pos_] == '.') {
        ++pos_;
        if (pos_ < s_.size() && is_digit(s_[pos_])) ok = digits(is_digit) && ok;
      }
      if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
        size_t q = pos_ + 1;
        if (q < s_.size() && (s_[q] == '+' || s_[q] == '-')) ++q;
        if (q < s_.size() && is_digit(s_[q])) {
          pos_ = q;
          ok = digits(is_digit) && ok;
        }
      }
      if (pos_ < s_.size() && (s_[pos_] == 'j' || s_[pos_] == 'J')) ++pos_;
    }
    if (!ok) error_at(line_, c0, std::string("invalid ") + kind + " literal");
    emit(TokenType::NUMBER, start, line_, c0);
  }

  void name_or_string() {
    size_t start = pos_;
    int c = col(start);
    while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
    if (pos_ < s_.size() && (s_[pos_] == '"' || s_[pos_] == '\'')) {
      Prefix p = string_prefix(s_.substr(start, pos_ - start));
      if (p.valid) {
        string(start, p);
        return;
      }
    }
    emit(TokenType::NAME, start, line_, c);
  }

  // A string whose prefix starts at `start` and whose opening quote is at pos_.
  void string(size_t start, Prefix prefix) {
    int sline = line_, scol = col(start);
    size_t sline_start = line_start_;
    char q = s_[pos_];
    bool triple = pos_ + 2 < s_.size() && s_[pos_ + 1] == q && s_[pos_ + 2] == q;
    if (body(prefix, 0)) {
      emit(TokenType::STRING, start, sline, scol);
      return;
    }
    std::string msg =
        triple ? "unterminated triple-quoted string literal" : "unterminated string literal";
    msg += " (detected at line " + std::to_string(line_) + ")";
    error_at(sline, scol, msg);
    if (!triple) {
      // Resume at the end of the start line (an f-string field may have run over lines), so the
      // rest of the file still tokenizes.
      pos_ = start;
      line_ = sline;
      line_start_ = sline_start;
      while (pos_ < s_.size() && s_[pos_] != '\n' && s_[pos_] != '\r') ++pos_;
    }
    emit(TokenType::ERRORTOKEN, start, sline, scol);
  }

  // Scans a string literal from its opening quote at pos_; true when the closing quote was found
  // (pos_ just past it). `depth` bounds nesting through f-string fields.
  bool body(Prefix prefix, int depth) {
    if (depth > kMaxFStringDepth) {
      error_at(pos_, "f-string nesting too deep");
      return false;
    }
    char q = s_[pos_];
    bool triple = pos_ + 2 < s_.size() && s_[pos_ + 1] == q && s_[pos_ + 2] == q;
    pos_ += triple ? 3 : 1;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '\\') {
        ++pos_;
        if (pos_ >= s_.size()) return false;
        if (newline_len(pos_)) {
          advance_newline();
        } else if (prefix.f && !prefix.raw && s_[pos_] == 'N' && pos_ + 1 < s_.size() &&
                   s_[pos_ + 1] == '{') {
          // \N{NAME} is a character name, not a replacement field.
          while (pos_ < s_.size() && s_[pos_] != '}' && !newline_len(pos_)) ++pos_;
          if (pos_ < s_.size() && s_[pos_] == '}') ++pos_;
        } else if (prefix.f && (s_[pos_] == '{' || s_[pos_] == '}')) {
          // a backslash does not escape a brace: the field starts anyway
        } else {
          ++pos_;
        }
      } else if (c == '\n' || c == '\r') {
        if (!triple) return false;
        advance_newline();
      } else if (c == q) {
        if (!triple) {
          ++pos_;
          return true;
        }
        if (pos_ + 2 < s_.size() && s_[pos_ + 1] == q && s_[pos_ + 2] == q) {
          pos_ += 3;
          return true;
        }
        ++pos_;
      } else if (prefix.f && c == '{') {
        if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '{') {
          pos_ += 2;
        } else {
          ++pos_;
          if (!field(q, triple, depth + 1)) return false;
        }
      } else {
        ++pos_;
        while (pos_ < s_.size() && !(kClass[static_cast<unsigned char>(s_[pos_])] & kStringStop))
          ++pos_;
      }
    }
    return false;
  }

  // Inside an f-string replacement field, just after '{': up to and including the matching '}'.
  // Nested strings are scanned whole (3.12's PEP 701: they may reuse the outer quote), brackets
  // are counted, and ':' at bracket depth 0 starts the format spec.
  bool field(char q, bool triple, int depth) {
    if (depth > kMaxFStringDepth) {
      error_at(pos_, "f-string nesting too deep");
      return false;
    }
    int brackets = 0;
    while (pos_ < s_.size()) {
      unsigned char c = s_[pos_];
      if (c == '(' || c == '[' || c == '{') {
        ++brackets;
        ++pos_;
      } else if (c == ')' || c == ']') {
        if (brackets > 0) --brackets;
        ++pos_;
      } else if (c == '}') {
        ++pos_;
        if (brackets == 0) return true;
        --brackets;
      } else if (c == ':' && brackets == 0) {
        ++pos_;
        return format_spec(q, triple, depth);
      } else if (c == '"' || c == '\'') {
        if (!body(Prefix{true, false, false}, depth + 1)) return false;
      } else if (is_ident_start(c)) {
        size_t start = pos_;
        while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
        if (pos_ < s_.size() && (s_[pos_] == '"' || s_[pos_] == '\'')) {
          Prefix p = string_prefix(s_.substr(start, pos_ - start));
          if (p.valid && !body(p, depth + 1)) return false;
        }
      } else if (c == '\\') {
        ++pos_;
        if (newline_len(pos_))
          advance_newline();
        else if (pos_ < s_.size())
          ++pos_;
      } else if (c == '\n' || c == '\r') {
        // A field may span lines in a triple-quoted f-string, or inside brackets.
        if (!triple && brackets == 0) return false;
        advance_newline();
      } else {
        ++pos_;
      }
    }
    return false;
  }

  // After the ':' of a field: literal text with nested fields, up to the field's closing '}'.
  bool format_spec(char q, bool triple, int depth) {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '}') {
        ++pos_;
        return true;
      } else if (c == '{') {
        ++pos_;
        if (!field(q, triple, depth + 1)) return false;
      } else if (c == q) {
        return false;  // the string ends inside the field
      } else if (c == '\n' || c == '\r') {
        if (!triple) return false;
        advance_newline();
      } else if (c == '\\') {
        pos_ += (pos_ + 1 < s_.size() && !newline_len(pos_ + 1)) ? 2 : 1;
      } else {
        ++pos_;
      }
    }
    return false;
  }

  void op_or_error() {
    // Longest match first: "..." and the three-character operators, then the two-character
    // ones ("<>" is Python 2 only and not taken), then one character.
    char c = s_[pos_];
    char c1 = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
    char c2 = pos_ + 2 < s_.size() ? s_[pos_ + 2] : '\0';
    if (c == '.' && c1 == '.' && c2 == '.') return single(TokenType::OP, 3);
    if (c2 == '=' && c1 == c && (c == '*' || c == '/' || c == '>' || c == '<'))
      return single(TokenType::OP, 3);
    if ((c == '-' && c1 == '>') || (c1 == c && (c == '*' || c == '/' || c == '<' || c == '>')))
      return single(TokenType::OP, 2);
    if (c1 == '=' && std::string_view(":<>=!+-*/%&|^@").find(c) != std::string_view::npos)
      return single(TokenType::OP, 2);
    if (std::string_view("()[]{}:,;+-*/|&<>=.%~^@!").find(c) != std::string_view::npos) {
      if (c == '(' || c == '[' || c == '{') {
        ++paren_depth_;
      } else if (c == ')' || c == ']' || c == '}') {
        if (paren_depth_ == 0)
          error_at(pos_, std::string("unmatched '") + c + "'");
        else
          --paren_depth_;
      }
      return single(TokenType::OP, 1);
    }
    // One whole code point, so an error never splits a UTF-8 sequence.
    char buf[64];
    std::snprintf(buf, sizeof buf, "invalid character (0x%02x)", static_cast<unsigned char>(c));
    error_at(pos_, buf);
    size_t len = 1;
    while (pos_ + len < s_.size() && (static_cast<unsigned char>(s_[pos_ + len]) & 0xC0) == 0x80)
      ++len;
    single(TokenType::ERRORTOKEN, len);
  }

  void finish(bool line_has_token) {
    if (paren_depth_ > 0 || continuation_) error_at(pos_, "unexpected EOF in multi-line statement");
    int c = col(pos_);
    if (line_has_token) add(TokenType::NEWLINE, pos_, 0, line_, c, line_, c + 1);
    bool ends_with_newline = pos_ == line_start_;
    for (size_t i = 1; i < indents_.size(); ++i)
      add(TokenType::DEDENT, pos_, 0, line_, 0, line_, 0);
    int end_line = ends_with_newline ? line_ : line_ + 1;
    add(TokenType::ENDMARKER, pos_, 0, end_line, 0, end_line, 0);
    size_t content_start = (s_.size() >= 3 && s_.substr(0, 3) == "\xEF\xBB\xBF") ? 3 : 0;
    out_.lines = s_.size() <= content_start ? 0 : (ends_with_newline ? line_ - 1 : line_);
  }
};

}  // namespace

Tokenized tokenize(std::string_view source, std::string_view filename) {
  Tokenized out;
  Lexer(source, filename, out).run();
  return out;
}

void tokenize_into(std::string_view source, std::string_view filename, Tokenized& out) {
  Lexer(source, filename, out).run();
}

}  // namespace pw::analysis
