#include "python/traceback.h"

#include <cctype>
#include <string_view>

#include "util/strings.h"

namespace pw::python {

bool is_exception_line(std::string_view l) {
  size_t i = 0;
  while (i < l.size() &&
         (std::isalnum(static_cast<unsigned char>(l[i])) || l[i] == '_' || l[i] == '.'))
    ++i;
  if (i == 0 || !std::isalpha(static_cast<unsigned char>(l[0]))) return false;
  std::string_view name = l.substr(0, i);
  if (i < l.size() && l[i] != ':') return false;
  for (std::string_view end : {"Error", "Exception", "Warning", "Exit", "Interrupt"})
    if (name.ends_with(end)) return true;
  return false;
}

std::string failure_cause(const std::vector<std::string>& lines) {
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    std::string_view l = *it;
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.remove_suffix(1);
    if (l.starts_with("E   ")) l = trim(l.substr(4));  // pytest's rendering of the exception
    bool cause = is_exception_line(l) || l.starts_with("ERROR: ") || l.starts_with("error: ");
    if (!cause) continue;
    std::string out(l);
    if (out.size() > 300) out = out.substr(0, 297) + "...";
    return out;
  }
  return {};
}

}  // namespace pw::python
