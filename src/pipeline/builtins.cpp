// The table of built-in stage kinds and their settings: the one place a setting's name, type,
// default, constraints and documentation are written (settings.h says what is derived from it).
// Defaults are here, not in default-pipeline.yaml, which keeps each stage's place in the DAG.
#include "pipeline/builtins.h"

namespace pw::pipeline {

namespace {

using T = SettingType;

SettingRow flag(std::string n, std::string def, std::string doc) {
  return {.name = std::move(n),
          .type = T::boolean,
          .default_yaml = std::move(def),
          .doc = std::move(doc)};
}
SettingRow text(std::string n, std::string def, std::string doc) {
  return {.name = std::move(n),
          .type = T::string,
          .default_yaml = std::move(def),
          .doc = std::move(doc)};
}
SettingRow list(std::string n, std::string def, std::string doc) {
  return {
      .name = std::move(n), .type = T::list, .default_yaml = std::move(def), .doc = std::move(doc)};
}
SettingRow choice(std::string n, std::string def, std::vector<std::string> choices,
                  std::string doc) {
  return {.name = std::move(n),
          .type = T::enumeration,
          .default_yaml = std::move(def),
          .doc = std::move(doc),
          .choices = std::move(choices)};
}
SettingRow whole(std::string n, std::string def, std::int64_t min, std::int64_t max,
                 std::string doc) {
  return {.name = std::move(n),
          .type = T::integer,
          .default_yaml = std::move(def),
          .doc = std::move(doc),
          .min = min,
          .max = max};
}
SettingRow bytes(std::string n, std::string def, std::int64_t min, std::int64_t max,
                 std::string doc) {
  return {.name = std::move(n),
          .type = T::size,
          .default_yaml = std::move(def),
          .doc = std::move(doc),
          .min = min,
          .max = max};
}
SettingRow percent(std::string n, std::string doc) {
  return {.name = std::move(n), .type = T::percentage, .doc = std::move(doc)};
}
SettingRow span(std::string n, std::string def, std::string doc) {
  return {.name = std::move(n),
          .type = T::duration,
          .default_yaml = std::move(def),
          .doc = std::move(doc)};
}
SettingRow pairs(std::string n, std::string doc) {
  return {.name = std::move(n), .type = T::map, .doc = std::move(doc)};
}
SettingRow structured(std::string n, std::string doc) {
  return {.name = std::move(n), .type = T::structured, .doc = std::move(doc)};
}
SettingRow credential(std::string n, std::string def, std::vector<std::string> fields,
                      std::string doc) {
  return {.name = std::move(n),
          .type = T::credential,
          .default_yaml = std::move(def),
          .doc = std::move(doc),
          .fields = std::move(fields)};
}

const std::vector<std::string> kEngines = {"auto", "docker", "podman"};
const std::vector<std::string> kSeverities = {"none", "low", "medium", "high", "critical"};

std::vector<SettingRow> quality_tool(std::vector<std::string> tools, std::string def,
                                     std::string tool_doc) {
  return {
      choice("tool", std::move(def), std::move(tools), std::move(tool_doc)),
      list("args", "", "extra arguments for the tool"),
      list("paths", "", "what the tool checks (default: the package, and the tests for linters)")};
}

}  // namespace

const std::vector<BuiltinKind>& builtin_kinds() {
  static const std::vector<BuiltinKind> kinds = {
      {"checkout",
       "clone the repository at HEAD into the build's workspace",
       {text("repo", "", "the repository to clone (default: the project's own, or --repo)"),
        text("ref", "", "the branch, tag or commit to check out (default: HEAD, or --ref)"),
        flag("in_place", "",
             "work in the project folder itself instead of a clone (or --in-place)"),
        choice("submodules", "auto", {"auto", "recursive", "top", "none"},
               "git submodules, each from the project's own checkout of it when there is one, "
               "else from its URL: auto checks them out recursively and warns about any it "
               "cannot get; recursive and top (only the first level) fail the stage instead; "
               "none leaves them empty")}},
      {"preflight",
       "check the project's layout before anything is installed",
       {list("require", "", "extra paths that must exist in the workspace")}},
      {"setup-python",
       "the build's virtual environment: dev requirements (cached) and the project",
       {text("python", "", "the interpreter that makes the environment (default: project.python)"),
        text("requirements", "", "the requirements file (default: project.requirements)"),
        text("index_url", "", "pip's --index-url"),
        list("extra_index_urls", "", "pip's --extra-index-url, each"),
        flag("no_index", "", "pip's --no-index (offline, with find_links)"),
        list("find_links", "", "pip's --find-links, each"),
        list("trusted_hosts", "", "pip's --trusted-host, each"),
        flag("upgrade_tools", "", "upgrade pip, setuptools and wheel first"),
        flag("system_site_packages", "", "the environment sees the interpreter's site-packages"),
        flag("build_isolation", "", "pip builds the project in an isolated environment"),
        flag("editable", "", "install the project with pip install -e"),
        flag("cache", "",
             "reuse an environment with the same requirements from pipewright's cache"),
        list("groups", "",
             "the dependency groups and extras (extra:NAME) installed from a lock (default: all)"),
        flag("native_install", "",
             "install a project with static metadata (a dynamic version read from a file as "
             "its backend reads it) natively, as pip's editable install would (default: true)"),
        choice("dev_dependencies", "install", {"install", "system"},
               "install: pip installs the declared dev dependencies (or the lock's pins); system: "
               "the interpreter's own packages stand in for them (a machine without a package "
               "index, tools from the distribution; implies system_site_packages), and the "
               "summary names those missing or at an excluded version")}},
      {"lock-check",
       "every requirement pinned with == to one exact version, or the lock file in sync",
       {text("requirements", "", "the requirements file (default: project.requirements)"),
        flag("require_hashes", "", "every requirement must carry --hash"),
        structured("allow", "package: reason, for packages that may float"),
        text("urls", "", "forbid, pinned_only or allow requirements given as URLs"),
        text("editables", "", "forbid, pinned_only or allow editable requirements"),
        list("groups", "",
             "the dependency groups and extras (extra:NAME) checked against the lock (default: "
             "all)")}},
      {"tests",
       "pytest with coverage (Cobertura) and JUnit, read natively",
       {list("pytest_args", "", "extra arguments for pytest"),
        flag("coverage", "", "measure coverage with pytest-cov (coverage.xml)"),
        flag("branch", "", "measure branch coverage too"),
        percent("fail_under", "fail when the total coverage is below this percentage")}},
      {"lint", "lint (ruff, flake8 or pylint), blocking",
       quality_tool({"ruff", "flake8", "pylint"}, "ruff", "the linter")},
      {"format-ruff", "ruff format --check",
       quality_tool({"ruff-format"}, "", "the formatter checked (default: ruff-format)")},
      {"format-black", "black --check",
       quality_tool({"black"}, "", "the formatter checked (default: black)")},
      {"typecheck", "mypy or pyright",
       quality_tool({"mypy", "pyright"}, "",
                    "the type checker (default: pyright when the project configures pyright and "
                    "not mypy, else mypy; mypy stands in for a pyright that is not installed)")},
      {"security-lint", "bandit",
       quality_tool({"bandit"}, "", "the security linter (default: bandit)")},
      {"audit", "pip-audit", quality_tool({"pip-audit"}, "", "the auditor (default: pip-audit)")},
      {"quality", "the quality stack's findings, merged into reports/quality.sarif", {}},
      {"dependency-scan",
       "known vulnerabilities of the pinned and installed packages, offline",
       {text("requirements", "", "the requirements file (default: project.requirements)"),
        choice("fail_on", "", kSeverities,
               "the lowest severity that fails the build (none: report only)"),
        text("ignore_file", "",
             "the file of accepted vulnerabilities, each with a reason and expiry"),
        span("max_age", "", "warn when the advisory database is older than this"),
        flag("scan_environment", "", "scan the packages installed in the build's environment too"),
        flag("dependency_check", "",
             "run OWASP Dependency-Check too, when installed, and merge its report")}},
      {"analysis",
       "size, complexity, duplication, new code, coverage and issues, natively",
       {text("new_code", "",
             "branch, branch:NAME, previous-build or commit:REV: where new code starts"),
        flag("include_tests", "", "analyse the tests folder as well"),
        list("exclude", "", "globs of files left out of the analysis"),
        list("sources", "",
             "the code analysed as sonar.sources: folders or globs (default: the detected "
             "packages)"),
        whole("min_tokens", "", 1, 0, "a duplicated block has at least this many tokens"),
        whole("min_lines", "", 1, 0, "and spans at least this many lines"),
        text("hotspot_reviews", "", "a file of reviewed security hotspots"),
        structured("sonar",
                   "run SonarQube's scanner instead: host_url, token (a credential id), ..."),
        choice("sonar_issues_format", "current", {"current", "deprecated"},
               "reports/sonar-external-issues.json for SonarQube 10.3+ (current) or older servers "
               "(deprecated)")}},
      {"quality-gate",
       "conditions on the analysis (Sonar way by default); fails the build",
       {structured("conditions", "a list of {metric, op: GT|LT, threshold} (default: Sonar way)"),
        choice("when_new_code_unknown", "pass", {"pass", "fail"},
               "the gate's answer when new code cannot be found"),
        whole("small_changeset_lines", "", 0, 0,
              "new code under this many lines skips the coverage and duplication conditions")}},
      {"upload",
       "the build's artifacts, reports and a manifest to S3 or an S3-compatible store",
       {structured("s3", "bucket, prefix, region, endpoint; without it the stage is SKIPPED"),
        whole("attempts", "5", 1, 20, "tries per request before giving up"),
        whole("concurrency", "8", 1, 64, "files and parts sent at once"),
        bytes("part_size", "16MiB", 5ll << 20, 5ll << 30, "the size of a multipart upload's parts"),
        credential("credential", "", {"access_key_id", "secret_access_key"},
                   "the AWS keys (default: as the AWS tools find them)")}},
      {"deploy",
       "the pushed image to each target host over SSH, health-checked, rolled back on failure",
       {structured("targets",
                   "the hosts: name, host, user, port, container, ports, env, health, ..."),
        flag("rollback", "true", "a failed host rolls back the hosts already switched too")}},
      {"package",
       "wheel and sdist by python -m build, verified natively",
       {flag("isolation", "true", "false: python -m build --no-isolation (offline machines)"),
        text("python", "", "the interpreter (default: the build's environment)"),
        list("args", "", "extra arguments for python -m build")}},
      {"image-build",
       "the Dockerfile built by docker or podman, tagged <image>:<build>-<sha>",
       {choice("engine", "auto", kEngines,
               "the container engine (auto: docker when its daemon answers, else podman)"),
        text("image", "", "the image name (default: the project's name)"),
        text("dockerfile", "Dockerfile", "the Dockerfile, relative to the workspace"),
        text("context", ".", "the build context, relative to the workspace"),
        text("target", "", "the Dockerfile stage to build"),
        pairs("build_args", "NAME: value build arguments")}},
      {"image-scan",
       "the built image's Debian and Python packages against the OSV database, natively",
       {choice("fail_on", "none", kSeverities,
               "the lowest severity that fails the build (none: report only)"),
        choice("engine", "auto", kEngines, "the container engine that saves the image"),
        choice("trivy", "false", {"true", "false", "auto"},
               "run Trivy too (auto: when installed) and merge its report")}},
      {"image-push",
       "the image pushed to a registry (login with --password-stdin), digest checked",
       {text("registry", "docker.io", "the registry's host"),
        text("repository", "", "the repository (default: <username>/<image>)"),
        credential("credential", "dockerhub", {"username", "password"}, "the registry login"),
        flag("tls_verify", "true", "verify the registry's TLS certificate"),
        choice("engine", "auto", kEngines, "the container engine that pushes")}},
      {"post",
       "always last: conditional commands after the build",
       {list("always", "", "commands run after every build"),
        list("success", "", "commands run when the build succeeded"),
        list("failure", "", "commands run when the build failed"),
        list("unstable", "", "commands run when the build is unstable"),
        list("aborted", "", "commands run when the build was aborted"),
        list("changed", "", "commands run when the status differs from the previous build's"),
        list("fixed", "", "commands run when the build passed after a failed one"),
        list("regression", "", "commands run when the build failed after a passing one"),
        list("unsuccessful", "", "commands run when the build did not succeed"),
        list("cleanup", "", "commands run last, whatever happened"),
        list("archive", "[\"dist/*\"]", "globs of workspace files archived with SHA256SUMS")}},
  };
  return kinds;
}

const BuiltinKind* find_builtin(const std::string& kind) {
  for (const auto& k : builtin_kinds())
    if (k.kind == kind) return &k;
  return nullptr;
}

const std::vector<std::string>& post_conditions() {
  static const std::vector<std::string> order = {"always",       "changed", "fixed",   "regression",
                                                 "aborted",      "failure", "success", "unstable",
                                                 "unsuccessful", "cleanup"};
  return order;
}

const std::vector<std::string>& generic_stage_keys() {
  static const std::vector<std::string> keys = {"description", "run",   "needs", "blocking",
                                                "timeout",     "retry", "env",   "credentials",
                                                "enabled",     "when",  "cache", "fail_fast"};
  return keys;
}

}  // namespace pw::pipeline
