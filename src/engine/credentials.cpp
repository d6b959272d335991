#include "engine/credentials.h"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "util/error.h"
#include "util/fs.h"

namespace pw::engine {

std::filesystem::path Credentials::default_path() {
  const char* env = std::getenv("PIPEWRIGHT_CREDENTIALS");
  if (env && *env) return env;
  return config_home() / "credentials.yaml";
}

std::string Credentials::env_name(const std::string& id, const std::string& field) {
  std::string raw = field.empty() ? id : id + "_" + field;
  std::string out;
  for (char c : raw) {
    unsigned char u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::toupper(u)) : '_';
  }
  return out;
}

Credentials Credentials::load(const std::filesystem::path& path) {
  Credentials c;
  c.path_ = path;
  struct stat st{};
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
    throw ConfigError(std::vector<Diagnostic>{
        {path.string(), n.Mark().line + 1, n.Mark().column + 1, msg}});
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
        if (!f.second.IsScalar()) fail(f.second, "credential '" + id + "' field '" +
                                                     f.first.Scalar() + "' must be a single value");
        fields[f.first.Scalar()] = f.second.Scalar();
      }
    } else {
      fail(v, "credential '" + id + "' must be a value or a mapping of fields");
    }
  }
  return c;
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
