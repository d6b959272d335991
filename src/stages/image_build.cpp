#include "stages/image_build.h"

#include <cctype>
#include <filesystem>

#include "exec/capture.h"
#include "net/http.h"
#include "python/distribution.h"
#include "stages/container_engine.h"
#include "stages/outputs.h"
#include "stages/registry.h"
#include "stages/settings.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;

namespace {

// build_args' names (the table checked that it maps names to plain values).
void check_build_args(const pipeline::StageSettings& settings, std::vector<Diagnostic>& diags) {
  for (const auto& [key, value] : settings.map("build_args")) {
    bool ok = !key.empty();
    for (char c : key) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ok)
      diags.push_back(at(*settings.find("build_args"),
                         "build_args key '" + key + "' is not an ARG name (letters, digits, _)"));
  }
}

// Where the source of this image lives, for org.opencontainers.image.source: the repository
// checkout cloned when it was a URL, else the project's origin remote, else its folder. User info
// (a token in an https URL) is cut off: labels are readable by anyone who pulls the image.
std::string source_url(const engine::StageContext& ctx) {
  auto checkout = ctx.stage_data("checkout");
  std::string src = checkout.value("source", "");
  if (src.find("://") != std::string::npos || src.find('@') != std::string::npos)
    return net::redact_url(src);
  if (auto origin = exec::git(ctx.project_dir(), {"config", "--get", "remote.origin.url"});
      origin && !origin->empty())
    return net::redact_url(*origin);
  return "file://" + (src.empty() ? ctx.project_dir().string() : src);
}

// The version label: what package built (its METADATA), else pyproject.toml's.
std::string project_version(const engine::StageContext& ctx, const fs::path& ws) {
  if (auto pkg = packages(ctx); pkg && !pkg->version.empty()) return pkg->version;
  std::error_code ec;
  if (fs::exists(ws / "pyproject.toml", ec)) {
    try {
      return python::read_pyproject(read_file(ws / "pyproject.toml"), "pyproject.toml").version;
    } catch (const Error&) {
    }
  }
  return {};
}

// The image's name: the `image` setting, else one made from the project's name.
std::string image_name(const engine::StageContext& ctx) {
  std::string image = ctx.settings().text_or("image", "");
  if (image.empty()) {
    std::string project = ctx.pipeline().project.name;
    if (project.empty()) project = ctx.project_dir().filename().string();
    image = image_name_from(project);
  }
  return image;
}

// The OCI labels: source, creation time, revision and version when known.
std::vector<std::pair<std::string, std::string>> image_labels(const engine::StageContext& ctx,
                                                              const fs::path& ws) {
  std::vector<std::pair<std::string, std::string>> labels = {
      {"org.opencontainers.image.source", source_url(ctx)},
      {"org.opencontainers.image.created", iso8601_now()},
  };
  if (!ctx.commit().empty()) labels.emplace_back("org.opencontainers.image.revision", ctx.commit());
  if (std::string v = project_version(ctx, ws); !v.empty())
    labels.emplace_back("org.opencontainers.image.version", v);
  return labels;
}

// The engine's build command: tag, image id file, labels, build args, target, context.
std::vector<std::string> build_argv(const pipeline::StageSettings& settings,
                                    const std::string& engine, const fs::path& dockerfile,
                                    const std::string& tag, const fs::path& iidfile,
                                    const std::vector<std::pair<std::string, std::string>>& labels,
                                    const fs::path& context) {
  std::vector<std::string> argv = {engine, "build", "-f",        dockerfile.string(),
                                   "-t",   tag,     "--iidfile", iidfile.string()};
  for (const auto& [k, v] : labels) argv.insert(argv.end(), {"--label", k + "=" + v});
  // Build args are on the command line (docker takes them no other way): they are for
  // configuration, never for secrets, which would also stay readable in the image's history.
  for (const auto& [k, v] : settings.map("build_args"))
    argv.insert(argv.end(), {"--build-arg", k + "=" + v});
  if (auto t = settings.text("target")) argv.insert(argv.end(), {"--target", *t});
  argv.push_back(context.string());
  return argv;
}

