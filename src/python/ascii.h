// The byte tests the packaging parsers (names, versions, specifiers, requirements files, URLs)
// share, defined once: each file used to keep its own copy in an anonymous namespace, which a
// unity build (the layers' sources compiled in batches, PW_UNITY) rejects as a redefinition.
// Names distinct from util's (trim, to_lower): a file's using-declaration reaches the files after
// it in a unity batch, and must not take over their calls of util's functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pw::python::ascii {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
// The separators PEP 503 names and PEP 440 versions treat alike.
inline bool is_sep(char c) { return c == '-' || c == '_' || c == '.'; }
// ASCII only, whatever the locale: packaging lowercases with str.lower() on ASCII input.
inline char lower_ascii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
inline std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower_ascii(c);
  return out;
}
// Python's str.isspace() for single bytes (what re's \s matches among them).
inline bool is_py_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
         (c >= '\x1c' && c <= '\x1f');
}
// str.strip(): is_py_space trimmed from both ends; *leading gets how many bytes went from the
// front.
inline std::string_view strip_py_space(std::string_view s, size_t* leading = nullptr) {
  size_t b = 0, e = s.size();
  while (b < e && is_py_space(s[b])) ++b;
  while (e > b && is_py_space(s[e - 1])) --e;
  if (leading) *leading = b;
  return s.substr(b, e - b);
}

}  // namespace pw::python::ascii
