// The install plan of the development dependencies (see install.h).
#include "project/install.h"

#include <algorithm>
#include <set>

#include "python/dist_info.h"
#include "python/names.h"
#include "python/requirements_file.h"
#include "util/hash.h"
#include "util/strings.h"

namespace pw::project {

namespace fs = std::filesystem;

namespace {

// Options of a requirements file that still mean the same in the generated one.
const std::set<std::string> kKeptOptions = {
    "--index-url",     "--extra-index-url", "--no-index",  "--find-links",   "--pre",
    "--prefer-binary", "--only-binary",     "--no-binary", "--trusted-host", "--require-hashes"};

std::string canonical_text(const fs::path& p) {
  std::error_code ec;
  auto c = fs::weakly_canonical(p, ec);
  return (ec ? p : c).lexically_normal().string();
}

struct Builder {
  const Project& p;
  InstallPlan plan;
  std::vector<std::string> lines, constraint_lines, option_lines;
  std::set<std::string> seen;

  void add_line(std::vector<std::string>& to, const std::string& line) {
    if (seen.insert((&to == &constraint_lines ? "c:" : "r:") + line).second) to.push_back(line);
  }

  void add_extras(const std::string& extras_text) {
    for (const auto& x : split(extras_text, ','))
      if (auto e = std::string(trim(x));
          !e.empty() && std::find(plan.project_extras.begin(), plan.project_extras.end(), e) ==
                            plan.project_extras.end())
        plan.project_extras.push_back(e);
  }

  // A local target ("." "./vendor/x" ".[test]") relative to `base`: the project itself adds its
  // extras; anything else is a local requirement of this build.
  void add_local(const fs::path& base, std::string target, bool editable,
                 const std::string& origin) {
    std::string extras;
    if (auto open = target.find('['); open != std::string::npos && target.back() == ']') {
      extras = target.substr(open + 1, target.size() - open - 2);
      target = target.substr(0, open);
    }
    fs::path abs = fs::path(target).is_absolute() ? fs::path(target) : base / target;
    if (canonical_text(abs) == canonical_text(p.root)) {
      add_extras(extras);
      return;
    }
    plan.local.push_back(
        {editable, canonical_text(abs) + (extras.empty() ? "" : "[" + extras + "]"), origin});
  }

  void add_file(const std::string& rel) {
    auto parsed = python::read_requirements_file(p.root / rel);
    for (const auto& f : parsed.files) {
      std::error_code ec;
      auto r = fs::relative(f, p.root, ec);
      std::string name = ec ? f : r.string();
      if (std::find(plan.files.begin(), plan.files.end(), name) == plan.files.end()) {
        plan.files.push_back(name);
        try {
          plan.key_material += "file " + name + " " + sha256_file_hex(f) + "\n";
        } catch (const Error&) {
        }
      }
    }
    for (const auto& o : parsed.options) {
      if (!kKeptOptions.count(o.option)) continue;
      std::string v = o.value;
      // A relative --find-links is relative to the file that says it.
      if (o.option == "--find-links" && !v.empty() && !contains(v, "://") &&
          !fs::path(v).is_absolute())
        v = canonical_text(fs::path(o.file).parent_path() / v);
      add_line(option_lines, o.option + (v.empty() ? "" : " " + v));
    }
    for (const auto& e : parsed.requirements) {
      bool local_form =
          e.form == python::RequirementForm::editable || e.form == python::RequirementForm::path;
      // pip resolves a local path in a requirements file against its working directory (the
      // project root here), not the file's folder (only -r/-c includes are file-relative).
      if (local_form && !contains(e.target, "://") && !e.target.starts_with("git+")) {
        add_local(p.root, e.target, e.form == python::RequirementForm::editable,
                  e.file + ":" + std::to_string(e.line));
        continue;
      }
      add_line(e.constraint ? constraint_lines : lines, e.raw);
    }
  }

  void add_text(const DeclaredRequirement& r) {
    std::string t(trim(r.text));
    bool editable = false;
    if (t.starts_with("-e")) {
      editable = true;
      t = std::string(trim(std::string_view(t).substr(t.starts_with("--editable") ? 10 : 2)));
    }
    if (editable || t.starts_with(".") || t.starts_with("/")) {
      add_local(p.root, t, editable, r.file + ":" + std::to_string(r.line));
      return;
    }
    add_line(lines, t);
  }

