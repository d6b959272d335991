// The upload of one build folder to S3 or an S3-compatible store: its artifacts and reports
// under <prefix>/<project>/<build number>/ with their relative paths, then manifest.json (every
// object's key, size and SHA-256 with the build's number, commit and status) last, then a HEAD
// of every object. Objects already there with the same SHA-256 are skipped, so a re-run resumes.
// The upload stage and `pipewright upload --build N` both call upload_build.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/model.h"
#include "s3/credentials.h"
#include "s3/transfer.h"
#include "util/error.h"

namespace pw::s3 {

struct UploadSettings {
  std::string bucket;
  std::string prefix;    // "" or "builds" (no leading or trailing '/')
  std::string region;    // "" = from the AWS environment or config
  std::string endpoint;  // "" = AWS
  int concurrency = 8;
  std::uint64_t part_size = 16ull << 20;
  std::uint64_t multipart_threshold = 16ull << 20;
  int attempts = 5;
};

// nullopt when `s3` is absent (the stage is then SKIPPED). Problems go to `diags` when given,
// else throw ConfigError.
std::optional<UploadSettings> read_upload_settings(const pipeline::StageSpec& spec,
                                                   std::vector<Diagnostic>* diags = nullptr);

// Keys from a pipewright credential listed by the stage (fields access_key_id,
// secret_access_key, session_token), else as the AWS tools find them (env, AWS_PROFILE, files).
// Throws pw::Error naming what to set when there are none.
// "12.0 MiB/s"; "" when no time has passed.
std::string rate_text(std::uint64_t bytes, double seconds);

// The AWS credential ids the upload stage names: its `credential` setting (the settings table),
// then those it lists under `credentials`.
std::vector<std::string> credential_ids(const pipeline::StageSpec& spec);

using FieldLookup = std::function<std::string(const std::string& id, const std::string& field)>;
AwsCredentials find_credentials(const std::vector<std::string>& credential_ids,
                                const FieldLookup& field, const AwsSetup& aws);

struct BuildFacts {
  std::string project;
  int number = 0;
  std::string commit;
  std::string branch;
  std::string status;   // the build's status when the upload ran
  std::string started;  // ISO 8601
};

struct UploadReport {
  std::string base;  // "s3://bucket/prefix/project/7/"
  int objects = 0, uploaded = 0, skipped = 0, failed = 0;
  std::uint64_t bytes_sent = 0;
  double seconds = 0;
  std::vector<std::string> problems;      // failures and verification mismatches
  std::vector<std::string> not_uploaded;  // keys
  bool manifest_uploaded = false;
  bool verified = false;
  bool ok() const { return failed == 0 && manifest_uploaded && verified && problems.empty(); }
  std::string summary() const;
};

struct UploadHooks {
  std::function<void(const std::string&)> log;
  std::function<void(std::uint64_t sent, std::uint64_t total, double seconds)> progress;
  std::function<bool()> cancelled;
  std::function<void(const std::string&)> on_retry;
};

// The object key prefix of a build: "<prefix>/<project>/<number>/" (prefix left out when empty).
std::string build_key_prefix(const UploadSettings& s, const std::string& project, int number);

// The manifest's JSON text: deterministic for the same build and files, so re-running the
// upload of a finished build leaves an identical manifest.
std::string manifest_json(const BuildFacts& facts, const std::string& key_prefix,
                          const std::vector<ItemResult>& items);

// Uploads every file under `artifacts` (sorted, relative paths kept), then the manifest, then
// verifies with HEAD. Objects already there with the same SHA-256 are skipped. Never throws for
// a store's answer: problems are in the report. Throws ConfigError for bad settings.
UploadReport upload_build(const UploadSettings& settings, const AwsCredentials& credentials,
                          const std::string& region, const std::filesystem::path& artifacts,
                          const BuildFacts& facts, const UploadHooks& hooks);

// The region to sign for: the setting, the AWS environment or config, or us-east-1 for an
// S3-compatible endpoint (what such stores expect); "" when none applies.
std::string effective_region(const UploadSettings& s, const AwsSetup& aws);

}  // namespace pw::s3
