#include "stages/deploy.h"

#include "deploy/history.h"
#include "deploy/rollout.h"
#include "stages/outputs.h"
#include "stages/registry.h"
#include "util/clock.h"
#include "util/strings.h"

namespace pw::stages {

namespace {

// The settings as the deploy layer takes them: `rollback` typed by the settings table,
// `targets` by the layer's grammar.
deploy::DeployConfig read_config(const pipeline::StageSettings& settings,
                                 std::vector<Diagnostic>& diags) {
  deploy::DeployConfig cfg;
  cfg.rollback = settings.flag("rollback", true);
  if (const auto* v = settings.find("targets"))
    cfg.targets =
        deploy::read_targets(v->node, {v->where.file, v->where.line, v->where.col}, diags);
  return cfg;
}

// The pushed image as the hosts pull it, with image-push's registry login and TLS choice.
// Returns why it cannot be deployed ("" when it can).
std::string read_release(engine::StageContext& ctx, const PushedImage& pushed,
                         deploy::Release& rel) {
  rel.build = ctx.paths().number;
  rel.image = pushed.reference;
  rel.ref = deploy::parse_image_ref(rel.image);
  if (rel.image.empty() || rel.ref.repository.empty())
    return "artifacts/dockerhub_image.txt does not name an image";
  rel.digest = pushed.digest;
  if (!rel.digest.empty() && !deploy::is_sha256_digest(rel.digest))
    return "artifacts/image_digest.txt holds '" + rel.digest + "', not a sha256:<hex> digest";
  rel.pinned = deploy::pinned_reference(rel.image, rel.ref, rel.digest);
  if (rel.digest.empty()) ctx.warn("no artifacts/image_digest.txt: deploying by tag " + rel.image);

  // The push's registry credential and TLS choice, as image-push used them.
  const std::string& cred = pushed.credential;
  rel.tls_verify = pushed.tls_verify;
  if (ctx.credentials().has(cred)) {
    rel.username = ctx.credentials().field(cred, "username");
    rel.password = ctx.credentials().field(cred, "password");
    if (rel.username.empty() || rel.password.empty()) {
      ctx.log("credential '" + cred + "' lacks username or password: pulling without a login");
      rel.username.clear();
      rel.password.clear();
    }
  } else {
    ctx.log("no credential '" + cred + "': the hosts pull without a login");
  }
  return "";
}

// Each target's container variables: its `env`, then the fields of its credentials. Returns
// why a credential cannot be used ("" when all can); no host has been touched yet.
std::string read_container_env(const engine::StageContext& ctx, const deploy::DeployConfig& cfg,
                               deploy::Release& rel) {
  for (const auto& t : cfg.targets) {
    auto& env = rel.env[t.name];
    env = t.env;
    for (const auto& id : t.credentials) {
      if (!ctx.credentials().has(id))
        return "deploy target '" + t.name + "' needs credential '" + id + "', which is not in " +
               ctx.credentials().path().string() + ": no host was touched";
      for (const auto& kv : ctx.credentials().env_for(id)) {
        if (kv.second.find('\n') != std::string::npos)
          return "credential '" + id +
                 "' has a line break in a value, which an env file cannot carry: no host was "
                 "touched";
        env.push_back(kv);
      }
    }
  }
  return "";
}

// The rollout's hosts are reached through the stage's own process runs: logged, masked and
// bounded by the stage's deadline and abort.
class StageIo : public deploy::Io {
 public:
  explicit StageIo(engine::StageContext& ctx) : ctx_(ctx) {}
  exec::ProcessResult run(const std::vector<std::string>& argv, const std::string& stdin_data,
                          std::string& out, std::string& err) override {
    engine::RunOptions o;
    o.stdin_data = stdin_data;
    o.log_command = false;  // the rollout logs "$ ssh host  # what" instead of the script
    return ctx_.capture(argv, out, o, &err);
  }
  void log(const std::string& line) override { ctx_.log(line); }
  void warn(const std::string& line) override { ctx_.warn(line); }
  bool should_stop() override { return ctx_.should_stop(); }

 private:
  engine::StageContext& ctx_;
};

}  // namespace

void DeployStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                           std::vector<Diagnostic>& diags) {
  // The table's own problems were reported before this check: only the targets' grammar here.
  std::vector<Diagnostic> typed;
  read_config(pipeline::resolve_settings(spec, &typed), diags);
}

engine::StageOutcome DeployStage::run(engine::StageContext& ctx) {
  std::vector<Diagnostic> diags;
  auto cfg = read_config(ctx.settings(), diags);
  if (!diags.empty()) return engine::StageOutcome::failed(join_diagnostics(diags));
  if (cfg.targets.empty())
    return engine::StageOutcome::skipped(
        "no deploy targets configured (stages.deploy.targets in pipewright.yaml; see "
        "docs/deploy.md)");
  auto pushed = pushed_image(ctx);
  if (!pushed)
    return engine::StageOutcome::skipped(
        "no image was pushed in build #" + std::to_string(ctx.paths().number) +
        " (artifacts/dockerhub_image.txt is missing): image-push must succeed first");
  deploy::Release rel;
  if (auto why = read_release(ctx, *pushed, rel); !why.empty())
    return engine::StageOutcome::failed(why);
  if (auto why = read_container_env(ctx, cfg, rel); !why.empty())
    return engine::StageOutcome::failed(why);
  const auto& p = ctx.pipeline();
  rel.labels = deploy::container_labels(
      rel.build, p.project.name.empty() ? ctx.project_dir().filename().string() : p.project.name,
      ctx.commit(), rel.image, iso8601_now());

  StageIo io(ctx);
  auto rollout = deploy::roll_out(cfg, rel, io);
  auto record = deploy::deployment_record(rollout, rel, cfg.rollback);
  ctx.data()["deployment"] = record;
  std::string history_problem = deploy::append_history(ctx.paths().reports / "deploy.json", record,
                                                       rel.build, ctx.masker(), io);
  if (!history_problem.empty()) ctx.data()["deployment_history_problem"] = history_problem;
  std::string summary = deploy::summary(rollout, rel, history_problem);
  switch (rollout.status()) {
    case deploy::Rollout::Status::aborted:
      return {engine::Status::aborted, summary};
    case deploy::Rollout::Status::failed:
      return engine::StageOutcome::failed(summary);
    case deploy::Rollout::Status::deployed:
      break;
  }
  // Deployed, but its history was damaged: UNSTABLE, so that someone looks at the file.
  if (!history_problem.empty()) return engine::StageOutcome::unstable(summary);
  return engine::StageOutcome::ok(summary);
}

namespace {
const BuiltinStage kDeployRegistered([](engine::StageRegistry& r) {
  r.add("deploy", make_stage<DeployStage>(), DeployStage::validate);
});
}  // namespace

}  // namespace pw::stages
