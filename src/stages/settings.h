// Reading a built-in stage's settings with errors that name the file and line of the value.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pipeline/model.h"
#include "pipeline/settings.h"
#include "util/error.h"

namespace pw::stages {

Diagnostic at(const pipeline::Setting& s, const std::string& message);
// The same for a value of the settings table (where it was written, or the table's default).
Diagnostic at(const pipeline::SettingValue& v, const std::string& message);
// Adds `d` to `diags` when given (validation collects everything), else throws ConfigError.
void report(std::vector<Diagnostic>* diags, Diagnostic d);

// Each returns nullopt when the setting is absent; a wrong type adds a diagnostic when `diags`
// is given, else throws ConfigError.
std::optional<std::string> get_string(const pipeline::StageSpec& spec, const std::string& key,
                                      std::vector<Diagnostic>* diags = nullptr);
std::optional<bool> get_bool(const pipeline::StageSpec& spec, const std::string& key,
                             std::vector<Diagnostic>* diags = nullptr);
// A single string is accepted as a list of one.
std::optional<std::vector<std::string>> get_list(const pipeline::StageSpec& spec,
                                                 const std::string& key,
                                                 std::vector<Diagnostic>* diags = nullptr);

}  // namespace pw::stages
