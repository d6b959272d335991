// The project's editable install, natively: what `pip install -e .` leaves in an environment
// for a project whose metadata is static (PEP 621 [project] whose only dynamic field is a version
// read from a file as its backend reads it, or Poetry 1's [tool.poetry]): a .pth
// that puts the build's sources on sys.path, a dist-info with METADATA, entry points, RECORD,
// INSTALLER, REQUESTED and a PEP 610 direct_url.json marking it editable, and the console-script
// launchers. importlib.metadata, entry points and `pip list` then see the project as after pip's
// own editable install, in milliseconds instead of seconds (no build backend is started).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pw::python {

struct EditableProject {
  std::string name;          // as [project] writes it
  std::string version;       // normalised as PEP 440 prints it
  std::string metadata;      // the METADATA file (core metadata 2.1)
  std::string entry_points;  // entry_points.txt; "" when the project has none
  std::vector<std::pair<std::string, std::string>> console_scripts;  // name -> "module:attr"
  std::vector<std::pair<std::string, std::string>> gui_scripts;
  std::filesystem::path source_root;  // what the .pth puts on sys.path
};

// The project in `project_dir` when its pyproject.toml's [project] is static and its sources'
// root can be told (a src/ layout, [tool.setuptools] package-dir, else the project folder);
// nullopt with the reason in `why_not` otherwise (dynamic fields, no [project], a backend whose
// editable install does more than a path: an extension module, say).
std::optional<EditableProject> static_editable_project(const std::filesystem::path& project_dir,
                                                       std::string& why_not);

// Writes the install into the venv (`site_packages` and `bin`), for `python` (the venv's
// interpreter, the launchers' #! line). Replaces an earlier install of the same name. Returns
// the paths written. Throws pw::Error naming what could not be written.
std::vector<std::filesystem::path> install_editable(const EditableProject& project,
                                                    const std::filesystem::path& project_dir,
                                                    const std::filesystem::path& site_packages,
                                                    const std::filesystem::path& bin,
                                                    const std::filesystem::path& python);

}  // namespace pw::python
