// Detecting the project model from the files a Python project already has (see model.h). Each
// fact is looked for in the order the packaging tools themselves would use it, and the first
// file that answers is recorded as its origin.
#include <algorithm>
#include <functional>
#include <map>
#include <regex>
#include <set>

#include "project/ini.h"
#include "project/model.h"
#include "python/declarations.h"
#include "python/names.h"
#include "python/requirement.h"
#include "python/requirements_file.h"
#include "python/toml.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::project {

namespace fs = std::filesystem;

std::string Origin::str() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  if (!what.empty()) s += (s.empty() ? "" : " ") + what;
  return s;
}

std::string Package::import_root() const {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string DependencySource::str() const {
  std::string s = kind;
  if (!name.empty()) s += " " + name;
  s += " (" + file + (line > 0 ? ":" + std::to_string(line) : "") + ")";
  return s;
}

std::string Project::package_list() const { return join(package_paths(), ", "); }

std::vector<std::string> Project::import_names() const {
  std::vector<std::string> out;
  for (const auto& p : packages) out.push_back(p.name);
  return out;
}
std::vector<std::string> Project::package_paths() const {
  std::vector<std::string> out;
  for (const auto& p : packages) out.push_back(p.path);
  return out;
}
std::vector<std::string> Project::test_paths() const {
  std::vector<std::string> out;
  for (const auto& t : tests) out.push_back(t.path);
  return out;
}

std::vector<std::string> Project::requirements_files() const {
  std::vector<std::string> out;
  for (const auto& d : dev_dependencies)
    if (d.kind == "requirements" || d.kind == "pip-tools" || d.kind == "configured")
      out.push_back(d.file);
  return out;
}

std::string Project::dev_dependencies_place() const {
  if (dev_dependencies.empty()) return "the project's dev dependencies";
  const auto& d = dev_dependencies.front();
  if (d.kind == "dependency-group") return "[dependency-groups] " + d.name + " in " + d.file;
  if (d.kind == "extra") return "[project.optional-dependencies] " + d.name + " in " + d.file;
  return d.file;
}

const std::vector<std::string>& default_dev_groups() {
  static const std::vector<std::string> g = {"dev", "test", "tests", "testing"};
  return g;
}

namespace {

// Folders that are never the project's importable code, whatever they hold.
const std::set<std::string> kNotCode = {
    "tests",         "test",         "testing", "docs",   "doc",
    "examples",      "example",      "build",   "dist",   "scripts",
    "tools",         "benchmarks",   "bench",   "vendor", "third_party",
    "site-packages", "node_modules", "htmlcov", "venv",   "env",
    "requirements",  "changelog.d",  "ci"};

// The import name a distribution name most likely has: PEP 503 normalised, '-' as '_'.
std::string import_name_of(const std::string& dist) {
  std::string n = python::normalize_name(dist);
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

class Detector {
 public:
  Detector(fs::path root, const Overrides& o) : root_(std::move(root)), o_(o) { p_.root = root_; }

  Project run() {
    std::error_code ec;
    if (!fs::is_directory(root_, ec)) {
      p_.problems.push_back({root_.string(), 0, 0, "not a directory"});
      return std::move(p_);
    }
    read_files();
    detect_name();
    detect_backend();
    detect_packages();
    detect_tests();
    detect_dev_dependencies();
    detect_nested_projects();
    return std::move(p_);
  }

 private:
  fs::path root_;
  const Overrides& o_;
  Project p_;
  std::optional<toml::table> pyproject_;
  python::DeclaredProject decl_;
  std::optional<IniFile> setup_cfg_, tox_ini_, pytest_ini_;
  std::string setup_py_;

  bool exists(const std::string& rel) const {
    std::error_code ec;
    return fs::exists(root_ / rel, ec);
  }
  bool is_dir(const std::string& rel) const {
    std::error_code ec;
    return fs::is_directory(root_ / rel, ec);
  }
  bool is_file(const std::string& rel) const {
    std::error_code ec;
    return fs::is_regular_file(root_ / rel, ec);
  }
  void note_read(const std::string& rel) {
    if (std::find(p_.files_read.begin(), p_.files_read.end(), rel) == p_.files_read.end())
      p_.files_read.push_back(rel);
  }
  std::optional<std::string> read(const std::string& rel) {
    if (!is_file(rel)) return std::nullopt;
    try {
      auto text = read_file(root_ / rel);
      note_read(rel);
      return text;
    } catch (const Error& e) {
      p_.problems.push_back({rel, 0, 0, e.what()});
      return std::nullopt;
    }
  }

  void read_files() {
    if (auto t = read("pyproject.toml")) {
      p_.has_pyproject = true;
      pyproject_ = python::parse_toml(*t, "pyproject.toml", p_.problems);
      // Dependency groups and extras come from the lock-file work's declarations reader, so
      // the install and the lock's sync check read one list.
      if (pyproject_) python::read_pyproject_declarations(*pyproject_, "pyproject.toml", decl_);
      // A group's errors are problems where the group is used (add_declared); a requirement
      // that does not parse is left out of what is installed, and said.
      std::set<std::string> group_errors;
      for (const auto& g : decl_.groups)
        for (const auto& e : g.errors) group_errors.insert(e.str());
      for (const auto& d : decl_.diagnostics)
        if (!group_errors.count(d.str())) p_.notes.push_back(d.str() + " (not installed)");
    }
    if (auto t = read("setup.cfg")) {
      p_.has_setup_cfg = true;
      setup_cfg_ = parse_ini(*t, "setup.cfg");
    }
    if (auto t = read("setup.py")) {
      p_.has_setup_py = true;
      setup_py_ = *t;
    }
    // An unreadable pyproject.toml counts as declaring: its problem is reported, not hidden.
    p_.declares_packaging =
        p_.has_setup_py ||
        (setup_cfg_ && (setup_cfg_->has("metadata") || setup_cfg_->has("options"))) ||
        (p_.has_pyproject &&
         (!pyproject_ || pyproject_->contains("project") || pyproject_->contains("build-system") ||
          (*pyproject_)["tool"]["poetry"].is_table()));
    if (auto t = read("Pipfile")) {
      // Only its Python version is the model's: its packages are the lock check's and the
      // environment's (read_declarations), and its problems theirs to report.
      python::DeclaredProject pipfile;
      python::read_pipfile_declarations(*t, "Pipfile", pipfile);
      p_.pipfile_python = pipfile.pipfile_python;
      p_.pipfile_python_from = {"Pipfile", pipfile.pipfile_python_line,
                                "[requires] python_version"};
    }
    if (auto t = read("tox.ini")) tox_ini_ = parse_ini(*t, "tox.ini");
    if (auto t = read("pytest.ini")) pytest_ini_ = parse_ini(*t, "pytest.ini");
  }

  const toml::node* py_at(std::string_view dotted) const {
    return pyproject_ ? python::toml_at(*pyproject_, dotted) : nullptr;
  }
  Origin py_origin(const toml::node* n, std::string what) const {
    return {"pyproject.toml", python::toml_line(n), std::move(what)};
  }

  // A string keyword argument of setup(...) in setup.py, read as text: only a literal counts.
  std::optional<std::pair<std::string, int>> setup_py_literal(const std::string& key) const {
    if (setup_py_.empty()) return std::nullopt;
    std::regex re("\\b" + key + R"(\s*=\s*(['"])([^'"\n]+)\1)");
    std::smatch m;
    if (!std::regex_search(setup_py_, m, re)) return std::nullopt;
    int line = 1 + static_cast<int>(
                       std::count(setup_py_.begin(), setup_py_.begin() + m.position(0), '\n'));
    return std::make_pair(m[2].str(), line);
  }

  void detect_name() {
    if (auto* n = py_at("project.name"); n && n->is_string()) {
      p_.name = *n->value<std::string>();
      p_.name_from = py_origin(n, "[project] name");
    } else if (auto* n2 = py_at("tool.poetry.name"); n2 && n2->is_string()) {
      p_.name = *n2->value<std::string>();
      p_.name_from = py_origin(n2, "[tool.poetry] name");
    } else if (auto* v = setup_cfg_ ? setup_cfg_->get("metadata", "name") : nullptr) {
      p_.name = v->text;
      p_.name_from = {"setup.cfg", v->line, "[metadata] name"};
    } else if (auto lit = setup_py_literal("name")) {
      p_.name = lit->first;
      p_.name_from = {"setup.py", lit->second, "setup(name=...)"};
    }
    if (auto* n = py_at("project.requires-python"); n && n->is_string()) {
      p_.requires_python = *n->value<std::string>();
      p_.requires_python_from = py_origin(n, "[project] requires-python");
    } else if (auto* v = setup_cfg_ ? setup_cfg_->get("options", "python_requires") : nullptr) {
      p_.requires_python = v->text;
      p_.requires_python_from = {"setup.cfg", v->line, "[options] python_requires"};
    } else if (auto* n3 = py_at("tool.poetry.dependencies.python"); n3 && n3->is_string()) {
      p_.requires_python = *n3->value<std::string>();
      p_.requires_python_from = py_origin(n3, "[tool.poetry.dependencies] python");
    } else if (auto lit = setup_py_literal("python_requires")) {
      p_.requires_python = lit->first;
      p_.requires_python_from = {"setup.py", lit->second, "setup(python_requires=...)"};
    }
  }

  // A repository whose Python project sits in a subfolder (a monorepo's backend/ beside its
  // frontend/): nothing here is Python, so the folders that are get named, with how to run one.
  void detect_nested_projects() {
    if (p_.has_pyproject || p_.has_setup_py || p_.has_setup_cfg || !p_.packages.empty() ||
        is_file("requirements.txt"))
      return;
    auto python_project = [](const fs::path& d) {
      std::error_code ec;
      for (const char* f : {"pyproject.toml", "setup.py", "setup.cfg"})
        if (fs::is_regular_file(d / f, ec)) return true;
      return false;
    };
    auto skipped = [](const std::string& n) {
      return n.starts_with(".") || n == "node_modules" || n == "venv" || n == "env" ||
             n == "site-packages" || n == "build" || n == "dist";
    };
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_, ec)) {
      std::string n = e.path().filename().string();
      if (!e.is_directory(ec) || skipped(n)) continue;
      if (python_project(e.path())) {
        p_.nested_projects.push_back(n);
        continue;
      }
      for (const auto& e2 : fs::directory_iterator(e.path(), ec)) {
        std::string n2 = e2.path().filename().string();
        if (e2.is_directory(ec) && !skipped(n2) && python_project(e2.path()))
          p_.nested_projects.push_back(n + "/" + n2);
      }
    }
    std::sort(p_.nested_projects.begin(), p_.nested_projects.end());
    // The other notes (no package, no tests, no dev dependencies) all follow from this one.
    if (!p_.nested_projects.empty())
      p_.notes = {"no Python project here, but in " + join(p_.nested_projects, ", ") +
                  ": run pipewright in that folder (pipewright run -C " +
                  p_.nested_projects.front() + ")"};
  }

  void detect_backend() {
    if (const auto* reqs = py_at("build-system.requires"); reqs && reqs->is_array())
      for (const auto& r : *reqs->as_array())
        if (auto text = r.value<std::string>()) p_.build_requires.push_back(py_origin(&r, *text));
    if (auto* n = py_at("build-system.build-backend"); n && n->is_string()) {
      p_.build_backend = *n->value<std::string>();
      p_.backend_from = py_origin(n, "[build-system] build-backend");
    } else if (p_.application()) {
      // Nothing declares a distribution (a setup.cfg of tool settings is no setuptools
      // project): an application, never built nor installed, so no backend. plan said
      // setuptools' legacy backend for cookiecutter-django's setup.cfg of flake8 and mypy
      // settings, or that the project "cannot be installed", while setup-python put it on
      // sys.path as it should.
    } else if (p_.has_setup_py || p_.has_setup_cfg) {
      // pip's fallback for a project without [build-system]: setuptools' legacy backend.
      p_.build_backend = "setuptools.build_meta:__legacy__";
      p_.backend_from = {p_.has_setup_py ? "setup.py" : "setup.cfg", 0, "(no [build-system])"};
    }
  }

  // ---- packages

  // The import package at `rel` (a folder, or a module file), when it looks like Python code.
  bool looks_like_package(const std::string& rel) const {
    if (rel.ends_with(".py")) return is_file(rel);
    if (!is_dir(rel)) return false;
    if (is_file(rel + "/__init__.py")) return true;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_ / rel, ec))
      if (e.path().extension() == ".py") return true;  // a namespace package
    return false;
  }

  void add_package(std::string name, std::string path, Origin from) {
    while (path.starts_with("./")) path = path.substr(2);
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    for (const auto& p : p_.packages)
      if (p.path == path) return;
    for (const auto& p : p_.packages)
      if (p.name == name) {
        p_.problems.push_back({from.file, from.line, 0,
                               "two packages named '" + name + "': " + p.path + " and " + path +
                                   "; set project.package in " + o_.config_file +
                                   " to the one to use"});
        return;
      }
    p_.packages.push_back({std::move(name), std::move(path), std::move(from)});
  }

  // Top-level packages under `where` ("" = root) whose names match `include` (setuptools'
  // find_packages patterns; only the part before the first '.' matters for top-level names).
  std::vector<std::string> find_top_level(const std::string& where,
                                          const std::vector<std::string>& include,
                                          const std::vector<std::string>& exclude,
                                          bool namespaces) {
    std::vector<std::string> out;
    std::error_code ec;
    fs::path dir = where.empty() ? root_ : root_ / where;
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (!e.is_directory(ec)) continue;
      std::string n = e.path().filename().string();
      if (n.empty() || n.front() == '.' || n.front() == '_' || n.find('.') != std::string::npos ||
          n.find('-') != std::string::npos)
        continue;
      names.push_back(n);
    }
    std::sort(names.begin(), names.end());
    auto matches = [](const std::vector<std::string>& pats, const std::string& n) {
      for (const auto& pat : pats) {
        std::string top = pat.substr(0, pat.find('.'));
        if (glob_match(pat, n) || glob_match(top, n)) return true;
      }
      return false;
    };
    for (const auto& n : names) {
      std::string rel = where.empty() ? n : where + "/" + n;
      if (!include.empty() && !matches(include, n)) continue;
      if (matches(exclude, n)) continue;
      if (include.empty() && kNotCode.count(n)) continue;
      bool init = is_file(rel + "/__init__.py");
      if (!init && !(namespaces && looks_like_package(rel))) continue;
      out.push_back(n);
    }
    return out;
  }

  void detect_packages() {
    if (!o_.packages.empty()) {
      for (const auto& given : o_.packages) {
        std::string path = given;
        // An import name ("my_pkg") rather than a folder: look where it lives.
        if (!exists(path)) {
          for (std::string cand : {"src/" + given, given + ".py", "src/" + given + ".py"})
            if (exists(cand)) {
              path = cand;
              break;
            }
        }
        std::string name = fs::path(path).filename().string();
        if (name.ends_with(".py")) name = name.substr(0, name.size() - 3);
        add_package(name, path, {o_.config_file, 0, "project.package"});
      }
      return;
    }
    from_setuptools();
    if (p_.packages.empty()) from_flit();
    if (p_.packages.empty()) from_hatch();
    if (p_.packages.empty()) from_poetry();
    if (p_.packages.empty()) from_setup_cfg();
    if (p_.packages.empty()) from_setup_py();
    if (p_.packages.empty()) from_name();
    if (p_.packages.empty() && looks_like_package("app"))
      add_package("app", "app", {"folder", 0, "app/ (the seed's layout)"});
    if (p_.packages.empty()) from_scan();
    if (p_.packages.empty()) {
      p_.notes.push_back(
          "no import package found (looked at the build backend's settings, the "
          "project name, src/ and the top-level folders): set project.package in " +
          o_.config_file + " to the folder that holds the code");
    }
    check_shadowing();
  }

  // A src-layout package with a same-named folder at the root: pytest would import the wrong one.
  void check_shadowing() {
    for (const auto& p : p_.packages) {
      if (p.import_root().empty()) continue;
      std::string flat = p.name;
      if (is_file(flat + "/__init__.py"))
        p_.problems.push_back({p.from.file, p.from.line, 0,
                               "two packages named '" + p.name + "': " + p.path + " and " + flat +
                                   "/ (tests would import the root one); set project.package in " +
                                   o_.config_file + " to the one to use"});
    }
  }

  void from_setuptools() {
    const toml::node* pkgs = py_at("tool.setuptools.packages");
    std::string base;  // package-dir's "" entry
    std::map<std::string, std::string> dirs;
    if (const auto* pd = py_at("tool.setuptools.package-dir"); pd && pd->is_table()) {
      for (const auto& [k, v] : *pd->as_table()) {
        if (auto s = v.value<std::string>()) {
          if (k.str().empty())
            base = *s;
          else
            dirs[std::string(k.str())] = *s;
        }
      }
    }
    auto path_of = [&](const std::string& top) {
      if (dirs.count(top)) return dirs[top];
      return base.empty() || base == "." ? top : base + "/" + top;
    };
    if (pkgs && pkgs->is_array()) {
      std::set<std::string> seen;
      for (const auto& n : python::toml_strings(pkgs).value_or(std::vector<std::string>{})) {
        std::string top = n.substr(0, n.find('.'));
        if (seen.insert(top).second)
          add_package(top, path_of(top), py_origin(pkgs, "[tool.setuptools] packages"));
      }
      return;
    }
    const toml::node* find = py_at("tool.setuptools.packages.find");
    if (!find) return;
    auto where = python::toml_strings(py_at("tool.setuptools.packages.find.where"))
                     .value_or(std::vector<std::string>{base.empty() ? "." : base});
    auto include = python::toml_strings(py_at("tool.setuptools.packages.find.include"))
                       .value_or(std::vector<std::string>{});
    auto exclude = python::toml_strings(py_at("tool.setuptools.packages.find.exclude"))
                       .value_or(std::vector<std::string>{});
    bool ns = true;
    if (auto* n = py_at("tool.setuptools.packages.find.namespaces"))
      ns = n->value<bool>().value_or(true);
    for (auto w : where) {
      if (w == ".") w = "";
      for (const auto& top : find_top_level(w, include, exclude, ns))
        add_package(top, w.empty() ? top : w + "/" + top,
                    py_origin(find, "[tool.setuptools.packages.find]"));
    }
  }

  void place_by_name(const std::string& name, const Origin& from) {
    for (std::string cand : {"src/" + name, name, "src/" + name + ".py", name + ".py"})
      if (looks_like_package(cand)) {
        add_package(name, cand, from);
        return;
      }
    p_.notes.push_back(from.str() + " names '" + name + "', but no src/" + name + "/ or " + name +
                       "/ exists: set project.package in " + o_.config_file);
  }

  void from_flit() {
    if (auto* n = py_at("tool.flit.module.name"); n && n->is_string()) {
      place_by_name(*n->value<std::string>(), py_origin(n, "[tool.flit.module] name"));
      return;
    }
    if (p_.build_backend.starts_with("flit") && !p_.name.empty())
      place_by_name(import_name_of(p_.name), {p_.name_from.file, p_.name_from.line,
                                              "[project] name (flit's default module)"});
  }

  void from_hatch() {
    const toml::node* n = py_at("tool.hatch.build.targets.wheel.packages");
    if (!n) return;
    for (const auto& path : python::toml_strings(n).value_or(std::vector<std::string>{})) {
      std::string name = fs::path(path).filename().string();
      if (name.ends_with(".py")) name = name.substr(0, name.size() - 3);
      add_package(name, path, py_origin(n, "[tool.hatch.build.targets.wheel] packages"));
    }
  }

  void from_poetry() {
    const toml::node* n = py_at("tool.poetry.packages");
    if (!n || !n->is_array()) return;
    for (const auto& item : *n->as_array()) {
      const auto* t = item.as_table();
      if (!t) continue;
      auto inc = t->get("include") ? t->get("include")->value<std::string>() : std::nullopt;
      if (!inc || inc->find('*') != std::string::npos) continue;
      std::string from = t->get("from") ? t->get("from")->value<std::string>().value_or("") : "";
      std::string path = from.empty() ? *inc : from + "/" + *inc;
      std::string name = fs::path(*inc).filename().string();
      if (name.ends_with(".py")) name = name.substr(0, name.size() - 3);
      add_package(name, path,
                  {"pyproject.toml", python::toml_line(&item), "[tool.poetry] packages"});
    }
  }

  void from_setup_cfg() {
    if (!setup_cfg_) return;
    const IniValue* pk = setup_cfg_->get("options", "packages");
    if (!pk) return;
    std::string base;
    if (const auto* pd = setup_cfg_->get("options", "package_dir")) {
      for (const auto& [item, line] : ini_list(*pd, true)) {
        auto eq = item.find('=');
        if (eq != std::string::npos && trim(item.substr(0, eq)).empty())
          base = std::string(trim(item.substr(eq + 1)));
      }
    }
    Origin from{"setup.cfg", pk->line, "[options] packages"};
    if (pk->text.starts_with("find")) {
      bool ns = pk->text.starts_with("find_namespace");
      std::vector<std::string> include, exclude;
      std::string where = base;
      if (const auto* w = setup_cfg_->get("options.packages.find", "where")) where = w->text;
      if (const auto* i = setup_cfg_->get("options.packages.find", "include"))
        for (const auto& [x, l] : ini_list(*i, true)) include.push_back(x);
      if (const auto* e = setup_cfg_->get("options.packages.find", "exclude"))
        for (const auto& [x, l] : ini_list(*e, true)) exclude.push_back(x);
      if (where == ".") where.clear();
      for (const auto& top : find_top_level(where, include, exclude, ns))
        add_package(top, where.empty() ? top : where + "/" + top, from);
      return;
    }
    std::set<std::string> seen;
    for (const auto& [n, line] : ini_list(*pk, true)) {
      std::string top = n.substr(0, n.find('.'));
      if (seen.insert(top).second) add_package(top, base.empty() ? top : base + "/" + top, from);
    }
  }

  // setup.py read as text: packages=[literal list] or find_packages(where=...) is all we trust.
  void from_setup_py() {
    if (setup_py_.empty()) return;
    std::smatch m;
    std::regex list_re(R"(\bpackages\s*=\s*\[([^\]]*)\])");
    if (std::regex_search(setup_py_, m, list_re)) {
      int line = 1 + static_cast<int>(
                         std::count(setup_py_.begin(), setup_py_.begin() + m.position(0), '\n'));
      std::regex item(R"(['"]([A-Za-z_][\w.]*)['"])");
      std::string body = m[1].str();
      std::set<std::string> seen;
      for (auto it = std::sregex_iterator(body.begin(), body.end(), item);
           it != std::sregex_iterator(); ++it) {
        std::string top = (*it)[1].str();
        top = top.substr(0, top.find('.'));
        if (seen.insert(top).second)
          place_by_name(top, {"setup.py", line, "setup(packages=[...])"});
      }
      return;
    }
    std::regex find_re(R"(find_(namespace_)?packages\(\s*(where\s*=\s*)?(['"]([^'"]+)['"])?)");
    if (std::regex_search(setup_py_, m, find_re)) {
      int line = 1 + static_cast<int>(
                         std::count(setup_py_.begin(), setup_py_.begin() + m.position(0), '\n'));
      std::string where = m[4].matched ? m[4].str() : "";
      if (where == ".") where.clear();
      for (const auto& top : find_top_level(where, {}, {}, m[1].matched))
        add_package(top, where.empty() ? top : where + "/" + top,
                    {"setup.py", line, "find_packages()"});
    }
  }

  void from_name() {
    if (p_.name.empty()) return;
    std::string n = import_name_of(p_.name);
    for (std::string cand : {"src/" + n, n, "src/" + n + ".py", n + ".py"})
      if (looks_like_package(cand)) {
        add_package(
            n, cand,
            {p_.name_from.file, p_.name_from.line, "project name '" + p_.name + "' -> " + cand});
        return;
      }
  }

  void from_scan() {
    if (is_dir("src"))
      for (const auto& top : find_top_level("src", {}, {}, false))
        add_package(top, "src/" + top, {"folder", 0, "src/" + top + "/ has __init__.py"});
    if (!p_.packages.empty()) return;
    for (const auto& top : find_top_level("", {}, {}, false))
      add_package(top, top, {"folder", 0, top + "/ has __init__.py"});
    if (!p_.packages.empty()) return;
    // Modules at the root (a service's app.py, a library's single module): each is the code,
    // except the files that configure tools or hold tests.
    static const std::set<std::string> not_code = {"setup.py",   "conftest.py", "noxfile.py",
                                                   "fabfile.py", "tasks.py",    "manage.py"};
    std::vector<std::string> modules;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_, ec)) {
      std::string n = e.path().filename().string();
      if (!e.is_regular_file(ec) || !n.ends_with(".py") || n.front() == '.' || n.front() == '_' ||
          not_code.count(n) || n.starts_with("test_") || n.ends_with("_test.py"))
        continue;
      modules.push_back(n);
    }
    std::sort(modules.begin(), modules.end());
    for (const auto& m : modules)
      add_package(m.substr(0, m.size() - 3), m, {"file", 0, m + " at the root"});
  }

  // ---- tests

  void detect_tests() {
    if (!o_.tests.empty()) {
      for (const auto& t : o_.tests) p_.tests.push_back({t, {o_.config_file, 0, "project.tests"}});
      return;
    }
    // pytest's own order of configuration files: pytest.ini, pyproject.toml, tox.ini, setup.cfg.
    std::vector<std::pair<std::string, int>> paths;
    Origin from;
    if (pytest_ini_ && pytest_ini_->get("pytest", "testpaths")) {
      const auto* v = pytest_ini_->get("pytest", "testpaths");
      from = {"pytest.ini", v->line, "[pytest] testpaths"};
      for (const auto& line : ini_list(*v, false))
        for (const auto& w : split(line.first, ' '))
          if (!w.empty()) paths.emplace_back(w, line.second);
    } else if (auto* n = py_at("tool.pytest.ini_options.testpaths")) {
      from = py_origin(n, "[tool.pytest.ini_options] testpaths");
      for (const auto& s : python::toml_strings(n).value_or(std::vector<std::string>{}))
        for (const auto& w : split(s, ' '))
          if (!w.empty()) paths.emplace_back(w, python::toml_line(n));
    } else if (tox_ini_ && tox_ini_->get("pytest", "testpaths")) {
      const auto* v = tox_ini_->get("pytest", "testpaths");
      from = {"tox.ini", v->line, "[pytest] testpaths"};
      for (const auto& line : ini_list(*v, false))
        for (const auto& w : split(line.first, ' '))
          if (!w.empty()) paths.emplace_back(w, line.second);
    } else if (setup_cfg_ && setup_cfg_->get("tool:pytest", "testpaths")) {
      const auto* v = setup_cfg_->get("tool:pytest", "testpaths");
      from = {"setup.cfg", v->line, "[tool:pytest] testpaths"};
      for (const auto& line : ini_list(*v, false))
        for (const auto& w : split(line.first, ' '))
          if (!w.empty()) paths.emplace_back(w, line.second);
    }
    for (auto [path, line] : paths) {
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      if (exists(path))
        p_.tests.push_back({path, {from.file, line, from.what}});
      else
        p_.notes.push_back(from.str() + " names '" + path + "', which does not exist");
    }
    if (!p_.tests.empty()) return;
    for (std::string cand : {"tests", "test"})
      if (is_dir(cand)) {
        p_.tests.push_back({cand, {"folder", 0, cand + "/"}});
        return;
      }
    for (const auto& pkg : p_.packages)
      if (is_dir(pkg.path + "/tests")) {
        p_.tests.push_back(
            {pkg.path + "/tests", {"folder", 0, pkg.path + "/tests/ (inside the package)"}});
        return;
      }
    p_.notes.push_back(
        "no tests folder found (pytest testpaths, tests/, test/): pytest runs from "
        "the project root; set project.tests in " +
        o_.config_file + " to where the tests are");
  }

  // ---- development dependencies

  bool wanted(const std::string& group) const {
    const auto& names = o_.groups.empty() ? default_dev_groups() : o_.groups;
    std::string n = python::normalize_name(group);
    for (const auto& w : names)
      if (python::normalize_name(w) == n) return true;
    return false;
  }

  // A path as written in `file` (relative to its folder) stays inside the root?
  bool inside_root(const fs::path& p) const {
    std::error_code ec;
    fs::path a = fs::weakly_canonical(p, ec);
    fs::path r = fs::weakly_canonical(root_, ec);
    auto rel = a.lexically_relative(r);
    return !rel.empty() && *rel.begin() != "..";
  }

  std::string rel(const fs::path& p) const {
    std::error_code ec;
    auto r = fs::weakly_canonical(p, ec).lexically_relative(fs::weakly_canonical(root_, ec));
    return r.empty() ? p.string() : r.string();
  }

  bool is_local_target(const std::string& target) const {
    return !contains(target, "://") && !target.starts_with("git+") && !target.starts_with("hg+") &&
           !target.starts_with("svn+") && !target.starts_with("bzr+");
  }

  // Reads a requirements file into a source: each requirement with file:line; a file included
  // from outside the repository is a problem (a checkout must be self-contained).
  DependencySource requirements_source(const std::string& file, std::string kind) {
    DependencySource s;
    s.kind = std::move(kind);
    s.file = file;
    s.requirement_files = {file};
    auto parsed = python::read_requirements_file(root_ / file);
    for (const auto& f : parsed.files) {
      if (!inside_root(f)) {
        p_.problems.push_back({file, 0, 0,
                               "includes " + f +
                                   ", which is outside the repository: a build "
                                   "sees only the checkout; copy it into the repository"});
        continue;
      }
      note_read(rel(f));
    }
    for (const auto& e : parsed.requirements) {
      DeclaredRequirement d{e.raw, rel(e.file), e.line, false};
      if ((e.form == python::RequirementForm::editable ||
           e.form == python::RequirementForm::path) &&
          is_local_target(e.target)) {
        d.local = true;
        // pip resolves it against its working directory, the root (not the file's folder).
        fs::path target = root_ / e.target.substr(0, e.target.find('['));
        if (!inside_root(target))
          p_.problems.push_back(
              {rel(e.file), e.line, 0, "'" + e.raw + "' points outside the repository"});
      }
      s.requirements.push_back(std::move(d));
    }
    return s;
  }

  // A requirements file that pins or names pytest or nose itself (not through -r).
  static bool names_a_test_runner(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return false;
    for (const auto& line : split_lines(read_file(file))) {
      std::string t = to_lower(trim(line));
      if (t.starts_with("pytest") || t.starts_with("nose")) return true;
    }
    return false;
  }

  void add_requirement_files() {
    std::vector<std::string> names = {"requirements-dev.txt",   "requirements_dev.txt",
                                      "dev-requirements.txt",   "requirements-test.txt",
                                      "requirements-tests.txt", "requirements_test.txt",
                                      "test-requirements.txt",  "tests-requirements.txt"};
    auto devish = [](const std::string& stem) {
      std::string s = to_lower(stem);
      for (const char* w : {"dev", "test", "lint", "ci", "typing", "check"})
        if (contains(s, w)) return true;
      return false;
    };
    std::vector<std::string> found;
    for (const auto& n : names)
      if (is_file(n)) found.push_back(n);
    std::error_code ec;
    // *-requirements.txt beyond the usual names.
    std::vector<std::string> more;
    for (const auto& e : fs::directory_iterator(root_, ec)) {
      std::string n = e.path().filename().string();
      if (n.ends_with("-requirements.txt") && devish(n) &&
          std::find(found.begin(), found.end(), n) == found.end())
        more.push_back(n);
    }
    std::sort(more.begin(), more.end());
    found.insert(found.end(), more.begin(), more.end());
    if (is_dir("requirements")) {
      std::vector<std::string> sub;
      for (const auto& e : fs::directory_iterator(root_ / "requirements", ec)) {
        auto ext = e.path().extension();
        std::string stem = e.path().stem().string();
        // Beyond the dev-ish names, a file there that names a test runner: cookiecutter-django's
        // requirements/local.txt (-r base.txt, then pytest, mypy, flake8) is its dev file,
        // beside base.txt and production.txt.
        if (!devish(stem) && !(ext == ".txt" && names_a_test_runner(e.path()))) continue;
        if (ext == ".txt") sub.push_back("requirements/" + e.path().filename().string());
        // A .in alone (never compiled) is a requirements file too.
        else if (ext == ".in" && !is_file("requirements/" + stem + ".txt"))
          sub.push_back("requirements/" + e.path().filename().string());
      }
      std::sort(sub.begin(), sub.end());
      found.insert(found.end(), sub.begin(), sub.end());
    }
    for (const auto& f : found) {
      std::string in = f.substr(0, f.size() - 4) + ".in";
      bool pip_tools = f.ends_with(".txt") && is_file(in);
      auto s = requirements_source(f, pip_tools ? "pip-tools" : "requirements");
      if (pip_tools) note_read(in);
      p_.dev_dependencies.push_back(std::move(s));
    }
  }

  // A top-level requirements.txt holds an application's own dependencies as a rule; one that
  // names a test runner is a library's development requirements (jmespath pins pytest and
  // pytest-cov there, and its CI installs it with pip install -r). Read before tox.ini, whose
  // deps are for tox's own runs and often older. An application without packaging metadata has
  // no other place for its dependencies: the environment installs them from here.
  void add_plain_requirements_with_a_test_runner() {
    if (!is_file("requirements.txt")) return;
    auto s = requirements_source("requirements.txt", "requirements");
    bool runner = std::any_of(s.requirements.begin(), s.requirements.end(), [](const auto& r) {
      std::string t = to_lower(r.text);
      return t.starts_with("pytest") || t.starts_with("nose");
    });
    if (runner || p_.application()) p_.dev_dependencies.push_back(std::move(s));
  }

  const python::DeclaredGroup* declared_group(const std::string& key) const {
    for (const auto& g : decl_.groups)
      if (g.key == key) return &g;
    return nullptr;
  }

  void add_problem(const Diagnostic& d) {
    for (const auto& p : p_.problems)
      if (p.str() == d.str()) return;
    p_.problems.push_back(d);
  }

  // A declared group's ("dev") or extra's ("extra:test") requirements into `s`, its errors (a
  // group including itself) as problems, and an extra's self-references ("myproj[docs]")
  // expanded into the extras they name.
  void add_declared(const std::string& key, DependencySource& s, std::set<std::string>& seen) {
    if (!seen.insert(key).second) return;
    const auto* g = declared_group(key);
    if (!g) return;
    for (const auto& e : g->errors) add_problem(e);
    bool extra = key.starts_with("extra:");
    for (const auto& d : decl_.declarations) {
      if (d.group != key) continue;
      if (extra && !p_.name.empty() &&
          d.requirement.normalized_name() == python::normalize_name(p_.name)) {
        for (const auto& x : d.requirement.extras)
          add_declared("extra:" + python::normalize_name(x), s, seen);
        continue;
      }
      s.requirements.push_back({d.requirement.str(), d.file, d.line, false});
    }
  }

  // PEP 735 [dependency-groups] with the default (or configured) names.
  void add_dependency_groups() {
    for (const auto& g : decl_.groups) {
      if (g.key.starts_with("extra:") || !wanted(g.name)) continue;
      DependencySource s{"dependency-group", g.file, g.name, g.line, {}, {}, {}};
      std::set<std::string> seen;
      add_declared(g.key, s, seen);
      p_.dev_dependencies.push_back(std::move(s));
    }
  }

  // The project's extras: its own requirements, installed with the project ("-e .[test]").
  void add_extras() {
    for (const auto& g : decl_.groups) {
      if (!g.key.starts_with("extra:") || !wanted(g.name)) continue;
      DependencySource s{"extra", g.file, g.name, g.line, {}, {}, {g.name}};
      std::set<std::string> seen;
      add_declared(g.key, s, seen);
      p_.dev_dependencies.push_back(std::move(s));
    }
  }

  // tox.ini's test environment: the first py* env of envlist, else [testenv] itself.
  void add_tox() {
    if (!tox_ini_) return;
    std::string env = "testenv";
    if (const auto* el = tox_ini_->get("tox", "envlist")) {
      for (const auto& [e, line] : ini_list(*el, true)) {
        if (e.starts_with("py") && tox_ini_->has("testenv:" + e)) {
          env = "testenv:" + e;
          break;
        }
      }
    }
    if (!tox_ini_->has(env) && !tox_ini_->has("testenv")) return;
    auto get = [&](const std::string& key) -> const IniValue* {
      if (const auto* v = tox_ini_->get(env, key)) return v;
      return tox_ini_->get("testenv", key);
    };
    DependencySource s{"tox",
                       "tox.ini",
                       env == "testenv" ? "testenv" : env.substr(8),
                       tox_ini_->section_line(env),
                       {},
                       {},
                       {}};
    auto subst = [](std::string t) {
      for (const char* v : {"{toxinidir}/", "{tox_root}/"})
        for (size_t at; (at = t.find(v)) != std::string::npos;) t.erase(at, std::string(v).size());
      return t;
    };
    if (const auto* deps = get("deps")) {
      for (auto [d, line] : ini_list(*deps, false)) {
        d = subst(d);
        if (d.find('{') != std::string::npos) continue;  // a factor or substitution we cannot read
        if (d.starts_with("-r")) {
          std::string f(trim(std::string_view(d).substr(2)));
          if (!f.empty()) {
            if (!inside_root(root_ / f))
              p_.problems.push_back(
                  {"tox.ini", line, 0, "deps includes " + f + ", outside the repository"});
            else
              s.requirement_files.push_back(f);
          }
          continue;
        }
        if (d.starts_with("-c")) continue;
        bool local = d.starts_with(".") || d.starts_with("-e");
        s.requirements.push_back({d, "tox.ini", line, local});
      }
    }
    if (const auto* ex = get("extras"))
      for (const auto& [e, line] : ini_list(*ex, true)) s.project_extras.push_back(e);
    if (const auto* dg = get("dependency_groups")) {
      std::set<std::string> seen;
      for (const auto& [g, line] : ini_list(*dg, true)) {
        std::string key = python::normalize_name(g);
        if (!declared_group(key))
          p_.problems.push_back({"tox.ini", line, 0,
                                 "dependency_groups names '" + g +
                                     "', which is not in pyproject.toml's [dependency-groups]"});
        else
          add_declared(key, s, seen);
      }
    }
    for (const auto& e : s.project_extras) add_extra_requirements(e, s);
    if (!s.requirements.empty() || !s.requirement_files.empty() || !s.project_extras.empty())
      p_.dev_dependencies.push_back(std::move(s));
  }

  // The requirements of the project's extras a test runner installs with it (tox's extras,
  // nox's `.[test]`), for the hints and the display; pip installs them with the project.
  void add_extra_requirements(const std::string& extra, DependencySource& s) {
    std::set<std::string> seen;
    add_declared("extra:" + python::normalize_name(extra), s, seen);
  }

  // noxfile.py read as text: the session named test/tests/testing (or the first whose name
  // starts with "test"), and the string literals of its session.install(...) calls.
  void add_nox() {
    auto text = read("noxfile.py");
    if (!text) return;
    std::regex def_re(R"(^def\s+(test\w*)\s*\(\s*(\w+))", std::regex::multiline);
    std::smatch m;
    if (!std::regex_search(*text, m, def_re)) return;
    std::string session = m[1].str(), var = m[2].str();
    size_t start = m.position(0) + m.length(0);
    size_t end = text->find("\ndef ", start);
    size_t deco = text->find("\n@", start);
    end = std::min(end, deco);
    std::string body =
        text->substr(start, end == std::string::npos ? std::string::npos : end - start);
    int base_line = 1 + static_cast<int>(std::count(text->begin(), text->begin() + start, '\n'));
    DependencySource s{"nox", "noxfile.py", session, base_line, {}, {}, {}};
    std::regex call_re(var + R"(\.install\(([^)]*)\))");
    std::regex lit_re(R"(['"]([^'"]+)['"])");
    for (auto it = std::sregex_iterator(body.begin(), body.end(), call_re);
         it != std::sregex_iterator(); ++it) {
      std::string args = (*it)[1].str();
      int line = base_line +
                 static_cast<int>(std::count(body.begin(), body.begin() + it->position(0), '\n'));
      std::vector<std::string> lits;
      for (auto l = std::sregex_iterator(args.begin(), args.end(), lit_re);
           l != std::sregex_iterator(); ++l)
        lits.push_back((*l)[1].str());
      for (size_t i = 0; i < lits.size(); ++i) {
        const auto& a = lits[i];
        if ((a == "-r" || a == "--requirement") && i + 1 < lits.size()) {
          s.requirement_files.push_back(lits[++i]);
        } else if (a == "-e" || a == "--editable") {
          continue;
        } else if (a == "." || a.starts_with(".[")) {
          auto open = a.find('[');
          if (open != std::string::npos)
            for (const auto& x : split(a.substr(open + 1, a.find(']') - open - 1), ','))
              s.project_extras.push_back(std::string(trim(x)));
        } else if (!a.starts_with("-")) {
          s.requirements.push_back({a, "noxfile.py", line, false});
        }
      }
    }
    for (const auto& e : s.project_extras) add_extra_requirements(e, s);
    if (!s.requirements.empty() || !s.requirement_files.empty() || !s.project_extras.empty())
      p_.dev_dependencies.push_back(std::move(s));
  }

  void detect_dev_dependencies() {
    if (!o_.requirements.empty()) {
      for (const auto& f : o_.requirements) {
        if (!is_file(f)) {
          p_.problems.push_back(
              {o_.config_file, 0, 0, "project.requirements names " + f + ", which does not exist"});
          continue;
        }
        note_read(f);
        auto s = requirements_source(f, "configured");
        p_.dev_dependencies.push_back(std::move(s));
      }
      return;
    }
    // An application's own requirements first: its dev requirements build on them.
    if (p_.application()) add_plain_requirements_with_a_test_runner();
    add_requirement_files();
    add_dependency_groups();
    add_extras();
    if (p_.dev_dependencies.empty()) add_plain_requirements_with_a_test_runner();
    // tox and nox install what they install for their own runs: read only when the project
    // declares its dev dependencies nowhere else, since they usually repeat them.
    if (p_.dev_dependencies.empty()) add_tox();
    if (p_.dev_dependencies.empty()) add_nox();
    if (p_.dev_dependencies.empty())
      p_.notes.push_back(
          "no development dependencies declared (requirements-dev.txt, requirements/*.txt, "
          "[dependency-groups] dev/test, [project.optional-dependencies] dev/test, tox.ini, "
          "noxfile.py): the environment gets only the project; set project.requirements in " +
          o_.config_file);
  }
};

}  // namespace

