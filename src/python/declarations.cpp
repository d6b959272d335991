// Reading declarations out of pyproject.toml and Pipfile with toml++, each with the line and
// column of its entry so a stale lock can point at the declaration.
#include "python/declarations.h"

#include <cctype>

#include <toml++/toml.h>

#include "python/names.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::python {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split_numbers(std::string_view v) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : v) {
    if (c == '.') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  return parts;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// The exclusive upper bound of a caret/tilde constraint: bump the part at `index`, zero the rest.
std::string bump(const std::vector<std::string>& parts, size_t index) {
  std::string out;
  for (size_t i = 0; i <= index && i < parts.size(); ++i) {
    std::string p = parts[i];
    if (i == index) {
      // A number too long for 64 bits (hand-edited nonsense) is bumped as text would not be.
      p = all_digits(p) && p.size() < 19 ? std::to_string(std::stoull(p) + 1) : p + "1";
    }
    out += (i ? "." : "") + p;
  }
  for (size_t i = index + 1; i < parts.size(); ++i) out += ".0";
  return out;
}

std::string one_constraint(std::string c) {
  c = std::string(trim(c));
  if (c.empty() || c == "*") return "";
  if (c[0] == '^') {
    std::string v = std::string(trim(c.substr(1)));
    auto parts = split_numbers(v);
    size_t first = 0;  // the first non-zero part decides (^0.2.3 < 0.3.0)
    while (first + 1 < parts.size() && parts[first] == "0") ++first;
    if (parts.size() == 1) first = 0;
    return ">=" + v + ",<" + bump(parts, first);
  }
  if (c[0] == '~' && (c.size() < 2 || c[1] != '=')) {
    std::string v = std::string(trim(c.substr(1)));
    auto parts = split_numbers(v);
    return ">=" + v + ",<" + bump(parts, parts.size() >= 2 ? 1 : 0);
  }
  if (std::isdigit(static_cast<unsigned char>(c[0]))) return "==" + c;
  return c;
}

void add(DeclaredProject& out, const std::string& file, const toml::node& where,
         const std::string& text, const std::string& group) {
  auto req = parse_requirement(text);
  int line = static_cast<int>(where.source().begin.line);
  int col = static_cast<int>(where.source().begin.column);
  if (!req) {
    out.diagnostics.push_back(
        {file, line, col, "'" + text + "' is not a requirement: " + req.error()});
    return;
  }
  out.declarations.push_back({*req, file, line, col, group});
}

void add_array(DeclaredProject& out, const std::string& file, const toml::array* arr,
               const std::string& group, const toml::table* groups_table = nullptr, int depth = 0) {
  if (!arr) return;
  for (const auto& item : *arr) {
    if (auto s = item.value<std::string>()) {
      add(out, file, item, *s, group);
    } else if (const toml::table* t = item.as_table(); t && groups_table && depth < 8) {
      // PEP 735: { include-group = "other" } pulls that group's requirements into this one.
      if (auto inc = (*t)["include-group"].value<std::string>())
        add_array(out, file, (*groups_table)[*inc].as_array(), group, groups_table, depth + 1);
    }
  }
}

// Poetry and Pipfile write `name = "spec"` or `name = { version = "spec", markers = "..." }`.
void add_named_table(DeclaredProject& out, const std::string& file, const toml::table* deps,
                     const std::string& group, bool poetry) {
  if (!deps) return;
  for (const auto& [k, v] : *deps) {
    std::string name(k.str());
    if (poetry && name == "python") continue;  // the interpreter range, not a package
    auto one = [&](const toml::node& n) {
      std::string spec, marker, extras;
      if (auto s = n.value<std::string>()) {
        spec = *s;
      } else if (const toml::table* t = n.as_table()) {
        spec = (*t)["version"].value<std::string>().value_or("");
        marker = (*t)["markers"].value<std::string>().value_or("");
        if ((*t)["git"] || (*t)["path"] || (*t)["url"] || (*t)["file"]) spec = "";  // not a version
        if (const toml::array* ex = (*t)["extras"].as_array()) {
          for (const auto& x : *ex)
            if (auto xs = x.value<std::string>()) extras += (extras.empty() ? "" : ",") + *xs;
        }
      }
      std::string pep = poetry ? "" : (spec == "*" ? "" : spec);
      if (poetry) {
        for (const auto& part : split(spec, ',')) {
          std::string p = one_constraint(std::string(part));
          if (!p.empty()) pep += (pep.empty() ? "" : ",") + p;
        }
      }
      std::string text = name + (extras.empty() ? "" : "[" + extras + "]") + pep;
      if (!marker.empty()) text += " ; " + marker;
      add(out, file, n, text, group);
    };
    if (const toml::array* alts = v.as_array()) {
      for (const auto& a : *alts) one(a);
    } else {
      one(v);
    }
  }
}

}  // namespace

