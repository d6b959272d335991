// Reading declarations out of pyproject.toml and Pipfile with toml++, each with the line and
// column of its entry so a stale lock can point at the declaration.
#include "python/declarations.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>

#include "python/names.h"
#include "util/fs.h"
#include "util/numbers.h"
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
      p = all_digits(p) && p.size() < 19 ? std::to_string(*parse_uint(p) + 1) : p + "1";
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
               const std::string& group) {
  if (!arr) return;
  for (const auto& item : *arr)
    if (auto s = item.value<std::string>()) add(out, file, item, *s, group);
}

Diagnostic error_at(const std::string& file, const toml::node& n, std::string message) {
  return {file, static_cast<int>(n.source().begin.line), static_cast<int>(n.source().begin.column),
          std::move(message)};
}

// PEP 735 names groups as distributions are named: include-group "Test" finds [test].
const toml::node* find_group(const toml::table& groups, std::string_view name, std::string& key) {
  for (const auto& [k, v] : groups)
    if (normalize_name(k.str()) == normalize_name(name)) {
      key = std::string(k.str());
      return &v;
    }
  return nullptr;
}

// One group's requirements into `g`, include-group expanded. `stack` holds the groups being
// expanded, so a group that includes itself is an error rather than an endless recursion.
void add_group_items(DeclaredProject& out, const std::string& file, const toml::table& groups,
                     const toml::node& node, const std::string& key, DeclaredGroup& g,
                     std::vector<std::string>& stack) {
  const toml::array* arr = node.as_array();
  if (!arr) {
    g.errors.push_back(error_at(file, node, "dependency group '" + key + "' must be an array"));
    return;
  }
  stack.push_back(normalize_name(key));
  for (const auto& item : *arr) {
    if (auto s = item.value<std::string>()) {
      add(out, file, item, *s, g.key);
      continue;
    }
    const toml::table* t = item.as_table();
    auto inc = t ? (*t)["include-group"].value<std::string>() : std::nullopt;
    if (!inc) continue;
    std::string inc_key;
    const toml::node* target = find_group(groups, *inc, inc_key);
    if (!target) {
      g.errors.push_back(error_at(
          file, item, "include-group '" + *inc + "' names no group in [dependency-groups]"));
    } else if (std::find(stack.begin(), stack.end(), normalize_name(inc_key)) != stack.end()) {
      g.errors.push_back(error_at(file, *target,
                                  "dependency group '" + inc_key + "' includes itself (" +
                                      join(stack, " -> ") + " -> " + normalize_name(inc_key) +
                                      ")"));
    } else {
      add_group_items(out, file, groups, *target, inc_key, g, stack);
    }
  }
  stack.pop_back();
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

namespace {

// pyproject.toml or a Pipfile parsed; invalid TOML is one diagnostic of `out` in toml++'s own
// words, and nullopt.
std::optional<toml::table> parse_declaring_file(std::string_view text, const std::string& file,
                                                DeclaredProject& out) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    out.diagnostics.push_back({file, static_cast<int>(e.source().begin.line),
                               static_cast<int>(e.source().begin.column),
                               std::string(e.description())});
    return std::nullopt;
  }
}

}  // namespace

void read_pyproject_declarations(std::string_view text, const std::string& file,
                                 DeclaredProject& out) {
  auto doc = parse_declaring_file(text, file, out);
  if (!doc) return;
  read_pyproject_declarations(*doc, file, out);
}

void read_pyproject_declarations(const toml::table& doc, const std::string& file,
                                 DeclaredProject& out) {
  out.files.push_back(file);
  if (auto n = doc["project"]["name"].value<std::string>())
    out.name = normalize_name(*n);
  else if (auto pn = doc["tool"]["poetry"]["name"].value<std::string>())
    out.name = normalize_name(*pn);
  add_array(out, file, doc["project"]["dependencies"].as_array(), std::string(kMainGroup));
  if (const toml::table* opt = doc["project"]["optional-dependencies"].as_table()) {
    for (const auto& [k, v] : *opt) {
      std::string key = "extra:" + normalize_name(k.str());
      out.groups.push_back(
          {std::string(k.str()), key, file, static_cast<int>(v.source().begin.line), {}});
      add_array(out, file, v.as_array(), key);
    }
  }
  if (const toml::table* groups = doc["dependency-groups"].as_table()) {
    for (const auto& [k, v] : *groups) {
      DeclaredGroup g{std::string(k.str()),
                      normalize_name(k.str()),
                      file,
                      static_cast<int>(v.source().begin.line),
                      {}};
      std::vector<std::string> stack;
      add_group_items(out, file, *groups, v, g.name, g, stack);
      out.diagnostics.insert(out.diagnostics.end(), g.errors.begin(), g.errors.end());
      out.groups.push_back(std::move(g));
    }
  }
  // The lock tools' own groups are groups too (the project model installs the dev ones); a name
  // PEP 735 already declares is that group.
  auto tool_group = [&](const std::string& name, const toml::node* at) {
    std::string key = normalize_name(name);
    for (const auto& g : out.groups)
      if (g.key == key) return;
    if (at) out.groups.push_back({name, key, file, static_cast<int>(at->source().begin.line), {}});
  };
  if (const toml::table* uv = doc["tool"]["uv"].as_table()) {
    out.tool = "uv";
    add_array(out, file, (*uv)["dev-dependencies"].as_array(), "dev");
    tool_group("dev", (*uv)["dev-dependencies"].node());
  }
  if (const toml::table* pdm = doc["tool"]["pdm"].as_table()) {
    out.tool = "pdm";
    if (const toml::table* dev = (*pdm)["dev-dependencies"].as_table())
      for (const auto& [k, v] : *dev) {
        add_array(out, file, v.as_array(), normalize_name(k.str()));
        tool_group(std::string(k.str()), &v);
      }
  }
  if (const toml::table* poetry = doc["tool"]["poetry"].as_table()) {
    out.tool = "poetry";
    add_named_table(out, file, (*poetry)["dependencies"].as_table(), std::string(kMainGroup), true);
    add_named_table(out, file, (*poetry)["dev-dependencies"].as_table(), "dev", true);
    tool_group("dev", (*poetry)["dev-dependencies"].node());
    if (const toml::table* groups = (*poetry)["group"].as_table())
      for (const auto& [k, v] : *groups)
        if (const toml::table* g = v.as_table()) {
          add_named_table(out, file, (*g)["dependencies"].as_table(), normalize_name(k.str()),
                          true);
          tool_group(std::string(k.str()), (*g)["dependencies"].node());
        }
  }
}

void read_pipfile_declarations(std::string_view text, const std::string& file,
                               DeclaredProject& out) {
  auto doc = parse_declaring_file(text, file, out);
  if (!doc) return;
  out.files.push_back(file);
  if (out.tool.empty()) out.tool = "pipenv";
  add_named_table(out, file, (*doc)["packages"].as_table(), std::string(kMainGroup), false);
  add_named_table(out, file, (*doc)["dev-packages"].as_table(), "dev", false);
  const toml::node* py = (*doc)["requires"]["python_version"].node();
  if (auto v = py ? py->value<std::string>() : std::nullopt) {
    out.pipfile_python = *v;
    out.pipfile_python_line = toml_line(py);
  }
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
