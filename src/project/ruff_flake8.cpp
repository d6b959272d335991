#include "project/ruff_flake8.h"

#include <algorithm>
#include <string_view>

#include "project/ini.h"
#include "python/toml.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::project {

namespace fs = std::filesystem;

namespace {

bool has_flake8_config(const fs::path& root) {
  if (fs::exists(root / ".flake8")) return true;
  for (const char* f : {"setup.cfg", "tox.ini"}) {
    if (!fs::exists(root / f)) continue;
    try {
      if (parse_ini(read_file(root / f), f).has("flake8")) return true;
    } catch (const Error&) {
    }
  }
  return false;
}

// A ruff rule selector flake8 understands as the same codes: pycodestyle (E, W), pyflakes (F)
// and mccabe (C90, ruff's name for C901). "ALL" and other linters' prefixes do not map.
bool flake8_selector(const std::string& code) {
  if (code.empty()) return false;
  if (code.starts_with("C90")) return true;
  if (code[0] != 'E' && code[0] != 'W' && code[0] != 'F') return false;
  // "E", "E5", "E501", "F401": one letter then digits only ("FBT", "FURB" are other linters).
  return std::all_of(code.begin() + 1, code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Splits selectors into flake8's and the rest.
void sort_codes(const std::vector<std::string>& codes, std::vector<std::string>& ok,
                std::vector<std::string>& rest) {
  for (const auto& c : codes) (flake8_selector(c) ? ok : rest).push_back(c);
}

}  // namespace

Flake8StandIn flake8_for_ruff(const fs::path& root, bool defaults) {
  Flake8StandIn out;
  // ruff's own files win over pyproject.toml, as ruff reads them.
  std::optional<toml::table> doc;
  const toml::table* ruff = nullptr;
  for (const char* f : {"ruff.toml", ".ruff.toml"}) {
    if (!fs::exists(root / f)) continue;
    doc = python::read_toml_file(root / f, out.problems, f);
    if (doc) ruff = &*doc;
    out.source = f;
    break;
  }
  if (out.source.empty() && fs::exists(root / "pyproject.toml")) {
    doc = python::read_toml_file(root / "pyproject.toml", out.problems, "pyproject.toml");
    if (doc) ruff = python::toml_table_at(*doc, "tool.ruff");
    if (ruff) out.source = "pyproject.toml [tool.ruff]";
  }
  static const toml::table no_settings;
  if (!ruff && defaults && out.problems.empty() && !has_flake8_config(root)) {
    ruff = &no_settings;
    out.source = "ruff's defaults (the project configures neither ruff nor flake8)";
  }
  if (!ruff || has_flake8_config(root)) return out;
  out.applies = true;

  // Settings live at the top ([tool.ruff]) or, since ruff 0.2, under lint ([tool.ruff.lint]);
  // lint's wins.
  const toml::table* lint = python::toml_table_at(*ruff, "lint");
  auto node = [&](const char* key) -> const toml::node* {
    if (lint)
      if (const auto* n = lint->get(key)) return n;
    return ruff->get(key);
  };

  int64_t line_length = 88;  // ruff's default
  if (auto v = ruff->get_as<int64_t>("line-length")) line_length = v->get();
  out.line_length = static_cast<int>(line_length);
  out.args.push_back("--max-line-length=" + std::to_string(line_length));
  out.mapped.push_back("line-length " + std::to_string(line_length) +
                       (ruff->get("line-length") ? "" : " (ruff's default)"));

  std::vector<std::string> select = {"E4", "E7", "E9", "F"};  // ruff's default selection
  bool default_select = true;
  if (auto s = python::toml_strings(node("select"))) {
    select = *s;
    default_select = false;
  }
  if (auto s = python::toml_strings(node("extend-select")))
    select.insert(select.end(), s->begin(), s->end());
  std::vector<std::string> ok, rest;
  sort_codes(select, ok, rest);
  if (!ok.empty()) {
    out.args.push_back("--select=" + join(ok, ","));
    out.mapped.push_back("select " + join(ok, ",") + (default_select ? " (ruff's default)" : ""));
  } else {
    // Nothing flake8 knows is selected: flake8 would check everything, ruff checks none of it.
    out.args.push_back("--select=E999");
    out.mapped.push_back("select: no pycodestyle/pyflakes code, so only syntax errors (E999)");
  }
  if (!rest.empty()) out.unmapped.push_back("select " + join(rest, ", ") + " (not flake8 codes)");

  // pycodestyle's codes ruff's stable rules do not have: flake8 ignores some by default, but an
  // explicit --select brings those back.
  // pycodestyle's logical-line checks (E1 but E101, E2, E3) are preview rules in ruff, as are
  // E502, E704 and W391; W503/W504 ruff has not at all.
  std::vector<std::string> ignore = {"E11",  "E12",  "E13",  "E2",   "E3",
                                     "E502", "E704", "W391", "W503", "W504"};
  if (auto s = python::toml_strings(node("ignore"))) {
    std::vector<std::string> ign, other;
    sort_codes(*s, ign, other);
    if (!ign.empty()) out.mapped.push_back("ignore " + join(ign, ","));
    ignore.insert(ignore.end(), ign.begin(), ign.end());
    if (!other.empty()) out.unmapped.push_back("ignore " + join(other, ", ") + " (not selected)");
  }
  out.args.push_back("--extend-ignore=" + join(ignore, ","));

  if (const auto* pfi = node("per-file-ignores") ? node("per-file-ignores")->as_table() : nullptr) {
    std::vector<std::string> entries;
    for (const auto& [pattern, codes] : *pfi) {
      auto list = python::toml_strings(&codes);
      if (!list) continue;
      std::vector<std::string> ign, other;
      sort_codes(*list, ign, other);
      if (!ign.empty()) entries.push_back(std::string(pattern.str()) + ":" + join(ign, ","));
      if (!other.empty())
        out.unmapped.push_back("per-file-ignores " + std::string(pattern.str()) + " " +
                               join(other, ", "));
    }
    if (!entries.empty()) {
      out.args.push_back("--per-file-ignores=" + join(entries, " "));
      out.mapped.push_back("per-file-ignores (" + std::to_string(entries.size()) + " patterns)");
    }
  }

  std::vector<std::string> exclude;
  for (const char* key : {"exclude", "extend-exclude"})
    if (auto s = python::toml_strings(ruff->get(key)))
      exclude.insert(exclude.end(), s->begin(), s->end());
  if (!exclude.empty()) {
    out.args.push_back("--extend-exclude=" + join(exclude, ","));
    out.mapped.push_back("exclude " + join(exclude, ","));
  }
  if (auto c = node("mccabe")) {
    if (const auto* t = c->as_table())
      if (auto m = t->get_as<int64_t>("max-complexity")) {
        out.args.push_back("--max-complexity=" + std::to_string(m->get()));
        out.mapped.push_back("mccabe max-complexity " + std::to_string(m->get()));
      }
  }
  return out;
}

namespace {

// Characters, not bytes: ruff and pycodestyle measure a line in characters.
size_t width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// "name as name" with word boundaries somewhere in `text`.
bool redundant_alias(std::string_view text, std::string_view name) {
  std::string needle = std::string(name);
  for (size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + 1)) {
    if (at > 0 && ident_char(text[at - 1])) continue;
    size_t i = at + needle.size();
    size_t spaces = i;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i == spaces || text.substr(i, 2) != "as") continue;
    i += 2;
    size_t after_as = i;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i == after_as || text.substr(i, needle.size()) != needle) continue;
    i += needle.size();
    if (i < text.size() && ident_char(text[i])) continue;
    return true;
  }
  return false;
}

}  // namespace

