// How the detected development dependencies are installed: one generated requirements file for
// the cached environment (never a local path or an editable: those point into one build's
// workspace, so they are installed per build, as the project itself is), the project's own
// extras, and the text the environment cache key is computed from.
#pragma once

#include <string>
#include <vector>

#include "project/model.h"

namespace pw::project {

struct LocalRequirement {
  bool editable = false;
  std::string path;    // absolute, with "[extras]" when given
  std::string origin;  // file:line
};

struct InstallPlan {
  std::string requirements;  // a pip requirements file: options, then one requirement per line
  std::string constraints;   // -c entries, "" when none
  size_t requirement_count = 0;
  std::vector<LocalRequirement> local;      // installed into the build's own venv
  std::vector<std::string> project_extras;  // installed with the project: ".[a,b]"
  // What the cache key covers: the generated files and every requirements file read, by content.
  std::string key_material;
  std::vector<std::string> files;  // every file the plan read, relative to the root
  std::vector<Diagnostic> problems;
};

InstallPlan plan_install(const Project& p);

}  // namespace pw::project
