#include "stages/package.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "project/pipeline_overrides.h"
#include "python/distribution.h"
#include "stages/cache_policies.h"
#include "stages/outputs.h"
#include "stages/registry.h"
#include "stages/run_command.h"
#include "stages/settings.h"
#include "stages/setup_python.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;

namespace {

std::string size_text(std::uint64_t bytes) {
  char buf[32];
  if (bytes < 1024)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else if (bytes < (1u << 20))
    std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
  else
    std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / 1048576.0);
  return buf;
}

// python-build reports its own failures as "ERROR ..." lines; the backend's traceback ends with
// the exception line. Either says more than the exit code.
std::string build_error(const std::vector<std::string>& tail) {
  for (const auto& l : tail) {
    auto t = trim(l);
    if (t.starts_with("ERROR") || t.starts_with("error:")) return std::string(t);
  }
  for (auto it = tail.rbegin(); it != tail.rend(); ++it)
    if (!trim(*it).empty()) return std::string(trim(*it));
  return {};
}

// The project's interpreter with PyPA build: the build's environment when setup-python made one
// (its build module and backend are the ones the project pinned), else the configured python.
// Sets `py`; the outcome that stops the stage when none has it or the probe was aborted.
std::optional<engine::StageOutcome> find_build_python(engine::StageContext& ctx, const fs::path& ws,
                                                      std::string& py) {
  std::vector<std::string> candidates;
  if (auto p = ctx.settings().text("python")) {
    candidates.push_back(*p);
  } else {
    if (fs::exists(venv_python(ws))) candidates.push_back(venv_python(ws).string());
    candidates.push_back(configured_python(ctx.pipeline()));
  }
  for (const auto& c : candidates) {
    std::string out;
    auto r = ctx.capture({c, "-c", "import build"}, out, {.cwd = ws});
    if (r.aborted) return engine::StageOutcome{engine::Status::aborted, "aborted"};
    if (r.ok()) {
      py = c;
      return std::nullopt;
    }
  }
  return engine::StageOutcome::skipped("the build module (PyPA build) is not installed for " +
                                       join(candidates, " nor ") +
                                       ": add `build` to the dev dependencies"
                                       " (Debian: apt-get install python3-build)");
}

// Removes old builds first, as the seed does: a stale wheel in dist/ would be archived and
// published as if this build had made it.
std::optional<engine::StageOutcome> remove_old_dist(engine::StageContext& ctx,
                                                    const fs::path& dist) {
  std::error_code ec;
  if (!fs::exists(dist)) return std::nullopt;
  fs::remove_all(dist, ec);
  if (ec)
    return engine::StageOutcome::failed("cannot remove the old " + dist.string() + ": " +
                                        ec.message());
  ctx.log("removed the old dist/");
  return std::nullopt;
}

// Runs python -m build into dist/; the failed outcome says why, with a hint when build
// isolation could not download the backend.
std::optional<engine::StageOutcome> run_build(engine::StageContext& ctx, const fs::path& ws,
                                              const std::string& py, const fs::path& dist) {
  bool isolation = ctx.settings().flag("isolation", true);
  // No --sdist/--wheel: build then makes the sdist and the wheel from the unpacked sdist, so a
  // file missing from the sdist shows up as a broken wheel here, not at a user's pip install.
  std::vector<std::string> argv = {py, "-m", "build", "--outdir", dist.string()};
  if (!isolation) argv.push_back("--no-isolation");
  for (const auto& a : ctx.settings().list("args")) argv.push_back(a);
  argv.push_back(ws.string());
  auto r = ctx.run(argv, {.cwd = ws});
  if (r.aborted) return engine::StageOutcome{engine::Status::aborted, "aborted"};
  if (r.ok()) return std::nullopt;
  auto tail = ctx.output_tail();
  std::string why = describe_failure(r, tail, "python -m build");
  std::string line = build_error(tail);
  if (!line.empty() && !contains(why, line)) why += ": " + line;
  if (isolation)
    for (const auto& l : tail)
      if (contains(l, "No matching distribution") || contains(l, "Could not find a version") ||
          contains(l, "Failed to establish a new connection")) {
        why +=
            " (build isolation downloads the build backend; offline, set package.isolation: "
            "false to use the one installed)";
        break;
      }
  return engine::StageOutcome::failed(why);
}

