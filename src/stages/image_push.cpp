#include "stages/image_push.h"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "exec/process.h"
#include "net/registry_api.h"
#include "stages/container_engine.h"
#include "stages/outputs.h"
#include "stages/registry.h"
#include "stages/settings.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;

namespace {

constexpr int kAttempts = 3;  // network errors only; backoff 2 s, then 4 s

// A private folder for the engine's auth file: `login` would otherwise store the credential in
// the user's own auth.json (podman) or ~/.docker/config.json, where it outlives the build.
class AuthDir {
 public:
  AuthDir() {
    std::string tmpl = (fs::temp_directory_path() / "pipewright-auth.XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw Error("cannot create a private folder in /tmp: " + errno_text(errno));
    path_ = tmpl;
  }
  ~AuthDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

bool valid_registry(const std::string& r) {
  if (r.empty() || r.find("://") != std::string::npos || r.find('/') != std::string::npos)
    return false;
  for (char c : r)
    if (std::isspace(static_cast<unsigned char>(c))) return false;
  return true;
}

void sleep_unless_aborted(engine::StageContext& ctx, int seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until && !ctx.should_stop())
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

struct Attempt {
  exec::ProcessResult result;
  std::string output;  // stdout and stderr of the last attempt (masked)
};

// Runs an engine command, retrying with backoff while its output says the network failed.
Attempt run_with_retries(engine::StageContext& ctx, const std::vector<std::string>& argv,
                         const engine::RunOptions& opts, const std::string& what) {
  Attempt a;
  for (int attempt = 1;; ++attempt) {
    std::string out, err;
    a.result = ctx.capture(argv, out, opts, &err);
    for (const auto& l : split_lines(out)) ctx.log(l);
    a.output = out + err;
    if (a.result.ok() || a.result.aborted || attempt == kAttempts ||
        classify_push_output(a.output) != PushProblem::network)
      return a;
    int wait = 2 << (attempt - 1);
    ctx.log("# " + what + ": network error, attempt " + std::to_string(attempt) + " of " +
            std::to_string(kAttempts) + "; retrying in " + std::to_string(wait) + " s");
    sleep_unless_aborted(ctx, wait);
    if (ctx.should_stop()) return a;
  }
}

std::string first_error_line(const std::string& output) {
  return engine_error_lines(split_lines(output), 2);
}

struct Login {
  std::string cred;  // the credential's id
  std::string user, password;
};

// The registry credential: the stage's `credential`, the first it lists, else dockerhub; its
// fields from the credentials file, else from the environment a CI's credential binding sets
// (DOCKERHUB_USERNAME, DOCKERHUB_PASSWORD).
Login registry_login(engine::StageContext& ctx) {
  const auto& spec = ctx.spec();
  // The table's default (dockerhub) gives way to a credential the stage lists itself.
  const pipeline::SettingValue* cv = ctx.settings().find("credential");
  Login l;
  l.cred = cv && !(cv->from_default && !spec.credentials.empty())
               ? cv->text
               : (spec.credentials.empty() ? std::string("dockerhub") : spec.credentials.front());
  auto env = ctx.environment();
  auto field = [&](const std::string& f) {
    std::string v = ctx.credentials().field(l.cred, f);
    return v.empty() ? exec::get_env(env, engine::Credentials::env_name(l.cred, f)) : v;
  };
  l.user = field("username");
  l.password = field("password");
  return l;
}

// The image's name without a registry host (a first part with '.' or ':', or localhost): Docker
// Hub names repositories <namespace>/<name>, the account's own namespace by default.
std::string repository_base(const std::string& image) {
  std::string base = image;
  if (auto slash = base.find('/'); slash != std::string::npos) {
    std::string first = base.substr(0, slash);
    if (first.find('.') != std::string::npos || first.find(':') != std::string::npos ||
        first == "localhost")
      base = base.substr(slash + 1);
  }
  return base;
}

// What every engine command of the push shares: the engine, its private auth folder, TLS flags.
struct EngineCall {
  engine::StageContext& ctx;
  const ContainerEngine& engine;
  engine::RunOptions opts;
  std::vector<std::string> tls;
};

// Logs in to the registry, the password on the engine's stdin, never in its argv; the failed
// outcome, named by what the engine's output says went wrong.
std::optional<engine::StageOutcome> log_in(EngineCall& call, const std::string& registry,
                                           const Login& login) {
  std::vector<std::string> argv = {call.engine.path, "login", "--username", login.user,
                                   "--password-stdin"};
  argv.insert(argv.end(), call.tls.begin(), call.tls.end());
  argv.push_back(registry);
  engine::RunOptions login_opts = call.opts;
  login_opts.stdin_data = login.password + "\n";
  auto a = run_with_retries(call.ctx, argv, login_opts, "login");
  if (a.result.aborted) return engine::StageOutcome{engine::Status::aborted, "aborted"};
  if (a.result.ok()) return std::nullopt;
  auto kind = classify_push_output(a.output);
  std::string line = first_error_line(a.output);
  if (kind == PushProblem::auth)
    return engine::StageOutcome::failed("login to " + registry + " as " + login.user +
                                        " was refused: wrong username or password (credential '" +
                                        login.cred + "'): " + line);
  if (kind == PushProblem::network)
    return engine::StageOutcome::failed("cannot reach the registry " + registry + " (" +
                                        std::to_string(kAttempts) + " attempts): " + line);
  return engine::StageOutcome::failed(call.engine.name + " login to " + registry + " failed (" +
                                      a.result.describe() + "): " + line);
}

// The sha256 digest a push reports: podman's --digestfile, else docker's output line
// "<tag>: digest: sha256:<hex> size: <n>"; "" when neither has one.
std::string pushed_digest(const fs::path& digest_file, const std::string& output) {
  std::error_code ec;
  if (fs::exists(digest_file, ec)) return std::string(trim(read_file(digest_file)));
  auto at_pos = output.find("digest: sha256:");
  if (at_pos != std::string::npos) return output.substr(at_pos + 8, 7 + 64);
  return {};
}

// Tags the built image as `reference` and pushes it, setting `digest` to what the engine pushed;
// the failed outcome when either step fails or no digest is reported.
std::optional<engine::StageOutcome> tag_and_push(EngineCall& call, const std::string& tag_ref,
                                                 const std::string& reference,
                                                 const std::string& repository,
                                                 const std::string& user,
                                                 const fs::path& digest_file, std::string& digest) {
  const auto& engine = call.engine;
  auto t = call.ctx.run({engine.path, "tag", tag_ref, reference}, call.opts);
  if (t.aborted) return engine::StageOutcome{engine::Status::aborted, "aborted"};
  if (!t.ok())
    return engine::StageOutcome::failed(engine.name + " tag " + tag_ref + " failed (" +
                                        t.describe() +
                                        "): " + engine_error_lines(call.ctx.output_tail(), 2));
  std::vector<std::string> push = {engine.path, "push"};
  push.insert(push.end(), call.tls.begin(), call.tls.end());
  if (engine.is_podman()) push.insert(push.end(), {"--digestfile", digest_file.string()});
  push.push_back(reference);
  auto a = run_with_retries(call.ctx, push, call.opts, "push");
  if (a.result.aborted) return engine::StageOutcome{engine::Status::aborted, "aborted"};
  if (!a.result.ok()) {
    auto kind = classify_push_output(a.output);
    std::string line = first_error_line(a.output);
    if (kind == PushProblem::auth)
      return engine::StageOutcome::failed("the registry refused the push of " + reference +
                                          " for " + user + " (no permission on " + repository +
                                          "?): " + line);
    return engine::StageOutcome::failed(engine.name + " push " + reference + " failed (" +
                                        a.result.describe() + "): " + line);
  }
  digest = pushed_digest(digest_file, a.output);
  if (!digest.starts_with("sha256:") || digest.size() != 71)
    return engine::StageOutcome::failed(engine.name + " push reported no digest for " + reference);
  return std::nullopt;
}

// The engine's word checked against the registry's own answer: the failed outcome when the
// registry cannot be asked or serves another digest for the tag.
std::optional<engine::StageOutcome> check_manifest(
    engine::StageContext& ctx, const net::RegistryAccess& access, const std::string& repository,
    const std::string& tag, const std::string& reference, const std::string& digest,
    const std::string& engine_name) {
  net::ManifestAnswer m;
  try {
    m = net::fetch_manifest(access, repository, tag);
  } catch (const net::TransportError& e) {
    return engine::StageOutcome::failed(
        "pushed, but the registry cannot be asked for the manifest: " + std::string(e.what()));
  }
  ctx.log("GET " + m.url + ": HTTP " + std::to_string(m.status) + ", " + m.media_type + ", " +
          m.digest);
  if (m.status != 200)
    return engine::StageOutcome::failed("pushed, but the registry answers HTTP " +
                                        std::to_string(m.status) + " for the manifest of " +
                                        reference);
  if (m.digest != digest)
    return engine::StageOutcome::failed("the registry serves " + m.digest + " for " + reference +
                                        ", but " + engine_name + " pushed " + digest);
  return std::nullopt;
}

}  // namespace

PushProblem classify_push_output(const std::string& output) {
  std::string t = to_lower(output);
  for (const char* s :
       {"unauthorized", "invalid username/password", "incorrect username or password",
        "authentication required", "denied", "status 401", "401 unauthorized", "forbidden"})
    if (contains(t, s)) return PushProblem::auth;
  for (const char* s :
       {"connection refused", "no route to host", "i/o timeout", "timeout", "connection reset",
        "tls handshake", "no such host", "temporary failure", "network is unreachable", ": eof",
        "502 bad gateway", "503 service", "504 gateway", "server misbehaving"})
    if (contains(t, s)) return PushProblem::network;
  return PushProblem::other;
}

void ImagePushStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                              std::vector<Diagnostic>& diags) {
  auto settings = pipeline::resolve_settings(spec);
  if (auto r = settings.text("registry"); r && !valid_registry(*r))
    diags.push_back(at(
        *settings.find("registry"),
        "registry is a host with an optional port (docker.io, 127.0.0.1:5000), not '" + *r + "'"));
  if (auto r = settings.text("repository"); r && !valid_image_name(*r))
    diags.push_back(
        at(*settings.find("repository"),
           "repository '" + *r + "' is not a valid repository name (lower case, e.g. team/app)"));
}

engine::StageOutcome ImagePushStage::run(engine::StageContext& ctx) {
  // The image image-build made in this build (or recorded in artifacts on a re-run of this stage).
  auto built = built_image(ctx);
  if (!built)
    return engine::StageOutcome::skipped("no image to push: image-build built none in this build");
  std::string tag_ref = built->tag;
  auto colon = tag_ref.rfind(':');
  if (colon == std::string::npos || tag_ref.find('/', colon) != std::string::npos)
    return engine::StageOutcome::failed("image_tag.txt holds '" + tag_ref + "', not <image>:<tag>");
  std::string image = tag_ref.substr(0, colon), tag = tag_ref.substr(colon + 1);

  const auto& settings = ctx.settings();
  std::string registry = settings.text_or("registry", "docker.io");
  Login login = registry_login(ctx);
  if (login.user.empty() || login.password.empty())
    return engine::StageOutcome::skipped(
        "no registry credential: '" + login.cred + "' with username and password is not in " +
        ctx.credentials().path().string() + " nor in " +
        engine::Credentials::env_name(login.cred, "username") + "/" +
        engine::Credentials::env_name(login.cred, "password") + "; add it to push to " + registry);
  std::string repository =
      settings.text_or("repository", image_name_from(login.user) + "/" + repository_base(image));
  if (!valid_image_name(repository))
    return engine::StageOutcome::failed("'" + repository +
                                        "' is not a valid repository: set image-push.repository");
  bool tls_verify = settings.flag("tls_verify", true);

  std::string why;
  auto engine = find_container_engine(ctx, settings.text_or("engine", "auto"), why);
  if (!engine) return engine::StageOutcome::skipped(why);
  AuthDir auth;
  EngineCall call{ctx, *engine, {}, {}};
  call.opts.env = {{"REGISTRY_AUTH_FILE", (auth.path() / "auth.json").string()},
                   {"DOCKER_CONFIG", auth.path().string()}};
  // docker has no such flag: its daemon's insecure-registries setting decides.
  if (engine->is_podman() && !tls_verify) call.tls.push_back("--tls-verify=false");
  if (auto failed = log_in(call, registry, login)) return *failed;

  std::string reference = registry + "/" + repository + ":" + tag;
  std::string digest;
  if (auto failed = tag_and_push(call, tag_ref, reference, repository, login.user,
                                 auth.path() / "digest", digest))
    return *failed;
  net::RegistryAccess access{registry, login.user, login.password, tls_verify, 30};
  if (auto failed = check_manifest(ctx, access, repository, tag, reference, digest, engine->name))
    return *failed;
  publish(ctx, PushedImage{registry, repository, tag, reference, digest, engine->name, login.cred,
                           tls_verify});
  return engine::StageOutcome::ok("pushed " + reference + " (" + digest.substr(0, 19) +
                                  "), the registry serves that digest");
}

namespace {
const BuiltinStage kImagePushRegistered([](engine::StageRegistry& r) {
  r.add("image-push", make_stage<ImagePushStage>(), ImagePushStage::validate);
});
}  // namespace

}  // namespace pw::stages
