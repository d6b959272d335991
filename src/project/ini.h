// The INI dialect of setup.cfg, tox.ini and pytest.ini as Python's configparser reads it:
// [sections], `key = value` or `key: value`, values continued on indented lines, whole-line
// comments with # or ;. Enough to read what those files declare without running Python.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pw::project {

struct IniValue {
  std::string text;  // the value with continuation lines joined by '\n', each trimmed
  int line = 0;      // 1-based line of the key
};

struct IniFile {
  std::string file;  // name used in messages
  // Section -> key (lower-cased, as configparser does) -> value.
  std::map<std::string, std::map<std::string, IniValue>> sections;
  int section_line(const std::string& section) const;
  std::map<std::string, int> section_lines;

  bool has(const std::string& section) const { return sections.count(section) > 0; }
  const IniValue* get(const std::string& section, const std::string& key) const;
};

IniFile parse_ini(std::string_view text, const std::string& file);

// A multi-line or comma-separated value as a list of items, inline " #" comments dropped.
std::vector<std::pair<std::string, int>> ini_list(const IniValue& v, bool split_commas);

}  // namespace pw::project
