// The sh step (a script file, run by its #! line or sh -xe, in the agent's container when there
// is one, under a timeout { }'s deadline) and the agent's image (docker, or built from a
// dockerfile).
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>

#include "jenkinsfile/interpreter.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/strings.h"

namespace pw::jenkinsfile {

void Interp::sh(const Node& n, const Scope& sc, std::string* stdout_out, int* status_out) {
  std::string script = arg_str(n, "script", sc);
  bool return_status = arg_bool(n, "returnStatus", sc, false);
  bool return_stdout = arg_bool(n, "returnStdout", sc, false);
  std::string label = n.named("label") ? arg_str(n, "label", sc) : "";
  if (in_sonar_ && contains(script, "sonar-scanner")) {
    host_.log("[Pipeline] sonar-scanner: done by pipewright's analysis (withSonarQubeEnv)");
    fs::path cov = sc.cwd / "coverage.xml";
    if (fs::exists(cov) && !fs::exists(facts_.reports / "coverage.xml")) {
      std::error_code ec;
      fs::create_directories(facts_.reports, ec);
      fs::copy_file(cov, facts_.reports / "coverage.xml", ec);
    }
    return builtin("analysis");
  }
  host_.log("[Pipeline] sh" + (label.empty() ? "" : " (" + label + ")"));
  // As Jenkins: the script goes to a file; a #! line picks the interpreter, else sh -xe.
  fs::path dir = facts_.root / "tmp" / "sh";
  fs::create_directories(dir);
  // Parallel stages share this process: the counter is global so their scripts never collide.
  static std::atomic<long> counter{0};
  fs::path file =
      dir / ("script-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".sh");
  {
    std::ofstream o(file, std::ios::binary | std::ios::trunc);
    o << script;
  }
  ::chmod(file.c_str(), 0700);
  std::vector<std::string> inner;
  if (script.starts_with("#!"))
    inner = {file.string()};
  else
    inner = {"/bin/sh", "-xe", file.string()};

  EnvList env;
  for (const auto& [k, v] : sc.env) env.emplace_back(k, v);
  std::vector<std::string> argv = inner;
  if (!image_.empty()) {
    argv = {engine_path_, "run",
            "--rm",       "-i",
            "-v",         host_.workspace().string() + ":" + host_.workspace().string(),
            "-v",         dir.string() + ":" + dir.string(),
            "-w",         sc.cwd.string()};
    if (fs::exists(facts_.root / "tmp" / "secrets")) {
      std::string s = (facts_.root / "tmp" / "secrets").string();
      argv.insert(argv.end(), {"-v", s + ":" + s + ":ro"});
    }
    // Names only: the values travel in the engine's environment, never on its command line.
    for (const auto& k : sc.names) argv.insert(argv.end(), {"-e", k});
    for (const auto& a : split(agent_args_, ' '))
      if (!a.empty()) argv.push_back(a);
    argv.push_back(image_);
    argv.insert(argv.end(), inner.begin(), inner.end());
  }
  // JENKINS_HOME is unset as on an agent. A timeout { } block's deadline is coreutils'
  // timeout, which signals the script's whole process group (the stage's own deadline still
  // holds over it).
  std::vector<std::string> prefix;
  if (std::getenv("JENKINS_HOME"))
    prefix = {"env", "-u", "JENKINS_HOME"};  // one exec less when unset
  bool timed = false;
  if (sc.deadline) {
    // Rounded up: truncated, coreutils' timer could end before the deadline and its 124 be
    // taken for the script's own exit code below.
    auto left_us =
        std::chrono::duration_cast<std::chrono::microseconds>(*sc.deadline - Clock::now()).count();
    if (left_us <= 0) throw StepError{"Timeout has been exceeded"};
    long long left = (left_us + 999) / 1000;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", left / 1000.0);
    prefix.insert(prefix.end(), {"timeout", "-k", "5", buf});
    timed = true;
  }
  argv.insert(argv.begin(), prefix.begin(), prefix.end());
  exec::ProcessResult r;
  std::string out;
  if (return_stdout || stdout_out)
    r = host_.run_script(argv, sc.cwd, env, &out);
  else
    r = host_.run_script(argv, sc.cwd, env, nullptr);
  std::error_code ec;
  fs::remove(file, ec);
  if (r.aborted || host_.aborted()) throw StepError{"aborted"};
  // coreutils' timeout measures on the realtime clock, which NTP may slew against the steady one:
  // a few milliseconds early is still its deadline, not the script's own 124.
  if (r.timed_out || (timed && (r.exit_code == 124 || r.exit_code == 137) &&
                      Clock::now() + std::chrono::milliseconds(50) >= *sc.deadline))
    throw StepError{"Timeout has been exceeded"};
  if (!r.spawn_error.empty()) throw StepError{r.spawn_error};
  if (stdout_out) *stdout_out = out;
  if (return_status) {
    host_.log("[Pipeline] sh returned status " + std::to_string(r.exit_code));
    if (status_out) *status_out = r.exit_code;
    return;
  }
  if (!r.ok()) {
    if (r.term_signal) throw StepError{"script was " + r.describe()};
    std::string msg = "script returned exit code " + std::to_string(r.exit_code);
    // 127 is the shell's "command not found": name the command, as the log's last lines do
    // ("script.sh: 1: docker-compose: not found", bash's "foo: command not found").
    if (r.exit_code == 127) {
      auto tail = host_.output_tail();
      for (auto it = tail.rbegin(); it != tail.rend(); ++it) {
        if (!contains(*it, "not found")) continue;
        auto parts = split(*it, ':');
        if (parts.size() >= 2)
          msg += " (" + std::string(trim(parts[parts.size() - 2])) + ": " +
                 std::string(trim(parts.back())) + ")";
        break;
      }
    }
    throw StepError{msg};
  }
}

void Interp::prepare_agent(const jf::Agent& agent) {
  if (!agent.container()) return;
  std::string why;
  auto eng = host_.container_engine(why);
  if (!eng) throw StepError{"agent " + agent.type + " needs a container engine: " + why};
  engine_path_ = *eng;
  agent_args_ = agent.args;
  if (agent.type == "docker") {
    // As Jenkins' Docker Pipeline does: inspect, and pull only an image the machine lacks. A
    // pull that fails is the stage's reason, not the script's "exit code 125" after it.
    std::string id;
    auto inspected =
        host_.run_script({engine_path_, "image", "inspect", "--format", "{{.Id}}", agent.image},
                         host_.workspace(), {}, &id);
    if (!inspected.ok()) {
      auto pulled = host_.run({engine_path_, "pull", agent.image});
      if (host_.aborted()) throw StepError{"aborted"};
      if (!pulled.ok())
        throw StepError{"agent docker: the image '" + agent.image +
                        "' is not on this machine and could not be pulled (" + pulled.describe() +
                        "; the engine's error is in the log)"};
    }
    image_ = agent.image;
    return;
  }
  fs::path ctxdir = host_.workspace() / agent.dir;
  fs::path df = ctxdir / agent.dockerfile;
  if (!fs::exists(df)) throw StepError{"agent dockerfile: " + df.string() + " does not exist"};
  std::string tag = "pipewright-jenkins-agent:" +
                    sha256_hex(read_file(df) + agent.additional_build_args).substr(0, 16);
  std::vector<std::string> argv = {engine_path_, "build", "-t", tag, "-f", df.string()};
  for (const auto& a : split(agent.additional_build_args, ' '))
    if (!a.empty()) argv.push_back(a);
  argv.push_back(ctxdir.string());
  auto r = host_.run(argv);
  if (!r.ok()) throw StepError{"agent dockerfile: the image build failed (" + r.describe() + ")"};
  image_ = tag;
}
Val Interp::step_value(const Node& n, const Scope& sc) {
  ++run_;
  if (n.text == "sh") {
    std::string out;
    int status = 0;
    bool want_stdout = arg_bool(n, "returnStdout", sc, false);
    sh(n, sc, want_stdout ? &out : nullptr, &status);
    if (want_stdout) return Val::of(out);  // untrimmed, as Jenkins returns it
    if (arg_bool(n, "returnStatus", sc, false)) {
      Val v;
      v.t = Val::number;
      v.n = status;
      return v;
    }
    return {};
  }
  if (n.text == "readFile" || n.text == "fileExists") {
    fs::path f = arg_str(n, "file", sc);
    if (!f.is_absolute()) f = sc.cwd / f;
    if (n.text == "fileExists") return Val::of_bool(fs::exists(f));
    if (!fs::exists(f)) throw StepError{"java.nio.file.NoSuchFileException: " + f.string()};
    return Val::of(read_file(f));
  }
  if (n.text == "pwd") return Val::of(sc.cwd.string());
  if (n.text == "isUnix") return Val::of_bool(true);
  fail_at(n.pos, "`" +
                     jf::to_source(std::shared_ptr<const Node>(std::shared_ptr<const Node>{}, &n)) +
                     "`: calls in expressions are Groovy pipewright does not evaluate");
}

}  // namespace pw::jenkinsfile