std::string poetry_constraint_to_pep440(std::string_view constraint) {
  std::string out;
  for (const auto& part : split(std::string(constraint), ',')) {
    std::string p = one_constraint(std::string(part));
    if (!p.empty()) out += (out.empty() ? "" : ",") + p;
  }
  return out;
}

void read_pyproject_declarations(std::string_view text, const std::string& file,
                                 DeclaredProject& out) {
  toml::table doc;
  try {
    doc = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    out.diagnostics.push_back({file, static_cast<int>(e.source().begin.line),
                               static_cast<int>(e.source().begin.column),
                               std::string(e.description())});
    return;
  }
  out.files.push_back(file);
  add_array(out, file, doc["project"]["dependencies"].as_array(), std::string(kMainGroup));
  if (const toml::table* opt = doc["project"]["optional-dependencies"].as_table())
    for (const auto& [k, v] : *opt)
      add_array(out, file, v.as_array(), "extra:" + normalize_name(k.str()));
  if (const toml::table* groups = doc["dependency-groups"].as_table())
    for (const auto& [k, v] : *groups)
      add_array(out, file, v.as_array(), normalize_name(k.str()), groups);
  if (const toml::table* uv = doc["tool"]["uv"].as_table()) {
    out.tool = "uv";
    add_array(out, file, (*uv)["dev-dependencies"].as_array(), "dev");
  }
  if (const toml::table* pdm = doc["tool"]["pdm"].as_table()) {
    out.tool = "pdm";
    if (const toml::table* dev = (*pdm)["dev-dependencies"].as_table())
      for (const auto& [k, v] : *dev) add_array(out, file, v.as_array(), normalize_name(k.str()));
  }
  if (const toml::table* poetry = doc["tool"]["poetry"].as_table()) {
    out.tool = "poetry";
    add_named_table(out, file, (*poetry)["dependencies"].as_table(), std::string(kMainGroup), true);
    add_named_table(out, file, (*poetry)["dev-dependencies"].as_table(), "dev", true);
    if (const toml::table* groups = (*poetry)["group"].as_table())
      for (const auto& [k, v] : *groups)
        if (const toml::table* g = v.as_table())
          add_named_table(out, file, (*g)["dependencies"].as_table(), normalize_name(k.str()),
                          true);
  }
}

void read_pipfile_declarations(std::string_view text, const std::string& file,
                               DeclaredProject& out) {
  toml::table doc;
  try {
    doc = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    out.diagnostics.push_back({file, static_cast<int>(e.source().begin.line),
                               static_cast<int>(e.source().begin.column),
                               std::string(e.description())});
    return;
  }
  out.files.push_back(file);
  if (out.tool.empty()) out.tool = "pipenv";
  add_named_table(out, file, doc["packages"].as_table(), std::string(kMainGroup), false);
  add_named_table(out, file, doc["dev-packages"].as_table(), "dev", false);
}

DeclaredProject read_declarations(const fs::path& folder) {
  DeclaredProject out;
  std::error_code ec;
  if (fs::is_regular_file(folder / "pyproject.toml", ec))
    read_pyproject_declarations(read_file(folder / "pyproject.toml"), "pyproject.toml", out);
  if (fs::is_regular_file(folder / "Pipfile", ec))
    read_pipfile_declarations(read_file(folder / "Pipfile"), "Pipfile", out);
  return out;
}

}  // namespace pw::python
