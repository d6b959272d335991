#include "python/editable.h"

#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <regex>
#include <sstream>

#include "python/declarations.h"
#include "python/distribution.h"
#include "python/names.h"
#include "python/version.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::python {

namespace {

// Wheel and dist-info names: the normalised name with '_' for '-' (the binary distribution
// format's escaping), as setuptools, hatchling and flit write them.
std::string dist_name(const std::string& name) {
  std::string n = normalize_name(name);
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

std::string str_or(const toml::node* n, const std::string& fallback = {}) {
  if (n)
    if (auto s = n->value<std::string>()) return *s;
  return fallback;
}

std::vector<std::string> str_list(const toml::node* n) {
  std::vector<std::string> out;
  if (const auto* a = n ? n->as_array() : nullptr)
    for (const auto& e : *a)
      if (auto s = e.value<std::string>()) out.push_back(*s);
  return out;
}

// "Name <email>" lists of PEP 621's authors and maintainers, as core metadata spells them.
void people(const toml::node* n, const std::string& header, std::ostringstream& md) {
  std::vector<std::string> names, emails;
  if (const auto* a = n ? n->as_array() : nullptr)
    for (const auto& e : *a) {
      const auto* t = e.as_table();
      if (!t) continue;
      std::string name = str_or(t->get("name")), email = str_or(t->get("email"));
      if (!email.empty())
        emails.push_back(name.empty() ? email : name + " <" + email + ">");
      else if (!name.empty())
        names.push_back(name);
    }
  if (!names.empty()) md << header << ": " << join(names, ", ") << "\n";
  if (!emails.empty()) md << header << "-email: " << join(emails, ", ") << "\n";
}

// A requirement limited to an extra: its own marker and the extra's, joined with "and".
std::string with_extra(const std::string& req, const std::string& extra) {
  auto semi = req.find(';');
  std::string base(trim(req.substr(0, semi)));
  std::string marker = semi == std::string::npos ? "" : std::string(trim(req.substr(semi + 1)));
  std::string extra_marker = "extra == \"" + normalize_name(extra) + "\"";
  return base + "; " + (marker.empty() ? extra_marker : "(" + marker + ") and " + extra_marker);
}

std::string content_type_for(const std::string& file) {
  std::string lower = to_lower(file);
  if (lower.ends_with(".md")) return "text/markdown";
  if (lower.ends_with(".rst")) return "text/x-rst";
  return "text/plain";
}

// Where the import packages live: a src/ layout, setuptools' package-dir, hatch's wheel
// packages under src/, else the project folder itself (flat layout).
std::filesystem::path source_root(const std::filesystem::path& dir, const toml::table& doc) {
  if (auto pd = doc["tool"]["setuptools"]["package-dir"][""].value<std::string>()) return dir / *pd;
  for (const auto& p :
       str_list(doc["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"].node()))
    if (p.rfind("src/", 0) == 0) return dir / "src";
  if (auto where = doc["tool"]["setuptools"]["packages"]["find"]["where"].as_array())
    if (where->size() == 1)
      if (auto w = (*where)[0].value<std::string>()) return dir / *w;
  std::error_code ec;
  if (std::filesystem::is_directory(dir / "src", ec)) {
    for (const auto& e : std::filesystem::directory_iterator(dir / "src", ec))
      if (std::filesystem::exists(e.path() / "__init__.py") || e.path().extension() == ".py")
        return dir / "src";
  }
  return dir;
}

// `__version__ = "1.2"` (or VERSION, with an annotation or not) in a Python file, as hatch's
// default pattern, pdm's file source, flit and setuptools' static read of an attr find it; ""
// when the file is missing or assigns it otherwise (an import, a computation such as
// "1.2" + ".0", which the backend evaluates and a pattern would cut short).
std::string assigned_version(const std::filesystem::path& file, const std::string& attr) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return {};
  const std::regex re("^" + attr + R"(\s*(:\s*str\s*)?=\s*['"]v?([^'"]+)['"]\s*(#.*)?$)");
  for (const auto& line : split_lines(read_file(file))) {
    std::smatch m;
    if (std::regex_search(line, m, re)) return m[2].str();
  }
  return {};
}

// A module's file under `root` ("pkg.about" -> pkg/about.py or pkg/about/__init__.py).
std::filesystem::path module_file(const std::filesystem::path& root, const std::string& module) {
  std::string rel = module;
  std::replace(rel.begin(), rel.end(), '.', '/');
  std::error_code ec;
  if (std::filesystem::is_regular_file(root / (rel + ".py"), ec)) return root / (rel + ".py");
  return root / rel / "__init__.py";
}

// The version a backend reads from the sources when [project] lists it as dynamic, read as that
// backend reads it: pdm's [tool.pdm.version] file source, hatch's [tool.hatch.version] path,
// flit's module __version__, setuptools' [tool.setuptools.dynamic] version attr or file. Offline
// these projects install without their backend (marko's pdm-backend is not packaged in Debian).
// "" when the version comes another way (version control, code): the backend must compute it.
std::string dynamic_version(const std::filesystem::path& dir, const toml::table& doc,
                            const std::string& backend, const std::string& name) {
  std::filesystem::path src = source_root(dir, doc);
  if (backend == "pdm.backend") {
    auto v = doc["tool"]["pdm"]["version"];
    if (v["source"].value_or(std::string()) != "file") return {};
    return assigned_version(dir / v["path"].value_or(std::string()), "__version__");
  }
  if (backend == "hatchling.build") {
    auto v = doc["tool"]["hatch"]["version"];
    if (v["source"] || v["pattern"] || !v["path"]) return {};
    auto file = dir / v["path"].value_or(std::string());
    std::string found = assigned_version(file, "__version__");
    return found.empty() ? assigned_version(file, "VERSION") : found;
  }
  if (backend == "flit_core.buildapi") {
    std::string module = doc["tool"]["flit"]["module"]["name"].value_or(dist_name(name));
    return assigned_version(module_file(src, module), "__version__");
  }
  if (backend.starts_with("setuptools.build_meta")) {
    auto v = doc["tool"]["setuptools"]["dynamic"]["version"];
    if (auto file = v["file"].value<std::string>()) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(dir / *file, ec)) return {};
      return std::string(trim(read_file(dir / *file)));
    }
    auto attr = v["attr"].value_or(std::string());
    auto dot = attr.rfind('.');
    if (dot == std::string::npos) return {};
    return assigned_version(module_file(src, attr.substr(0, dot)), attr.substr(dot + 1));
  }
  return {};
}

