// The checks and conversions behind the settings table (builtins.cpp holds the rows).
#include "pipeline/settings.h"

#include <algorithm>
#include <limits>

#include "pipeline/builtins.h"
#include "pipeline/default_pipeline_text.h"
#include "pipeline/loader.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::pipeline {

namespace {

// Where a value from the table's default column is said to come from.
constexpr const char* kTableFile = "<built-in settings table>";

// A bound of a size constraint as written in the table's messages: "5MiB".
std::string size_bound(std::int64_t n) {
  if (n && n % (1ll << 30) == 0) return std::to_string(n >> 30) + "GiB";
  if (n && n % (1ll << 20) == 0) return std::to_string(n >> 20) + "MiB";
  if (n && n % (1ll << 10) == 0) return std::to_string(n >> 10) + "KiB";
  return std::to_string(n) + " bytes";
}

std::string or_list(const std::vector<std::string>& v) {
  if (v.size() < 2) return join(v, "");
  std::vector<std::string> head(v.begin(), v.end() - 1);
  return join(head, ", ") + " or " + v.back();
}

void report(std::vector<Diagnostic>* diags, Diagnostic d) {
  if (diags)
    diags->push_back(std::move(d));
  else
    throw ConfigError(std::vector<Diagnostic>{d});
}

// Converts one value by its row; false (with a diagnostic) when it does not fit.
bool convert(const SettingRow& row, const YAML::Node& n, const std::string& what,
             const Location& where, SettingValue& out, std::vector<Diagnostic>* diags) {
  auto fail = [&](const std::string& msg) {
    report(diags, {where.file, where.line, where.col, what + " " + msg});
    return false;
  };
  out.node = n;
  switch (row.type) {
    case SettingType::structured:
      return true;
    case SettingType::list:
      if (n.IsScalar()) {
        out.list = {n.Scalar()};
        return true;
      }
      if (!n.IsSequence()) return fail("must be a value or a list");
      for (const auto& item : n) {
        if (!item.IsScalar()) return fail("must list plain values");
        out.list.push_back(item.Scalar());
      }
      return true;
    case SettingType::map:
      if (!n.IsMap()) return fail("must be a mapping of NAME: value");
      for (const auto& kv : n) {
        if (!kv.first.IsScalar() || !(kv.second.IsScalar() || kv.second.IsNull()))
          return fail("must be a mapping of NAME: value");
        out.map.emplace_back(kv.first.Scalar(), kv.second.IsNull() ? "" : kv.second.Scalar());
      }
      return true;
    default:
      break;
  }
  if (!n.IsScalar()) {
    if (row.type == SettingType::boolean) return fail("must be true or false");
    return fail("must be a single value");
  }
  const std::string& s = n.Scalar();
  switch (row.type) {
    case SettingType::boolean: {
      std::string v = to_lower(s);
      if (v == "true" || v == "yes" || v == "on")
        out.flag = true;
      else if (v == "false" || v == "no" || v == "off")
        out.flag = false;
      else
        return fail("must be true or false");
      return true;
    }
    case SettingType::integer: {
      auto v = parse_int(s, row.min, row.max ? row.max : std::numeric_limits<long long>::max());
      if (!v)
        return fail((row.max ? "must be a whole number from " + std::to_string(row.min) + " to " +
                                   std::to_string(row.max)
                             : "must be a whole number, at least " + std::to_string(row.min)) +
                    ": " + v.error());
      out.number = *v;
      return true;
    }
    case SettingType::size: {
      auto v = parse_size(s);
      bool fits = v && *v >= static_cast<std::uint64_t>(row.min) &&
                  (!row.max || *v <= static_cast<std::uint64_t>(row.max));
      if (!fits)
        return fail("must be a size from " + size_bound(row.min) + " to " + size_bound(row.max) +
                    " (e.g. 16MiB)" + (v ? std::string() : ": " + v.error()));
      out.number = static_cast<std::int64_t>(*v);
      return true;
    }
    case SettingType::duration: {
      auto d = parse_duration(s);
      if (!d) return fail("must be a duration such as 90s, 5m or 168h");
      out.duration = *d;
      return true;
    }
    case SettingType::percentage: {
      auto v = parse_percent(s);
      if (!v) return fail("must be a percentage from 0 to 100: " + v.error());
      out.percent = *v;
      return true;
    }
    case SettingType::enumeration: {
      if (std::find(row.choices.begin(), row.choices.end(), s) == row.choices.end()) {
        std::string msg = "must be " + or_list(row.choices) + ", not '" + s + "'";
        std::string best = closest_match(s, row.choices);
        if (!best.empty()) msg += "; did you mean '" + best + "'?";
        return fail(msg);
      }
      out.text = s;
      return true;
    }
    case SettingType::credential:
      if (trim(s).empty()) return fail("must name a credential id of the credentials file");
      out.text = s;
      return true;
    default:
      out.text = s;
      return true;
  }
}

}  // namespace

