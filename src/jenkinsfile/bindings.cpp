// A Jenkins stage's environment: the variables Jenkins defines, the parameters, environment { }
// entries and credentials (environment credentials() and withCredentials bindings, a key or file
// as a file only the user can read, removed when the stage ends).
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "jenkinsfile/interpreter.h"
#include "util/fs.h"
#include "util/strings.h"

namespace pw::jenkinsfile {

Scope Interp::base_scope() {
  Scope sc;
  sc.cwd = host_.workspace();
  std::string num = std::to_string(facts_.number);
  const std::string& job = facts_.job;
  std::string branch = host_.branch();
  for (const auto& [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"BUILD_NUMBER", num},
                                                        {"BUILD_ID", num},
                                                        {"BUILD_TAG", "jenkins-" + job + "-" + num},
                                                        {"JOB_NAME", job},
                                                        {"JOB_BASE_NAME", job},
                                                        {"WORKSPACE", host_.workspace().string()},
                                                        {"GIT_COMMIT", host_.commit()},
                                                        {"GIT_BRANCH", branch},
                                                        {"BRANCH_NAME", branch},
                                                        {"BUILD_URL", ""},
                                                        {"JOB_URL", ""},
                                                        {"JENKINS_URL", ""},
                                                        {"CI", "true"},
                                                        {"NODE_NAME", "built-in"},
                                                        {"STAGE_NAME", facts_.stage_name}})
    sc.set(k, v);
  for (const auto& [k, v] : params_) sc.set(k, v);  // params are environment variables too
  for (const auto& [k, v] : build_env()) sc.set(k, v);
  if (jp_.scripted) *sc.vars = build_vars();
  return sc;
}

namespace {

// Stages of one build may run at once (parallel): the file is read and rewritten under a lock.
std::mutex build_env_mutex;

std::map<std::string, std::string> read_build_env(const fs::path& f, StepHost& host) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!fs::exists(f, ec)) return out;
  try {
    auto j = nlohmann::json::parse(read_file(f));
    for (const auto& [k, v] : j.items())
      if (v.is_string()) out[k] = v.get<std::string>();
  } catch (const std::exception& e) {
    host.warn("cannot read " + f.string() + " (env.X set by earlier stages): " + e.what());
  }
  return out;
}