// A Poetry 1 project, whose metadata is [tool.poetry] (no [project] table): poetry-core's
// editable install is a path too, so offline, without poetry-core (not in Debian 12's default
// install, as on sdispater/crashtest), the project installs natively. Its dependencies are read
// as the lock check reads them (Poetry's constraints in PEP 440); optional ones (extras), a
// build script or a script that is not "module:function" leave the install to poetry-core.
std::optional<EditableProject> poetry_editable(const std::filesystem::path& dir,
                                               const toml::table& doc, std::string& why_not) {
  const toml::table& t = *doc["tool"]["poetry"].as_table();
  EditableProject p;
  p.name = str_or(t.get("name"));
  auto v = Version::parse(str_or(t.get("version")));
  if (p.name.empty() || !v) {
    why_not = "[tool.poetry] has no valid name and version";
    return std::nullopt;
  }
  if (t.get("build")) {
    why_not = "[tool.poetry] build runs a build script";
    return std::nullopt;
  }
  if (const auto* deps = doc["tool"]["poetry"]["dependencies"].as_table())
    for (const auto& [name, spec] : *deps)
      if (const auto* tbl = spec.as_table(); tbl && (*tbl)["optional"].value_or(false)) {
        why_not = "[tool.poetry] declares optional dependencies (extras)";
        return std::nullopt;
      }
  DeclaredProject declared;
  read_pyproject_declarations(doc, "pyproject.toml", declared);
  if (!declared.diagnostics.empty()) {
    why_not = declared.diagnostics.front().str();
    return std::nullopt;
  }
  p.version = v->str();
  p.source_root = source_root(dir, doc);
  std::ostringstream md;
  md << "Metadata-Version: 2.1\nName: " << p.name << "\nVersion: " << p.version << "\n";
  if (auto s = str_or(t.get("description")); !s.empty()) md << "Summary: " << s << "\n";
  if (auto authors = str_list(t.get("authors")); !authors.empty())
    md << "Author-email: " << join(authors, ", ") << "\n";
  if (auto s = str_or(t.get("license")); !s.empty()) md << "License: " << s << "\n";
  if (auto py = doc["tool"]["poetry"]["dependencies"]["python"].value<std::string>())
    if (auto pep = poetry_constraint_to_pep440(*py); !pep.empty())
      md << "Requires-Python: " << pep << "\n";
  for (const auto& d : declared.declarations)
    if (d.group == kMainGroup) md << "Requires-Dist: " << d.requirement.str() << "\n";
  p.metadata = md.str();
  std::ostringstream ep;
  if (const auto* scripts = doc["tool"]["poetry"]["scripts"].as_table();
      scripts && !scripts->empty()) {
    ep << "[console_scripts]\n";
    for (const auto& [k, val] : *scripts) {
      auto target = val.value<std::string>();
      if (!target) {
        why_not = "[tool.poetry.scripts] " + std::string(k.str()) + " is not \"module:function\"";
        return std::nullopt;
      }
      ep << k.str() << " = " << *target << "\n";
      p.console_scripts.emplace_back(std::string(k.str()), *target);
    }
    ep << "\n";
  }
  p.entry_points = ep.str();
  return p;
}

}  // namespace

