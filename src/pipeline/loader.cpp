#include "pipeline/loader.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "pipeline/builtins.h"
#include "pipeline/default_pipeline_text.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/numbers.h"
#include "util/strings.h"
#include "util/yaml.h"

namespace pw::pipeline {

namespace {

constexpr const char* kBuiltinName = "<built-in default pipeline>";

// One document's view of a stage: only what that document says, so the project's file can
// override single keys of a built-in stage.
struct StageOverlay {
  std::string id;
  Location where;
  std::optional<std::string> description, run;
  std::optional<std::vector<std::string>> needs, credentials;
  std::optional<bool> blocking, enabled, fail_fast;
  std::optional<std::optional<Millis>> timeout;
  std::optional<int> retry;
  std::optional<std::vector<std::pair<std::string, std::string>>> env;
  std::optional<When> when;
  std::optional<CacheSpec> cache;
  std::vector<Setting> settings;
};

struct Document {
  std::optional<bool> fail_fast;
  std::vector<StageOverlay> stages;
  std::map<std::string, std::pair<std::string, Location>> project;
  ExportSpec exports;
};

class Reader {
 public:
  Reader(std::string file, std::vector<Diagnostic>& diags)
      : file_(std::move(file)), diags_(diags) {}

  Location loc(const YAML::Node& n) const {
    auto m = n.Mark();
    return {file_, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0};
  }

  void error(const YAML::Node& n, const std::string& msg) {
    auto l = loc(n);
    diags_.push_back({l.file, l.line, l.col, msg});
  }

  void unknown_key(const YAML::Node& key, const std::string& where,
                   const std::vector<std::string>& valid) {
    std::string k = key.Scalar();
    std::string msg = "unknown key '" + k + "' in " + where;
    std::string best = closest_match(k, valid);
    if (!best.empty())
      msg += "; did you mean '" + best + "'?";
    else
      msg += " (valid keys: " + join(valid, ", ") + ")";
    error(key, msg);
  }

