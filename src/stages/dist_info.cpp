#include "stages/dist_info.h"

#include "exec/capture.h"
#include "python/names.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::stages {

namespace fs = std::filesystem;

std::map<std::string, std::string> installed_versions(const std::vector<fs::path>& dirs) {
  std::map<std::string, std::string> out;
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      std::string stem;
      if (name.ends_with(".dist-info")) stem = name.substr(0, name.size() - 10);
      else if (name.ends_with(".egg-info")) stem = name.substr(0, name.size() - 9);
      else continue;
      // "name-version" with '-' in the name escaped to '_' by the wheel spec; egg-info may add
      // "-pyX.Y" after the version.
      auto dash = stem.find('-');
      if (dash == std::string::npos) continue;
      std::string project = stem.substr(0, dash);
      std::string version = stem.substr(dash + 1);
      auto py = version.find("-py");
      if (py != std::string::npos) version = version.substr(0, py);
      out.emplace(python::normalize_name(project), version);
    }
  }
  return out;
}

std::vector<fs::path> interpreter_site_dirs(const std::string& python) {
  std::vector<fs::path> out;
  std::string py = find_on_path(python);
  if (py.empty()) return out;
  auto c = exec::capture({py, "-c", "import site; print('\\n'.join(site.getsitepackages()))"});
  if (c.ok())
    for (const auto& l : split_lines(c.out))
      if (!l.empty()) out.emplace_back(l);
  return out;
}

std::vector<fs::path> venv_site_dirs(const fs::path& venv) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(venv / "lib", ec)) {
    auto sp = e.path() / "site-packages";
    if (fs::is_directory(sp)) out.push_back(sp);
  }
  return out;
}

}  // namespace pw::stages