std::optional<EditableProject> static_editable_project(const std::filesystem::path& dir,
                                                       std::string& why_not) {
  std::filesystem::path file = dir / "pyproject.toml";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    why_not = "no pyproject.toml";
    return std::nullopt;
  }
  // A setup.py can add build steps (extension modules, generated files) that only the
  // backend knows: pip does the install then.
  if (std::filesystem::exists(dir / "setup.py", ec)) {
    why_not = "setup.py may add build steps";
    return std::nullopt;
  }
  toml::table doc;
  try {
    doc = toml::parse(read_file(file), file.string());
  } catch (const toml::parse_error& e) {
    why_not = "pyproject.toml is not valid TOML (" + std::string(e.description()) + ")";
    return std::nullopt;
  }
  const toml::table* project = doc["project"].as_table();
  if (!project && doc["tool"]["poetry"].as_table() &&
      doc["build-system"]["build-backend"].value_or(std::string()) == "poetry.core.masonry.api")
    return poetry_editable(dir, doc, why_not);
  if (!project) {
    why_not = "pyproject.toml has no [project] table";
    return std::nullopt;
  }
  std::string backend = doc["build-system"]["build-backend"].value_or(std::string());
  auto dyn = str_list(project->get("dynamic"));
  // flit's dynamic description is the module's docstring: metadata an editable install may
  // leave out. Any other dynamic field but a version read from a file needs the backend.
  std::erase_if(dyn, [&](const std::string& f) {
    return f == "description" && backend == "flit_core.buildapi";
  });
  std::string version = str_or(project->get("version"));
  if (dyn == std::vector<std::string>{"version"}) {
    version = dynamic_version(dir, doc, backend, str_or(project->get("name")));
    if (!version.empty()) dyn.clear();
  }
  if (!dyn.empty()) {
    why_not = "[project] computes " + join(dyn, ", ") + " at build time (dynamic)";
    return std::nullopt;
  }
  static const std::vector<std::string> path_backends = {"setuptools.build_meta",
                                                         "hatchling.build",
                                                         "flit_core.buildapi",
                                                         "pdm.backend",
                                                         "setuptools.build_meta:__legacy__",
                                                         "poetry.core.masonry.api"};
  if (std::find(path_backends.begin(), path_backends.end(), backend) == path_backends.end()) {
    why_not = "build backend '" + backend + "' is not one whose editable install is a path";
    return std::nullopt;
  }

  EditableProject p;
  p.name = str_or(project->get("name"));
  auto v = Version::parse(version);
  if (p.name.empty() || !v) {
    why_not = "[project] has no valid name and version";
    return std::nullopt;
  }
  p.version = v->str();
  p.source_root = source_root(dir, doc);

  std::ostringstream md;
  md << "Metadata-Version: 2.1\n";
  md << "Name: " << p.name << "\n";
  md << "Version: " << p.version << "\n";
  if (auto s = str_or(project->get("description")); !s.empty()) md << "Summary: " << s << "\n";
  people(project->get("authors"), "Author", md);
  people(project->get("maintainers"), "Maintainer", md);
  if (const auto* lic = project->get("license")) {
    if (auto s = lic->value<std::string>())
      md << "License: " << *s << "\n";
    else if (const auto* t = lic->as_table()) {
      if (auto text = t->get("text"))
        md << "License: " << str_or(text) << "\n";
      else if (auto f = t->get("file"))
        md << "License: " << read_file(dir / str_or(f)) << "\n";
    }
  }
  if (auto kw = str_list(project->get("keywords")); !kw.empty())
    md << "Keywords: " << join(kw, ",") << "\n";
  for (const auto& c : str_list(project->get("classifiers"))) md << "Classifier: " << c << "\n";
  if (const auto* urls = project->get("urls") ? project->get("urls")->as_table() : nullptr)
    for (const auto& [label, url] : *urls)
      md << "Project-URL: " << label.str() << ", " << str_or(&url) << "\n";
  if (auto rp = str_or(project->get("requires-python")); !rp.empty())
    md << "Requires-Python: " << rp << "\n";
  std::string readme_text, readme_type;
  if (const auto* r = project->get("readme")) {
    if (auto f = r->value<std::string>()) {
      readme_text = read_file(dir / *f);
      readme_type = content_type_for(*f);
    } else if (const auto* t = r->as_table()) {
      if (auto f = t->get("file")) {
        readme_text = read_file(dir / str_or(f));
        readme_type = content_type_for(str_or(f));
      } else {
        readme_text = str_or(t->get("text"));
      }
      if (auto ct = str_or(t->get("content-type")); !ct.empty()) readme_type = ct;
    }
  }
  if (!readme_type.empty()) md << "Description-Content-Type: " << readme_type << "\n";
  for (const auto& d : str_list(project->get("dependencies")))
    md << "Requires-Dist: " << trim(d) << "\n";
  if (const auto* opt = project->get("optional-dependencies")
                            ? project->get("optional-dependencies")->as_table()
                            : nullptr)
    for (const auto& [extra, reqs] : *opt) {
      md << "Provides-Extra: " << normalize_name(std::string(extra.str())) << "\n";
      for (const auto& d : str_list(&reqs))
        md << "Requires-Dist: " << with_extra(d, std::string(extra.str())) << "\n";
    }
  if (!readme_text.empty()) md << "\n" << readme_text;
  p.metadata = md.str();

  std::ostringstream ep;
  auto section = [&](const char* name, const toml::node* n,
                     std::vector<std::pair<std::string, std::string>>* scripts) {
    const auto* t = n ? n->as_table() : nullptr;
    if (!t || t->empty()) return;
    ep << "[" << name << "]\n";
    for (const auto& [k, val] : *t) {
      ep << k.str() << " = " << str_or(&val) << "\n";
      if (scripts) scripts->emplace_back(std::string(k.str()), str_or(&val));
    }
    ep << "\n";
  };
  section("console_scripts", project->get("scripts"), &p.console_scripts);
  section("gui_scripts", project->get("gui-scripts"), &p.gui_scripts);
  if (const auto* groups =
          project->get("entry-points") ? project->get("entry-points")->as_table() : nullptr)
    for (const auto& [group, table] : *groups)
      section(std::string(group.str()).c_str(), &table, nullptr);
  p.entry_points = ep.str();
  return p;
}