  std::optional<std::string> scalar(const YAML::Node& n, const std::string& what) {
    if (!n.IsScalar()) {
      error(n, what + " must be a single value");
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::optional<bool> boolean(const YAML::Node& n, const std::string& what) {
    if (n.IsScalar()) {
      std::string v = to_lower(n.Scalar());
      if (v == "true" || v == "yes" || v == "on") return true;
      if (v == "false" || v == "no" || v == "off") return false;
    }
    error(n, what + " must be true or false");
    return std::nullopt;
  }

  std::optional<std::vector<std::string>> string_list(const YAML::Node& n,
                                                      const std::string& what) {
    return yaml_scalar_list(n, what, " must be a list",
                            [this](const YAML::Node& at, const std::string& m) { error(at, m); });
  }

  // Walks a mapping, reporting duplicate keys (YAML forbids them; yaml-cpp keeps one silently).
  template <typename F>
  void each_key(const YAML::Node& map, const std::string& where, F&& f) {
    std::set<std::string> seen;
    for (const auto& kv : map) {
      const YAML::Node& key = kv.first;
      if (!key.IsScalar()) {
        error(key, "keys in " + where + " must be plain names");
        continue;
      }
      if (!seen.insert(key.Scalar()).second) {
        error(key, "duplicate key '" + key.Scalar() + "' in " + where);
        continue;
      }
      f(key, kv.second);
    }
  }

  Document read(const YAML::Node& root) {
    Document doc;
    if (root.IsNull()) return doc;  // an empty file changes nothing
    if (!root.IsMap()) {
      error(root, "a pipeline file must be a mapping with 'stages:' (and optionally 'project:')");
      return doc;
    }
    static const std::vector<std::string> top = {"version", "project", "stages", "export",
                                                 "fail_fast"};
    each_key(root, "the pipeline file", [&](const YAML::Node& key, const YAML::Node& value) {
      const std::string& k = key.Scalar();
      if (k == "version") {
        if (!value.IsScalar() || value.Scalar() != "1")
          error(value, "version must be 1 (the only pipeline format so far)");
      } else if (k == "project") {
        read_project(value, doc);
      } else if (k == "stages") {
        read_stages(value, doc);
      } else if (k == "export") {
        read_export(value, doc);
      } else if (k == "fail_fast") {
        doc.fail_fast = boolean(value, "fail_fast");
      } else {
        unknown_key(key, "the pipeline file", top);
      }
    });
    return doc;
  }

  void read_project(const YAML::Node& n, Document& doc) {
    if (!n.IsMap()) {
      error(n, "project must be a mapping (name, package, tests, requirements, python)");
      return;
    }
    static const std::vector<std::string> keys = {"name", "package", "tests", "requirements",
                                                  "python"};
    each_key(n, "project", [&](const YAML::Node& key, const YAML::Node& value) {
      if (std::find(keys.begin(), keys.end(), key.Scalar()) == keys.end()) {
        unknown_key(key, "project", keys);
        return;
      }
      // Several packages, test folders or requirements files may be listed; they travel as one
      // comma-separated value (ProjectSpec::list splits it).
      if (value.IsSequence() && key.Scalar() != "name" && key.Scalar() != "python") {
        std::string joined;
        for (const auto& item : value)
          if (auto v = scalar(item, "project." + key.Scalar()))
            joined += (joined.empty() ? "" : ", ") + *v;
        doc.project[key.Scalar()] = {joined, loc(value)};
        return;
      }
      if (auto v = scalar(value, "project." + key.Scalar()))
        doc.project[key.Scalar()] = {*v, loc(value)};
    });
  }

  // export: {setup: CMD, image: IMAGE, cache: BOOL, credentials: {id: [field, ...] | null}}
  void read_export(const YAML::Node& n, Document& doc) {
    doc.exports.where = loc(n);
    if (n.IsNull()) return;
    if (!n.IsMap()) {
      error(n, "export must be a mapping (setup, image, cache, credentials)");
      return;
    }
    static const std::vector<std::string> keys = {"setup", "image", "cache", "credentials"};
    each_key(n, "export", [&](const YAML::Node& key, const YAML::Node& value) {
      const std::string& k = key.Scalar();
      if (k == "setup" || k == "image") {
        if (auto v = scalar(value, "export." + k))
          (k == "setup" ? doc.exports.setup : doc.exports.image) = *v;
      } else if (k == "cache") {
        doc.exports.cache = boolean(value, "export.cache").value_or(false);
      } else if (k == "credentials") {
        if (!value.IsMap()) {
          error(value,
                "export.credentials must map credential ids to their fields, e.g. "
                "{dockerhub: [username, password], sonar-token: []}");
          return;
        }
        each_key(value, "export.credentials", [&](const YAML::Node& id, const YAML::Node& fields) {
          if (auto f = string_list(fields, "the fields of credential '" + id.Scalar() + "'"))
            doc.exports.credentials.emplace_back(id.Scalar(), *f);
        });
      } else {
        unknown_key(key, "export", keys);
      }
    });
  }

  void read_stages(const YAML::Node& n, Document& doc) {
    if (n.IsNull()) return;
    if (!n.IsMap()) {
      error(n, "stages must be a mapping from stage id to its settings");
      return;
    }
    each_key(n, "stages", [&](const YAML::Node& key, const YAML::Node& value) {
      doc.stages.push_back(read_stage(key, value));
    });
  }

  StageOverlay read_stage(const YAML::Node& key, const YAML::Node& n) {
    StageOverlay st;
    st.id = key.Scalar();
    st.where = loc(key);
    bool id_ok = !st.id.empty();
    for (char c : st.id)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) id_ok = false;
    if (!id_ok) error(key, "stage id '" + st.id + "' may use only letters, digits, '-' and '_'");
    if (n.IsNull()) return st;
    if (!n.IsMap()) {
      error(n, "stage '" + st.id + "' must be a mapping of settings (for a command: run: ...)");
      return st;
    }
    const BuiltinKind* builtin = find_builtin(st.id);
    std::vector<std::string> valid = generic_stage_keys();
    std::vector<std::string> own = builtin ? builtin->names() : std::vector<std::string>{};
    valid.insert(valid.end(), own.begin(), own.end());
    std::string where = "stage '" + st.id + "'";

    each_key(n, where, [&](const YAML::Node& k, const YAML::Node& v) {
      const std::string& name = k.Scalar();
      if (name == "description") {
        st.description = scalar(v, where + " description");
      } else if (name == "run") {
        if (auto s = scalar(v, where + " run")) {
          if (trim(*s).empty()) error(v, where + " has an empty run command");
          st.run = *s;
        }
      } else if (name == "needs") {
        st.needs = string_list(v, where + " needs");
      } else if (name == "credentials") {
        st.credentials = string_list(v, where + " credentials");
      } else if (name == "blocking") {
        st.blocking = boolean(v, where + " blocking");
      } else if (name == "enabled") {
        st.enabled = boolean(v, where + " enabled");
      } else if (name == "fail_fast") {
        st.fail_fast = boolean(v, where + " fail_fast");
      } else if (name == "timeout") {
        if (auto s = scalar(v, where + " timeout")) {
          std::string t = to_lower(*s);
          if (t == "none" || t == "0") {
            st.timeout = std::optional<Millis>();
          } else if (auto d = parse_duration(*s)) {
            st.timeout = std::optional<Millis>(*d);
          } else {
            error(v, where + " timeout '" + *s +
                         "' is not a duration (write 90, 90s, 5m or 1h30m; none for no limit)");
          }
        }
      } else if (name == "retry") {
        if (auto s = scalar(v, where + " retry")) {
          auto r = parse_int(*s, 0, 100);
          if (!r)
            error(v, where + " retry must be a whole number from 0 to 100: " + r.error());
          else
            st.retry = static_cast<int>(*r);
        }
      } else if (name == "env") {
        if (!v.IsMap()) {
          error(v, where + " env must be a mapping of NAME: value");
        } else {
          std::vector<std::pair<std::string, std::string>> env;
          each_key(v, where + " env", [&](const YAML::Node& ek, const YAML::Node& ev) {
            const std::string& en = ek.Scalar();
            bool ok = !en.empty() && !std::isdigit(static_cast<unsigned char>(en[0]));
            for (char c : en)
              if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) ok = false;
            if (!ok) error(ek, "'" + en + "' is not a valid environment variable name");
            if (auto val = scalar(ev, where + " env " + en)) env.emplace_back(en, *val);
          });
          st.env = env;
        }
      } else if (name == "when") {
        st.when = read_when(v, where);
      } else if (name == "cache" && !(builtin && builtin->row(name))) {
        // setup-python's own `cache` setting keeps its name; every other stage's is the cache's.
        st.cache = read_cache(v, where);
      } else if (builtin && builtin->row(name)) {
        st.settings.push_back({name, v, loc(v)});
      } else {
        unknown_key(k, where, valid);
      }
    });
    return st;
  }

