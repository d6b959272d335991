// The state machine of shlex.shlex.read_token with posix=True, whitespace_split=True and no
// comment characters (what shlex.split configures).
#include "python/shlex.h"

namespace pw::python {

Result<std::vector<std::string>> shlex_split(std::string_view s) {
  std::vector<std::string> out;
  auto is_ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    while (i < n && is_ws(s[i])) ++i;
    if (i >= n) break;
    std::string token;
    bool in_word = true;
    while (i < n && in_word) {
      char c = s[i];
      if (is_ws(c)) break;
      if (c == '\\') {
        if (i + 1 >= n) return fail("No escaped character", i);
        token += s[i + 1];
        i += 2;
      } else if (c == '\'') {
        size_t close = s.find('\'', i + 1);
        if (close == std::string_view::npos) return fail("No closing quotation", i);
        token.append(s.substr(i + 1, close - i - 1));
        i = close + 1;
      } else if (c == '"') {
        size_t start = i;
        ++i;
        for (;;) {
          if (i >= n) return fail("No closing quotation", start);
          char q = s[i];
          if (q == '"') {
            ++i;
            break;
          }
          if (q == '\\') {
            if (i + 1 >= n) return fail("No escaped character", i);
            char next = s[i + 1];
            // Inside double quotes a backslash escapes only '"' and itself.
            if (next != '"' && next != '\\') token += '\\';
            token += next;
            i += 2;
            continue;
          }
          token += q;
          ++i;
        }
      } else {
        token += c;
        ++i;
      }
    }
    out.push_back(std::move(token));
  }
  return out;
}

}  // namespace pw::python