std::vector<std::filesystem::path> install_editable(const EditableProject& p,
                                                    const std::filesystem::path& project_dir,
                                                    const std::filesystem::path& site,
                                                    const std::filesystem::path& bin,
                                                    const std::filesystem::path& python) {
  namespace fs = std::filesystem;
  std::string dn = dist_name(p.name);
  std::error_code ec;
  // An earlier install of the project (any version) goes first, as pip uninstalls it.
  for (const auto& e : fs::directory_iterator(site, ec)) {
    std::string f = e.path().filename().string();
    if ((f.rfind(dn + "-", 0) == 0 && f.ends_with(".dist-info")) ||
        (f.rfind("__editable__." + dn + "-", 0) == 0 && f.ends_with(".pth")))
      fs::remove_all(e.path(), ec);
  }
  fs::path info = site / (dn + "-" + p.version + ".dist-info");
  fs::create_directories(info);
  std::vector<std::pair<fs::path, std::string>> files;
  files.emplace_back(site / ("__editable__." + dn + "-" + p.version + ".pth"),
                     p.source_root.string() + "\n");
  files.emplace_back(info / "METADATA", p.metadata);
  files.emplace_back(info / "INSTALLER", "pipewright\n");
  files.emplace_back(info / "REQUESTED", "");
  // PEP 610: an editable install of a local folder.
  std::string url =
      "file://" + percent_encode(fs::absolute(project_dir).lexically_normal().string(), true);
  files.emplace_back(info / "direct_url.json",
                     "{\"dir_info\": {\"editable\": true}, \"url\": \"" + url + "\"}");
  if (!p.entry_points.empty()) files.emplace_back(info / "entry_points.txt", p.entry_points);
  std::vector<fs::path> launchers;
  for (const auto* group : {&p.console_scripts, &p.gui_scripts})
    for (const auto& [name, target] : *group) {
      // "module:attr.sub" -> from module import attr; sys.exit(attr.sub()), as pip's launchers.
      auto colon = target.find(':');
      std::string module(trim(target.substr(0, colon)));
      std::string attr =
          colon == std::string::npos ? "" : std::string(trim(target.substr(colon + 1)));
      std::string first = attr.substr(0, attr.find('.'));
      std::string script =
          "#!" + python.string() + "\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom " +
          module + " import " + first + "\nif __name__ == \"__main__\":\n" +
          "    sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", sys.argv[0])\n" +
          "    sys.exit(" + attr + "())\n";
      files.emplace_back(bin / name, script);
      launchers.push_back(bin / name);
    }
  std::string record;
  std::vector<fs::path> written;
  for (const auto& [path, content] : files) {
    write_file_atomic(path, content);
    written.push_back(path);
    std::string rel = fs::relative(path, site).generic_string();
    record += (rel.find(',') != std::string::npos ? "\"" + rel + "\"" : rel) + "," +
              record_hash(content) + "," + std::to_string(content.size()) + "\n";
  }
  for (const auto& l : launchers)
    if (::chmod(l.c_str(), 0755) != 0)
      throw Error("cannot make " + l.string() + " executable: " + errno_text(errno));
  record += fs::relative(info / "RECORD", site).generic_string() + ",,\n";
  write_file_atomic(info / "RECORD", record);
  written.push_back(info / "RECORD");
  return written;
}

}  // namespace pw::python
