// os-release(5) parsing.
#include "image/os_release.h"

#include "util/strings.h"

namespace pw::image {

namespace {

std::string unquote(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    char q = v.front();
    v = v.substr(1, v.size() - 2);
    if (q == '\'') return std::string(v);
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) ++i;
      out += v[i];
    }
    return out;
  }
  return std::string(v);
}

bool valid_key(std::string_view k) {
  if (k.empty()) return false;
  for (char c : k)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

}  // namespace

OsRelease parse_os_release(std::string_view text) {
  OsRelease os;
  for (const auto& raw : split_lines(text)) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = line.substr(0, eq);
    if (!valid_key(key)) continue;
    os.fields[std::string(key)] = unquote(trim(line.substr(eq + 1)));
  }
  auto get = [&](const char* k) {
    auto it = os.fields.find(k);
    return it == os.fields.end() ? std::string() : it->second;
  };
  os.id = to_lower(get("ID"));
  os.id_like = get("ID_LIKE");
  os.version_id = get("VERSION_ID");
  os.codename = get("VERSION_CODENAME");
  os.pretty_name = get("PRETTY_NAME");
  return os;
}

}  // namespace pw::image
