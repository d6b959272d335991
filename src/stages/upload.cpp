#include "stages/upload.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>

#include "stages/post.h"
#include "stages/settings.h"
#include "util/hash.h"
#include "util/strings.h"
#include "util/numbers.h"
#include "util/json.h"

namespace pw::stages {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kS3Keys = {"bucket", "prefix", "region", "endpoint"};

std::string trim_slashes(std::string s) {
  while (!s.empty() && s.front() == '/') s.erase(0, 1);
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string rate(std::uint64_t bytes, double seconds) {
  if (seconds <= 0) return "";
  return s3::human_bytes(static_cast<std::uint64_t>(static_cast<double>(bytes) / seconds)) + "/s";
}

}  // namespace

std::optional<UploadSettings> read_upload_settings(const pipeline::StageSpec& spec,
                                                   std::vector<Diagnostic>* diags) {
  const pipeline::Setting* s3 = spec.setting("s3");
  if (!s3 || s3->value.IsNull()) return std::nullopt;
  if (!s3->value.IsMap()) {
    report(diags, at(*s3, "stage '" + spec.id +
                              "' s3 must be a map with bucket, prefix, region, endpoint"));
    return std::nullopt;
  }
  UploadSettings out;
  bool bad = false;
  for (const auto& kv : s3->value) {
    std::string key = kv.first.Scalar();
    if (std::find(kS3Keys.begin(), kS3Keys.end(), key) == kS3Keys.end()) {
      std::string msg = "stage '" + spec.id + "' s3 has no setting '" + key + "'";
      std::string best = closest_match(key, kS3Keys);
      if (!best.empty()) msg += "; did you mean '" + best + "'?";
      msg += " (settings: bucket, prefix, region, endpoint)";
      report(diags, at(*s3, msg));
      bad = true;
      continue;
    }
    if (!kv.second.IsScalar()) {
      report(diags, at(*s3, "stage '" + spec.id + "' s3." + key + " must be a single value"));
      bad = true;
      continue;
    }
    std::string v = kv.second.Scalar();
    if (key == "bucket")
      out.bucket = v;
    else if (key == "prefix")
      out.prefix = trim_slashes(v);
    else if (key == "region")
      out.region = v;
    else if (key == "endpoint")
      out.endpoint = v;
  }
  if (out.bucket.empty() && !bad) {
    report(diags, at(*s3, "stage '" + spec.id + "' s3.bucket is required"));
    bad = true;
  }
  if (!out.endpoint.empty() && !out.endpoint.starts_with("http://") &&
      !out.endpoint.starts_with("https://")) {
    report(diags,
           at(*s3, "stage '" + spec.id + "' s3.endpoint must be an http:// or https:// URL"));
    bad = true;
  }
  // The table checked these; an invalid one leaves the stage's settings unusable.
  std::vector<Diagnostic> typed;
  auto settings = pipeline::resolve_settings(spec, &typed);
  if (!typed.empty()) {
    if (!diags) throw ConfigError(typed);
    bad = true;
  }
  out.concurrency = static_cast<int>(settings.integer("concurrency", out.concurrency));
  out.attempts = static_cast<int>(settings.integer("attempts", out.attempts));
  out.part_size = out.multipart_threshold = settings.size("part_size", out.part_size);
  if (bad) return std::nullopt;
  return out;
}

void UploadStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                           std::vector<Diagnostic>& diags) {
  read_upload_settings(spec, &diags);
}

s3::AwsCredentials find_credentials(const std::vector<std::string>& ids,
                                    const engine::Credentials& store, const s3::AwsSetup& aws) {
  for (const auto& id : ids) {
    std::string key = store.field(id, "access_key_id");
    std::string secret = store.field(id, "secret_access_key");
    if (!key.empty() && !secret.empty())
      return {key, secret, store.field(id, "session_token"), "credential '" + id + "'"};
  }
  if (aws.credentials) return *aws.credentials;
  std::string msg =
      "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE with "
      "~/.aws/credentials, or list a pipewright credential with access_key_id and "
      "secret_access_key under the stage's credentials";
  if (!ids.empty()) msg += " (" + join(ids, ", ") + " has no access_key_id/secret_access_key)";
  throw Error(msg);
}

std::string effective_region(const UploadSettings& s, const s3::AwsSetup& aws) {
  if (!s.region.empty()) return s.region;
  if (!aws.region.empty()) return aws.region;
  if (!s.endpoint.empty()) return "us-east-1";
  return "";
}

std::string build_key_prefix(const UploadSettings& s, const std::string& project, int number) {
  std::string p = s.prefix.empty() ? "" : s.prefix + "/";
  return p + project + "/" + std::to_string(number) + "/";
}

