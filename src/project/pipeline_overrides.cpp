#include "project/pipeline_overrides.h"

#include "pipeline/settings.h"

namespace pw::project {

Overrides project_overrides(const pipeline::Pipeline& p) {
  Overrides o;
  o.packages = pipeline::ProjectSpec::list(p.project.package);
  o.tests = pipeline::ProjectSpec::list(p.project.tests);
  o.requirements = pipeline::ProjectSpec::list(p.project.requirements);
  if (const auto* s = p.find("setup-python")) {
    // Typed by the settings table; validation reports a value of the wrong type (of an enabled
    // stage) before anything detects the project, so here such a value is left out.
    std::vector<Diagnostic> reported_by_validation;
    auto settings = pipeline::resolve_settings(*s, &reported_by_validation);
    // setup-python's own `requirements` names the file as project.requirements does.
    if (auto r = settings.text("requirements"); r && o.requirements.empty())
      o.requirements = pipeline::ProjectSpec::list(*r);
    if (auto g = settings.list_if_set("groups")) o.groups = *g;
  }
  if (!p.config_file.empty())
    o.config_file = std::filesystem::path(p.config_file).filename().string();
  return o;
}

Project detect_project(const std::filesystem::path& dir, const pipeline::Pipeline& p) {
  return detect(dir, project_overrides(p));
}

}  // namespace pw::project
