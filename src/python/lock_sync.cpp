// The sync check: declarations against a lock, the empty-lock rule, and the choice between
// several lock files in one folder.
#include "python/lock_sync.h"

#include <algorithm>
#include <deque>
#include <map>
#include <regex>

#include "python/names.h"
#include "python/version.h"

namespace pw::python {

namespace fs = std::filesystem;

std::string_view sync_problem_name(SyncProblemKind kind) {
  switch (kind) {
    case SyncProblemKind::not_locked:
      return "not-locked";
    case SyncProblemKind::outside_range:
      return "outside-range";
    case SyncProblemKind::not_declared:
      return "not-declared";
    case SyncProblemKind::unpinned:
      return "unpinned";
  }
  return "";
}

std::string SyncProblem::str() const { return Diagnostic{file, line, column, message}.str(); }

namespace {

std::string declared_text(const Declaration& d) {
  std::string s = d.requirement.name;
  if (!d.requirement.url.empty()) return s + " @ " + d.requirement.url;
  if (!d.requirement.specifier_text.empty()) s += " " + d.requirement.specifier_text;
  return s;
}

bool in_use(const std::string& group, const SyncOptions& o) {
  return group == kMainGroup || o.groups.count(group) > 0;
}

// PEP 751 markers may test `'dev' in dependency_groups` and `'x' in extras`, which PEP 508
// evaluation does not know: those tests are settled here from the groups in use, leaving a
// PEP 508 marker.
std::string settle_lock_sets(const std::string& marker, const SyncOptions& o) {
  if (marker.find("dependency_groups") == std::string::npos &&
      marker.find("extras") == std::string::npos)
    return marker;
  static const std::regex test(R"((['"])([^'"]*)\1\s+(not\s+in|in)\s+(dependency_groups|extras))");
  std::string out;
  auto begin = std::sregex_iterator(marker.begin(), marker.end(), test);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    std::string name = normalize_name(m[2].str());
    bool member = m[4].str() == "extras" ? o.groups.count("extra:" + name) > 0
                                         : (name == kMainGroup || o.groups.count(name) > 0);
    bool holds = m[3].str() == "in" ? member : !member;
    out += marker.substr(last, m.position(0) - last);
    out += holds ? "'1' == '1'" : "'1' == '0'";
    last = m.position(0) + m.length(0);
  }
  return out + marker.substr(last);
}

// Whether `marker` holds; nullopt (with a diagnostic) when it cannot be evaluated.
std::optional<bool> holds(const std::string& marker_text, const MarkerEnvironment& env,
                          const std::string& file, int line, std::vector<Diagnostic>& diags) {
  if (marker_text.empty()) return true;
  auto m = Marker::parse(marker_text);
  if (!m) {
    diags.push_back({file, line, 0, "cannot read marker '" + marker_text + "': " + m.error()});
    return std::nullopt;
  }
  auto v = m->evaluate(env);
  if (!v) {
    diags.push_back({file, line, 0, "cannot evaluate marker '" + marker_text + "': " + v.error()});
    return std::nullopt;
  }
  return *v;
}

}  // namespace

bool lock_covers(const LockFile& lock, const std::string& group) {
  if (!lock.covered_groups || group == kMainGroup) return true;
  const auto& covered = *lock.covered_groups;
  return std::find(covered.begin(), covered.end(), group) != covered.end();
}

SyncResult check_lock_sync(const LockFile& lock, const std::vector<Declaration>& declarations,
                           const SyncOptions& options) {
  SyncResult out;
  std::string lock_name(lock_format_name(lock.format));
  std::string command(lock_command(lock.format));
  std::map<std::string, std::vector<const LockedPackage*>> by_name;
  for (const auto& p : lock.packages) by_name[p.normalized].push_back(&p);

  for (const auto& d : declarations) {
    if (!in_use(d.group, options)) continue;
    if (options.environment && d.requirement.marker) {
      MarkerEnvironment env = *options.environment;
      if (d.group.starts_with("extra:")) env["extra"] = d.group.substr(6);
      auto applies = holds(d.requirement.marker_text, env, d.file, d.line, out.diagnostics);
      if (!applies) continue;
      if (!*applies) {
        ++out.skipped_by_marker;
        continue;
      }
    }
    std::string norm = d.requirement.normalized_name();
    // `pdm[keyring]` in pdm's own extras: those extras' declarations are judged themselves.
    if (!options.project.empty() && norm == options.project) continue;
    ++out.checked;
    auto it = by_name.find(norm);
    if (it == by_name.end()) {
      out.problems.push_back(
          {SyncProblemKind::not_locked, d.requirement.name, d.file, d.line, d.column,
           declared_text(d) + " is declared" + (d.group == kMainGroup ? "" : " in " + d.group) +
               " but " + lock.path + " does not lock it: the lock is stale, run `" + command +
               "`"});
      continue;
    }
    if (!d.requirement.url.empty() || d.requirement.specifier.empty()) continue;
    // A locked name may appear at several versions (uv forks by marker): one inside the range
    // is enough.
    std::string versions;
    bool inside = false;
    for (const LockedPackage* p : it->second) {
      auto v = Version::parse(p->version);
      if (!v) {
        if (p->source_kind != "registry") inside = true;  // a git/path package without a version
        continue;
      }
      // The lock chose this version on purpose: a pre-release counts when it was locked.
      if (d.requirement.specifier.contains(*v, true)) inside = true;
      versions += (versions.empty() ? "" : ", ") + p->version;
    }
    if (!inside)
      out.problems.push_back(
          {SyncProblemKind::outside_range, d.requirement.name, d.file, d.line, d.column,
           d.requirement.name + " is locked at " + versions + " in " + lock.path +
               ", outside the declared " + d.requirement.specifier_text +
               ": the lock is stale, run `" + command + "`"});
  }

  // Everything locked must be needed by some declaration (of any group, in use or not: a lock
  // holds the dev tools even when this build skips them). Without a graph the lock cannot tell
  // a dependency of a dependency from a package nobody declares any more.
  if (!lock.has_graph) {
    out.notes.push_back(lock_name +
                        " records no dependency graph: locked packages that are no "
                        "longer declared cannot be told from dependencies of declared ones");
    return out;
  }
  // The roots are today's declarations, not the project's own entries in the lock: those list
  // what was declared when the lock was written, and must not keep a removed declaration alive.
  std::set<std::string> needed;
  std::deque<std::string> todo;
  for (const auto& d : declarations) todo.push_back(d.requirement.normalized_name());
  while (!todo.empty()) {
    std::string n = todo.front();
    todo.pop_front();
    if (!needed.insert(n).second) continue;
    auto it = by_name.find(n);
    if (it == by_name.end()) continue;
    for (const LockedPackage* p : it->second)
      for (const auto& e : p->dependencies) todo.push_back(e.name);
  }
  for (const auto& p : lock.packages) {
    if (p.is_project || needed.count(p.normalized)) continue;
    out.problems.push_back({SyncProblemKind::not_declared, p.name, lock.path, p.line, p.column,
                            p.name + " " + p.version +
                                " is locked but nothing the project declares "
                                "depends on it any more: the lock is stale, run `" +
                                command + "`"});
  }
  return out;
}

SyncResult unlocked(const std::vector<Declaration>& declarations, std::string_view command) {
  SyncResult out;
  for (const auto& d : declarations) {
    ++out.checked;
    out.problems.push_back({SyncProblemKind::unpinned, d.requirement.name, d.file, d.line, d.column,
                            declared_text(d) +
                                " is not pinned: no lock file records its version; "
                                "make one with `" +
                                std::string(command) + "` and commit it"});
  }
  return out;
}

std::optional<Diagnostic> empty_lock_problem(const std::string& requirements_file,
                                             size_t pinned_requirements, const std::string& why) {
  if (pinned_requirements > 0 || why.empty()) return std::nullopt;
  return Diagnostic{requirements_file, 0, 0,
                    "pins no requirement although " + why +
                        ": an empty file is not a lock (compile it with `pip-compile`)"};
}

LockChoice choose_lock(const fs::path& folder, const std::string& tool) {
  LockChoice out;
  static const std::vector<std::pair<std::string, std::string>> order = {
      {"pylock.toml", ""},
      {"uv.lock", "uv"},
      {"poetry.lock", "poetry"},
      {"pdm.lock", "pdm"},
      {"Pipfile.lock", "pipenv"}};
  for (const auto& [name, owner] : order) {
    std::error_code ec;
    if (fs::is_regular_file(folder / name, ec)) out.found.push_back(folder / name);
  }
  if (out.found.empty()) return out;
  if (out.found.size() == 1) {
    out.chosen = out.found.front();
    return out;
  }
  std::string names;
  for (const auto& f : out.found) names += (names.empty() ? "" : ", ") + f.filename().string();
  for (const auto& [name, owner] : order) {
    if (!tool.empty() && owner == tool && fs::exists(folder / name)) {
      out.chosen = folder / name;
      out.reason = "found " + names + "; using " + name + " because the project is managed by " +
                   tool + " (its configuration is in pyproject.toml)";
      return out;
    }
  }
  out.chosen = out.found.front();
  std::string chosen = out.chosen->filename().string();
  out.reason = "found " + names + "; using " + chosen +
               (chosen == "pylock.toml"
                    ? " because it is the standard lock (PEP 751) every installer reads"
                    : " (first in the order uv.lock, poetry.lock, pdm.lock, Pipfile.lock; "
                      "no tool is named in pyproject.toml)");
  return out;
}

std::vector<const LockedPackage*> packages_to_install(const LockFile& lock,
                                                      const SyncOptions& options) {
  std::vector<const LockedPackage*> out;
  std::vector<Diagnostic> ignored;
  for (const auto& p : lock.packages) {
    if (p.is_project) continue;
    if (!p.groups.empty()) {
      bool used = false;
      for (const auto& g : p.groups) used = used || in_use(g, options);
      if (!used) continue;
    }
    if (options.environment) {
      std::string m =
          lock.format == LockFormat::pylock ? settle_lock_sets(p.marker, options) : p.marker;
      auto applies = holds(m, *options.environment, lock.path, p.line, ignored);
      if (applies && !*applies) continue;
    }
    out.push_back(&p);
  }
  return out;
}

std::string locked_requirements(const python::LockFile& lock,
                                const std::vector<const python::LockedPackage*>& packages) {
  std::string out = "# written by pipewright's setup-python from " + lock.path + "\n";
  if (lock.hashed()) out += "--require-hashes\n";
  for (const auto* p : packages) {
    std::string line;
    if (p->source_kind == "git") {
      auto hash = p->source.rfind('#');
      std::string url = p->source.substr(0, hash),
                  commit = hash == std::string::npos ? "" : p->source.substr(hash + 1);
      line =
          p->name + " @ git+" + url.substr(0, url.find('?')) + (commit.empty() ? "" : "@" + commit);
    } else if (p->source_kind == "url") {
      line = p->name + " @ " + p->source;
    } else if (p->source_kind == "directory" || p->source_kind == "editable" ||
               p->source_kind == "path") {
      line = (p->source_kind == "editable" ? "-e " : "") + p->source;
    } else {
      line = p->name + "==" + p->version;
      for (const auto& h : p->hashes) line += " --hash=" + h;
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace pw::python