std::string manifest_json(const BuildFacts& facts, const std::string& key_prefix,
                          const std::vector<s3::ItemResult>& items) {
  nlohmann::ordered_json j;
  j["format"] = 1;
  j["project"] = facts.project;
  j["build"] = facts.number;
  j["commit"] = facts.commit;
  j["branch"] = facts.branch;
  j["status"] = facts.status;
  if (!facts.started.empty()) j["started"] = facts.started;
  j["prefix"] = key_prefix;
  auto objects = nlohmann::ordered_json::array();
  for (const auto& it : items) {
    nlohmann::ordered_json o;
    o["key"] = it.key;
    o["path"] = it.key.substr(key_prefix.size());
    o["size"] = it.size;
    o["sha256"] = it.sha256_hex;
    objects.push_back(o);
  }
  j["objects"] = objects;
  return dump_json(j, 2) + "\n";
}

std::string UploadReport::summary() const {
  std::string s = "uploaded " + std::to_string(uploaded) + " of " + std::to_string(objects) +
                  " object" + (objects == 1 ? "" : "s");
  if (skipped) s += " (" + std::to_string(skipped) + " already there)";
  s += " to " + base;
  if (bytes_sent) s += ", " + s3::human_bytes(bytes_sent) + " at " + rate(bytes_sent, seconds);
  if (ok()) s += "; manifest.json last, all verified with HEAD";
  return s;
}

