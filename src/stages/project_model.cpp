#include "stages/project_model.h"

#include "stages/settings.h"

namespace pw::stages {

project::Overrides project_overrides(const pipeline::Pipeline& p) {
  project::Overrides o;
  o.packages = pipeline::ProjectSpec::list(p.project.package);
  o.tests = pipeline::ProjectSpec::list(p.project.tests);
  o.requirements = pipeline::ProjectSpec::list(p.project.requirements);
  if (const auto* s = p.find("setup-python")) {
    // setup-python's own `requirements` names the file as project.requirements does.
    if (auto r = get_string(*s, "requirements"); r && o.requirements.empty())
      o.requirements = pipeline::ProjectSpec::list(*r);
    if (auto g = get_list(*s, "groups")) o.groups = *g;
  }
  if (!p.config_file.empty())
    o.config_file = std::filesystem::path(p.config_file).filename().string();
  return o;
}

project::Project detect_project(const std::filesystem::path& dir, const pipeline::Pipeline& p) {
  return project::detect(dir, project_overrides(p));
}

}  // namespace pw::stages
