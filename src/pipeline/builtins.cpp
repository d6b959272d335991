#include "pipeline/builtins.h"

namespace pw::pipeline {

const std::vector<BuiltinKind>& builtin_kinds() {
  static const std::vector<BuiltinKind> kinds = {
      {"checkout", "clone the repository at HEAD into the build's workspace",
       {"repo", "ref", "in_place"}},
      {"preflight", "check the project's layout before anything is installed", {"require"}},
      {"setup-python", "the build's virtual environment: dev requirements (cached) and the project",
       {"python", "requirements", "index_url", "extra_index_urls", "no_index", "find_links",
        "trusted_hosts", "upgrade_tools", "system_site_packages", "build_isolation", "editable",
        "cache", "groups", "native_install"}},
      {"lock-check", "every requirement pinned with == to one exact version, or the lock file in sync",
       {"requirements", "require_hashes", "allow", "urls", "editables", "groups"}},
      {"tests", "pytest with coverage (Cobertura) and JUnit, read natively",
       {"pytest_args", "coverage", "branch", "fail_under"}},
      {"lint", "lint (ruff, flake8 or pylint), blocking", {"tool", "args", "paths"}},
      {"format-ruff", "ruff format --check", {"tool", "args", "paths"}},
      {"format-black", "black --check", {"tool", "args", "paths"}},
      {"typecheck", "mypy", {"tool", "args", "paths"}},
      {"security-lint", "bandit", {"tool", "args", "paths"}},
      {"audit", "pip-audit", {"tool", "args", "paths"}},
      {"quality", "the quality stack's findings, merged into reports/quality.sarif", {}},
      {"dependency-scan", "known vulnerabilities of the pinned and installed packages, offline",
       {"requirements", "fail_on", "ignore_file", "max_age", "scan_environment",
        "dependency_check"}},
      {"analysis", "size, complexity, duplication, new code, coverage and issues, natively",
       {"new_code", "include_tests", "exclude", "sources", "min_tokens", "min_lines",
        "hotspot_reviews", "sonar", "sonar_issues_format"}},
      {"quality-gate", "conditions on the analysis (Sonar way by default); fails the build",
       {"conditions", "when_new_code_unknown", "small_changeset_lines"}},
      {"upload", "the build's artifacts, reports and a manifest to S3 or an S3-compatible store",
       {"s3", "concurrency", "part_size", "attempts"}},
      {"deploy", "the pushed image to each target host over SSH, health-checked, rolled back on failure",
       {"targets", "rollback"}},
      {"package", "wheel and sdist by python -m build, verified natively", {"isolation", "python", "args"}},
      {"image-build", "the Dockerfile built by docker or podman, tagged <image>:<build>-<sha>",
       {"engine", "image", "dockerfile", "context", "target", "build_args"}},
      {"image-scan", "the built image's Debian and Python packages against the OSV database, natively",
       {"fail_on", "engine", "trivy"}},
      {"image-push", "the image pushed to a registry (login with --password-stdin), digest checked",
       {"engine", "registry", "repository", "credential", "tls_verify"}},
      {"post", "always last: conditional commands after the build",
       {"always", "success", "failure", "unstable", "aborted", "changed", "fixed", "regression",
        "unsuccessful", "cleanup", "archive"}},
  };
  return kinds;
}

const BuiltinKind* find_builtin(const std::string& kind) {
  for (const auto& k : builtin_kinds())
    if (k.kind == kind) return &k;
  return nullptr;
}

const std::vector<std::string>& generic_stage_keys() {
  static const std::vector<std::string> keys = {
      "description", "run",     "needs", "blocking", "timeout",
      "retry",       "env",     "credentials", "enabled",  "when",  "cache", "fail_fast"};
  return keys;
}

}  // namespace pw::pipeline
