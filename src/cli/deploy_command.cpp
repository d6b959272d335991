#include "cli/deploy_command.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "deploy/config.h"
#include "deploy/status.h"
#include "engine/build_store.h"
#include "engine/console.h"
#include "engine/credentials.h"
#include "engine/engine.h"
#include "exec/interrupts.h"
#include "pipeline/settings.h"
#include "stages/registry.h"
#include "util/error.h"
#include "util/strings.h"

namespace pw::cli {

namespace fs = std::filesystem;

namespace {

std::string pad(std::string s, size_t n) {
  return s.size() >= n ? s : s + std::string(n - s.size(), ' ');
}

// Keeps only the named targets in the deploy stage's settings, so the stage itself (and its
// record) sees exactly what was asked for.
void keep_targets(pipeline::StageSpec& spec, const std::vector<deploy::DeployTarget>& targets,
                  const std::vector<std::string>& names) {
  std::vector<std::string> known;
  for (const auto& t : targets) known.push_back(t.name);
  for (const auto& n : names) {
    if (std::find(known.begin(), known.end(), n) != known.end()) continue;
    std::string msg = "--target " + n + ": no deploy target of that name (targets: " +
                      (known.empty() ? std::string("none") : join(known, ", ")) + ")";
    std::string best = closest_match(n, known);
    if (!best.empty()) msg += "; did you mean '" + best + "'?";
    throw ConfigError(msg);
  }
  for (auto& s : spec.settings) {
    if (s.key != "targets") continue;
    YAML::Node kept(YAML::NodeType::Sequence);
    size_t i = 0;
    for (const auto& item : s.value) {
      const auto& name = targets.at(i++).name;
      if (std::find(names.begin(), names.end(), name) != names.end()) kept.push_back(item);
    }
    s.value = kept;
  }
}

// The deploy stage's targets, read as the stage reads them (the table's types, then the
// targets' grammar).
std::vector<deploy::DeployTarget> read_targets(const pipeline::StageSpec& spec,
                                               std::vector<Diagnostic>& diags) {
  auto settings = pipeline::resolve_settings(spec, &diags);
  const auto* v = settings.find("targets");
  if (!v) return {};
  return deploy::read_targets(v->node, {v->where.file, v->where.line, v->where.col}, diags);
}

int show_status(const std::vector<deploy::DeployTarget>& targets) {
  struct Row {
    std::string target, host, container, build, state, image;
  };
  std::vector<Row> rows;
  bool all_reached = true;
  for (const auto& t : targets) {
    Row r;
    r.target = t.name;
    r.host = (t.user.empty() ? "" : t.user + "@") + t.host +
             (t.port != 22 ? ":" + std::to_string(t.port) : "");
    r.container = t.container.empty() ? "(image name)" : t.container;
    auto st = deploy::target_status(t);
    if (st.unreachable) all_reached = false;
    r.build = st.build;
    r.state = st.state;
    r.image = st.image;
    rows.push_back(r);
  }
  size_t w[5] = {6, 4, 9, 5, 5};
  for (const auto& r : rows) {
    w[0] = std::max(w[0], r.target.size());
    w[1] = std::max(w[1], r.host.size());
    w[2] = std::max(w[2], r.container.size());
    w[3] = std::max(w[3], r.build.size());
    w[4] = std::max(w[4], r.state.size());
  }
  std::cout << pad("Target", w[0]) << "  " << pad("Host", w[1]) << "  " << pad("Container", w[2])
            << "  " << pad("Build", w[3]) << "  " << pad("State", w[4]) << "  Image\n";
  for (const auto& r : rows)
    std::cout << pad(r.target, w[0]) << "  " << pad(r.host, w[1]) << "  " << pad(r.container, w[2])
              << "  " << pad(r.build, w[3]) << "  " << pad(r.state, w[4]) << "  "
              << sanitize_for_display(r.image) << "\n";
  return all_reached ? 0 : 1;
}

}  // namespace

int cmd_deploy(const fs::path& dir, pipeline::Pipeline p, const DeployArgs& a) {
  pipeline::StageSpec* spec = p.find("deploy");
  if (!spec || spec->kind != "deploy") throw ConfigError("the pipeline has no deploy stage");
  if (!spec->enabled) throw ConfigError("the deploy stage is disabled (enabled: false)");
  std::vector<Diagnostic> diags;
  auto targets = read_targets(*spec, diags);
  if (!diags.empty()) throw ConfigError(diags);
  if (targets.empty())
    throw ConfigError("no deploy targets configured: add stages.deploy.targets to " +
                      (p.config_file.empty() ? std::string("pipewright.yaml") : p.config_file) +
                      " (see docs/deploy.md)");
  if (!a.targets.empty()) {
    keep_targets(*spec, targets, a.targets);
    targets = read_targets(*spec, diags);
  }
  if (a.status) return show_status(targets);

  engine::BuildStore store(dir);
  int number = a.build;
  if (number == 0) {
    for (int n = store.newest(); n > 0 && number == 0; --n)
      if (fs::exists(store.paths(n).artifacts / "dockerhub_image.txt")) number = n;
    if (number == 0)
      throw Error(
          "no build has pushed an image yet (no .pipewright/builds/N/artifacts/"
          "dockerhub_image.txt): run the pipeline with image-push first");
  } else if (!store.read(number)) {
    if (auto w = store.take_warnings(); !w.empty()) throw Error(w.front());
    throw Error("build #" + std::to_string(number) + " does not exist in " + store.dir().string());
  }
  if (!fs::exists(store.paths(number).artifacts / "dockerhub_image.txt"))
    throw Error("build #" + std::to_string(number) +
                " pushed no image (no artifacts/"
                "dockerhub_image.txt): nothing to deploy");

  auto creds = engine::Credentials::load(engine::Credentials::default_path());
  engine::StageRegistry registry;
  stages::register_builtin_stages(registry);
  engine::Console console(engine::ConsoleOptions::detect(STDOUT_FILENO, a.verbose));
  exec::Interrupts::install([&console](int signo, int level) {
    console.warn(std::string(signo == SIGINT ? "SIGINT" : "SIGTERM") +
                 (level == 1 ? " received: stopping the deployment" : " received again"));
  });
  engine::Engine eng(dir, p, registry, console, creds);
  engine::BuildRequest req;
  req.targets = {"deploy"};
  req.only = true;
  req.jobs = 1;
  req.build_number = number;
  auto outcome = eng.run(req);
  return static_cast<int>(outcome.exit_code);
}

}  // namespace pw::cli
