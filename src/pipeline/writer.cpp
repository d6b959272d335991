#include "pipeline/writer.h"

#include <yaml-cpp/yaml.h>

namespace pw::pipeline {

std::string to_yaml(const Pipeline& p) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "version" << YAML::Value << 1;
  if (p.fail_fast) out << YAML::Key << "fail_fast" << YAML::Value << true;
  out << YAML::Key << "project" << YAML::Value << YAML::BeginMap;
  if (!p.project.name.empty()) out << YAML::Key << "name" << YAML::Value << p.project.name;
  // Written only when configured: otherwise the project model detects them on every run.
  auto list_key = [&](const char* key, const std::string& value) {
    auto items = ProjectSpec::list(value);
    if (items.empty()) return;
    out << YAML::Key << key << YAML::Value;
    if (items.size() == 1)
      out << items.front();
    else
      out << YAML::Flow << items;
  };
  list_key("package", p.project.package);
  list_key("tests", p.project.tests);
  list_key("requirements", p.project.requirements);
  out << YAML::Key << "python" << YAML::Value << p.project.python;
  out << YAML::EndMap;
  out << YAML::Key << "stages" << YAML::Value << YAML::BeginMap;
  for (const auto& s : p.stages) {
    out << YAML::Key << s.id << YAML::Value << YAML::BeginMap;
    if (!s.description.empty()) out << YAML::Key << "description" << YAML::Value << s.description;
    if (!s.enabled) out << YAML::Key << "enabled" << YAML::Value << false;
    if (!s.run.empty()) {
      out << YAML::Key << "run" << YAML::Value;
      if (s.run.find('\n') != std::string::npos) out << YAML::Literal;
      out << s.run;
    }
    if (!s.is_post()) {
      out << YAML::Key << "needs" << YAML::Value << YAML::Flow << s.needs;
      out << YAML::Key << "blocking" << YAML::Value << s.blocking;
      if (s.fail_fast) out << YAML::Key << "fail_fast" << YAML::Value << *s.fail_fast;
    }
    out << YAML::Key << "timeout" << YAML::Value
        << (s.timeout ? duration_to_yaml(*s.timeout) : std::string("none"));
    if (s.retry) out << YAML::Key << "retry" << YAML::Value << s.retry;
    if (!s.env.empty()) {
      out << YAML::Key << "env" << YAML::Value << YAML::BeginMap;
      for (const auto& [k, v] : s.env)
        out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
      out << YAML::EndMap;
    }
    if (!s.credentials.empty())
      out << YAML::Key << "credentials" << YAML::Value << YAML::Flow << s.credentials;
    if (!s.when.empty()) {
      out << YAML::Key << "when" << YAML::Value << YAML::BeginMap;
      if (!s.when.branch.empty()) out << YAML::Key << "branch" << YAML::Value << s.when.branch;
      if (!s.when.changes.empty())
        out << YAML::Key << "changes" << YAML::Value << YAML::Flow << s.when.changes;
      out << YAML::EndMap;
    }
    if (!s.cache.enabled || s.cache.declared()) {
      out << YAML::Key << "cache" << YAML::Value;
      if (!s.cache.declared()) {
        out << false;
      } else {
        out << YAML::BeginMap;
        if (!s.cache.enabled) out << YAML::Key << "enabled" << YAML::Value << false;
        out << YAML::Key << "inputs" << YAML::Value << YAML::Flow << s.cache.inputs;
        if (!s.cache.env.empty())
          out << YAML::Key << "env" << YAML::Value << YAML::Flow << s.cache.env;
        if (!s.cache.outputs.empty())
          out << YAML::Key << "outputs" << YAML::Value << YAML::Flow << s.cache.outputs;
        out << YAML::EndMap;
      }
    }
    for (const auto& set : s.settings) out << YAML::Key << set.key << YAML::Value << set.value;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  const ExportSpec& x = p.exports;
  if (!x.setup.empty() || !x.image.empty() || x.cache || !x.credentials.empty()) {
    out << YAML::Key << "export" << YAML::Value << YAML::BeginMap;
    if (!x.setup.empty()) out << YAML::Key << "setup" << YAML::Value << x.setup;
    if (!x.image.empty()) out << YAML::Key << "image" << YAML::Value << x.image;
    if (x.cache) out << YAML::Key << "cache" << YAML::Value << true;
    if (!x.credentials.empty()) {
      out << YAML::Key << "credentials" << YAML::Value << YAML::BeginMap;
      for (const auto& [id, fields] : x.credentials)
        out << YAML::Key << id << YAML::Value << YAML::Flow << fields;
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace pw::pipeline