std::string type_name(SettingType t) {
  switch (t) {
    case SettingType::boolean:
      return "bool";
    case SettingType::integer:
      return "int";
    case SettingType::duration:
      return "duration";
    case SettingType::size:
      return "size";
    case SettingType::percentage:
      return "percentage";
    case SettingType::enumeration:
      return "enum";
    case SettingType::string:
      return "string";
    case SettingType::list:
      return "list";
    case SettingType::map:
      return "map";
    case SettingType::credential:
      return "credential id";
    case SettingType::structured:
      return "structured";
  }
  return "";
}

const SettingRow* BuiltinKind::row(const std::string& name) const {
  for (const auto& r : settings)
    if (r.name == name) return &r;
  return nullptr;
}

std::vector<std::string> BuiltinKind::names() const {
  std::vector<std::string> out;
  for (const auto& r : settings) out.push_back(r.name);
  return out;
}

const SettingValue* StageSettings::find(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

const SettingValue& StageSettings::get(const std::string& name, SettingType a,
                                       SettingType b) const {
  static const SettingValue none;
  const SettingValue* v = find(name);
  if (!v) return none;
  if (v->row->type != a && v->row->type != b)
    throw Error("setting '" + name + "' is a " + type_name(v->row->type) + ", read as a " +
                type_name(a));
  return *v;
}

bool StageSettings::flag(const std::string& name, bool fallback) const {
  const auto& v = get(name, SettingType::boolean, SettingType::boolean);
  return v.row ? v.flag : fallback;
}

std::int64_t StageSettings::integer(const std::string& name, std::int64_t fallback) const {
  const auto& v = get(name, SettingType::integer, SettingType::integer);
  return v.row ? v.number : fallback;
}

std::uint64_t StageSettings::size(const std::string& name, std::uint64_t fallback) const {
  const auto& v = get(name, SettingType::size, SettingType::size);
  return v.row ? static_cast<std::uint64_t>(v.number) : fallback;
}

Millis StageSettings::duration(const std::string& name, Millis fallback) const {
  const auto& v = get(name, SettingType::duration, SettingType::duration);
  return v.row ? v.duration : fallback;
}

std::optional<double> StageSettings::percentage(const std::string& name) const {
  const auto& v = get(name, SettingType::percentage, SettingType::percentage);
  if (!v.row) return std::nullopt;
  return v.percent;
}

std::optional<std::string> StageSettings::text(const std::string& name) const {
  const SettingValue* v = find(name);
  if (!v) return std::nullopt;
  if (v->row->type != SettingType::string && v->row->type != SettingType::enumeration &&
      v->row->type != SettingType::credential)
    throw Error("setting '" + name + "' is a " + type_name(v->row->type) + ", read as text");
  return v->text;
}

std::string StageSettings::text_or(const std::string& name, const std::string& fallback) const {
  return text(name).value_or(fallback);
}

std::vector<std::string> StageSettings::list(const std::string& name) const {
  return list_if_set(name).value_or(std::vector<std::string>{});
}

std::optional<std::vector<std::string>> StageSettings::list_if_set(const std::string& name) const {
  const auto& v = get(name, SettingType::list, SettingType::list);
  if (!v.row) return std::nullopt;
  return v.list;
}

std::vector<std::pair<std::string, std::string>> StageSettings::map(const std::string& name) const {
  return get(name, SettingType::map, SettingType::map).map;
}

const YAML::Node* StageSettings::structured(const std::string& name) const& {
  const auto& v = get(name, SettingType::structured, SettingType::structured);
  return v.row ? &v.node : nullptr;
}

std::vector<std::pair<std::string, std::vector<std::string>>> StageSettings::credentials() const {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& [name, v] : values_)
    if (v.row->type == SettingType::credential) out.emplace_back(v.text, v.row->fields);
  return out;
}

