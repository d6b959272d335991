#include "s3/credentials.h"

#include <fstream>
#include <sstream>

#include "util/error.h"
#include "util/strings.h"

namespace pw::s3 {

namespace fs = std::filesystem;

IniFile parse_ini(const std::string& text) {
  IniFile ini;
  std::string section;
  for (const auto& raw : split_lines(text)) {
    std::string line(trim(raw));
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = std::string(trim(std::string_view(line).substr(1, line.size() - 2)));
      ini[section];
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    ini[section][to_lower(trim(std::string_view(line).substr(0, eq)))] =
        std::string(trim(std::string_view(line).substr(eq + 1)));
  }
  return ini;
}

namespace {

std::optional<IniFile> read_ini(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_ini(ss.str());
}

std::string nonempty(const std::optional<std::string>& v) { return v ? *v : ""; }

std::optional<AwsCredentials> keys_in(const std::map<std::string, std::string>& section,
                                      const std::string& source) {
  auto id = section.find("aws_access_key_id");
  auto secret = section.find("aws_secret_access_key");
  if (id == section.end() || secret == section.end() || id->second.empty()) return std::nullopt;
  AwsCredentials c{id->second, secret->second, "", source};
  auto token = section.find("aws_session_token");
  if (token != section.end()) c.session_token = token->second;
  return c;
}

}  // namespace

AwsSetup resolve_aws_setup(const EnvLookup& env, const fs::path& home) {
  AwsSetup setup;
  std::string named_profile = nonempty(env("AWS_PROFILE"));
  setup.profile = named_profile.empty() ? "default" : named_profile;

  std::string cred_path = nonempty(env("AWS_SHARED_CREDENTIALS_FILE"));
  std::string conf_path = nonempty(env("AWS_CONFIG_FILE"));
  auto creds_file =
      read_ini(cred_path.empty() ? home / ".aws" / "credentials" : fs::path(cred_path));
  auto config_file = read_ini(conf_path.empty() ? home / ".aws" / "config" : fs::path(conf_path));

  const std::map<std::string, std::string>* cred_section = nullptr;
  const std::map<std::string, std::string>* conf_section = nullptr;
  if (creds_file) {
    auto it = creds_file->find(setup.profile);
    if (it != creds_file->end()) cred_section = &it->second;
  }
  if (config_file) {
    // The config file names profiles "profile NAME", except the default one.
    auto it = config_file->find("profile " + setup.profile);
    if (it == config_file->end() && setup.profile == "default") it = config_file->find("default");
    if (it != config_file->end()) conf_section = &it->second;
  }
  if (!named_profile.empty() && !cred_section && !conf_section) {
    throw ConfigError("AWS_PROFILE names profile '" + named_profile +
                      "', which is in neither ~/.aws/credentials nor ~/.aws/config");
  }

  std::string id = nonempty(env("AWS_ACCESS_KEY_ID"));
  std::string secret = nonempty(env("AWS_SECRET_ACCESS_KEY"));
  if (!id.empty() && !secret.empty()) {
    setup.credentials = AwsCredentials{id, secret, nonempty(env("AWS_SESSION_TOKEN")),
                                       "environment (AWS_ACCESS_KEY_ID)"};
  } else if (cred_section) {
    setup.credentials = keys_in(*cred_section, "profile '" + setup.profile + "' in credentials");
  }
  if (!setup.credentials && conf_section) {
    setup.credentials = keys_in(*conf_section, "profile '" + setup.profile + "' in config");
  }

  setup.region = nonempty(env("AWS_REGION"));
  if (setup.region.empty()) setup.region = nonempty(env("AWS_DEFAULT_REGION"));
  if (setup.region.empty() && conf_section) {
    auto it = conf_section->find("region");
    if (it != conf_section->end()) setup.region = it->second;
  }
  return setup;
}

}  // namespace pw::s3