// Invalid UTF-8 in a value (a command's raw output) is replaced, never a failed write.
void write_env_file(const fs::path& f, const std::map<std::string, std::string>& values) {
  fs::create_directories(f.parent_path());
  write_file_atomic(
      f, nlohmann::json(values).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

std::map<std::string, std::string> Interp::build_env() {
  std::lock_guard lock(build_env_mutex);
  return read_build_env(facts_.root / "tmp" / "jenkins-env.json", host_);
}

void Interp::set_build_env(const std::string& name, const std::string& value) {
  std::lock_guard lock(build_env_mutex);
  fs::path f = facts_.root / "tmp" / "jenkins-env.json";
  auto all = read_build_env(f, host_);
  all[name] = value;
  write_env_file(f, all);
}

namespace {

nlohmann::json val_json(const Val& v) {
  return {{"t", static_cast<int>(v.t)}, {"s", v.s}, {"b", v.b}, {"n", v.n}};
}

}  // namespace

std::map<std::string, Val> Interp::build_vars() {
  std::lock_guard lock(build_env_mutex);
  return read_build_vars();
}

std::map<std::string, Val> Interp::read_build_vars() {
  std::map<std::string, Val> out;
  fs::path f = facts_.root / "tmp" / "jenkins-vars.json";
  std::error_code ec;
  if (!fs::exists(f, ec)) return out;
  try {
    auto j = nlohmann::json::parse(read_file(f));
    for (const auto& [k, v] : j.items()) {
      Val x;
      x.t = static_cast<Val::T>(v.at("t").get<int>());
      x.s = v.at("s").get<std::string>();
      x.b = v.at("b").get<bool>();
      x.n = v.at("n").get<double>();
      out[k] = x;
    }
  } catch (const std::exception& e) {
    host_.warn("cannot read " + f.string() + " (variables set by earlier stages): " + e.what());
  }
  return out;
}

void Interp::set_build_var(const std::string& name, const Val& value) {
  if (!jp_.scripted) return;
  std::lock_guard lock(build_env_mutex);
  auto all = read_build_vars();
  all[name] = value;
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : all) j[k] = val_json(v);
  fs::path f = facts_.root / "tmp" / "jenkins-vars.json";
  fs::create_directories(f.parent_path());
  write_file_atomic(f, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

namespace {

// Whether evaluating `n` runs a step (`sh(script: 'date +%s', returnStdout: true).trim()`).
bool runs_a_step(const NodePtr& n) {
  if (!n) return false;
  if (n->kind == Kind::call && !n->target && is_value_step(n->text)) return true;
  if (runs_a_step(n->target)) return true;
  for (const auto& i : n->items)
    if (runs_a_step(i)) return true;
  for (const auto& a : n->args)
    if (runs_a_step(a.value)) return true;
  for (const auto& p : n->parts)
    if (p.is_expr && runs_a_step(p.expr)) return true;
  return false;
}

std::mutex pipeline_env_mutex;

}  // namespace

// environment { } entries, in order, each seeing the ones before. The pipeline's own entries
// that run a step are evaluated once per build, as Jenkins evaluates them once: an image tag
// from `date` must be the same in the stage that builds the image and the one that pushes it.
// Only those values are kept (in the build folder); entries of credentials are bound anew.
void Interp::apply_env(const std::vector<jf::EnvEntry>& entries, Scope& sc) {
  bool pipeline_level = &entries == &jp_.environment;
  for (const auto& e : entries) {
    if (!e.credential.empty()) {
      bind_environment_credential(e, sc);
      continue;
    }
    if (!pipeline_level || !runs_a_step(e.value)) {
      sc.set(e.name, eval(e.value, sc).text());
      continue;
    }
    std::lock_guard lock(pipeline_env_mutex);
    fs::path f = facts_.root / "tmp" / "jenkins-pipeline-env.json";
    auto known = read_build_env(f, host_);
    if (auto it = known.find(e.name); it != known.end()) {
      sc.set(e.name, it->second);
      continue;
    }
    std::string v = eval(e.value, sc).text();
    sc.set(e.name, v);
    known[e.name] = v;
    write_env_file(f, known);
  }
}

std::string Interp::cred_file(const std::string& content, const std::string& name) {
  fs::path dir = facts_.root / "tmp" / "secrets";
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0700);
  static std::atomic<long> counter{0};
  fs::path f = dir / (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  {
    std::ofstream o(f, std::ios::binary | std::ios::trunc);
    o << content;
  }
  ::chmod(f.c_str(), 0600);
  secret_paths_.push_back(f);
  return f.string();
}

std::string Interp::field(const std::string& id, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    std::string v = host_.credential_field(id, n);
    if (!v.empty()) return v;
  }
  return {};
}

void Interp::need_credential(const std::string& id, const jf::Pos& pos) {
  if (!host_.has_credential(id))
    fail_at(pos, "credential '" + id + "' is not in " + facts_.credentials_file.string() +
                     " (add it there, or set PIPEWRIGHT_CREDENTIALS to the file that has it)");
}

// X_USR, X_PSW; a key or file -> X is the path of a file holding it.
void Interp::bind_environment_credential(const jf::EnvEntry& e, Scope& sc) {
  need_credential(e.credential, e.pos);
  std::string user = field(e.credential, {"username", "user"});
  std::string pass = field(e.credential, {"password", "token"});
  std::string single = host_.credential_field(e.credential, "");
  if (!single.empty()) {
    sc.set(e.name, single);
  } else if (!user.empty() && !pass.empty()) {
    sc.set(e.name, user + ":" + pass);
    sc.set(e.name + "_USR", user);
    sc.set(e.name + "_PSW", pass);
  } else if (auto key = field(e.credential, {"private_key", "key"}); !key.empty()) {
    sc.set(e.name, cred_file(key, e.name));
    if (!user.empty()) sc.set(e.name + "_USR", user);
  } else if (auto content = field(e.credential, {"file", "content"}); !content.empty()) {
    sc.set(e.name, cred_file(content, e.name));
  } else {
    fail_at(e.pos, "credential '" + e.credential +
                       "' has no value pipewright can bind (a single value, username+password, "
                       "private_key or file)");
  }
}

void Interp::with_credentials(const Node& n, Scope sc) {
  auto list = n.positional(0);
  if (!list || list->kind != Kind::list)
    fail_at(n.pos,
            "withCredentials takes a list of bindings: withCredentials([string(...)]) { ... }");
  for (const auto& b : list->items) {
    if (b->kind != Kind::call)
      fail_at(b->pos,
              "a binding must be usernamePassword(...), string(...), file(...) or "
              "sshUserPrivateKey(...)");
    auto arg = [&](const char* k) {
      auto* a = b->named(k);
      return a ? eval(a->value, sc).text() : std::string();
    };
    std::string id = arg("credentialsId");
    need_credential(id, b->pos);
    const std::string& kind = b->text;
    if (kind == "usernamePassword" || kind == "usernameColonPassword") {
      std::string user = field(id, {"username", "user"}), pass = field(id, {"password", "token"});
      if (kind == "usernameColonPassword")
        sc.set(arg("variable"), user + ":" + pass);
      else {
        sc.set(arg("usernameVariable"), user);
        sc.set(arg("passwordVariable"), pass);
      }
    } else if (kind == "string") {
      std::string v = host_.credential_field(id, "");
      if (v.empty()) v = field(id, {"secret", "token", "password", "value"});
      sc.set(arg("variable"), v);
    } else if (kind == "file") {
      std::string v = host_.credential_field(id, "");
      if (v.empty()) v = field(id, {"file", "content"});
      sc.set(arg("variable"), cred_file(v, arg("variable")));
    } else if (kind == "sshUserPrivateKey") {
      sc.set(arg("keyFileVariable"),
             cred_file(field(id, {"private_key", "key"}), arg("keyFileVariable")));
      if (!arg("usernameVariable").empty())
        sc.set(arg("usernameVariable"), field(id, {"username", "user"}));
      if (!arg("passphraseVariable").empty())
        sc.set(arg("passphraseVariable"), field(id, {"passphrase"}));
    } else {
      fail_at(b->pos,
              "binding " + kind +
                  " has no local meaning; use usernamePassword, string, file or sshUserPrivateKey");
    }
  }
  block(n.closure, sc);
}

Interp::~Interp() {
  std::error_code ec;
  for (const auto& p : secret_paths_) fs::remove(p, ec);
}

}  // namespace pw::jenkinsfile
