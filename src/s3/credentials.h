// Finding AWS keys and the region the way the AWS tools do, so a user's existing setup works:
// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, then the profile (AWS_PROFILE or
// "default") in ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE and
// AWS_CONFIG_FILE move them). The environment is passed in as a look-up so a stage can use
// its own environment and tests need no real one.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "s3/sigv4.h"

namespace pw::s3 {

// Returns the variable's value, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// An INI file as the AWS tools read it: section -> key -> value ('#' and ';' start comments).
using IniFile = std::map<std::string, std::map<std::string, std::string>>;
IniFile parse_ini(const std::string& text);

struct AwsSetup {
  std::optional<AwsCredentials> credentials;  // nullopt: none found
  std::string region;                         // "" when none is configured
  std::string profile;                        // the profile consulted
};

// Credentials and region from the environment and the shared files under `home`. A profile
// named by AWS_PROFILE that exists in neither file is a pw::ConfigError (a typo must not fall
// back to other keys silently).
AwsSetup resolve_aws_setup(const EnvLookup& env, const std::filesystem::path& home);

}  // namespace pw::s3