UploadReport upload_build(const UploadSettings& settings, const s3::AwsCredentials& credentials,
                          const std::string& region, const fs::path& artifacts,
                          const BuildFacts& facts, const UploadHooks& hooks) {
  auto log = [&](const std::string& line) {
    if (hooks.log) hooks.log(line);
  };
  s3::ClientConfig cc;
  cc.bucket = settings.bucket;
  cc.region = region;
  cc.endpoint = settings.endpoint;
  cc.credentials = credentials;
  cc.retry.max_attempts = settings.attempts;
  cc.on_retry = [&](const std::string& line) {
    log("retry: " + line);
    if (hooks.on_retry) hooks.on_retry(line);
  };
  s3::Client client(cc);

  UploadReport rep;
  std::string prefix = build_key_prefix(settings, facts.project, facts.number);
  rep.base = "s3://" + settings.bucket + "/" + prefix;
  const std::string manifest_key = prefix + "manifest.json";

  // Every file of the local store, sorted so the manifest and the log read the same each time.
  std::vector<s3::TransferItem> items;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(artifacts, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string rel = fs::relative(it->path(), artifacts, ec).generic_string();
    items.push_back({it->path(), prefix + rel});
  }
  if (ec) throw Error(artifacts.string() + ": cannot list: " + ec.message());
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  for (const auto& i : items)
    if (i.key == manifest_key)
      throw Error("an artifact named manifest.json would hide the upload's manifest; rename it");
  rep.objects = static_cast<int>(items.size());

  s3::TransferOptions opt;
  opt.concurrency = settings.concurrency;
  opt.part_size = settings.part_size;
  opt.multipart_threshold = settings.multipart_threshold;
  opt.existing_prefix = prefix;
  opt.skip_existing = true;
  opt.log = log;
  opt.cancelled = hooks.cancelled;
  auto start = std::chrono::steady_clock::now();
  if (hooks.progress) {
    opt.progress = [&](std::uint64_t sent, std::uint64_t total) {
      hooks.progress(
          sent, total,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    };
  }
  s3::TransferResult tr;
  try {
    tr = s3::upload_files(client, items, opt);
  } catch (const Error& e) {
    // Listing what is there failed (wrong keys, no such bucket): nothing was sent.
    rep.failed = rep.objects;
    rep.problems.push_back(e.what());
    for (const auto& i : items) rep.not_uploaded.push_back(i.key);
    return rep;
  }
  rep.bytes_sent = tr.bytes_sent;
  rep.seconds = tr.seconds;
  for (const auto& r : tr.items) {
    switch (r.state) {
      case s3::ItemResult::State::uploaded:
        ++rep.uploaded;
        break;
      case s3::ItemResult::State::skipped:
        ++rep.skipped;
        log("already there with the same SHA-256: " + r.key);
        break;
      case s3::ItemResult::State::failed:
        ++rep.failed;
        rep.not_uploaded.push_back(r.key);
        rep.problems.push_back(r.key + ": " + r.error);
        break;
    }
  }
  if (rep.failed) return rep;  // no manifest: the upload is visibly incomplete

  // The manifest last: its presence means every object before it arrived.
  std::string manifest = manifest_json(facts, prefix, tr.items);
  try {
    client.put_object(manifest_key, s3::Body::of(manifest), "application/json");
    rep.manifest_uploaded = true;
    log("uploaded " + manifest_key + " (manifest, last)");
  } catch (const Error& e) {
    rep.problems.push_back(manifest_key + ": " + e.what());
    rep.not_uploaded.push_back(manifest_key);
    return rep;
  }

  std::vector<s3::Expected> expected;
  for (const auto& r : tr.items) expected.push_back({r.key, r.size, r.sha256_hex});
  expected.push_back({manifest_key, manifest.size(), pw::sha256_hex(manifest)});
  auto problems = s3::verify_objects(client, expected, settings.concurrency);
  for (auto& p : problems) rep.problems.push_back("verification: " + p);
  rep.verified = problems.empty();
  if (rep.verified) log("verified " + std::to_string(expected.size()) + " objects with HEAD");
  return rep;
}

engine::StageOutcome UploadStage::run(engine::StageContext& ctx) {
  auto settings = read_upload_settings(ctx.spec());
  const std::string local = ctx.paths().artifacts.string();
  if (!settings) {
    return engine::StageOutcome::skipped(
        "upload.s3 is not configured (bucket, region, endpoint); the artifacts stay in " + local);
  }

  // Gather the artifacts as post archives them (post runs after us and does it again).
  std::vector<std::string> globs{"dist/*"};
  if (const auto* post = ctx.pipeline().find("post"))
    globs = get_list(*post, "archive").value_or(globs);
  auto archived = archive_build(ctx.workspace(), ctx.paths().reports, ctx.paths().artifacts, globs,
                                &ctx.masker());
  ctx.log("collected " + std::to_string(archived.files.size()) + " artifact(s) in " + local);

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
  s3::AwsCredentials creds;
  std::string region;
  try {
    auto aws = s3::resolve_aws_setup(lookup, home);
    // The declared credential first, then any the stage lists under `credentials`.
    std::vector<std::string> ids;
    if (auto id = ctx.settings().text("credential")) ids.push_back(*id);
    ids.insert(ids.end(), ctx.spec().credentials.begin(), ctx.spec().credentials.end());
    creds = find_credentials(ids, ctx.credentials(), aws);
    region = effective_region(*settings, aws);
  } catch (const Error& e) {
    return engine::StageOutcome::failed(e.what());
  }
  if (region.empty()) {
    return engine::StageOutcome::failed(
        "no region for S3: set upload.s3.region, AWS_REGION or region in ~/.aws/config");
  }
  ctx.log("credentials from " + creds.source + ", region " + region +
          (settings->endpoint.empty() ? "" : ", endpoint " + net::redact_url(settings->endpoint)));

  BuildFacts facts;
  facts.project = ctx.pipeline().project.name.empty() ? ctx.project_dir().filename().string()
                                                      : ctx.pipeline().project.name;
  facts.number = ctx.paths().number;
  facts.commit = ctx.commit();
  facts.branch = ctx.branch();
  facts.status = engine::to_string(ctx.status_so_far());

  // Progress on a terminal for large uploads; a pipe or CI gets the log lines only.
  bool terminal = ::isatty(STDOUT_FILENO) && !std::getenv("CI");
  auto last_shown = std::chrono::steady_clock::now();
  // The stage's output is not thread-safe and the upload's workers all report through it.
  std::mutex out_mu;
  UploadHooks hooks;
  hooks.log = [&](const std::string& line) {
    std::lock_guard lock(out_mu);
    ctx.log(line);
  };
  hooks.cancelled = [&] { return ctx.should_stop(); };
  hooks.on_retry = [&](const std::string& line) {
    std::lock_guard lock(out_mu);
    ctx.warn("retrying: " + line);
  };
  hooks.progress = [&](std::uint64_t sent, std::uint64_t total, double secs) {
    if (total < (8ull << 20)) return;
    std::lock_guard lock(out_mu);
    auto now = std::chrono::steady_clock::now();
    if (now - last_shown < std::chrono::seconds(2) && sent < total) return;
    last_shown = now;
    std::string line =
        s3::human_bytes(sent) + " of " + s3::human_bytes(total) + " sent, " + rate(sent, secs);
    if (terminal)
      ctx.show(line);
    else
      ctx.log(line);
  };
  UploadReport rep;
  try {
    rep = upload_build(*settings, creds, region, ctx.paths().artifacts, facts, hooks);
  } catch (const Error& e) {
    return engine::StageOutcome::failed(e.what());
  }
  ctx.data()["url"] = rep.base;
  ctx.data()["objects"] = rep.objects;
  ctx.data()["uploaded"] = rep.uploaded;
  ctx.data()["skipped"] = rep.skipped;
  ctx.data()["bytes"] = rep.bytes_sent;
  ctx.data()["verified"] = rep.verified;
  ctx.data()["not_uploaded"] = rep.not_uploaded;
  for (const auto& p : rep.problems) ctx.log("problem: " + p);
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

}  // namespace pw::stages
