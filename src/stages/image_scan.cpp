#include "stages/image_scan.h"

#include <filesystem>
#include <optional>

#include "image/inventory.h"
#include "image/save.h"
#include "image/trivy_report.h"
#include "image/vulnerabilities.h"
#include "security/scan.h"
#include "security/store.h"
#include "stages/container_engine.h"
#include "stages/outputs.h"
#include "stages/registry.h"
#include "stages/settings.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;
using security::Rating;

namespace {

// Removes the stage's work folder (the saved image) however the stage ends.
struct Cleanup {
  fs::path p;
  ~Cleanup() {
    std::error_code ec;
    fs::remove_all(p, ec);
  }
};

// Saves the image to `archive` with the engine and reads its inventory into `result`, matched
// against the advisory database; the failed outcome when a step fails or the stage must stop
// (its deadline and abort flag bound its own work too, checked between the steps).
std::optional<engine::StageOutcome> save_and_read_image(
    engine::StageContext& ctx, const ContainerEngine& eng, security::Store& store,
    const std::string& tag, const fs::path& archive, image::ImageScanResult& result) {
  auto saved = ctx.run(image::save_argv(eng.path, tag, archive));
  if (!saved.ok())
    return engine::StageOutcome::failed(eng.name + " save " + tag + " failed (" + saved.describe() +
                                        ")" + [&] {
                                          std::string e = engine_error_lines(ctx.output_tail());
                                          return e.empty() ? std::string() : ": " + e;
                                        }());
  if (ctx.should_stop())
    return engine::StageOutcome::failed("stopped (timeout or abort) after saving the image");
  try {
    result = image::scan_inventory(store, image::read_inventory(archive), tag);
  } catch (const Error& e) {
    return engine::StageOutcome::failed("could not read the saved image: " + std::string(e.what()));
  }
  if (ctx.should_stop())
    return engine::StageOutcome::failed("stopped (timeout or abort) after reading the image");
  for (const auto& w : result.warnings) ctx.log("note: " + w.str());
  const auto& inv = result.inventory;
  ctx.log("read " + std::to_string(inv.layers) + " layer(s), " + std::to_string(inv.entries) +
          " entries in " + std::to_string(inv.elapsed.count()) + " ms");
  return std::nullopt;
}

// With the `trivy` setting, runs Trivy on the saved image and merges its report into `report`;
// every way it can go wrong is a warning and pipewright's own scan stands.
void merge_trivy(engine::StageContext& ctx, const fs::path& work, const fs::path& archive,
                 nlohmann::ordered_json& report) {
  std::string trivy_mode = ctx.settings().text_or("trivy", "false");
  if (trivy_mode == "false") return;
  // Untested on pipewright's own machines (Trivy is not installable there); see docs.
  std::string trivy = find_on_path("trivy");
  if (trivy.empty()) {
    if (trivy_mode == "true")
      ctx.warn("trivy: true, but trivy is not on PATH: pipewright's own scan only");
    return;
  }
  fs::path theirs = work / "trivy.json";
  auto r = ctx.run({trivy, "image", "--quiet", "--format", "json", "--output", theirs.string(),
                    "--input", archive.string()});
  if (!r.ok()) {
    ctx.warn("trivy failed (" + r.describe() + "): pipewright's own scan only");
    return;
  }
  try {
    report = image::merge_trivy_reports(read_file(theirs), report);
    ctx.data()["trivy"] = true;
  } catch (const Error& e) {
    ctx.warn(std::string("trivy's report could not be merged: ") + e.what());
  }
}

// Records the image, its OS, its package counts and the findings counts in the stage's data.
void record_scan(engine::StageContext& ctx, const image::ImageScanResult& result,
                 const std::string& tag, size_t database_records) {
  const auto& inv = result.inventory;
  auto c = image::count_findings(result);
  ctx.data()["image"] = tag;
  ctx.data()["os"] = inv.os_found ? inv.os.id + " " + inv.os.version_id : "";
  ctx.data()["ecosystem"] = result.os_ecosystem;
  ctx.data()["debian_packages"] = inv.debs.size();
  ctx.data()["python_packages"] = inv.python.size();
  ctx.data()["findings"] = {{"critical", c.critical}, {"high", c.high},       {"medium", c.medium},
                            {"low", c.low},           {"unrated", c.unknown}, {"total", c.total()}};
  ctx.data()["report"] = "artifacts/trivy-image-report.json";
  ctx.data()["database_records"] = database_records;
}

// The stage's outcome: its findings summary, failing the build when fail_on says so.
engine::StageOutcome verdict(engine::StageContext& ctx, const image::ImageScanResult& result) {
  auto v = security::fail_on_verdict(image::findings_summary(result),
                                     ctx.settings().text_or("fail_on", "none"),
                                     [&](Rating r) { return image::fails(result, r); });
  engine::StageOutcome o =
      v.fails_build ? engine::StageOutcome::failed(v.summary) : engine::StageOutcome::ok(v.summary);
  o.fails_build = v.fails_build;
  return o;
}

}  // namespace

engine::StageOutcome ImageScanStage::run(engine::StageContext& ctx) {
  auto built = built_image(ctx);
  if (!built)
    return engine::StageOutcome::skipped(
        "no image was built in this build (no artifacts/image_tag.txt from image-build): nothing "
        "to scan");
  std::string tag = built->tag;
  if (tag.empty())
    return engine::StageOutcome::skipped("artifacts/image_tag.txt is empty: nothing to scan");
  fs::path db_path = security::Store::default_path();
  if (!fs::exists(db_path))
    return engine::StageOutcome::skipped(
        "no advisory database yet: create one with `pipewright db import PATH|URL` (OSV records of "
        "Debian:<release> and PyPI: folders, osv.dev zips such as Debian:12's and PyPI's all.zip, "
        "or "
        "their URLs)");
  security::Store store(db_path);
  auto status = store.status();
  if (status.records == 0)
    return engine::StageOutcome::skipped("the advisory database " + db_path.string() +
                                         " is empty: run `pipewright db import PATH|URL`");
  std::string why;
  auto eng = find_container_engine(ctx, ctx.settings().text_or("engine", "auto"), why);
  if (!eng) return engine::StageOutcome::skipped(why);

  // The saved image is big (the whole image) and only needed while reading it: it goes next to
  // the build's folders, never into artifacts, and is removed at the end.
  fs::path work = ctx.paths().root / "image-scan.tmp";
  fs::create_directories(work);
  Cleanup cleanup{work};
  fs::path archive = work / "image.tar";
  image::ImageScanResult result;
  if (auto failed = save_and_read_image(ctx, *eng, store, tag, archive, result)) return *failed;
  auto report = image::trivy_report(result);
  merge_trivy(ctx, work, archive, report);
  write_file_atomic(ctx.paths().artifacts / "trivy-image-report.json", dump_json(report, 2) + "\n");
  if (!result.findings.empty()) ctx.show(image::findings_table(result));
  record_scan(ctx, result, tag, status.records);
  return verdict(ctx, result);
}

namespace {
const BuiltinStage kImageScanRegistered([](engine::StageRegistry& r) {
  r.add("image-scan", make_stage<ImageScanStage>());
});
}  // namespace

}  // namespace pw::stages