  InstallPlan build() {
    for (const auto& s : p.dev_dependencies) {
      bool is_file_kind =
          s.kind == "requirements" || s.kind == "pip-tools" || s.kind == "configured";
      for (const auto& f : s.requirement_files) add_file(f);
      if (!is_file_kind)
        for (const auto& r : s.requirements) add_text(r);
      for (const auto& e : s.project_extras) add_extras(e);
    }
    std::string text;
    for (const auto& o : option_lines) text += o + "\n";
    for (const auto& l : lines) text += l + "\n";
    plan.requirement_count = lines.size();
    plan.requirements = text;
    for (const auto& l : constraint_lines) plan.constraints += l + "\n";
    // The workspace's own path (a --find-links into the checkout) differs per build; the key
    // must not, or no two builds would share an environment.
    std::string material =
        "requirements\n" + plan.requirements + "constraints\n" + plan.constraints;
    std::string root = canonical_text(p.root);
    for (size_t at; !root.empty() && (at = material.find(root)) != std::string::npos;)
      material.replace(at, root.size(), "<root>");
    plan.key_material += material;
    return std::move(plan);
  }
};

}  // namespace

InstallPlan plan_install(const Project& p) { return Builder{p, {}, {}, {}, {}, {}}.build(); }

std::set<std::string> lock_groups(const std::optional<std::vector<std::string>>& setting,
                                  const Project& model, const python::DeclaredProject& declared,
                                  const python::LockFile& lock) {
  std::set<std::string> groups;
  if (setting) {
    for (const auto& one : *setting)
      groups.insert(one.starts_with("extra:") ? one : python::normalize_name(one));
    return groups;
  }
  // The groups the project model takes as the dev dependencies (dev, test, tests, testing or
  // project.groups), as every other stage sees them: not docs or release groups.
  for (const auto& d : model.dev_dependencies) {
    if (d.kind == "dependency-group") groups.insert(python::normalize_name(d.name));
    if (d.kind == "extra") groups.insert("extra:" + python::normalize_name(d.name));
  }
  // A lock none of whose groups has such a name: all of them, as before there was a model.
  if (groups.empty()) {
    for (const auto& d : declared.declarations) groups.insert(d.group);
    for (const auto& p : lock.packages)
      for (const auto& g : p.groups) groups.insert(g);
  }
  return groups;
}

std::optional<python::EditableProject> static_editable(const Project& model,
                                                       const std::filesystem::path& ws,
                                                       std::string& why_not) {
  auto proj = python::static_editable_project(ws, why_not);
  if (proj && !model.packages.empty()) {
    std::set<std::string> roots;
    for (const auto& pk : model.packages) roots.insert(pk.import_root());
    if (roots.size() == 1) {
      proj->source_root = roots.begin()->empty() ? ws : ws / *roots.begin();
    } else {
      why_not = "the packages are imported from several folders (" + model.package_list() + ")";
      proj.reset();
    }
  }
  return proj;
}

std::optional<python::EditableProject> install_static_editable(const Project& model,
                                                               const std::filesystem::path& ws,
                                                               const std::filesystem::path& venv,
                                                               std::string& why_not) {
  auto build_sites = python::venv_site_dirs(venv);
  auto proj = static_editable(model, ws, why_not);
  if (!proj || build_sites.empty()) return std::nullopt;
  python::install_editable(*proj, ws, build_sites.front(), venv / "bin", venv / "bin" / "python");
  return proj;
}

ProjectPipArgs project_pip_args(const InstallPlan& plan, const std::filesystem::path& ws,
                                bool build_isolation, bool editable) {
  ProjectPipArgs out;
  std::vector<std::string>& what = out.with_deps;
  if (!build_isolation) what.push_back("--no-build-isolation");
  if (editable) what.push_back("-e");
  out.extras = plan.project_extras.empty() ? "" : "[" + join(plan.project_extras, ",") + "]";
  what.push_back(ws.string() + out.extras);
  out.no_deps = what;
  out.no_deps.insert(out.no_deps.begin(), "--no-deps");
  return out;
}

std::vector<std::string> local_pip_args(const LocalRequirement& l, bool build_isolation) {
  std::vector<std::string> argv;
  if (!build_isolation) argv.push_back("--no-build-isolation");
  if (l.editable) argv.push_back("-e");
  argv.push_back(l.path);
  return argv;
}

}  // namespace pw::project