Project detect(const fs::path& root, const Overrides& overrides) {
  return Detector(root, overrides).run();
}

std::vector<std::string> describe(const Project& p) {
  std::vector<std::string> out;
  auto line = [&](const std::string& what, const std::string& value, const std::string& from) {
    std::string w = what;
    if (w.size() < 13) w += std::string(13 - w.size(), ' ');
    out.push_back(w + value + (from.empty() ? "" : "  (" + from + ")"));
  };
  line("name", p.name.empty() ? "(unknown)" : p.name, p.name_from.str());
  if (p.packages.empty()) line("package", "(none found)", "");
  for (const auto& pk : p.packages) line("package", pk.name + " at " + pk.path, pk.from.str());
  if (p.tests.empty()) line("tests", "(none found)", "");
  for (const auto& t : p.tests) line("tests", t.path, t.from.str());
  if (p.application())
    line("backend", "none: an application without packaging metadata, run from its folder",
         "no setup.py, setup.cfg [metadata]/[options] nor pyproject.toml [project]/[build-system]");
  else
    line("backend", p.build_backend.empty() ? "(unknown)" : p.build_backend, p.backend_from.str());
  if (!p.requires_python.empty()) line("python", p.requires_python, p.requires_python_from.str());
  if (p.dev_dependencies.empty()) line("dev deps", "(none declared)", "");
  for (const auto& d : p.dev_dependencies) {
    std::string v = d.kind + (d.name.empty() ? "" : " " + d.name);
    size_t n = d.requirements.size();
    std::string detail = std::to_string(n) + " requirement" + (n == 1 ? "" : "s");
    if (!d.project_extras.empty())
      detail += ", project extras [" + join(d.project_extras, ",") + "]";
    line("dev deps", v + ": " + detail, d.file + (d.line > 0 ? ":" + std::to_string(d.line) : ""));
  }
  for (const auto& d : p.problems) out.push_back("problem      " + d.str());
  for (const auto& n : p.notes) out.push_back("note         " + n);
  return out;
}

}  // namespace pw::project
