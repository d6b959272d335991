// toml++ behind one error style (see toml.h).
#include "python/toml.h"

#include "util/fs.h"
#include "util/strings.h"

namespace pw::python {

std::optional<toml::table> parse_toml(std::string_view text, const std::string& file,
                                      std::vector<Diagnostic>& diags) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    diags.push_back({file, static_cast<int>(b.line), static_cast<int>(b.column),
                     "invalid TOML: " + std::string(e.description())});
    return std::nullopt;
  }
}

std::optional<toml::table> read_toml_file(const std::filesystem::path& path,
                                          std::vector<Diagnostic>& diags,
                                          const std::string& display) {
  std::string name = display.empty() ? path.string() : display;
  std::string text;
  try {
    text = read_file(path);
  } catch (const Error& e) {
    diags.push_back({name, 0, 0, e.what()});
    return std::nullopt;
  }
  return parse_toml(text, name, diags);
}

toml::table parse_toml_or_throw(std::string_view text, const std::string& file) {
  std::vector<Diagnostic> diags;
  auto t = parse_toml(text, file, diags);
  if (!t) throw Error(diags.front().str());
  return std::move(*t);
}

const toml::node* toml_at(const toml::table& root, std::string_view dotted) {
  const toml::table* t = &root;
  const toml::node* n = nullptr;
  for (const auto& part : split(std::string(dotted), '.')) {
    if (!t) return nullptr;
    n = t->get(part);
    if (!n) return nullptr;
    t = n->as_table();
  }
  return n;
}

const toml::table* toml_table_at(const toml::table& root, std::string_view dotted) {
  const auto* n = toml_at(root, dotted);
  return n ? n->as_table() : nullptr;
}

std::optional<std::string> toml_string_at(const toml::table& root, std::string_view dotted) {
  const auto* n = toml_at(root, dotted);
  if (!n) return std::nullopt;
  if (auto s = n->value<std::string>()) return *s;
  return std::nullopt;
}

std::optional<std::vector<std::string>> toml_strings(const toml::node* node) {
  if (!node) return std::nullopt;
  if (auto s = node->value<std::string>()) return std::vector<std::string>{*s};
  const auto* arr = node->as_array();
  if (!arr) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : *arr)
    if (auto s = item.value<std::string>()) out.push_back(*s);
  return out;
}

int toml_line(const toml::node* node) {
  return node ? static_cast<int>(node->source().begin.line) : 0;
}

}  // namespace pw::python
