#include "project/ruff_flake8.h"

#include <algorithm>

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

Flake8StandIn flake8_for_ruff(const fs::path& root) {
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

  // pycodestyle's codes ruff's stable rules do not have (W503/W504 not at all, the others only
  // in preview): flake8 ignores them by default, but an explicit --select brings them back.
  std::vector<std::string> ignore = {"E121", "E123", "E126", "E226", "E24", "E704", "W503", "W504"};
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

}  // namespace pw::project
