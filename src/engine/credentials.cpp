#include "engine/credentials.h"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "pipeline/model.h"
#include "util/error.h"
#include "util/fs.h"

namespace pw::engine {

std::filesystem::path Credentials::default_path() {
  const char* env = std::getenv("PIPEWRIGHT_CREDENTIALS");
  if (env && *env) return env;
  return config_home() / "credentials.yaml";
}

std::string Credentials::env_name(const std::string& id, const std::string& field) {
  return pipeline::credential_env_name(id, field);
}

Credentials Credentials::load(const std::filesystem::path& path) {
  Credentials c;
  c.path_ = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return c;  // no file: no credentials
  if (st.st_mode & 0066) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", st.st_mode & 0777);
    throw ConfigError(path.string() + ": credentials file has mode " + mode +
                      ", which lets other users read or change it; run: chmod 600 " +
                      path.string());
  }
  std::string text = read_file(path);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    // Never echo the file's content: it holds secrets. Position only.
    throw ConfigError(std::vector<Diagnostic>{
        {path.string(), e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + e.msg}});
  }
  if (root.IsNull()) return c;
  auto fail = [&](const YAML::Node& n, const std::string& msg) {
    throw ConfigError(
        std::vector<Diagnostic>{{path.string(), n.Mark().line + 1, n.Mark().column + 1, msg}});
  };
  if (!root.IsMap()) fail(root, "the credentials file must map ids to values or to fields");
  for (const auto& kv : root) {
    std::string id = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    auto& fields = c.entries_[id];
    if (v.IsScalar()) {
      fields[""] = v.Scalar();
    } else if (v.IsMap()) {
      for (const auto& f : v) {
        if (!f.second.IsScalar())
          fail(f.second,
               "credential '" + id + "' field '" + f.first.Scalar() + "' must be a single value");
        fields[f.first.Scalar()] = f.second.Scalar();
      }
    } else {
      fail(v, "credential '" + id + "' must be a value or a mapping of fields");
    }
  }
  return c;
}

void Credentials::add_from_environment(const std::string& spec) {
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t end = spec.find(' ', pos);
    if (end == std::string::npos) end = spec.size();
    std::string item = spec.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string id = item.substr(0, eq);
    std::vector<std::string> fields;
    if (eq != std::string::npos) {
      std::string rest = item.substr(eq + 1);
      for (size_t p = 0; p <= rest.size();) {
        size_t comma = rest.find(',', p);
        if (comma == std::string::npos) comma = rest.size();
        fields.push_back(rest.substr(p, comma - p));
        p = comma + 1;
      }
    } else {
      fields.push_back("");
    }
    if (id.empty() || (eq != std::string::npos && std::count(fields.begin(), fields.end(), "")))
      throw ConfigError("PIPEWRIGHT_CREDENTIALS_FROM_ENV: '" + item +
                        "' is not ID or ID=FIELD,FIELD (e.g. dockerhub=username,password)");
    if (entries_.count(id)) continue;  // the file's entry wins
    std::map<std::string, std::string> values;
    for (const auto& f : fields) {
      const char* v = std::getenv(env_name(id, f).c_str());
      if (!v) break;
      values[f] = v;
    }
    if (values.size() == fields.size()) entries_[id] = values;
  }
}

std::vector<std::pair<std::string, std::string>> Credentials::env_for(const std::string& id) const {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = entries_.find(id);
  if (it == entries_.end()) return out;
  for (const auto& [field, value] : it->second) out.emplace_back(env_name(id, field), value);
  return out;
}

std::string Credentials::field(const std::string& id, const std::string& field) const {
  auto it = entries_.find(id);
  if (it == entries_.end()) return {};
  auto f = it->second.find(field);
  return f == it->second.end() ? std::string() : f->second;
}

std::vector<std::string> Credentials::all_values() const {
  std::vector<std::string> out;
  for (const auto& [id, fields] : entries_)
    for (const auto& [f, v] : fields) out.push_back(v);
  return out;
}

}  // namespace pw::engine
