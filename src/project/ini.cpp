// configparser's reading of setup.cfg, tox.ini and pytest.ini (see ini.h).
#include "project/ini.h"

#include "util/strings.h"

namespace pw::project {

int IniFile::section_line(const std::string& section) const {
  auto it = section_lines.find(section);
  return it == section_lines.end() ? 0 : it->second;
}

const IniValue* IniFile::get(const std::string& section, const std::string& key) const {
  auto s = sections.find(section);
  if (s == sections.end()) return nullptr;
  auto k = s->second.find(key);
  return k == s->second.end() ? nullptr : &k->second;
}

IniFile parse_ini(std::string_view text, const std::string& file) {
  IniFile ini;
  ini.file = file;
  std::string section;
  IniValue* last = nullptr;
  int n = 0;
  for (const auto& raw : split_lines(text)) {
    ++n;
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view t = trim(line);
    bool indented = !line.empty() && (line.front() == ' ' || line.front() == '\t');
    if (t.empty()) continue;  // configparser keeps blank lines inside values; lists ignore them
    if (t.front() == '#' || t.front() == ';') continue;
    if (indented && last) {
      last->text += (last->text.empty() ? "" : "\n") + std::string(t);
      continue;
    }
    if (t.front() == '[' && t.back() == ']') {
      section = std::string(trim(t.substr(1, t.size() - 2)));
      ini.sections[section];
      ini.section_lines.emplace(section, n);
      last = nullptr;
      continue;
    }
    auto eq = t.find_first_of("=:");
    if (eq == std::string_view::npos || section.empty()) {
      last = nullptr;
      continue;
    }
    std::string key = to_lower(trim(t.substr(0, eq)));
    IniValue& v = ini.sections[section][key];
    v.text = std::string(trim(t.substr(eq + 1)));
    v.line = n;
    last = &v;
  }
  return ini;
}

std::vector<std::pair<std::string, int>> ini_list(const IniValue& v, bool split_commas) {
  std::vector<std::pair<std::string, int>> out;
  int line = v.line;
  bool first = true;
  for (const auto& l : split(v.text, '\n')) {
    if (!first) ++line;  // continuation lines follow the key's line (blank lines aside)
    first = false;
    std::string item = l;
    auto hash = item.find(" #");
    if (hash != std::string::npos) item = item.substr(0, hash);
    if (!item.empty() && item.front() == '#') continue;
    if (split_commas) {
      for (const auto& part : split(item, ','))
        if (auto p = std::string(trim(part)); !p.empty()) out.emplace_back(p, line);
    } else if (auto p = std::string(trim(item)); !p.empty()) {
      out.emplace_back(p, line);
    }
  }
  return out;
}

}  // namespace pw::project
