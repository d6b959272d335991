#include "cli/scan_command.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "exec/capture.h"
#include "image/inventory.h"
#include "image/save.h"
#include "image/trivy_report.h"
#include "image/vulnerabilities.h"
#include "python/dist_info.h"
#include "security/scan_output.h"
#include "security/store.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::cli {

namespace fs = std::filesystem;

namespace {

// The site folders of the interpreter a venv was made from (pyvenv.cfg's `home`), for a venv
// that includes system site packages.
std::vector<fs::path> base_sites_of(const fs::path& venv) {
  std::vector<fs::path> out;
  std::string home;
  try {
    for (const auto& line : split_lines(read_file(venv / "pyvenv.cfg"))) {
      auto eq = line.find('=');
      if (eq != std::string::npos && trim(line.substr(0, eq)) == "home")
        home = std::string(trim(line.substr(eq + 1)));
    }
  } catch (const Error&) {
    return out;
  }
  return python::interpreter_site_dirs(home.empty() ? "python3" : home + "/python3");
}

}  // namespace

int cmd_scan_deps(const std::vector<std::string>& given, const std::string& out_dir,
                  const std::string& fail_on_text, const std::string& ignore_file) {
  auto fail_on = security::parse_fail_on(fail_on_text);
  if (!fail_on) throw ConfigError("--fail-on must be none, low, medium, high or critical");
  fs::path db = security::Store::default_path();
  security::Store store(db);
  if (store.status().records == 0) {
    std::cerr << "pipewright: the advisory database " << db.string()
              << " is empty: run `pipewright db import PATH|URL` first\n";
    return 2;
  }
  std::vector<std::string> paths = given;
  if (paths.empty()) {
    for (const char* p : {".venv", "requirements-dev.txt", "requirements.txt"})
      if (fs::exists(p)) paths.push_back(p);
    if (paths.empty()) {
      std::cerr
          << "pipewright: nothing to scan here: name requirements files or a virtual environment\n";
      return 2;
    }
  }
  std::vector<security::ScannedPackage> packages;
  for (const auto& p : paths) {
    fs::path path(p);
    reports::Parsed<std::vector<security::ScannedPackage>> got;
    if (fs::is_directory(path) && fs::exists(path / "pyvenv.cfg")) {
      auto dirs = security::site_dirs_of_venv(path, base_sites_of(path));
      if (!dirs.ok()) {
        std::cerr << "pipewright: " << dirs.errors.front().str() << "\n";
        return 2;
      }
      got = security::packages_from_site_dirs(dirs.value);
    } else if (fs::is_directory(path)) {
      got = security::packages_from_site_dirs({path});
    } else if (fs::is_regular_file(path)) {
      got = security::packages_from_requirements(path);
    } else {
      std::cerr << "pipewright: " << p << ": no such file or folder\n";
      return 2;
    }
    if (!got.ok()) {
      std::cerr << "pipewright: " << got.errors.front().str() << "\n";
      return 2;
    }
    for (const auto& w : got.warnings) std::cerr << "note: " << w.str() << "\n";
    packages.insert(packages.end(), got.value.begin(), got.value.end());
  }
  packages = security::merge_packages(std::move(packages));
  auto result = security::scan(store, packages, fs::current_path().filename().string());
  fs::path ignore =
      ignore_file.empty() ? fs::path(security::kDefaultIgnoreFile) : fs::path(ignore_file);
  if (fs::exists(ignore)) {
    auto list = security::load_ignore_file(ignore);
    if (!list.ok()) {
      std::cerr << "pipewright: " << join_diagnostics(list.diagnostics) << "\n";
      return 2;
    }
    security::apply_ignores(result, list, security::utc_today());
  } else if (!ignore_file.empty()) {
    std::cerr << "pipewright: " << ignore_file << ": no such file\n";
    return 2;
  }
  for (const auto& w : result.warnings) std::cerr << "warning: " << w.str() << "\n";
  if (!result.findings.empty()) std::cout << security::findings_table(result) << "\n";
  std::cout << security::findings_summary(result) << "\n";
  if (!out_dir.empty()) {
    auto files = security::write_scan_reports(result, out_dir, fs::current_path().string());
    std::cout << "reports in " << out_dir << ": " << join(files, ", ") << "\n";
  }
  return security::fails(result, *fail_on) ? 1 : 0;
}

namespace {

// A folder for the saved image, removed with everything in it when the scan ends.
struct TempFolder {
  fs::path path;
  TempFolder() {
    std::string tmpl = (fs::temp_directory_path() / "pipewright-image-XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
      throw Error("cannot create a temporary folder in " + fs::temp_directory_path().string());
    path = tmpl;
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

int cmd_scan_image(const std::string& ref, const std::string& out_dir,
                   const std::string& fail_on_text, const std::string& engine_given) {
  auto fail_on = security::parse_fail_on(fail_on_text);
  if (!fail_on) throw ConfigError("--fail-on must be none, low, medium, high or critical");
  fs::path db = security::Store::default_path();
  if (!fs::exists(db) || security::Store(db).status().records == 0) {
    std::cerr << "pipewright: the advisory database " << db.string()
              << " is empty: run `pipewright db import PATH|URL` first (OSV records of "
                 "Debian:<release> and PyPI)\n";
    return 2;
  }
  security::Store store(db);
  std::optional<TempFolder> tmp;
  fs::path archive = ref;
  if (!image::is_local_archive(ref)) {
    std::string engine = engine_given;
    if (engine.empty()) {
      // docker first, as image-build picks, but only when its daemon answers: a docker CLI
      // without a daemon must not win over a working podman.
      if (!find_on_path("docker").empty() &&
          exec::capture({"docker", "version", "--format", "{{.Server.Version}}"}, {}, 20).ok())
        engine = "docker";
      else if (!find_on_path("podman").empty())
        engine = "podman";
    }
    if (engine.empty()) {
      std::cerr << "pipewright: " << ref << " is not a file, and " << image::no_engine_message()
                << "\n";
      return 2;
    }
    tmp.emplace();
    archive = tmp->path / "image.tar";
    std::cerr << "saving " << ref << " with " << engine << " save...\n";
    auto saved = exec::capture(image::save_argv(engine, ref, archive), {}, 1800);
    if (!saved.ok()) {
      std::string why(trim(saved.err.empty() ? saved.out : saved.err));
      std::cerr << "pipewright: could not save " << ref << " with " << engine << " (exit "
                << saved.exit_code << ")" << (why.empty() ? "" : ": " + why) << "\n";
      return 2;
    }
  }
  image::ImageScanResult result;
  try {
    result = image::scan_inventory(store, image::read_inventory(archive), ref);
  } catch (const Error& e) {
    std::cerr << "pipewright: cannot scan " << ref << ": " << e.what() << "\n";
    return 2;
  }
  for (const auto& w : result.warnings) std::cerr << "warning: " << w.str() << "\n";
  if (!result.findings.empty()) std::cout << image::findings_table(result) << "\n";
  std::cout << image::findings_summary(result) << "\n";
  if (!out_dir.empty()) {
    fs::create_directories(out_dir);
    write_file_atomic(fs::path(out_dir) / "trivy-image-report.json",
                      image::write_trivy_report(result));
    std::cout << "report in " << out_dir << ": trivy-image-report.json\n";
  }
  return image::fails(result, *fail_on) ? 1 : 0;
}

}  // namespace pw::cli