// The built image's id from the engine's --iidfile ("" when it wrote none), which is removed.
std::string take_image_id(const fs::path& iidfile) {
  std::error_code ec;
  std::string image_id;
  if (fs::exists(iidfile, ec)) {
    image_id = std::string(trim(read_file(iidfile)));
    fs::remove(iidfile, ec);
  }
  return image_id;
}

}  // namespace

void ImageBuildStage::validate(const pipeline::StageSpec& spec, const pipeline::Pipeline&,
                               std::vector<Diagnostic>& diags) {
  auto settings = pipeline::resolve_settings(spec);
  if (auto v = settings.text("image"); v && !valid_image_name(*v))
    diags.push_back(at(*settings.find("image"),
                       "image '" + *v +
                           "' is not a valid image name (lower case letters, digits and "
                           "'.', '_', '-' between them, '/' between components)"));
  check_build_args(settings, diags);
}

engine::StageOutcome ImageBuildStage::run(engine::StageContext& ctx) {
  const auto& spec = ctx.spec();
  const auto& settings = ctx.settings();
  fs::path ws = ctx.workspace();
  if (!fs::is_directory(ws))
    return engine::StageOutcome::failed("the workspace " + ws.string() +
                                        " does not exist: run checkout first");
  std::string dockerfile_rel = settings.text_or("dockerfile", "Dockerfile");
  fs::path dockerfile = ws / dockerfile_rel;
  fs::path context = ws / settings.text_or("context", ".");
  std::error_code ec;
  if (!fs::is_regular_file(dockerfile, ec))
    return engine::StageOutcome::skipped("no " + dockerfile_rel +
                                         " in the project: nothing to build");
  if (!fs::is_directory(context, ec))
    return engine::StageOutcome::failed("the build context " + context.string() +
                                        " is not a folder");

  std::string why;
  auto engine = find_container_engine(ctx, settings.text_or("engine", "auto"), why);
  if (!engine) return engine::StageOutcome::skipped(why);

  std::string image = image_name(ctx);
  if (!valid_image_name(image))
    return engine::StageOutcome::failed("'" + image +
                                        "' is not a valid image name: set image-build.image");
  std::string commit = ctx.commit();
  std::string tag_part = std::to_string(ctx.paths().number);
  if (!commit.empty()) tag_part += "-" + commit.substr(0, 7);
  std::string tag = image + ":" + tag_part;
  auto labels = image_labels(ctx, ws);

  fs::path iidfile = ctx.paths().root / ("." + spec.id + ".iid");
  fs::remove(iidfile, ec);
  auto r = ctx.run(build_argv(settings, engine->path, dockerfile, tag, iidfile, labels, context),
                   {.cwd = ws});
  if (r.aborted) return {engine::Status::aborted, "aborted"};
  if (!r.ok()) {
    if (!r.spawn_error.empty()) return engine::StageOutcome::failed(r.spawn_error);
    return engine::StageOutcome::failed(engine->name + " build failed (" + r.describe() +
                                        "): " + engine_error_lines(ctx.output_tail()));
  }
  std::string image_id = take_image_id(iidfile);
  publish(ctx, BuiltImage{engine->name, image, tag, image_id});
  nlohmann::json lj = nlohmann::json::object();
  for (const auto& [k, v] : labels) lj[k] = v;
  ctx.data()["labels"] = lj;
  return engine::StageOutcome::ok(tag + " built with " + engine->name +
                                  (image_id.empty() ? "" : " (" + image_id.substr(0, 19) + ")"));
}

namespace {
const BuiltinStage kImageBuildRegistered([](engine::StageRegistry& r) {
  r.add("image-build", make_stage<ImageBuildStage>(), ImageBuildStage::validate);
});
}  // namespace

}  // namespace pw::stages
