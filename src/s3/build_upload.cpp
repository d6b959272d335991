// The upload of one build folder to S3 (see build_upload.h), shared by the upload stage and
// `pipewright upload --build N`.
#include "s3/build_upload.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>

#include "pipeline/settings.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/strings.h"

namespace pw::s3 {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kS3Keys = {"bucket", "prefix", "region", "endpoint"};

std::string trim_slashes(std::string s) {
  while (!s.empty() && s.front() == '/') s.erase(0, 1);
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

Diagnostic at(const pipeline::Setting& s, const std::string& message) {
  return {s.where.file, s.where.line, s.where.col, message};
}

void report(std::vector<Diagnostic>* diags, Diagnostic d) {
  if (diags)
    diags->push_back(std::move(d));
  else
    throw ConfigError(std::vector<Diagnostic>{d});
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

std::string rate_text(std::uint64_t bytes, double seconds) {
  if (seconds <= 0) return "";
  return human_bytes(static_cast<std::uint64_t>(static_cast<double>(bytes) / seconds)) + "/s";
}

std::vector<std::string> credential_ids(const pipeline::StageSpec& spec) {
  std::vector<std::string> ids;
  if (auto id = pipeline::resolve_settings(spec).text("credential")) ids.push_back(*id);
  ids.insert(ids.end(), spec.credentials.begin(), spec.credentials.end());
  return ids;
}

AwsCredentials find_credentials(const std::vector<std::string>& ids, const FieldLookup& field,
                                const AwsSetup& aws) {
  for (const auto& id : ids) {
    std::string key = field(id, "access_key_id");
    std::string secret = field(id, "secret_access_key");
    if (!key.empty() && !secret.empty())
      return {key, secret, field(id, "session_token"), "credential '" + id + "'"};
  }
  if (aws.credentials) return *aws.credentials;
  std::string msg =
      "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE with "
      "~/.aws/credentials, or list a pipewright credential with access_key_id and "
      "secret_access_key under the stage's credentials";
  if (!ids.empty()) msg += " (" + join(ids, ", ") + " has no access_key_id/secret_access_key)";
  throw Error(msg);
}

std::string effective_region(const UploadSettings& s, const AwsSetup& aws) {
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
                          const std::vector<ItemResult>& items) {
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
  if (bytes_sent) s += ", " + human_bytes(bytes_sent) + " at " + rate_text(bytes_sent, seconds);
  if (ok()) s += "; manifest.json last, all verified with HEAD";
  return s;
}

UploadReport upload_build(const UploadSettings& settings, const AwsCredentials& credentials,
                          const std::string& region, const fs::path& artifacts,
                          const BuildFacts& facts, const UploadHooks& hooks) {
  auto log = [&](const std::string& line) {
    if (hooks.log) hooks.log(line);
  };
  ClientConfig cc;
  cc.bucket = settings.bucket;
  cc.region = region;
  cc.endpoint = settings.endpoint;
  cc.credentials = credentials;
  cc.retry.max_attempts = settings.attempts;
  cc.on_retry = [&](const std::string& line) {
    log("retry: " + line);
    if (hooks.on_retry) hooks.on_retry(line);
  };
  Client client(cc);

  UploadReport rep;
  std::string prefix = build_key_prefix(settings, facts.project, facts.number);
  rep.base = "s3://" + settings.bucket + "/" + prefix;
  const std::string manifest_key = prefix + "manifest.json";

  // Every file of the local store, sorted so the manifest and the log read the same each time.
  std::vector<TransferItem> items;
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

  TransferOptions opt;
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
  TransferResult tr;
  try {
    tr = upload_files(client, items, opt);
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
      case ItemResult::State::uploaded:
        ++rep.uploaded;
        break;
      case ItemResult::State::skipped:
        ++rep.skipped;
        log("already there with the same SHA-256: " + r.key);
        break;
      case ItemResult::State::failed:
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
    client.put_object(manifest_key, Body::of(manifest), "application/json");
    rep.manifest_uploaded = true;
    log("uploaded " + manifest_key + " (manifest, last)");
  } catch (const Error& e) {
    rep.problems.push_back(manifest_key + ": " + e.what());
    rep.not_uploaded.push_back(manifest_key);
    return rep;
  }

  std::vector<Expected> expected;
  for (const auto& r : tr.items) expected.push_back({r.key, r.size, r.sha256_hex});
  expected.push_back({manifest_key, manifest.size(), pw::sha256_hex(manifest)});
  auto problems = verify_objects(client, expected, settings.concurrency);
  for (auto& p : problems) rep.problems.push_back("verification: " + p);
  rep.verified = problems.empty();
  if (rep.verified) log("verified " + std::to_string(expected.size()) + " objects with HEAD");
  return rep;
}

}  // namespace pw::s3
