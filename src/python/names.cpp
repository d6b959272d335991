// PEP 503 / PEP 508 name rules, by hand: they run for every requirement of every file, and the
// Python original is one regex substitution that is simple enough to spell out as a loop.
#include "python/names.h"

#include "python/ascii.h"

namespace pw::python {

namespace {
using ascii::is_alnum;
using ascii::is_sep;
}  // namespace

std::string normalize_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size();) {
    char c = name[i];
    if (is_sep(c)) {
      while (i < name.size() && is_sep(name[i])) ++i;
      out += '-';
      continue;
    }
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    ++i;
  }
  return out;
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || !is_alnum(name.front()) || !is_alnum(name.back())) return false;
  for (char c : name)
    if (!is_alnum(c) && !is_sep(c)) return false;
  return true;
}

bool is_normalized_name(std::string_view name) {
  bool prev_dash = false;
  for (char c : name) {
    if (c == '_' || c == '.' || (c >= 'A' && c <= 'Z')) return false;
    if (c == '-') {
      if (prev_dash) return false;
      prev_dash = true;
    } else {
      prev_dash = false;
    }
  }
  return true;
}

}  // namespace pw::python
