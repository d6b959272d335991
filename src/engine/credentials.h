// The credentials file: ids mapped to fields, e.g.
//   dockerhub: {username: ci, password: s3cret}
//   sonar-token: abc123            # a single value
// Default path ~/.config/pipewright/credentials.yaml, or $PIPEWRIGHT_CREDENTIALS. Refused when
// group or others may read or write it, as ssh refuses a loose private key.
//
// A stage that lists a credential gets each field as an environment variable named
// <ID>_<FIELD>, upper-cased, with every character other than a letter or digit turned into '_'
// (dockerhub.password -> DOCKERHUB_PASSWORD; aws-prod.secret_key -> AWS_PROD_SECRET_KEY); a
// single-value credential is <ID> (sonar-token -> SONAR_TOKEN). Secrets never go on a command
// line, and every value is masked wherever pipewright writes.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pw::engine {

class Credentials {
 public:
  // The path that would be read (it may not exist).
  static std::filesystem::path default_path();

  // Loads the file; a missing file is an empty store. Throws ConfigError for a file that is
  // readable by others or malformed (with line and column).
  static Credentials load(const std::filesystem::path& path);

  // On a CI engine the secrets arrive as environment variables under the names below, filled
  // from the engine's own store. `spec` (PIPEWRIGHT_CREDENTIALS_FROM_ENV, which `pipewright
  // export` writes) names them: "dockerhub=username,password sonar-token". An id the file does
  // not have is taken from the environment when every variable it names is set. Throws
  // ConfigError for a malformed spec.
  void add_from_environment(const std::string& spec);

  bool has(const std::string& id) const { return entries_.count(id) > 0; }
  // The environment variables for one credential id; empty when the id is unknown.
  std::vector<std::pair<std::string, std::string>> env_for(const std::string& id) const;
  // One field's value ("" when absent), for stages that need a secret themselves.
  std::string field(const std::string& id, const std::string& field) const;
  // Every value, for the masker.
  std::vector<std::string> all_values() const;
  const std::filesystem::path& path() const { return path_; }

  static std::string env_name(const std::string& id, const std::string& field);

 private:
  std::filesystem::path path_;
  // id -> field -> value; a single-value credential has the field "".
  std::map<std::string, std::map<std::string, std::string>> entries_;
};

}  // namespace pw::engine
