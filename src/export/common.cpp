#include "export/common.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "pipeline/builtins.h"
#include "util/error.h"
#include "util/strings.h"

namespace pw::ci {

const std::vector<std::string>& engine_names() {
  static const std::vector<std::string> names = {"jenkins", "github", "gitlab"};
  return names;
}

Engine parse_engine(const std::string& name) {
  if (name == "jenkins") return Engine::jenkins;
  if (name == "github") return Engine::github;
  if (name == "gitlab") return Engine::gitlab;
  std::string msg = "unknown CI engine '" + name + "' (known: " + join(engine_names(), ", ") + ")";
  std::string best = closest_match(name, engine_names());
  if (!best.empty()) msg += "; did you mean '" + best + "'?";
  throw ConfigError(msg);
}

std::string engine_name(Engine e) { return engine_names()[static_cast<size_t>(e)]; }

std::string default_output(Engine e) {
  switch (e) {
    case Engine::jenkins:
      return "Jenkinsfile";
    case Engine::github:
      return ".github/workflows/pipewright.yml";
    case Engine::gitlab:
      return ".gitlab-ci.yml";
  }
  return "";
}

bool Credential::is_username_password() const {
  return fields.size() == 2 && fields[0].first == "username" && fields[1].first == "password";
}

std::string credentials_from_env_spec(const std::vector<Credential>& creds) {
  std::vector<std::string> parts;
  for (const auto& c : creds) {
    std::vector<std::string> fields;
    for (const auto& f : c.fields)
      if (!f.first.empty()) fields.push_back(f.first);
    parts.push_back(fields.empty() ? c.id : c.id + "=" + join(fields, ","));
  }
  return join(parts, " ");
}

const Job* Plan::find(const std::string& stage) const {
  for (const auto& j : jobs)
    if (j.stage == stage) return &j;
  return nullptr;
}

const std::string& Plan::job_name(const std::string& stage) const {
  if (post && stage == post->id) return post_name;
  const Job* j = find(stage);
  if (!j) throw Error("export: no job for stage '" + stage + "'");
  return j->name;
}

namespace {

bool github_valid(const std::string& n) {
  if (n.empty() || !(std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_')) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

// Top-level keys of .gitlab-ci.yml (a job of that name would be read as the keyword) and `pages`
// (a job of that name publishes GitLab Pages).
bool gitlab_reserved(const std::string& n) {
  static const std::set<std::string> reserved = {
      "image",        "services",  "stages", "types",   "before_script",
      "after_script", "variables", "cache",  "include", "default",
      "workflow",     "pages",     "true",   "false",   "nil"};
  return reserved.count(to_lower(n)) > 0;
}

// Names unique on the engine: GitHub compares job ids without case, so all engines do.
class Names {
 public:
  explicit Names(Engine e) : engine_(e) {}

  // The name for `wanted`, and why it differs ("" when it does not).
  std::string take(const std::string& wanted, std::string& why) {
    std::string n = wanted;
    if (engine_ == Engine::github && !github_valid(n)) {
      n = "stage_" + n;
      why = "GitHub job ids start with a letter or '_'";
    } else if (engine_ == Engine::gitlab && gitlab_reserved(n)) {
      n += "-stage";
      why = "'" + wanted + "' is a GitLab CI keyword";
    }
    std::string base = n;
    for (int i = 2; used_.count(to_lower(n)); ++i) {
      n = base + "-" + std::to_string(i);
      if (why.empty()) why = "'" + base + "' is already taken";
    }
    used_.insert(to_lower(n));
    return n;
  }

 private:
  Engine engine_;
  std::set<std::string> used_;
};

}  // namespace

Plan make_plan(Engine engine, const pipeline::Pipeline& p, const pipeline::Graph& g) {
  Plan plan;
  plan.engine = engine;
  plan.options = &p.exports;
  plan.fail_fast = p.fail_fast;
  // The file's name, not its path: the output must not depend on where the project lives.
  std::string config = std::filesystem::path(p.config_file).filename().string();
  plan.source = p.config_file.empty() ? "the built-in default pipeline"
                                      : "the built-in default pipeline + " + config;

  std::map<std::string, std::vector<std::string>> declared;
  for (const auto& [id, fields] : p.exports.credentials) declared[id] = fields;
  std::set<std::string> undeclared_warned;
  auto credential = [&](const std::string& id) {
    Credential c;
    c.id = id;
    auto it = declared.find(id);
    std::vector<std::string> fields;
    if (it != declared.end()) {
      c.declared = true;
      fields = it->second;
    } else {
      // The seed's kind (Jenkins' usernamePassword, `dockerhub`); export.credentials says
      // otherwise for a token or other fields.
      fields = {"username", "password"};
      if (undeclared_warned.insert(id).second)
        plan.warnings.push_back(
            "credential '" + id +
            "' is not in export.credentials: exported as "
            "a username and a password (" +
            pipeline::credential_env_name(id, "username") + ", " +
            pipeline::credential_env_name(id, "password") +
            "); declare its fields there if it is a single secret or has others");
    }
    if (fields.empty()) c.fields.emplace_back("", pipeline::credential_env_name(id, ""));
    for (const auto& f : fields) c.fields.emplace_back(f, pipeline::credential_env_name(id, f));
    return c;
  };

  Names names(engine);
  auto name_for = [&](const std::string& id) {
    std::string why;
    std::string n = names.take(id, why);
    if (n != id) plan.renames.push_back("stage '" + id + "' runs as job '" + n + "': " + why);
    return n;
  };

  std::map<std::string, int> level;
  std::map<std::string, bool> conditional, after_cond;
  std::map<std::string, std::set<std::string>> ancestors;
  for (const auto& id : g.order) {
    const pipeline::StageSpec* s = p.find(id);
    Job j;
    j.stage = id;
    j.spec = s;
    j.cache = p.exports.cache;
    j.name = name_for(id);
    j.needs = g.needs.at(id);
    int lv = 0;
    bool ac = false;
    for (const auto& n : j.needs) {
      lv = std::max(lv, level[n] + 1);
      ac = ac || conditional[n] || after_cond[n];
    }
    level[id] = lv;
    conditional[id] = !s->when.empty();
    after_cond[id] = ac;
    j.level = lv;
    j.after_conditional = ac;
    plan.levels = std::max(plan.levels, lv + 1);
    // What to restore: each need's saved folder (it holds everything before it); a need that
    // may be skipped saves nothing, so its own sources come first.
    std::function<void(const std::string&)> add = [&](const std::string& n) {
      if (conditional[n]) {
        for (const auto& nn : g.needs.at(n)) add(nn);
        if (std::find(j.optional.begin(), j.optional.end(), n) == j.optional.end())
          j.optional.push_back(n);
      }
      if (std::find(j.restore.begin(), j.restore.end(), n) == j.restore.end())
        j.restore.push_back(n);
    };
    for (const auto& n : j.needs) add(n);
    // A need that another restored folder already holds (its ancestor) is not fetched twice.
    std::vector<std::string> kept;
    for (const auto& r : j.restore) {
      bool held = false;
      for (const auto& other : j.restore)
        if (other != r && !conditional[other] && ancestors[other].count(r)) held = true;
      if (!held || conditional[r]) kept.push_back(r);
    }
    j.restore = kept;
    for (const auto& n : j.needs) {
      ancestors[id].insert(n);
      ancestors[id].insert(ancestors[n].begin(), ancestors[n].end());
    }
    // The credentials a built-in stage's settings name, with the fields its table declares
    // (image-push's registry login, upload's AWS keys, ...), then those the stage lists.
    auto settings = pipeline::resolve_settings(*s);
    auto bind = [&](const Credential& c) {
      for (const auto& have : j.credentials)
        if (have.id == c.id) return;
      j.credentials.push_back(c);
    };
    for (const auto& [id, fields] : settings.credentials()) {
      if (declared.count(id)) {
        bind(credential(id));
        continue;
      }
      Credential c;
      c.id = id;
      c.declared = true;
      if (fields.empty()) c.fields.emplace_back("", pipeline::credential_env_name(id, ""));
      for (const auto& f : fields) c.fields.emplace_back(f, pipeline::credential_env_name(id, f));
      bind(c);
    }
    for (const auto& c : s->credentials) bind(credential(c));
    if (s->kind == "tests") plan.has_tests = true;
    if (s->kind == "setup-python") {
      if (settings.flag("cache", true))
        plan.warnings.push_back(
            "stage '" + id +
            "' keeps the dependencies in pipewright's environment cache, outside "
            "the build folder: the jobs after it need that cache at the same path (one machine, or "
            "the engine's cache of ~/.cache/pipewright), or set stages." +
            id +
            ".cache: false so "
            "the whole environment travels in the build folder");
    }
    plan.jobs.push_back(std::move(j));
  }
  if (g.has_post) {
    plan.post = p.find("post");
    plan.post_name = name_for(plan.post->id);
    if (engine != Engine::jenkins) {
      for (const auto& [cond, cmds] : post_commands(*plan.post)) {
        if (cond == "always") continue;  // steps of the post job itself
        if (cond == "changed" || cond == "fixed" || cond == "regression") {
          plan.warnings.push_back(
              "post." + cond + " needs the previous build's result, which " +
              std::string(engine == Engine::github ? "GitHub Actions" : "GitLab CI") +
              " does not give a job: its commands are left out (a comment says "
              "where)");
          continue;
        }
        std::string why;
        plan.condition_jobs.emplace_back(cond, names.take("post-" + cond, why));
      }
    }
  }
  return plan;
}

std::vector<std::pair<std::string, std::vector<std::string>>> post_commands(
    const pipeline::StageSpec& post) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  auto settings = pipeline::resolve_settings(post);
  for (const auto& c : pipeline::post_conditions()) {
    auto cmds = settings.list(c);
    if (!cmds.empty()) out.emplace_back(c, cmds);
  }
  return out;
}

std::vector<std::string> post_commands_of(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& conds,
    const std::string& cond) {
  for (const auto& [c, list] : conds)
    if (c == cond) return list;
  return {};
}

std::string stage_command(const Job& job, const std::string& build_var) {
  std::string cmd = "pipewright run --build \"" + build_var + "\" --only " + job.stage;
  if (job.spec->blocking) cmd += " --unstable-ok";
  if (job.cache) cmd += " --cache";
  return cmd;
}

std::string post_stage_command(const pipeline::StageSpec& post, const std::string& build_var,
                               const std::string& condition) {
  return "PIPEWRIGHT_POST_CONDITIONS=" + condition + " pipewright run --build \"" + build_var +
         "\" --only " + post.id + " --unstable-ok";
}

std::string report_command(const std::string& build_var) {
  return "pipewright report --build \"" + build_var + "\" --html \"" + build_dir(build_var) +
         "/artifacts/pipewright-report.html\" || true";
}

std::optional<Millis> job_timeout(const pipeline::StageSpec& spec) {
  if (!spec.timeout) return std::nullopt;
  return *spec.timeout * (spec.retry + 1) + std::chrono::minutes(10);
}

std::string build_dir(const std::string& build_var) { return ".pipewright/builds/" + build_var; }

std::vector<std::string> header_lines(const Plan& plan) {
  std::string e = engine_name(plan.engine);
  return {
      "Generated by `pipewright export " + e + "` from " + plan.source + ".",
      "Do not edit: regenerate with `pipewright export " + e + "`; `pipewright export --check " +
          e + "` fails when this file is stale.",
      "Each job runs one stage with `pipewright run --only STAGE` inside the build folder of this "
      "build's number; the folder travels from job to job with the engine's own artifacts.",
  };
}

namespace {

void wrap(const std::string& text, const std::string& marker, const std::string& indent,
          std::vector<std::string>& out) {
  const size_t width = 100;
  std::string line = marker;
  for (const auto& word : split(text, ' ')) {
    if (line.size() > marker.size() && line.size() + 1 + word.size() > width) {
      out.push_back(line);
      line = marker + indent;
    } else if (line.size() > marker.size() && line != marker + indent) {
      line += ' ';
    }
    line += word;
  }
  out.push_back(line);
}

}  // namespace

std::vector<std::string> comment_block(const Plan& plan, const std::string& marker) {
  std::vector<std::string> out;
  for (const auto& h : header_lines(plan)) wrap(h, marker, "", out);
  for (const auto& r : plan.renames) wrap(r, marker, "  ", out);
  for (const auto& w : plan.warnings) wrap("note: " + w, marker, "  ", out);
  return out;
}

std::string glob_to_regex(const std::string& glob) {
  std::string out = "^";
  for (size_t i = 0; i < glob.size(); ++i) {
    char c = glob[i];
    if (c == '*') {
      if (i + 1 < glob.size() && glob[i + 1] == '*') {
        out += ".*";
        ++i;
      } else {
        out += "[^\\/]*";
      }
    } else if (c == '?') {
      out += "[^\\/]";
    } else if (c == '[') {
      size_t end = glob.find(']', i + 1);
      if (end == std::string::npos) {
        out += "\\[";
      } else {
        std::string cls = glob.substr(i + 1, end - i - 1);
        if (!cls.empty() && cls[0] == '!') cls[0] = '^';
        out += "[" + cls + "]";
        i = end;
      }
    } else if (std::string("\\.^$|()+{}/").find(c) != std::string::npos) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out + "$";
}

namespace {

// The backslash escape Groovy '...' and YAML "..." strings share for c: \\, the quote, \n, \r,
// \t; "" for any other character.
std::string backslash_escape(char c, char quote) {
  switch (c) {
    case '\\':
      return "\\\\";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      return c == quote ? std::string{'\\', quote} : std::string();
  }
}

}  // namespace

std::string groovy_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    std::string e = backslash_escape(c, '\'');
    out += e.empty() ? std::string(1, c) : e;
  }
  return out + "'";
}

std::string yaml_quote(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string("_-./").find(c) != std::string::npos))
      plain = false;
  // Words YAML 1.1 readers take for booleans or null, and numbers, stay strings.
  static const std::set<std::string> words = {"true", "false", "yes", "no", "on",
                                              "off",  "null",  "y",   "n",  "~"};
  if (plain && (words.count(to_lower(s)) || std::isdigit(static_cast<unsigned char>(s[0])) ||
                s[0] == '-' || s[0] == '.'))
    plain = false;
  if (plain) return s;
  bool printable = true;
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20) printable = false;
  if (printable) {
    // Single quotes read best for shell commands: only ' itself is doubled.
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  }
  std::string out = "\"";
  for (char c : s) {
    std::string e = backslash_escape(c, '"');
    if (!e.empty()) {
      out += e;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

Text& Text::line(const std::string& s) {
  if (!s.empty()) text_ += std::string(static_cast<size_t>(depth_) * 2, ' ') + s;
  text_ += "\n";
  return *this;
}

std::string seconds_text(Millis d) { return std::to_string((d.count() + 999) / 1000); }

}  // namespace pw::ci