std::string ruff_exemption(std::string_view code, std::string_view message,
                           const std::vector<std::string>& lines, int line, int line_length) {
  if (line < 1 || static_cast<size_t>(line) > lines.size()) return {};
  std::string_view text = lines[line - 1];
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (code == "F401") {
    // "'.encoding.base64_decode' imported but unused": the bound name is the last part.
    auto q1 = message.find('\'');
    auto q2 = q1 == std::string_view::npos ? q1 : message.find('\'', q1 + 1);
    if (q2 == std::string_view::npos) return {};
    std::string_view name = message.substr(q1 + 1, q2 - q1 - 1);
    if (name.find(' ') != std::string_view::npos) return {};  // "a as b": a real alias
    if (auto dot = name.rfind('.'); dot != std::string_view::npos) name.remove_prefix(dot + 1);
    // The statement may continue over parenthesized lines: read until they close.
    std::string statement;
    int depth = 0;
    for (size_t i = line - 1; i < lines.size() && i < static_cast<size_t>(line) + 200; ++i) {
      statement += lines[i] + "\n";
      for (char c : lines[i]) depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      if (depth <= 0 && !std::string_view(lines[i]).ends_with("\\")) break;
    }
    if (redundant_alias(statement, name)) return "an explicit re-export (import written as x as x)";
    return {};
  }
  if (code == "E501") {
    auto limit = static_cast<size_t>(line_length);
    std::string_view t = trim(text);
    if (t.find_first_of(" \t") == std::string_view::npos) return "one word";
    auto last_space = t.find_last_of(" \t");
    std::string_view last = t.substr(last_space + 1);
    size_t last_col = width(text.substr(0, text.size() - last.size()));
    if (last.find("://") != std::string_view::npos && last_col < limit) return "it ends with a URL";
    for (std::string_view pragma : {"# type:", "# noqa", "# pyright:", "# pylint:", "# nosec",
                                    "# isort:", "# mypy:", "# ruff:", "# fmt:"}) {
      auto at = text.rfind(pragma);
      if (at == std::string_view::npos) continue;
      std::string_view before = text.substr(0, at);
      while (!before.empty() && (before.back() == ' ' || before.back() == '\t'))
        before.remove_suffix(1);
      if (width(before) <= limit) return "only its pragma comment is over the limit";
    }
    return {};
  }
  return {};
}

}  // namespace pw::project
