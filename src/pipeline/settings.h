// One typed table of every built-in stage's settings, as ccache keeps its configuration keys:
// each row has a name, a type, a default, its constraints and one line of documentation. From
// the table come the loader's list of valid keys (and suggestions), the defaults `plan --yaml`
// prints, the type checks with file:line:col run before a build, the typed values a stage
// reads (so no stage parses a setting twice), the credentials plan and export bind, and
// docs/settings.md. A setting whose inside has its own grammar (deploy's targets, the gate's
// conditions) is typed `structured` here and checked by the layer that owns that grammar.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/model.h"
#include "util/duration.h"
#include "util/error.h"

namespace pw::pipeline {

enum class SettingType {
  boolean,      // true/false (yes/no, on/off)
  integer,      // a whole number within [min, max]
  duration,     // 90, 90s, 5m, 1h30m
  size,         // 16MiB, 8MB, 5242880
  percentage,   // a number from 0 to 100, '%' allowed
  enumeration,  // one of `choices`
  string,       // any single value
  list,         // a value or a list of values
  map,          // NAME: value pairs
  credential,   // a credential id of the credentials file, with `fields`
  structured,   // a mapping or list read by the layer that owns its grammar
};

// "bool", "int", ... as docs/settings.md names them.
std::string type_name(SettingType t);

struct SettingRow {
  std::string name;
  SettingType type = SettingType::string;
  std::string default_yaml;          // the default as YAML text ("" none), printed by `plan --yaml`
  std::string doc;                   // one line
  std::vector<std::string> choices;  // enumeration
  std::int64_t min = 0, max = 0;     // integer and size bounds (max 0: none)
  // credential: the fields the id must hold ({} a single value), so export binds the right kind.
  std::vector<std::string> fields;
};

struct BuiltinKind {
  std::string kind;
  std::string summary;
  std::vector<SettingRow> settings;

  const SettingRow* row(const std::string& name) const;
  std::vector<std::string> names() const;
};

// The table itself lives in builtins.cpp (builtin_kinds(), find_builtin()).
const std::vector<BuiltinKind>& builtin_kinds();
const BuiltinKind* find_builtin(const std::string& kind);

// One setting's value after the table's check: typed, with where it came from.
struct SettingValue {
  const SettingRow* row = nullptr;
  bool from_default = false;  // the table's default, not a pipeline file
  Location where;
  bool flag = false;
  std::int64_t number = 0;  // integer, size (bytes)
  Millis duration{0};
  double percent = 0;
  std::string text;  // string, enumeration, credential id
  std::vector<std::string> list;
  std::vector<std::pair<std::string, std::string>> map;
  YAML::Node node;  // the value as written (structured settings read this)
};

// A stage's settings resolved against its kind's table: every row with a value (set in a file
// or by a default). Stages read these instead of the YAML.
class StageSettings {
 public:
  StageSettings() = default;

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  const SettingValue* find(const std::string& name) const;

  // Each reads a row of that type; `fallback` when the setting has no value. Asking for a name
  // or type the table does not have is a programming error (pw::Error).
  bool flag(const std::string& name, bool fallback = false) const;
  std::int64_t integer(const std::string& name, std::int64_t fallback = 0) const;
  std::uint64_t size(const std::string& name, std::uint64_t fallback = 0) const;
  Millis duration(const std::string& name, Millis fallback = Millis{0}) const;
  std::optional<double> percentage(const std::string& name) const;
  std::optional<std::string> text(const std::string& name) const;  // string, enum, credential
  std::string text_or(const std::string& name, const std::string& fallback) const;
  std::vector<std::string> list(const std::string& name) const;
  std::optional<std::vector<std::string>> list_if_set(const std::string& name) const;
  std::vector<std::pair<std::string, std::string>> map(const std::string& name) const;
  // Points into these settings: not callable on a temporary (ASan found a test doing that).
  const YAML::Node* structured(const std::string& name) const&;
  const YAML::Node* structured(const std::string& name) const&& = delete;

  // The credential ids the settings name, with the fields each must hold.
  std::vector<std::pair<std::string, std::vector<std::string>>> credentials() const;
  const std::map<std::string, SettingValue>& values() const { return values_; }

 private:
  friend StageSettings resolve_settings(const StageSpec&, std::vector<Diagnostic>*);
  const SettingValue& get(const std::string& name, SettingType a, SettingType b) const;
  std::map<std::string, SettingValue> values_;
};

// Checks every setting of a built-in stage against its table and returns the typed values.
// Problems (file:line:col, the stage and key named) go to `diags` when given, else throw
// ConfigError. A stage that is not built-in has no settings.
StageSettings resolve_settings(const StageSpec& spec, std::vector<Diagnostic>* diags = nullptr);

// The settings of a kind with a default, in table order, as the loader places them before a
// pipeline file's own.
std::vector<Setting> default_settings(const std::string& kind);

// docs/settings.md: every kind's table as Markdown (the file is generated and checked current).
std::string settings_markdown();

}  // namespace pw::pipeline
