#include "deploy/config.h"

#include <cctype>
#include <cstdlib>
#include <set>

#include "util/numbers.h"
#include "util/strings.h"
#include "util/yaml.h"

namespace pw::deploy {

const std::vector<std::string>& deploy_target_keys() {
  static const std::vector<std::string> keys = {
      "name",        "host",           "port",    "user",         "identity",
      "known_hosts", "host_key_check", "engine",  "container",    "ports",
      "env",         "credentials",    "restart", "stop_timeout", "health"};
  return keys;
}

std::string expand_home(const std::string& path) {
  if (path == "~" || path.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    if (home && *home) return std::string(home) + path.substr(1);
  }
  return path;
}

namespace {

class Reader {
 public:
  Reader(const std::string& file, std::vector<Diagnostic>& diags) : file_(file), diags_(diags) {}

  void error(const YAML::Node& n, const std::string& msg) {
    auto m = n.Mark();
    diags_.push_back({file_, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0, msg});
  }

  std::optional<std::string> scalar(const YAML::Node& n, const std::string& what) {
    if (!n.IsScalar()) {
      error(n, what + " must be a single value");
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::optional<std::vector<std::string>> list(const YAML::Node& n, const std::string& what) {
    return yaml_scalar_list(n, what, " must be a value or a list",
                            [this](const YAML::Node& at, const std::string& m) { error(at, m); });
  }

  std::optional<Millis> duration(const YAML::Node& n, const std::string& what) {
    auto v = scalar(n, what);
    if (!v) return std::nullopt;
    auto d = parse_duration(*v);
    if (!d || d->count() <= 0) {
      error(n, what + " must be a duration such as 30s or 2m");
      return std::nullopt;
    }
    return d;
  }

  void unknown(const YAML::Node& key, const std::string& where,
               const std::vector<std::string>& keys) {
    std::string msg = "unknown key '" + key.Scalar() + "' in " + where;
    std::string best = closest_match(key.Scalar(), keys);
    if (!best.empty())
      msg += "; did you mean '" + best + "'?";
    else
      msg += " (known: " + join(keys, ", ") + ")";
    error(key, msg);
  }

  void health(const YAML::Node& n, const std::string& where, HealthCheck& h) {
    if (n.IsScalar()) {  // health: URL
      h.url = n.Scalar();
      return;
    }
    if (!n.IsMap()) {
      error(n, where +
                   " health must be a URL or a mapping (url, expect_status, body, timeout, "
                   "interval, from)");
      return;
    }
    static const std::vector<std::string> keys = {"url",     "expect_status", "body",
                                                  "timeout", "interval",      "from"};
    for (const auto& kv : n) {
      const std::string k = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      std::string what = where + " health." + k;
      if (k == "url") {
        if (auto s = scalar(v, what)) h.url = *s;
      } else if (k == "expect_status") {
        auto s = scalar(v, what);
        auto code = s ? parse_int(*s, 100, 599) : Parsed<long long>::of(0);
        if (s && !code)
          error(v, what + " must be an HTTP status (100-599): " + code.error());
        else if (s)
          h.expect_status = static_cast<int>(*code);
      } else if (k == "body") {
        if (auto s = scalar(v, what)) h.body_contains = *s;
      } else if (k == "timeout") {
        if (auto d = duration(v, what)) h.timeout = *d;
      } else if (k == "interval") {
        if (auto d = duration(v, what)) h.interval = *d;
      } else if (k == "from") {
        auto s = scalar(v, what);
        if (s && *s != "runner" && *s != "host")
          error(v, what + " must be runner or host");
        else if (s)
          h.from_host = *s == "host";
      } else {
        unknown(kv.first, where + " health", keys);
      }
    }
    if (h.url.empty())
      error(n, where + " health needs a url");
    else if (h.url.rfind("http://", 0) != 0 && h.url.rfind("https://", 0) != 0)
      error(n, where + " health.url must start with http:// or https://");
  }

  DeployTarget target(const YAML::Node& n, size_t index) {
    DeployTarget t;
    std::string where = "deploy target " + std::to_string(index + 1);
    if (!n.IsMap()) {
      error(n, where + " must be a mapping with at least host (and name, user, port, ...)");
      return t;
    }
    if (n["name"] && n["name"].IsScalar()) where = "deploy target '" + n["name"].Scalar() + "'";
    for (const auto& kv : n) {
      const std::string k = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      std::string what = where + " " + k;
      auto str = [&](std::string& into) {
        if (auto s = scalar(v, what)) into = *s;
      };
      if (k == "name")
        str(t.name);
      else if (k == "host")
        str(t.host);
      else if (k == "user")
        str(t.user);
      else if (k == "identity")
        str(t.identity);
      else if (k == "known_hosts")
        str(t.known_hosts);
      else if (k == "container")
        str(t.container);
      else if (k == "restart") {
        str(t.restart);
        static const std::set<std::string> ok = {"no", "always", "unless-stopped", "on-failure"};
        if (!ok.count(t.restart) && t.restart.rfind("on-failure:", 0) != 0)
          error(v, what + " must be no, always, unless-stopped or on-failure[:N]");
      } else if (k == "engine") {
        str(t.engine);
        if (t.engine.empty() || t.engine.find_first_of(" \t'\"$`;&|<>\\") != std::string::npos)
          error(v, what + " must name a program (docker or podman)");
      } else if (k == "port") {
        auto s = scalar(v, what);
        auto parsed = s ? parse_int(*s, 1, 65535) : Parsed<long long>::of(0);
        int p = static_cast<int>(parsed.value_or(0));
        if (s && !parsed)
          error(v, what + " must be a TCP port (1-65535): " + parsed.error());
        else if (s)
          t.port = p;
      } else if (k == "host_key_check") {
        auto s = scalar(v, what);
        if (s && *s == "strict")
          t.host_key_check = HostKeyCheck::strict;
        else if (s && *s == "accept-new")
          t.host_key_check = HostKeyCheck::accept_new;
        else if (s)
          error(v, what + " must be strict or accept-new");
      } else if (k == "stop_timeout") {
        if (auto d = duration(v, what)) t.stop_timeout = *d;
      } else if (k == "ports") {
        if (auto l = list(v, what)) t.ports = *l;
      } else if (k == "credentials") {
        if (auto l = list(v, what)) t.credentials = *l;
      } else if (k == "env") {
        if (!v.IsMap()) {
          error(v, what + " must map variable names to values");
          continue;
        }
        for (const auto& e : v) {
          auto val = scalar(e.second, what + "." + e.first.Scalar());
          if (!val) continue;
          t.env.emplace_back(e.first.Scalar(), *val);
        }
      } else if (k == "health") {
        health(v, where, t.health);
      } else {
        unknown(kv.first, where, deploy_target_keys());
      }
    }
    if (t.host.empty())
      error(n, where + " needs a host");
    else if (t.host.front() == '-' || t.host.find_first_of(" \t\n'\"") != std::string::npos)
      error(n, where + " host '" + t.host + "' is not a host name or address");
    if (!t.user.empty() &&
        (t.user.front() == '-' || t.user.find_first_of(" \t\n@'\"") != std::string::npos))
      error(n, where + " user '" + t.user + "' is not a user name");
    if (t.name.empty()) t.name = t.host;
    for (const auto& [k, val] : t.env) {
      bool ok_name = !k.empty() && !std::isdigit(static_cast<unsigned char>(k[0]));
      for (char c : k)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) ok_name = false;
      if (!ok_name) error(n, where + " env name '" + k + "' is not a variable name");
      if (val.find('\n') != std::string::npos)
        error(n, where + " env " + k + " has a line break, which an env file cannot carry");
    }
    if (!t.container.empty() &&
        t.container.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
            std::string::npos)
      error(n, where + " container '" + t.container + "' must be letters, digits, '_', '.' or '-'");
    return t;
  }

 private:
  std::string file_;
  std::vector<Diagnostic>& diags_;
};

}  // namespace

std::vector<DeployTarget> read_targets(const YAML::Node& targets, const SettingPlace& where,
                                       std::vector<Diagnostic>& diags) {
  std::vector<DeployTarget> out;
  if (!targets || targets.IsNull()) return out;
  Reader reader(where.file, diags);
  if (!targets.IsSequence()) {
    diags.push_back({where.file, where.line, where.col,
                     "deploy targets must be a list of hosts, each a mapping with host, "
                     "user, port, ..."});
    return out;
  }
  std::set<std::string> names;
  size_t i = 0;
  for (const auto& item : targets) {
    auto t = reader.target(item, i++);
    if (!t.name.empty() && !names.insert(t.name).second)
      reader.error(item, "two deploy targets are named '" + t.name + "': names must be unique");
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace pw::deploy
