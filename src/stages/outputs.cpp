// The typed hand-over between stages (outputs.h): each output's keys in the producer's record
// are written and read here only.
#include "stages/outputs.h"

#include <filesystem>
#include <limits>

#include "util/fs.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;

namespace {

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int whole(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  // A damaged record's number can be anything: out of an int's range reads as 0.
  auto v = truncate_to_integer(it->get<double>());
  return v && *v >= std::numeric_limits<int>::min() && *v <= std::numeric_limits<int>::max()
             ? static_cast<int>(*v)
             : 0;
}

// The first line of an artifact file, "" when it is missing.
std::string first_line(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return {};
  std::string text = read_file(file);
  return std::string(trim(text.substr(0, text.find('\n'))));
}

}  // namespace

std::string PushedImage::pinned() const {
  if (digest.empty()) return reference;
  return reference.substr(0, reference.rfind(':')) + "@" + digest;
}

void publish(engine::StageContext& ctx, const BuiltImage& out) {
  ctx.data()["engine"] = out.engine;
  ctx.data()["image"] = out.image;
  ctx.data()["tag"] = out.tag;
  ctx.data()["image_id"] = out.image_id;
  std::error_code ec;
  fs::create_directories(ctx.paths().artifacts, ec);
  write_file_atomic(ctx.paths().artifacts / "image_tag.txt", out.tag + "\n");
}

std::optional<BuiltImage> built_image(const engine::StageContext& ctx) {
  auto d = ctx.stage_data("image-build");
  BuiltImage b{str(d, "engine"), str(d, "image"), str(d, "tag"), str(d, "image_id")};
  if (b.tag.empty()) b.tag = first_line(ctx.paths().artifacts / "image_tag.txt");
  if (b.tag.empty()) return std::nullopt;
  if (b.image.empty()) b.image = b.tag.substr(0, b.tag.rfind(':'));
  return b;
}

void publish(engine::StageContext& ctx, const PushedImage& out) {
  std::error_code ec;
  fs::create_directories(ctx.paths().artifacts, ec);
  // Line 1 is the pushed tag, as the seed's job saved it; line 2 the same image by digest.
  write_file_atomic(ctx.paths().artifacts / "dockerhub_image.txt",
                    out.reference + "\n" + out.pinned() + "\n");
  write_file_atomic(ctx.paths().artifacts / "image_digest.txt", out.digest + "\n");
  ctx.data()["registry"] = out.registry;
  ctx.data()["repository"] = out.repository;
  ctx.data()["tag"] = out.tag;
  ctx.data()["reference"] = out.reference;
  ctx.data()["digest"] = out.digest;
  ctx.data()["engine"] = out.engine;
  ctx.data()["credential"] = out.credential;
  ctx.data()["tls_verify"] = out.tls_verify;
}

std::optional<PushedImage> pushed_image(const engine::StageContext& ctx) {
  auto d = ctx.stage_data("image-push");
  PushedImage p;
  p.registry = str(d, "registry");
  p.repository = str(d, "repository");
  p.tag = str(d, "tag");
  p.reference = str(d, "reference");
  p.digest = str(d, "digest");
  p.engine = str(d, "engine");
  p.credential = str(d, "credential");
  if (auto it = d.find("tls_verify"); it != d.end() && it->is_boolean()) p.tls_verify = *it;
  // An earlier run of this build (or `deploy --build N`): the files image-push left.
  const fs::path& art = ctx.paths().artifacts;
  if (p.reference.empty()) {
    p.reference = first_line(art / "dockerhub_image.txt");
    if (p.reference.empty()) return std::nullopt;
    p.digest = first_line(art / "image_digest.txt");
  }
  // A record from before image-push recorded its login: the stage's settings say it.
  if (p.credential.empty()) {
    if (const auto* push = ctx.pipeline().find("image-push")) {
      auto s = pipeline::resolve_settings(*push);
      p.credential = s.text_or("credential", "dockerhub");
      if (!d.contains("tls_verify")) p.tls_verify = s.flag("tls_verify", true);
    } else {
      p.credential = "dockerhub";
    }
  }
  return p;
}

void publish(engine::StageContext& ctx, const Packages& out) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& d : out.dist)
    files.push_back({{"file", d.file},
                     {"kind", d.kind},
                     {"name", d.name},
                     {"version", d.version},
                     {"members", d.members},
                     {"size", d.size},
                     {"sha256", d.sha256},
                     {"verified", d.verified}});
  ctx.data()["dist"] = files;
  if (!out.name.empty()) ctx.data()["name"] = out.name;
  if (!out.version.empty()) ctx.data()["version"] = out.version;
}

std::optional<Packages> packages(const engine::StageContext& ctx) {
  auto d = ctx.stage_data("package");
  if (!d.contains("dist")) return std::nullopt;
  Packages p;
  for (const auto& f : d["dist"]) {
    if (!f.is_object()) continue;
    Packages::Dist x{str(f, "file"), str(f, "kind"), str(f, "name"), str(f, "version")};
    x.members = whole(f, "members");
    if (auto it = f.find("size"); it != f.end() && it->is_number()) x.size = *it;
    x.sha256 = str(f, "sha256");
    if (auto it = f.find("verified"); it != f.end() && it->is_boolean()) x.verified = *it;
    p.dist.push_back(x);
  }
  p.name = str(d, "name");
  p.version = str(d, "version");
  return p;
}

void publish(engine::StageContext& ctx, const TestResults& out) {
  ctx.data()["tests"] = {{"tests", out.tests},     {"passed", out.passed},
                         {"failed", out.failed},   {"errors", out.errors},
                         {"skipped", out.skipped}, {"duration_s", out.duration_s}};
}

std::optional<TestResults> test_results(const engine::StageContext& ctx) {
  auto d = ctx.stage_data("tests");
  if (!d.contains("tests") || !d["tests"].is_object()) return std::nullopt;
  const auto& t = d["tests"];
  TestResults r;
  r.tests = whole(t, "tests");
  r.passed = whole(t, "passed");
  r.failed = whole(t, "failed");
  r.errors = whole(t, "errors");
  r.skipped = whole(t, "skipped");
  if (auto it = t.find("duration_s"); it != t.end() && it->is_number()) r.duration_s = *it;
  if (auto c = d.find("coverage"); c != d.end() && c->is_object() && c->contains("percent"))
    r.coverage_percent = (*c)["percent"].get<double>();
  return r;
}

}  // namespace pw::stages
