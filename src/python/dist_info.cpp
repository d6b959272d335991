#include "python/dist_info.h"

#include "exec/capture.h"
#include "python/names.h"
#include "python/requirement.h"
#include "python/version.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::python {

namespace fs = std::filesystem;

std::map<std::string, std::string> installed_versions(const std::vector<fs::path>& dirs) {
  std::map<std::string, std::string> out;
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      std::string stem;
      if (name.ends_with(".dist-info"))
        stem = name.substr(0, name.size() - 10);
      else if (name.ends_with(".egg-info"))
        stem = name.substr(0, name.size() - 9);
      else
        continue;
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

std::map<std::string, std::string, std::less<>> interpreter_marker_environment(
    const std::string& python) {
  std::map<std::string, std::string, std::less<>> env;
  std::string py = find_on_path(python);
  if (py.empty()) return env;
  // PEP 508's definitions of each variable, one "name=value" per line.
  static const char* script =
      "import os, platform, sys\n"
      "i = sys.implementation\n"
      "v = '{0.major}.{0.minor}.{0.micro}'.format(i.version)\n"
      "if i.version.releaselevel != 'final': v += i.version.releaselevel[0] + "
      "str(i.version.serial)\n"
      "for k, x in [('implementation_name', i.name), ('implementation_version', v),\n"
      "  ('os_name', os.name), ('platform_machine', platform.machine()),\n"
      "  ('platform_release', platform.release()), ('platform_system', platform.system()),\n"
      "  ('platform_version', platform.version()),\n"
      "  ('python_full_version', platform.python_version()),\n"
      "  ('platform_python_implementation', platform.python_implementation()),\n"
      "  ('python_version', '.'.join(platform.python_version_tuple()[:2])),\n"
      "  ('sys_platform', sys.platform)]:\n"
      "  print(k + '=' + x.replace('\\n', ' '))\n";
  auto c = exec::capture({py, "-c", script});
  if (!c.ok()) return env;
  for (const auto& l : split_lines(c.out)) {
    auto eq = l.find('=');
    if (eq != std::string::npos) env[l.substr(0, eq)] = l.substr(eq + 1);
  }
  return env;
}

void close_over_requirements(std::set<std::string>& closure,
                             const std::map<std::string, std::vector<std::string>>& requires_) {
  std::vector<std::string> todo(closure.begin(), closure.end());
  while (!todo.empty()) {
    std::string n = todo.back();
    todo.pop_back();
    auto it = requires_.find(n);
    if (it == requires_.end()) continue;
    for (const auto& r : it->second)
      if (closure.insert(r).second) todo.push_back(r);
  }
}

std::map<std::string, std::vector<std::string>> installed_requirements(
    const std::vector<fs::path>& dirs) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      fs::path meta;
      if (name.ends_with(".dist-info"))
        meta = e.path() / "METADATA";
      else if (name.ends_with(".egg-info"))
        meta = e.path() / "PKG-INFO";
      else
        continue;
      std::string text;
      try {
        text = read_file(meta);
      } catch (const Error&) {
        continue;
      }
      std::string project;
      std::vector<std::string> requires_;
      for (const auto& line : split_lines(text)) {
        if (line.empty()) break;  // the headers end at the first empty line
        if (line.starts_with("Name:")) project = python::normalize_name(trim(line.substr(5)));
        if (!line.starts_with("Requires-Dist:")) continue;
        auto req = python::parse_requirement(trim(line.substr(14)));
        if (!req) continue;
        if (req->marker_text.find("extra") != std::string::npos) continue;  // only with an extra
        requires_.push_back(req->normalized_name());
      }
      if (!project.empty()) out.emplace(project, std::move(requires_));
    }
  }
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

std::optional<std::string> unmet_requirement(const std::string& text,
                                             const std::map<std::string, std::string>& installed) {
  auto req = python::parse_requirement(text);
  if (!req) return text;  // let pip judge what we cannot read
  return unmet_requirement(*req, text, installed);
}

std::optional<std::string> unmet_requirement(const Requirement& req, const std::string& text,
                                             const std::map<std::string, std::string>& installed) {
  auto it = installed.find(req.normalized_name());
  if (it == installed.end()) return req.name;
  if (!req.specifier.empty()) {
    auto v = python::Version::parse(it->second);
    if (!v || !req.specifier.contains(*v, true)) return text;
  }
  return std::nullopt;
}

std::vector<std::string> unmet_dependencies(const std::vector<fs::path>& project_sites,
                                            const std::map<std::string, std::string>& installed) {
  std::vector<std::string> missing;
  // The project's own dist-info: the one in the build venv's site-packages (nothing else is
  // installed there), whose METADATA lists Requires-Dist.
  for (const auto& dir : project_sites) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (!e.path().filename().string().ends_with(".dist-info")) continue;
      std::string meta;
      try {
        meta = read_file(e.path() / "METADATA");
      } catch (const Error&) {
        continue;
      }
      for (const auto& line : split_lines(meta)) {
        if (line.empty()) break;  // headers end at the first blank line
        if (!line.starts_with("Requires-Dist:")) continue;
        std::string text(trim(std::string_view(line).substr(14)));
        auto req = python::parse_requirement(text);
        if (!req) {
          missing.push_back(text);  // let pip judge what we cannot read
          continue;
        }
        // Extras are not requested by `pip install -e .`.
        if (contains(req->marker_text, "extra")) continue;
        if (auto m = unmet_requirement(*req, text, installed)) missing.push_back(*m);
      }
    }
  }
  return missing;
}

std::string interpreter_probe_program() {
  return "import sys, os; print(sys.version.split()[0]); "
         "print(os.path.realpath(sys.executable));\n"
         "import site; print(os.pathsep.join(site.getsitepackages()))\n"
         "try:\n import venv, ensurepip\nexcept ImportError:\n print('no-venv')";
}

InterpreterFacts parse_interpreter_probe(const std::string& probe, const std::string& started_as) {
  InterpreterFacts f;
  auto lines = split_lines(probe);
  f.version = lines.size() > 0 ? lines[0] : "?";
  f.real = lines.size() > 1 ? lines[1] : started_as;
  if (lines.size() > 2)
    for (const auto& d : split(lines[2], ':'))
      if (!d.empty()) f.system_sites.emplace_back(d);
  f.has_venv = !contains(probe, "no-venv");
  return f;
}

}  // namespace pw::python
