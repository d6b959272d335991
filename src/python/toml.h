// Every TOML file pipewright reads (pyproject.toml, lock files, tool configs) goes through
// Debian's toml++ here, so a file that is not valid TOML is reported the same way everywhere:
// file:line:col from the parser. Small typed accessors keep callers free of toml++'s node API
// for the common cases (a string, an array of strings, where a key was written).
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace pw::python {

// Parses `text`; on invalid TOML adds one Diagnostic (file:line:col: message) and returns
// nullopt. `file` names the file in diagnostics and in each node's source().
std::optional<toml::table> parse_toml(std::string_view text, const std::string& file,
                                      std::vector<Diagnostic>& diags);
// The same over a file read from disk (an unreadable file is a Diagnostic too). `display`
// names it in messages (usually the path relative to the project); empty: the path.
std::optional<toml::table> read_toml_file(const std::filesystem::path& path,
                                          std::vector<Diagnostic>& diags,
                                          const std::string& display = "");
// Throwing form for callers that cannot go on without the file: pw::Error "file:line:col: ...".
toml::table parse_toml_or_throw(std::string_view text, const std::string& file);

// The node at a dotted path of keys ("tool.hatch.build.targets.wheel"), or nullptr. Keys with
// dots in them cannot be reached this way; use toml++'s node_view for those.
const toml::node* toml_at(const toml::table& root, std::string_view dotted);
const toml::table* toml_table_at(const toml::table& root, std::string_view dotted);
std::optional<std::string> toml_string_at(const toml::table& root, std::string_view dotted);
// A string, or an array whose string items are returned (other items are skipped); nullopt
// when absent or of another type.
std::optional<std::vector<std::string>> toml_strings(const toml::node* node);
// The 1-based line where a node starts (0 when unknown).
int toml_line(const toml::node* node);

}  // namespace pw::python
