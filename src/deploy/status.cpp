#include "deploy/status.h"

#include <chrono>

#include "deploy/remote.h"
#include "exec/process.h"
#include "util/strings.h"

namespace pw::deploy {

TargetStatus target_status(const DeployTarget& t) {
  TargetStatus r;
  if (t.container.empty()) {
    r.state = "unknown";
    r.build = "-";
    r.image = "set `container:` to see its status";
    return r;
  }
  exec::ProcessSpec ps;
  ps.argv = ssh_argv(t, remote_sh(inspect_script(t.engine, t.container)));
  ps.env = exec::current_environment();
  ps.merge_stderr = false;
  std::string out, err;
  exec::ProcessLimits limits;
  limits.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto res = exec::run_process(ps, limits, [&](exec::Stream s, std::string_view d) {
    (s == exec::Stream::out ? out : err).append(d);
  });
  auto rep = parse_report(out);
  auto fact = [&](const std::string& k) {
    auto it = rep.facts.find(k);
    return it == rep.facts.end() ? std::string() : it->second;
  };
  if (!res.ok() || !rep.facts.count("state")) {
    r.unreachable = true;
    auto lines = split_lines(err);
    r.state = "unreachable";
    r.build = "-";
    r.image = lines.empty() ? res.describe() : std::string(trim(lines.back()));
  } else if (fact("state") == "absent") {
    r.state = "absent";
    r.build = "-";
    r.image = "-";
  } else {
    r.state = fact("state");
    r.build = fact("label_build").empty() ? "not by pipewright" : "#" + fact("label_build");
    r.image = fact("label_image").empty() ? fact("image") : fact("label_image");
    if (!fact("label_deployed").empty()) r.image += "  (deployed " + fact("label_deployed") + ")";
  }
  return r;
}

}  // namespace pw::deploy