StageSettings resolve_settings(const StageSpec& spec, std::vector<Diagnostic>* diags) {
  StageSettings out;
  const BuiltinKind* kind = spec.kind == "run" ? nullptr : find_builtin(spec.kind);
  if (!kind) return out;
  for (const auto& row : kind->settings) {
    const Setting* set = spec.setting(row.name);
    // An empty value (`key:`) means the default, as leaving the key out does.
    if (set && !set->value.IsNull()) {
      SettingValue v;
      v.row = &row;
      v.where = set->where;
      v.from_default = set->where.file == kTableFile;
      if (convert(row, set->value, "stage '" + spec.id + "' " + row.name, set->where, v, diags))
        out.values_[row.name] = std::move(v);
    } else if (!row.default_yaml.empty()) {
      SettingValue v;
      v.row = &row;
      v.where = {kTableFile, 0, 0};
      v.from_default = true;
      if (!convert(row, YAML::Load(row.default_yaml),
                   "the default of " + kind->kind + "." + row.name, v.where, v, nullptr))
        continue;
      out.values_[row.name] = std::move(v);
    }
  }
  return out;
}

std::vector<Setting> default_settings(const std::string& kind_name) {
  std::vector<Setting> out;
  const BuiltinKind* kind = find_builtin(kind_name);
  if (!kind) return out;
  for (const auto& row : kind->settings)
    if (!row.default_yaml.empty())
      out.push_back({row.name, YAML::Load(row.default_yaml), {kTableFile, 0, 0}});
  return out;
}

namespace {

std::string flow_yaml(const YAML::Node& n) {
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

std::string type_cell(const SettingRow& r) {
  std::string t = type_name(r.type);
  switch (r.type) {
    case SettingType::enumeration:
      return t + ": " + join(r.choices, ", ");
    case SettingType::integer:
      return r.max ? t + " " + std::to_string(r.min) + "-" + std::to_string(r.max)
                   : t + " >= " + std::to_string(r.min);
    case SettingType::size:
      return t + " " + size_bound(r.min) + "-" + size_bound(r.max);
    case SettingType::percentage:
      return t + " 0-100";
    case SettingType::credential:
      return r.fields.empty() ? t + " (one value)" : t + " (" + join(r.fields, ", ") + ")";
    default:
      return t;
  }
}

}  // namespace

std::string settings_markdown() {
  // The defaults as the built-in pipeline resolves them (the table's column, and any a stage
  // still keeps in default-pipeline.yaml).
  Pipeline builtin = load_pipeline_text(kDefaultPipelineYaml, "");
  std::string out =
      "# Settings of the built-in stages\n\n"
      "Generated from the settings table in `src/pipeline/builtins.cpp` (a unit test checks that\n"
      "this file is current; `PW_UPDATE_GOLDEN=1 build/tests/test_pipeline` rewrites it). Every\n"
      "stage also takes the generic keys: " +
      join(generic_stage_keys(), ", ") + ".\n";
  for (const auto& kind : builtin_kinds()) {
    out += "\n## " + kind.kind + "\n\n" + kind.summary + ".\n";
    if (kind.settings.empty()) {
      out += "\nNo settings of its own.\n";
      continue;
    }
    out += "\n| Setting | Type | Default | Meaning |\n|---|---|---|---|\n";
    const StageSpec* spec = builtin.find(kind.kind);
    for (const auto& r : kind.settings) {
      const Setting* d = spec ? spec->setting(r.name) : nullptr;
      std::string def = d ? "`" + flow_yaml(d->value) + "`" : "";
      std::string doc = r.doc;
      for (auto& c : doc)
        if (c == '|') c = '/';
      out += "| `" + r.name + "` | " + type_cell(r) + " | " + def + " | " + doc + " |\n";
    }
  }
  return out;
}

}  // namespace pw::pipeline