  // `cache: false`, `cache: true`, or `cache: {inputs: [...], env: [...]}`.
  std::optional<CacheSpec> read_cache(const YAML::Node& n, const std::string& where) {
    CacheSpec c;
    if (n.IsScalar()) {
      c.enabled = boolean(n, where + " cache").value_or(true);
      return c;
    }
    if (!n.IsMap()) {
      error(n, where + " cache must be true, false or a mapping (inputs, env)");
      return std::nullopt;
    }
    static const std::vector<std::string> keys = {"enabled", "inputs", "env", "outputs"};
    each_key(n, where + " cache", [&](const YAML::Node& k, const YAML::Node& v) {
      if (k.Scalar() == "enabled") {
        c.enabled = boolean(v, where + " cache.enabled").value_or(true);
      } else if (k.Scalar() == "inputs") {
        if (auto l = string_list(v, where + " cache.inputs")) c.inputs = *l;
      } else if (k.Scalar() == "env") {
        if (auto l = string_list(v, where + " cache.env")) c.env = *l;
      } else if (k.Scalar() == "outputs") {
        if (auto l = string_list(v, where + " cache.outputs")) c.outputs = *l;
      } else {
        unknown_key(k, where + " cache", keys);
      }
    });
    return c;
  }

  std::optional<When> read_when(const YAML::Node& n, const std::string& where) {
    if (!n.IsMap()) {
      error(n, where + " when must be a mapping (branch, changes)");
      return std::nullopt;
    }
    When w;
    static const std::vector<std::string> keys = {"branch", "changes"};
    each_key(n, where + " when", [&](const YAML::Node& k, const YAML::Node& v) {
      if (k.Scalar() == "branch") {
        if (auto s = scalar(v, where + " when.branch")) w.branch = *s;
      } else if (k.Scalar() == "changes") {
        if (auto l = string_list(v, where + " when.changes")) w.changes = *l;
      } else {
        unknown_key(k, where + " when", keys);
      }
    });
    return w;
  }

 private:
  std::string file_;
  std::vector<Diagnostic>& diags_;
};

YAML::Node parse_yaml(const std::string& text, const std::string& file,
                      std::vector<Diagnostic>& diags) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    diags.push_back({file, e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + e.msg});
  } catch (const YAML::Exception& e) {
    diags.push_back({file, e.mark.line + 1, e.mark.column + 1, e.msg});
  }
  return YAML::Node();
}