// The wheels and sdists in dist/, each sorted by name.
void list_dists(const fs::path& dist, std::vector<fs::path>& wheels,
                std::vector<fs::path>& sdists) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dist, ec)) {
    auto name = e.path().filename().string();
    if (name.ends_with(".whl"))
      wheels.push_back(e.path());
    else if (name.ends_with(".tar.gz"))
      sdists.push_back(e.path());
  }
  std::sort(wheels.begin(), wheels.end());
  std::sort(sdists.begin(), sdists.end());
}

// Logs each checked file with its sha256, publishes the packages and gives the outcome: failed
// when any file did not verify.
engine::StageOutcome publish_checks(engine::StageContext& ctx,
                                    const std::vector<python::DistCheck>& checks) {
  Packages out;
  std::vector<std::string> bad, shown;
  for (const auto& c : checks) {
    std::string file = "dist/" + c.file.filename().string();
    std::string sum = sha256_file_hex(c.file);
    ctx.log(file + ": " + c.kind + " " + c.name + " " + c.version + ", " +
            std::to_string(c.members) + " files, " + size_text(c.size) + ", sha256 " + sum +
            (c.ok() ? ", verified" : ""));
    for (const auto& p : c.problems) ctx.log(file + ": " + p);
    out.dist.push_back({file, c.kind, c.name, c.version, static_cast<int>(c.members),
                        static_cast<std::uint64_t>(c.size), sum, c.ok()});
    if (!c.ok())
      bad.push_back(file + ": " + c.problems.front() +
                    (c.problems.size() > 1
                         ? " (+" + std::to_string(c.problems.size() - 1) + " more in the log)"
                         : ""));
    shown.push_back(c.file.filename().string() + " (" + size_text(c.size) + ")");
  }
  if (!checks.empty()) {
    out.name = checks.front().name;
    out.version = checks.front().version;
  }
  publish(ctx, out);
  if (!bad.empty()) return engine::StageOutcome::failed("verification failed: " + join(bad, "; "));
  return engine::StageOutcome::ok(join(shown, " and ") +
                                  " built and verified (RECORD hashes, metadata " +
                                  checks.front().name + " " + checks.front().version + ")");
}

}  // namespace

engine::StageOutcome PackageStage::run(engine::StageContext& ctx) {
  fs::path ws = ctx.workspace();
  if (!fs::is_directory(ws))
    return engine::StageOutcome::failed("the workspace " + ws.string() +
                                        " does not exist: run checkout first");
  bool has_pyproject = fs::exists(ws / "pyproject.toml");
  if (project::detect_project(ws, ctx.pipeline()).application())
    return engine::StageOutcome::skipped(
        "nothing to package: an application without packaging metadata (no setup.py, and no "
        "[project] or [build-system] in pyproject.toml nor [metadata] in setup.cfg)");
  python::PyProject project;
  if (has_pyproject) {
    try {
      project = python::read_pyproject(read_file(ws / "pyproject.toml"), "pyproject.toml");
    } catch (const Error& e) {
      return engine::StageOutcome::failed(e.what());
    }
  }

  std::string py;
  if (auto stop = find_build_python(ctx, ws, py)) return *stop;
  fs::path dist = ws / "dist";
  if (auto failed = remove_old_dist(ctx, dist)) return *failed;
  if (auto failed = run_build(ctx, ws, py, dist)) return *failed;

  std::vector<fs::path> wheels, sdists;
  list_dists(dist, wheels, sdists);
  if (wheels.empty() || sdists.empty())
    return engine::StageOutcome::failed(
        std::string("python -m build succeeded but dist/ holds no ") +
        (wheels.empty() ? "wheel (.whl)" : "sdist (.tar.gz)"));
  std::vector<python::DistCheck> checks;
  for (const auto& w : wheels) checks.push_back(python::verify_wheel(w, project));
  for (const auto& s : sdists) checks.push_back(python::verify_sdist(s, project));
  if (!project.has_project) python::check_dists_agree(checks);
  return publish_checks(ctx, checks);
}

namespace {
const BuiltinStage kPackageRegistered([](engine::StageRegistry& r) {
  // Cached on the whole tree: an sdist holds more than the package.
  r.add("package", make_stage<PackageStage>(), {},
        {.cacheable = true, .outputs = {"workspace/dist/**"}});
});
}  // namespace

}  // namespace pw::stages
