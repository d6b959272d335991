#include "cli/upload_command.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include "engine/build_store.h"
#include "engine/credentials.h"
#include "s3/build_upload.h"
#include "util/error.h"

namespace pw::cli {

namespace fs = std::filesystem;

int cmd_upload(const fs::path& project_dir, const pipeline::Pipeline& p, int build_number) {
  const pipeline::StageSpec* spec = p.find("upload");
  if (!spec) throw ConfigError("the pipeline has no 'upload' stage");
  auto settings = s3::read_upload_settings(*spec);
  if (!settings) {
    throw ConfigError("upload.s3 is not configured in " +
                      (p.config_file.empty() ? std::string("pipewright.yaml") : p.config_file) +
                      " (bucket, and region or endpoint): nothing to upload to");
  }
  engine::BuildStore store(project_dir);
  auto record = store.read(build_number);
  if (!record) {
    if (auto w = store.take_warnings(); !w.empty()) throw Error(w.front());
    throw ConfigError("build " + std::to_string(build_number) + " does not exist in " +
                      store.dir().string());
  }
  fs::path artifacts = store.paths(build_number).artifacts;
  if (!fs::is_directory(artifacts)) {
    throw ConfigError("build " + std::to_string(build_number) + " has no artifacts folder (" +
                      artifacts.string() + ")");
  }

  // The stage's `env:` counts as it would inside the build, over pipewright's own environment.
  s3::EnvLookup lookup = [spec](const std::string& k) -> std::optional<std::string> {
    for (const auto& [name, value] : spec->env)
      if (name == k && !value.empty()) return value;
    const char* v = std::getenv(k.c_str());
    if (!v || !*v) return std::nullopt;
    return std::string(v);
  };
  const char* home = std::getenv("HOME");
  auto aws = s3::resolve_aws_setup(lookup, home ? fs::path(home) : fs::path("/"));
  auto creds_store = engine::Credentials::load(engine::Credentials::default_path());
  // As `run` does: on a CI engine the credential arrives as environment variables.
  if (const char* from_env = std::getenv("PIPEWRIGHT_CREDENTIALS_FROM_ENV"))
    creds_store.add_from_environment(from_env);
  auto creds = s3::find_credentials(
      s3::credential_ids(*spec),
      [&](const std::string& id, const std::string& f) { return creds_store.field(id, f); }, aws);
  std::string region = s3::effective_region(*settings, aws);
  if (region.empty()) {
    throw ConfigError(
        "no region for S3: set upload.s3.region, AWS_REGION or region in ~/.aws/config");
  }

  s3::BuildFacts facts;
  facts.project = record->project.empty()
                      ? (p.project.name.empty() ? project_dir.filename().string() : p.project.name)
                      : record->project;
  facts.number = build_number;
  facts.commit = record->commit;
  facts.branch = record->branch;
  facts.status = engine::to_string(record->status);

  // On a terminal one line redrawn in place; elsewhere only the result lines.
  bool terminal = ::isatty(STDOUT_FILENO) && !std::getenv("CI");
  std::mutex mu;
  bool drew = false;
  s3::UploadHooks hooks;
  hooks.on_retry = [&](const std::string& line) {
    std::lock_guard lock(mu);
    std::cerr << (drew ? "\n" : "") << "retrying: " << line << "\n";
    drew = false;
  };
  if (terminal) {
    hooks.progress = [&](std::uint64_t sent, std::uint64_t total, double secs) {
      std::lock_guard lock(mu);
      std::string rate = s3::rate_text(sent, secs);
      std::cout << "\r\033[K" << s3::human_bytes(sent) << " of " << s3::human_bytes(total) << "  "
                << rate << std::flush;
      drew = true;
    };
  }
  std::cout << "uploading build " << build_number << " (" << facts.status << ") from "
            << artifacts.string() << "\n";
  auto rep = s3::upload_build(*settings, creds, region, artifacts, facts, hooks);
  if (drew) std::cout << "\r\033[K";
  std::cout << rep.summary() << "\n";
  if (rep.ok()) return 0;
  for (const auto& problem : rep.problems) std::cerr << "pipewright: " << problem << "\n";
  if (!rep.not_uploaded.empty())
    std::cerr << "pipewright: not uploaded: " << rep.not_uploaded.size() << " object(s)\n";
  std::cerr << "pipewright: error: the upload of build " << build_number
            << " is incomplete; run `pipewright upload --build " << build_number
            << "` again to send what is missing\n";
  return static_cast<int>(ExitCode::failure);
}

}  // namespace pw::cli
