#include "deploy/remote.h"

#include <cstdio>

#include "util/strings.h"

namespace pw::deploy {

namespace {

constexpr const char* kSay = "say() { printf '::pw:: %s\\n' \"$*\"; }\n";

std::string q(const std::string& s) { return shell_quote(s); }

// `--tls-verify=false` where the engine has it (podman); docker reads insecure registries from
// its daemon's configuration instead.
std::string tls_flag(const SwitchPlan& p) {
  if (p.tls_verify) return "";
  if (p.engine.find("podman") != std::string::npos) return " --tls-verify=false";
  return "";
}

std::string seconds(Millis d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", d.count() / 1000.0);
  return buf;
}

// A Go template for `inspect -f` reading one label (podman prints "" and docker "<no value>"
// for a missing one; parse_report's callers treat both as absent).
std::string label_fmt(const std::string& label) {
  return "'{{index .Config.Labels \"" + label + "\"}}'";
}

}  // namespace

ImageRef parse_image_ref(const std::string& ref) {
  ImageRef r;
  std::string rest = ref;
  if (auto at = rest.find('@'); at != std::string::npos) {
    r.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  auto slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    r.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  r.name = rest;
  auto first = rest.find('/');
  std::string head = first == std::string::npos ? "" : rest.substr(0, first);
  if (!head.empty() && (head.find('.') != std::string::npos ||
                        head.find(':') != std::string::npos || head == "localhost")) {
    r.registry = head;
    r.repository = rest.substr(first + 1);
  } else {
    r.registry = "docker.io";
    r.repository = rest;
  }
  return r;
}

bool is_sha256_digest(const std::string& d) {
  if (d.size() != 71 || d.rfind("sha256:", 0) != 0) return false;
  return d.find_first_not_of("0123456789abcdef", 7) == std::string::npos;
}

std::string pinned_reference(const std::string& image, const ImageRef& ref,
                             const std::string& digest) {
  return digest.empty() ? image : ref.name + "@" + digest;
}

std::string container_name(const DeployTarget& t, const ImageRef& ref) {
  return t.container.empty() ? ref.repository.substr(ref.repository.rfind('/') + 1) : t.container;
}

std::vector<std::pair<std::string, std::string>> container_labels(int build,
                                                                  const std::string& project,
                                                                  const std::string& commit,
                                                                  const std::string& image,
                                                                  const std::string& deployed) {
  return {{kBuildLabel, std::to_string(build)},
          {"org.pipewright.project", project},
          {"org.pipewright.commit", commit},
          {"org.pipewright.image", image},
          {"org.pipewright.deployed", deployed}};
}

std::vector<std::string> ssh_argv(const DeployTarget& t, const std::string& remote_command) {
  std::vector<std::string> a = {"ssh",
                                "-o",
                                "BatchMode=yes",
                                "-o",
                                "ConnectTimeout=10",
                                "-o",
                                "ServerAliveInterval=15",
                                "-o",
                                "ServerAliveCountMax=3"};
  a.insert(a.end(),
           {"-o", t.host_key_check == HostKeyCheck::accept_new ? "StrictHostKeyChecking=accept-new"
                                                               : "StrictHostKeyChecking=yes"});
  if (!t.known_hosts.empty())
    a.insert(a.end(), {"-o", "UserKnownHostsFile=" + expand_home(t.known_hosts)});
  if (!t.identity.empty())
    a.insert(a.end(), {"-i", expand_home(t.identity), "-o", "IdentitiesOnly=yes"});
  if (t.port != 22) a.insert(a.end(), {"-p", std::to_string(t.port)});
  if (!t.user.empty()) a.insert(a.end(), {"-l", t.user});
  a.insert(a.end(), {"--", t.host, remote_command});
  return a;
}

std::string remote_sh(const std::string& script) { return "sh -c " + shell_quote(script); }

std::string previous_name(const std::string& container) { return container + "-pw-previous"; }

std::string switch_script(const SwitchPlan& p) {
  std::string s;
  s += "E=" + q(p.engine) + "; N=" + q(p.container) + "; P=" + q(previous_name(p.container)) +
       "; IMG=" + q(p.image) + "; REG=" + q(p.registry) + "\n";
  s += kSay;
  s += "IFS= read -r U || U=\nIFS= read -r PASS || PASS=\n";
  s += "umask 077\n";
  s += "ENVF=$(mktemp \"${TMPDIR:-/tmp}/pipewright-env.XXXXXX\") || { say failed env-file; exit "
       "20; }\n";
  s += "trap 'rm -f \"$ENVF\"' EXIT\n";
  s += "cat > \"$ENVF\" || { say failed env-file; exit 20; }\n";
  s += "command -v \"$E\" >/dev/null 2>&1 || { say failed no-engine; echo \"$E: not found on the "
       "host\" >&2; exit 20; }\n";
  // One inspect for both names (each engine call costs a few hundred milliseconds): whether the
  // container runs, what it runs, and whether a kept previous container is still there.
  s += "look() {\n"
       "  HAD=; HADP=\n"
       "  INFO=$($E container inspect -f '{{.Name}}|{{.State.Status}}|{{.Config.Image}}|'" +
       label_fmt("org.pipewright.build") +
       " \"$N\" \"$P\" 2>/dev/null)\n"
       "  while IFS='|' read -r cn st im bu; do\n"
       "    cn=${cn#/}\n"
       "    if [ \"$cn\" = \"$N\" ]; then\n"
       "      HAD=1; say previous_image \"$im\"; say previous_build \"$bu\"; say previous_state "
       "\"$st\"\n"
       "    elif [ \"$cn\" = \"$P\" ]; then HADP=1; fi\n"
       "  done <<PWEOF\n"
       "$INFO\n"
       "PWEOF\n"
       "}\n";
  s += "look\n";
  // A rollout cut off between keeping the old container and starting the new one left the
  // old one under P: bring it back first, so there is always one previous container.
  s += "if [ -z \"$HAD\" ] && [ -n \"$HADP\" ]; then\n"
       "  $E rename \"$P\" \"$N\" && $E start \"$N\" >/dev/null && say recovered \"$P\"\n"
       "  look\n"
       "fi\n";
  s += "[ -n \"$HADP\" ] && $E rm -f \"$P\" >/dev/null 2>&1\n";
  s += "[ -n \"$HAD\" ] || say previous_image none\n";
  std::string tls = tls_flag(p);
  if (p.login) {
    s += "if [ -n \"$PASS\" ]; then\n"
         "  printf '%s\\n' \"$PASS\" | $E login --username \"$U\" --password-stdin" +
         tls +
         " \"$REG\" >/dev/null || { say failed login; exit 21; }\n"
         "fi\n";
  }
  s += "PULLED=1\n$E pull" + tls + " \"$IMG\" || PULLED=\n";
  if (p.login) s += "[ -n \"$PASS\" ] && $E logout \"$REG\" >/dev/null 2>&1\n";
  s += "[ -n \"$PULLED\" ] || { say failed pull; exit 22; }\n";
  s += "if [ -n \"$HAD\" ]; then\n"
       "  $E stop -t " +
       std::to_string(std::max<long long>(0, p.stop_timeout.count() / 1000)) +
       " \"$N\" >/dev/null || { $E start \"$N\" >/dev/null 2>&1; say failed stop; exit 23; }\n"
       "  $E rename \"$N\" \"$P\" || { $E start \"$N\" >/dev/null 2>&1; say failed rename; exit "
       "23; }\n"
       "fi\n";
  s += "say switched\n";
  std::string run = "$E run -d --name \"$N\" --env-file \"$ENVF\"";
  if (!p.restart.empty()) run += " --restart " + q(p.restart);
  for (const auto& port : p.ports) run += " -p " + q(port);
  for (const auto& [k, v] : p.labels) run += " --label " + q(k + "=" + v);
  run += " \"$IMG\"";
  s += "ID=$(" + run + ") || { say failed run; exit 24; }\n";
  s += "rm -f \"$ENVF\"\n";
  s += "say started \"$ID\"\n";
  return s;
}

std::string switch_stdin(const std::string& username, const std::string& password,
                         const std::vector<std::pair<std::string, std::string>>& env) {
  std::string s = username + "\n" + password + "\n";
  for (const auto& [k, v] : env) s += k + "=" + v + "\n";
  return s;
}

std::string rollback_script(const std::string& engine, const std::string& container,
                            int log_lines) {
  std::string s;
  s += "E=" + q(engine) + "; N=" + q(container) + "; P=" + q(previous_name(container)) + "\n";
  s += kSay;
  s += "if $E container inspect \"$N\" >/dev/null 2>&1; then\n"
       "  say new_state \"$($E container inspect -f '{{.State.Status}} (exit code "
       "{{.State.ExitCode}})' \"$N\")\"\n";
  if (log_lines > 0)
    s += "  say logs_begin\n  $E logs --tail " + std::to_string(log_lines) +
         " \"$N\" 2>&1\n  say logs_end\n";
  s += "  $E rm -f \"$N\" >/dev/null || { say failed remove; exit 25; }\n"
       "fi\n";
  s += "if $E container inspect \"$P\" >/dev/null 2>&1; then\n"
       "  $E rename \"$P\" \"$N\" || { say failed rename; exit 26; }\n"
       "  $E start \"$N\" >/dev/null || { say failed start; exit 27; }\n"
       "  say restored \"$($E container inspect -f '{{.Config.Image}}' \"$N\")\"\n"
       "else\n"
       "  say restored none\n"
       "fi\n";
  return s;
}

std::string finish_script(const std::string& engine, const std::string& container) {
  std::string s = "E=" + q(engine) + "; P=" + q(previous_name(container)) + "\n";
  s += kSay;
  s += "$E rm -f \"$P\" >/dev/null 2>&1\nsay finished\n";
  return s;
}

std::string inspect_script(const std::string& engine, const std::string& container) {
  std::string s = "E=" + q(engine) + "; N=" + q(container) + "\n";
  s += kSay;
  s += "if $E container inspect \"$N\" >/dev/null 2>&1; then\n";
  s += "  say state \"$($E container inspect -f '{{.State.Status}}' \"$N\")\"\n";
  s += "  say image \"$($E container inspect -f '{{.Config.Image}}' \"$N\")\"\n";
  for (const char* l : {"build", "project", "commit", "image", "deployed"})
    s += "  say label_" + std::string(l) + " \"$($E container inspect -f " +
         label_fmt(std::string("org.pipewright.") + l) + " \"$N\")\"\n";
  s += "else\n  say state absent\nfi\n";
  return s;
}

std::string state_script(const std::string& engine, const std::string& container) {
  std::string s = "E=" + q(engine) + "; N=" + q(container) + "\n";
  s += kSay;
  s += "ST=$($E container inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' "
       "\"$N\" 2>/dev/null) "
       "|| ST=absent\nsay state \"$ST\"\n";
  return s;
}

std::string host_health_script(const HealthCheck& h) {
  std::string s;
  s += "URL=" + q(h.url) + "; EXP=" + std::to_string(h.expect_status) +
       "; SUB=" + q(h.body_contains) +
       "; T=" + std::to_string(std::max<long long>(1, h.timeout.count() / 1000)) +
       "; I=" + seconds(h.interval) + "\n";
  s += kSay;
  s += "B=$(mktemp) || exit 30\ntrap 'rm -f \"$B\"' EXIT\n";
  s += "end=$(( $(date +%s) + T )); n=0; code=000\n";
  s +=
      "while :; do\n"
      "  n=$((n + 1))\n"
      "  if command -v curl >/dev/null 2>&1; then\n"
      "    code=$(curl -s -o \"$B\" -w '%{http_code}' --max-time 5 \"$URL\" 2>/dev/null) || "
      "code=000\n"
      "  elif command -v python3 >/dev/null 2>&1; then\n"
      "    code=$(python3 -c 'import sys, urllib.request, urllib.error\n"
      "try:\n"
      "    r = urllib.request.urlopen(sys.argv[1], timeout=5); b = r.read(); c = r.status\n"
      "except urllib.error.HTTPError as e:\n"
      "    b = e.read(); c = e.code\n"
      "except Exception:\n"
      "    b = b\"\"; c = 0\n"
      "open(sys.argv[2], \"wb\").write(b)\n"
      "print(c)' \"$URL\" \"$B\")\n"
      "  else\n"
      "    say health_error neither curl nor python3 is on the host\n    exit 30\n"
      "  fi\n"
      "  if [ \"$code\" = \"$EXP\" ] && { [ -z \"$SUB\" ] || grep -qF -- \"$SUB\" \"$B\"; }; then\n"
      "    say health_ok \"$n $code\"\n    exit 0\n"
      "  fi\n"
      "  [ \"$(date +%s)\" -ge \"$end\" ] && break\n"
      "  sleep \"$I\"\n"
      "done\n"
      "say health_failed \"$n $code $(head -c 200 \"$B\" | tr '\\n' ' ')\"\n"
      "exit 31\n";
  return s;
}

RemoteReport parse_report(const std::string& text) {
  RemoteReport r;
  bool in_logs = false;
  const std::string mark = "::pw:: ";
  for (const auto& line : split_lines(text)) {
    if (line.rfind(mark, 0) == 0) {
      std::string rest = line.substr(mark.size());
      auto sp = rest.find(' ');
      std::string key = rest.substr(0, sp);
      std::string value = sp == std::string::npos ? "" : rest.substr(sp + 1);
      if (key == "logs_begin") {
        in_logs = true;
        continue;
      }
      if (key == "logs_end") {
        in_logs = false;
        continue;
      }
      if (!in_logs) {
        if (value == "<no value>") value.clear();
        r.facts[key] = value;
        continue;
      }
    }
    (in_logs ? r.container_log : r.other).push_back(line);
  }
  return r;
}

}  // namespace pw::deploy
