#include "stages/settings.h"

#include "util/strings.h"

namespace pw::stages {

Diagnostic at(const pipeline::Setting& s, const std::string& message) {
  return {s.where.file, s.where.line, s.where.col, message};
}

Diagnostic at(const pipeline::SettingValue& v, const std::string& message) {
  return {v.where.file, v.where.line, v.where.col, message};
}

void report(std::vector<Diagnostic>* diags, Diagnostic d) {
  if (diags)
    diags->push_back(std::move(d));
  else
    throw ConfigError(std::vector<Diagnostic>{d});
}

std::optional<std::string> get_string(const pipeline::StageSpec& spec, const std::string& key,
                                      std::vector<Diagnostic>* diags) {
  const pipeline::Setting* s = spec.setting(key);
  if (!s || s->value.IsNull()) return std::nullopt;
  if (!s->value.IsScalar()) {
    report(diags, at(*s, "stage '" + spec.id + "' " + key + " must be a single value"));
    return std::nullopt;
  }
  return s->value.Scalar();
}

std::optional<bool> get_bool(const pipeline::StageSpec& spec, const std::string& key,
                             std::vector<Diagnostic>* diags) {
  const pipeline::Setting* s = spec.setting(key);
  if (!s || s->value.IsNull()) return std::nullopt;
  if (s->value.IsScalar()) {
    std::string v = to_lower(s->value.Scalar());
    if (v == "true" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "no" || v == "off") return false;
  }
  report(diags, at(*s, "stage '" + spec.id + "' " + key + " must be true or false"));
  return std::nullopt;
}

std::optional<std::vector<std::string>> get_list(const pipeline::StageSpec& spec,
                                                 const std::string& key,
                                                 std::vector<Diagnostic>* diags) {
  const pipeline::Setting* s = spec.setting(key);
  if (!s || s->value.IsNull()) return std::nullopt;
  if (s->value.IsScalar()) return std::vector<std::string>{s->value.Scalar()};
  if (s->value.IsSequence()) {
    std::vector<std::string> out;
    for (const auto& item : s->value) {
      if (!item.IsScalar()) {
        report(diags, at(*s, "stage '" + spec.id + "' " + key + " must list plain values"));
        return std::nullopt;
      }
      out.push_back(item.Scalar());
    }
    return out;
  }
  report(diags, at(*s, "stage '" + spec.id + "' " + key + " must be a value or a list"));
  return std::nullopt;
}

}  // namespace pw::stages
