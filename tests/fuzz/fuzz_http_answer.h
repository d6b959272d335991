// An HTTP answer written as text, so one fuzz input is a whole server reply:
//   "<status>\n<name>: <value>\n...\n\n<body>"
// A first line that is not a number gives 200. Used by the S3 and registry harnesses.
#pragma once

#include <cctype>
#include <charconv>

#include "fuzz.h"
#include "net/http.h"

namespace pw::fuzz {

inline net::Response http_answer(std::string_view text) {
  auto [head, body] = [&] {
    auto parts = split(text, "\n\n", 2);
    return std::pair{parts[0], parts[1]};
  }();
  net::Response r;
  r.status = 200;
  r.body = std::string(body);
  bool first = true;
  while (!head.empty()) {
    auto nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head = nl == std::string_view::npos ? std::string_view{} : head.substr(nl + 1);
    if (first) {
      first = false;
      long status = 0;
      auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), status);
      if (ec == std::errc() && p == line.data() + line.size()) {
        r.status = status;
        continue;
      }
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.headers.emplace_back(std::move(name), std::string(value));
  }
  return r;
}

}  // namespace pw::fuzz
