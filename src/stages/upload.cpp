#include "stages/upload.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>

#include "stages/post.h"
#include "stages/registry.h"
#include "stages/settings.h"
#include "util/hash.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;

namespace {

// Gathers the artifacts as post archives them (post runs after us and does it again).
void gather_artifacts(engine::StageContext& ctx) {
  std::vector<std::string> globs{"dist/*"};
  if (const auto* post = ctx.pipeline().find("post"))
    globs = pipeline::resolve_settings(*post).list_if_set("archive").value_or(globs);
  auto archived = archive_build(ctx.workspace(), ctx.paths().reports, ctx.paths().artifacts, globs,
                                &ctx.masker());
  ctx.log("collected " + std::to_string(archived.files.size()) + " artifact(s) in " +
          ctx.paths().artifacts.string());
}

// Credentials and region for S3; "" or why there are none.
std::string resolve_access(engine::StageContext& ctx, const s3::UploadSettings& settings,
                           s3::AwsCredentials& creds, std::string& region) {
  // The stage's environment holds the AWS_* variables, `env:` and listed credentials.
  std::map<std::string, std::string> env;
  for (const auto& kv : ctx.environment()) {
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  s3::EnvLookup lookup = [&env](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    if (it == env.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  fs::path home = env.count("HOME") ? fs::path(env["HOME"]) : fs::path("/");
  try {
    auto aws = s3::resolve_aws_setup(lookup, home);
    const auto& store = ctx.credentials();
    creds = s3::find_credentials(
        s3::credential_ids(ctx.spec()),
        [&](const std::string& id, const std::string& f) { return store.field(id, f); }, aws);
    region = s3::effective_region(settings, aws);
  } catch (const Error& e) {
    return e.what();
  }
  if (region.empty())
    return "no region for S3: set upload.s3.region, AWS_REGION or region in ~/.aws/config";
  ctx.log("credentials from " + creds.source + ", region " + region +
          (settings.endpoint.empty() ? "" : ", endpoint " + net::redact_url(settings.endpoint)));
  return {};
}

// What the upload's manifest says about this build.
s3::BuildFacts build_facts(engine::StageContext& ctx) {
  s3::BuildFacts facts;
  facts.project = ctx.pipeline().project.name.empty() ? ctx.project_dir().filename().string()
                                                      : ctx.pipeline().project.name;
  facts.number = ctx.paths().number;
  facts.commit = ctx.commit();
  facts.branch = ctx.branch();
  facts.status = engine::to_string(ctx.status_so_far());
  return facts;
}

// The upload's log, retries and progress, into the stage's output.
struct UploadOutput {
  engine::StageContext& ctx;
  // Progress on a terminal for large uploads; a pipe or CI gets the log lines only.
  bool terminal = ::isatty(STDOUT_FILENO) && !std::getenv("CI");
  std::chrono::steady_clock::time_point last_shown = std::chrono::steady_clock::now();
  // The stage's output is not thread-safe and the upload's workers all report through it.
  std::mutex out_mu;

  s3::UploadHooks hooks() {
    s3::UploadHooks hooks;
    hooks.log = [this](const std::string& line) {
      std::lock_guard lock(out_mu);
      ctx.log(line);
    };
    hooks.cancelled = [this] { return ctx.should_stop(); };
    hooks.on_retry = [this](const std::string& line) {
      std::lock_guard lock(out_mu);
      ctx.warn("retrying: " + line);
    };
    hooks.progress = [this](std::uint64_t sent, std::uint64_t total, double secs) {
      if (total < (8ull << 20)) return;
      std::lock_guard lock(out_mu);
      auto now = std::chrono::steady_clock::now();
      if (now - last_shown < std::chrono::seconds(2) && sent < total) return;
      last_shown = now;
      std::string line = s3::human_bytes(sent) + " of " + s3::human_bytes(total) + " sent, " +
                         s3::rate_text(sent, secs);
      if (terminal)
        ctx.show(line);
      else
        ctx.log(line);
    };
    return hooks;
  }
};

// Records what was uploaded in the stage's data, and the problems in its log.
void record_report(engine::StageContext& ctx, const s3::UploadReport& rep) {
  ctx.data()["url"] = rep.base;
  ctx.data()["objects"] = rep.objects;
  ctx.data()["uploaded"] = rep.uploaded;
  ctx.data()["skipped"] = rep.skipped;
  ctx.data()["bytes"] = rep.bytes_sent;
  ctx.data()["verified"] = rep.verified;
  ctx.data()["not_uploaded"] = rep.not_uploaded;
  for (const auto& p : rep.problems) ctx.log("problem: " + p);
}

// The verdict: aborted, timed out, uploaded, or the first problem and what is missing.
engine::StageOutcome verdict(engine::StageContext& ctx, const s3::UploadReport& rep) {
  if (ctx.aborted()) return {engine::Status::aborted, "aborted: " + rep.summary()};
  if (ctx.should_stop()) return engine::StageOutcome::failed("timed out: " + rep.summary());
  if (rep.ok()) return engine::StageOutcome::ok(rep.summary());
  std::string why = rep.problems.empty() ? "upload incomplete" : rep.problems.front();
  if (rep.problems.size() > 1) why += " (and " + std::to_string(rep.problems.size() - 1) + " more)";
  std::string what = std::to_string(rep.uploaded + rep.skipped) + " of " +
                     std::to_string(rep.objects) + " objects in " + rep.base;
  if (!rep.not_uploaded.empty())
    what += ", not uploaded: " + std::to_string(rep.not_uploaded.size());
  if (!rep.manifest_uploaded)
    what += ", no manifest";
  else if (!rep.verified)
    what += ", verification failed";
  return engine::StageOutcome::failed(why + "; " + what);
}

}  // namespace

void UploadStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                           std::vector<Diagnostic>& diags) {
  s3::read_upload_settings(spec, &diags);
}

engine::StageOutcome UploadStage::run(engine::StageContext& ctx) {
  auto settings = s3::read_upload_settings(ctx.spec());
  if (!settings) {
    return engine::StageOutcome::skipped(
        "upload.s3 is not configured (bucket, region, endpoint); the artifacts stay in " +
        ctx.paths().artifacts.string());
  }
  gather_artifacts(ctx);
  s3::AwsCredentials creds;
  std::string region;
  if (auto err = resolve_access(ctx, *settings, creds, region); !err.empty())
    return engine::StageOutcome::failed(err);
  UploadOutput out{ctx};
  s3::UploadReport rep;
  try {
    rep = s3::upload_build(*settings, creds, region, ctx.paths().artifacts, build_facts(ctx),
                           out.hooks());
  } catch (const Error& e) {
    return engine::StageOutcome::failed(e.what());
  }
  record_report(ctx, rep);
  return verdict(ctx, rep);
}

namespace {
const BuiltinStage kUploadRegistered([](engine::StageRegistry& r) {
  r.add("upload", make_stage<UploadStage>(), UploadStage::validate);
});
}  // namespace

}  // namespace pw::stages