void apply(StageSpec& s, const StageOverlay& o) {
  if (o.description) s.description = *o.description;
  if (o.run) s.run = *o.run;
  if (o.needs) s.needs = *o.needs;
  if (o.credentials) s.credentials = *o.credentials;
  if (o.blocking) s.blocking = *o.blocking;
  if (o.fail_fast) s.fail_fast = *o.fail_fast;
  if (o.enabled) s.enabled = *o.enabled;
  if (o.timeout) s.timeout = *o.timeout;
  if (o.retry) s.retry = *o.retry;
  if (o.env) {
    for (const auto& [k, v] : *o.env) {
      bool replaced = false;
      for (auto& e : s.env)
        if (e.first == k) e.second = v, replaced = true;
      if (!replaced) s.env.emplace_back(k, v);
    }
  }
  if (o.when) s.when = *o.when;
  if (o.cache) s.cache = *o.cache;
  for (const auto& set : o.settings) {
    bool replaced = false;
    for (auto& mine : s.settings)
      if (mine.key == set.key) mine = set, replaced = true;
    if (!replaced) s.settings.push_back(set);
  }
}

void apply_project(ProjectSpec& p, const Document& d) {
  for (const auto& [k, v] : d.project) {
    if (k == "name")
      p.name = v.first;
    else if (k == "package")
      p.package = v.first;
    else if (k == "tests")
      p.tests = v.first;
    else if (k == "requirements")
      p.requirements = v.first;
    else if (k == "python")
      p.python = v.first;
  }
}

}  // namespace

std::filesystem::path find_config(const std::filesystem::path& project_dir) {
  for (const char* name : {"pipewright.yaml", "pipewright.yml"}) {
    auto p = project_dir / name;
    if (std::filesystem::exists(p)) return p;
  }
  return {};
}

Pipeline load_pipeline_text(const std::string& default_text, const std::string& user_text,
                            const std::string& user_name) {
  std::vector<Diagnostic> diags;
  Document def, user;
  {
    YAML::Node root = parse_yaml(default_text, kBuiltinName, diags);
    Reader r(kBuiltinName, diags);
    if (diags.empty()) def = r.read(root);
  }
  if (!diags.empty()) throw Error("the built-in pipeline is broken:\n" + join_diagnostics(diags));
  bool has_user = !user_text.empty();
  if (has_user) {
    YAML::Node root = parse_yaml(user_text, user_name, diags);
    Reader r(user_name, diags);
    if (diags.empty()) user = r.read(root);
  }
  if (!diags.empty()) throw ConfigError(diags);

  Pipeline p;
  p.config_file = has_user ? user_name : "";
  apply_project(p.project, def);
  apply_project(p.project, user);
  p.exports = user.exports;
  p.fail_fast = user.fail_fast.value_or(def.fail_fast.value_or(false));
  for (const auto& o : def.stages) {
    StageSpec s;
    s.id = o.id;
    s.where = o.where;
    s.settings = default_settings(o.id);  // the table's defaults first, in its order
    apply(s, o);
    p.stages.push_back(std::move(s));
  }
  for (const auto& o : user.stages) {
    StageSpec* s = p.find(o.id);
    if (!s) {
      p.stages.push_back(StageSpec{});
      s = &p.stages.back();
      s->id = o.id;
      s->where = o.where;
      if (!o.run) s->settings = default_settings(o.id);
    } else if (o.run && find_builtin(o.id)) {
      // A project's `run` on a built-in stage replaces its behaviour; its built-in settings go.
      s->settings.clear();
      s->where = o.where;
    }
    apply(*s, o);
  }

  for (auto& s : p.stages) {
    const BuiltinKind* builtin = find_builtin(s.id);
    if (!s.run.empty()) {
      s.kind = "run";
      if (s.id == "post")
        diags.push_back(
            {s.where.file, s.where.line, s.where.col,
             "stage 'post' takes command lists (always, success, failure, ...), not run"});
      for (const auto& set : s.settings)
        diags.push_back({set.where.file, set.where.line, set.where.col,
                         "'" + set.key + "' is a setting of the built-in stage '" + s.id +
                             "', which `run` replaces"});
    } else if (builtin) {
      s.kind = builtin->kind;
    } else if (s.enabled) {
      std::vector<std::string> names;
      for (const auto& k : builtin_kinds()) names.push_back(k.kind);
      std::string msg = "stage '" + s.id + "' has no `run` command and is not a built-in stage";
      std::string best = closest_match(s.id, names);
      if (!best.empty()) msg += "; did you mean the built-in '" + best + "'?";
      diags.push_back({s.where.file, s.where.line, s.where.col, msg});
    }
  }
  if (!diags.empty()) throw ConfigError(diags);
  return p;
}

Pipeline load_pipeline(const std::filesystem::path& config_file) {
  std::string text;
  if (!config_file.empty()) {
    text = read_file(config_file);
    if (text.empty()) text = "{}";  // an empty file is valid and changes nothing
  }
  return load_pipeline_text(kDefaultPipelineYaml, text,
                            config_file.empty() ? "pipewright.yaml" : config_file.string());
}

}  // namespace pw::pipeline
