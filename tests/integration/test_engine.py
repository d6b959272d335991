"""The engine end to end: scheduling, statuses, exit codes, timeouts, signals, secrets."""
import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from conftest import BINARY, processes_matching


PYTHON_STAGES = ["preflight", "lock-check", "setup-python", "tests", "lint", "format-ruff",
                 "format-black", "typecheck", "security-lint", "audit", "quality", "dependency-scan",
                 "analysis", "quality-gate"]


def yaml_stages(body: str) -> str:
    """A pipeline of the given stages: the engine's tests run no Python stage."""
    disabled = "".join(f"  {s}:\n    enabled: false\n" for s in PYTHON_STAGES)
    return "stages:\n" + disabled + body


def test_parallel_stages_really_overlap(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages(
        "  a:\n    run: date +%s.%N > a.start; sleep 1; date +%s.%N > a.end\n"
        "  b:\n    run: date +%s.%N > b.start; sleep 1; date +%s.%N > b.end\n")})
    r = pw(project, "run", "-j", "2")
    assert r.code == 0, r
    ws = Path(r.build()["workspace"])
    # The intervals the stages recorded overlap (no wall-clock limit: the machine may be busy).
    a0, a1 = float((ws / "a.start").read_text()), float((ws / "a.end").read_text())
    b0, b1 = float((ws / "b.start").read_text()), float((ws / "b.end").read_text())
    assert a0 < b1 and b0 < a1, "the two stages did not run at the same time"


def test_jobs_one_runs_stages_one_at_a_time(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages(
        "  a:\n    run: date +%s.%N > a.start; sleep 0.5; date +%s.%N > a.end\n"
        "  b:\n    run: date +%s.%N > b.start; sleep 0.5; date +%s.%N > b.end\n")})
    r = pw(project, "run", "-j", "1")
    assert r.code == 0, r
    ws = Path(r.build()["workspace"])
    a0, a1 = float((ws / "a.start").read_text()), float((ws / "a.end").read_text())
    b0, b1 = float((ws / "b.start").read_text()), float((ws / "b.end").read_text())
    assert a1 <= b0 or b1 <= a0


def test_non_blocking_failure_is_unstable_exit_3(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages(
        "  flaky:\n    run: exit 4\n    blocking: false\n"
        "  after:\n    run: echo still here\n    needs: [flaky]\n")})
    r = pw(project, "run")
    assert r.code == 3, r
    b = r.build()
    assert b["status"] == "UNSTABLE"
    assert r.stage("flaky")["status"] == "UNSTABLE"
    assert "exit code 4" in r.stage("flaky")["summary"]
    assert r.stage("after")["status"] == "SUCCESS"
    assert pw(project, "run", "--unstable-ok").code == 0


def test_blocking_failure_not_built_dependents_and_post(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages(
        "  build:\n    run: |\n      echo compiling; echo 'error: it broke' >&2; exit 2\n"
        "  deploy:\n    run: touch deployed\n    needs: [build]\n"
        "  post:\n    always: touch post-always\n    failure: touch post-failure\n"
        "    success: touch post-success\n")})
    r = pw(project, "run")
    assert r.code == 1, r
    assert r.build()["status"] == "FAILURE"
    assert r.stage("build")["status"] == "FAILURE"
    assert r.stage("deploy")["status"] == "NOT_BUILT"
    assert "needs 'build' (FAILURE)" in r.stage("deploy")["summary"]
    post = r.stage("post")
    assert post["status"] == "SUCCESS"
    ws = Path(r.build()["workspace"])
    assert (ws / "post-always").exists() and (ws / "post-failure").exists()
    assert not (ws / "post-success").exists() and not (ws / "deployed").exists()
    # The failing stage's last lines are shown on the console.
    assert "error: it broke" in r.out


def test_post_changed_fixed_regression_against_previous_build(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages(
        "  work:\n    run: test ! -f $PIPEWRIGHT_PROJECT_DIR/fail-now\n"
        "  post:\n    fixed: echo FIXED-RAN\n    regression: echo REGRESSION-RAN\n"
        "    changed: echo CHANGED-RAN\n")})
    assert pw(project, "run").code == 0
    (project / "fail-now").write_text("x")
    r = pw(project, "run")
    assert r.code == 1
    log = r.log("post").decode()
    assert "REGRESSION-RAN" in log and "CHANGED-RAN" in log and "FIXED-RAN" not in log
    (project / "fail-now").unlink()
    r = pw(project, "run")
    log = r.log("post").decode()
    assert "FIXED-RAN" in log and "CHANGED-RAN" in log and "REGRESSION-RAN" not in log
    r = pw(project, "run")
    log = r.log("post").decode()
    assert "CHANGED-RAN" not in log and "FIXED-RAN" not in log


def test_timeout_kills_the_stage_and_its_children(repo, pw):
    marker = "pwmark" + uuid.uuid4().hex[:8]
    project = repo({"pipewright.yaml": yaml_stages(
        f"  hang:\n    run: (exec -a {marker} sleep 600) & exec -a {marker} sleep 600\n"
        "    timeout: 1s\n")})
    r = pw(project, "run", timeout=300)
    assert r.code == 1, r
    assert "timed out after 1.0s" in r.stage("hang")["summary"]
    # Stopped at its timeout, not at the end of its 600 s sleep.
    assert r.stage("hang")["duration_ms"] < 300_000, r.stage("hang")
    assert processes_matching(marker) == []


def test_sigint_aborts_runs_post_and_leaves_no_process(repo, env, tmp_path):
    marker = "pwmark" + uuid.uuid4().hex[:8]
    project = repo({"pipewright.yaml": yaml_stages(
        f"  long:\n    run: echo begun; (exec -a {marker} sleep 600) & exec -a {marker} sleep 600\n"
        "  after:\n    run: 'true'\n    needs: [long]\n"
        "  post:\n    always: touch $PIPEWRIGHT_PROJECT_DIR/post-ran\n    aborted: echo was aborted\n")})
    proc = subprocess.Popen([str(BINARY), "run"], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not processes_matching(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_matching(marker), "the stage never started"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out.decode() + err.decode()
    build = json.loads((project / ".pipewright/builds/1/build.json").read_text())
    assert build["status"] == "ABORTED"
    stages = {s["id"]: s for s in build["stages"]}
    assert stages["long"]["status"] == "ABORTED"
    assert stages["after"]["status"] == "NOT_BUILT"
    assert stages["post"]["status"] == "SUCCESS"
    assert (project / "post-ran").exists()
    assert processes_matching(marker) == []


def test_sigterm_also_aborts(repo, env):
    project = repo({"pipewright.yaml": yaml_stages("  long:\n    run: sleep 30\n")})
    proc = subprocess.Popen([str(BINARY), "run"], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 130


SECRET = "s3cr3t-Value-9f2b"


def write_credentials(env, text, mode=0o600):
    path = Path(env["PIPEWRIGHT_CREDENTIALS"])
    path.write_text(text)
    os.chmod(path, mode)
    return path


def test_secret_never_reaches_log_console_or_record(repo, pw, env):
    write_credentials(env, f"dockerhub:\n  username: robot\n  password: {SECRET}\n")
    project = repo({"pipewright.yaml": yaml_stages(
        "  leak:\n    credentials: [dockerhub]\n    run: |\n"
        "      echo \"password is $DOCKERHUB_PASSWORD\"\n"
        "      echo \"to stderr $DOCKERHUB_PASSWORD\" >&2\n"
        "      printf 'split: s3cr3t-'; sleep 0.3; printf 'Value-9f2b done\\n'\n"
        "      echo \"user $DOCKERHUB_USERNAME\"\n"
        "      exit 1\n")})
    r = pw(project, "run", "--verbose")
    assert r.code == 1
    assert SECRET not in r.text
    assert "password is ****" in r.out
    assert "split: **** done" in r.out
    log = r.log("leak")
    assert SECRET.encode() not in log
    assert b"split: **** done" in log
    builds = project / ".pipewright" / "builds" / "1"
    for f in builds.rglob("*"):
        if f.is_file() and "workspace" not in f.parts:
            assert SECRET.encode() not in f.read_bytes(), f


def test_credentials_file_readable_by_others_is_refused(repo, pw, env):
    path = write_credentials(env, f"x: {SECRET}\n", mode=0o644)
    project = repo({"pipewright.yaml": yaml_stages("  a:\n    run: 'true'\n")})
    r = pw(project, "run")
    assert r.code == 2, r
    assert str(path) in r.err and "chmod 600" in r.err
    assert SECRET not in r.text


def test_missing_credential_fails_the_stage_clearly(repo, pw, env):
    write_credentials(env, "other: {token: abcdef}\n")
    project = repo({"pipewright.yaml": yaml_stages(
        "  push:\n    run: 'true'\n    credentials: [dockerhub]\n")})
    r = pw(project, "run")
    assert r.code == 1
    assert "credential 'dockerhub' is not in" in r.stage("push")["summary"]


def test_two_concurrent_runs_get_distinct_builds(repo, env):
    project = repo({"pipewright.yaml": yaml_stages("  a:\n    run: sleep 0.5; echo $BUILD_NUMBER > n.txt\n")})
    procs = [subprocess.Popen([str(BINARY), "run"], cwd=project, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    for p in procs:
        p.communicate(timeout=60)
        assert p.returncode == 0
    builds = project / ".pipewright" / "builds"
    numbers = sorted(int(d.name) for d in builds.iterdir() if d.name.isdigit())
    assert numbers == [1, 2, 3]
    for n in numbers:
        b = json.loads((builds / str(n) / "build.json").read_text())
        assert b["number"] == n and b["status"] == "SUCCESS"
        assert (Path(b["workspace"]) / "n.txt").read_text().strip() == str(n)
    assert os.readlink(builds / "latest") == "3"


def test_yaml_syntax_error_names_file_line_column(repo, pw):
    project = repo({"pipewright.yaml": "stages:\n  a:\n    run: [oops\n"})
    r = pw(project, "run")
    assert r.code == 2
    assert "pipewright.yaml:" in r.err and "YAML syntax error" in r.err
    assert not (project / ".pipewright").exists(), "nothing may run on a bad config"


def test_a_setting_of_the_wrong_type_is_a_config_error_before_the_build(repo, pw):
    project = repo({"pipewright.yaml": "stages:\n  tests:\n    fail_under: ''\n"})
    for cmd in (["plan"], ["run"]):
        r = pw(project, *cmd)
        assert r.code == 2, r
        assert "pipewright.yaml:3:17: stage 'tests' fail_under must be a percentage from 0 to 100" in r.err, r.err
    assert not (project / ".pipewright").exists(), "nothing may run on a bad config"


def test_unknown_key_suggests_closest(repo, pw):
    project = repo({"pipewright.yaml": "stages:\n  a:\n    run: 'true'\n    timout: 5s\n"})
    r = pw(project, "plan")
    assert r.code == 2
    assert "pipewright.yaml:4:5: unknown key 'timout'" in r.err
    assert "did you mean 'timeout'" in r.err


def test_cycle_is_named(repo, pw):
    project = repo({"pipewright.yaml":
                    "stages:\n  a:\n    run: x\n    needs: [b]\n  b:\n    run: y\n    needs: [a]\n"})
    r = pw(project, "run")
    assert r.code == 2
    assert "cycle" in r.err and ("a -> b -> a" in r.err or "b -> a -> b" in r.err)


def test_needs_naming_no_stage(repo, pw):
    project = repo({"pipewright.yaml": "stages:\n  a:\n    run: x\n    needs: [tset]\n  test:\n    run: y\n"})
    r = pw(project, "run")
    assert r.code == 2
    assert "needs 'tset', which is not a stage; did you mean 'test'?" in r.err


def test_command_that_does_not_exist(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages("  a:\n    run: no-such-tool-xyz --flag\n")})
    r = pw(project, "run")
    assert r.code == 1
    assert "command not found" in r.stage("a")["summary"]


def test_hostile_output_invalid_utf8_nul_and_a_100mb_line(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages(
        "  noisy:\n    run: |\n"
        "      printf 'bad \\377\\376 utf8 and a \\000 nul\\n'\n"
        "      head -c 104857600 /dev/zero | tr '\\0' 'x'\n"
        "      echo\n      echo end-marker\n      exit 1\n")})
    r = pw(project, "run", "--verbose", timeout=120)
    assert r.code == 1
    log = r.log("noisy")
    assert len(log) > 100 * 1024 * 1024, "the log must keep the whole line"
    assert b"\xff\xfe" in log and b"\x00" in log
    assert len(r.out) < 200_000, "the console must not drown in one line"
    assert "more bytes in the log" in r.out
    assert "end-marker" in r.out
    assert "\\x00" in r.out  # the NUL is shown escaped, not raw
    assert "\x00" not in r.out


def test_build_folder_deleted_mid_run(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages(
        "  vandal:\n    run: rm -rf \"$PIPEWRIGHT_BUILD_DIR\"\n"
        "  later:\n    run: 'true'\n    needs: [vandal]\n")})
    r = pw(project, "run")
    assert r.code == 1, r
    assert "disappeared during the run" in r.text


def test_full_disk_when_writing_logs_fails_the_build(tmp_path, env, pw):
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs for the full-disk case")
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        from conftest import make_repo
        project = make_repo(mnt / "p", {"pipewright.yaml": yaml_stages(
            "  chatty:\n    run: head -c 8000000 /dev/zero | tr '\\0' 'y'\n")}, env)
        r = pw(project, "run", "--in-place")
        assert r.code == 1, r
        assert "No space left on device" in r.text
    finally:
        subprocess.run(["umount", "-l", str(mnt)])


def test_retry_runs_a_failing_stage_again(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages(
        "  flaky:\n    retry: 2\n    run: |\n"
        "      n=$(cat count 2>/dev/null || echo 0); echo $((n+1)) > count\n"
        "      test $n -ge 1\n")})
    r = pw(project, "run")
    assert r.code == 0, r
    assert r.stage("flaky")["attempts"] == 2


def test_when_branch_skips_with_reason(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages(
        "  release:\n    run: touch released\n    when: {branch: 'release/*'}\n")})
    r = pw(project, "run")
    assert r.code == 0
    s = r.stage("release")
    assert s["status"] == "SKIPPED"
    assert "does not match the branch 'main'" in s["summary"]


def test_when_changes_since_previous_build(repo, pw, env):
    project = repo({"pipewright.yaml": yaml_stages(
        "  docs:\n    run: 'true'\n    when: {changes: ['docs/**']}\n"), "src/a.py": "x = 1\n"})
    assert pw(project, "run").stage("docs")["status"] == "SUCCESS"  # first build: all is new
    (project / "src/a.py").write_text("x = 2\n")
    subprocess.run(["git", "commit", "-qam", "code"], cwd=project, env=env, check=True)
    assert pw(project, "run").stage("docs")["status"] == "SKIPPED"
    (project / "docs").mkdir()
    (project / "docs/x.md").write_text("hi\n")
    subprocess.run(["git", "add", "-A"], cwd=project, env=env, check=True)
    subprocess.run(["git", "commit", "-qm", "docs"], cwd=project, env=env, check=True)
    assert pw(project, "run").stage("docs")["status"] == "SUCCESS"


def test_named_stage_runs_with_what_it_needs_only(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages(
        "  a:\n    run: 'true'\n  b:\n    run: 'true'\n    needs: [a]\n  c:\n    run: 'true'\n")})
    r = pw(project, "run", "b")
    assert r.code == 0
    ids = [s["id"] for s in r.build()["stages"]]
    assert ids == ["checkout", "a", "b", "post"]


def test_a_stage_alone_against_an_existing_build(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages(
        "  make:\n    run: echo artifact > $PIPEWRIGHT_ARTIFACTS/out.txt\n"
        "  use:\n    run: grep artifact $PIPEWRIGHT_ARTIFACTS/out.txt\n    needs: [make]\n")})
    r = pw(project, "run", "make")
    assert r.code == 0
    n = r.build()["number"]
    r2 = pw(project, "run", "--build", str(n), "--only", "use")
    assert r2.code == 0, r2
    b = r2.build(n)
    ids = [s["id"] for s in b["stages"]]
    assert "make" in ids and "use" in ids
    assert b["status"] == "SUCCESS"
    # No new build folder was made.
    assert sorted(d.name for d in (project / ".pipewright/builds").iterdir() if d.name.isdigit()) == [str(n)]


def test_checkout_fails_outside_git_unless_in_place(tmp_path, pw):
    project = tmp_path / "plain"
    project.mkdir()
    (project / "pipewright.yaml").write_text(yaml_stages("  a:\n    run: test -f pipewright.yaml\n"))
    r = pw(project, "run")
    assert r.code == 1
    assert "not in a git repository" in r.stage("checkout")["summary"]
    r = pw(project, "run", "--in-place")
    assert r.code == 0, r


def test_checkout_uses_committed_state_only(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages("  a:\n    run: cat file.txt\n"), "file.txt": "committed\n"})
    (project / "file.txt").write_text("uncommitted\n")
    r = pw(project, "run", "--verbose")
    assert r.code == 0
    assert "committed" in r.out and "uncommitted" not in r.log("a").decode()


def test_checkout_any_url_and_ref(repo, pw, tmp_path, env):
    upstream = repo({"README": "v1\n"})
    subprocess.run(["git", "tag", "v1"], cwd=upstream, env=env, check=True)
    (upstream / "README").write_text("v2\n")
    subprocess.run(["git", "commit", "-qam", "v2"], cwd=upstream, env=env, check=True)
    project = repo({"pipewright.yaml": yaml_stages("  show:\n    run: grep v1 README\n")})
    r = pw(project, "run", "--repo", f"file://{upstream}", "--ref", "v1")
    assert r.code == 0, r
    assert "from file://" in r.stage("checkout")["summary"]


def test_checkout_brings_submodules_from_the_projects_own_copy(repo, pw, env, tmp_path):
    """A submodule comes from the project's checkout of it (so offline, once its upstream is
    gone); one that cannot be had is a warning by default and a failure when asked for."""
    upstream = repo({"data.txt": "from the submodule\n"})
    project = repo({"pipewright.yaml": yaml_stages("  show:\n    run: cat vendor/sub/data.txt\n")})
    def git(*args):
        subprocess.run(["git", "-c", "protocol.file.allow=always", *args], cwd=project, env=env,
                       check=True, capture_output=True)
    git("submodule", "add", "-q", str(upstream), "vendor/sub")
    git("commit", "-qm", "a submodule")
    upstream.rename(tmp_path / "upstream-gone")
    r = pw(project, "run")
    assert r.code == 0, r
    assert r.stage("checkout")["summary"].endswith(", 1 submodule(s)"), r.stage("checkout")
    assert b"from the submodule" in r.log("show")

    # A second submodule with neither a local copy nor a reachable URL.
    sha = r.stage("checkout")["data"]["commit"]
    git("update-index", "--add", "--cacheinfo", f"160000,{sha},vendor/gone")
    git("config", "-f", ".gitmodules", "submodule.gone.path", "vendor/gone")
    git("config", "-f", ".gitmodules", "submodule.gone.url", str(tmp_path / "nowhere"))
    git("add", ".gitmodules")
    git("commit", "-qm", "an unreachable submodule")
    r = pw(project, "run")
    assert r.code == 0, r
    assert "submodules not checked out: git submodule update failed for vendor/gone" in r.out, r
    assert b"from the submodule" in r.log("show")
    assert r.stage("checkout")["status"] == "SUCCESS"

    (project / "pipewright.yaml").write_text(
        yaml_stages("  checkout:\n    submodules: recursive\n  show:\n    run: 'true'\n"))
    git("commit", "-qam", "submodules required")
    r = pw(project, "run")
    assert r.code == 1, r
    assert r.stage("checkout")["status"] == "FAILURE"
    assert "git submodule update" in r.stage("checkout")["summary"], r.stage("checkout")

    (project / "pipewright.yaml").write_text(
        yaml_stages("  checkout:\n    submodules: none\n  show:\n    run: test ! -e vendor/sub/data.txt\n"))
    git("commit", "-qam", "no submodules")
    r = pw(project, "run")
    assert r.code == 0, r
    assert "submodule" not in r.stage("checkout")["summary"]


def test_build_records_its_trigger_and_history_shows_it(repo, pw, env):
    """build.json says what started the build (Jenkins' "Started by"); a later run of one stage
    in the same build folder (as the exported CI jobs do) keeps it."""
    for var in ("GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "CI"):
        env.pop(var, None)
    env["USER"] = "carol"
    project = repo({"pipewright.yaml": yaml_stages("  a:\n    run: 'true'\n")})
    r = pw(project, "run")
    assert r.code == 0, r
    assert r.build()["trigger"] == "user carol"
    r = pw(project, "run", "a", "--only", "--build", "1",
           extra_env={"JENKINS_URL": "http://ci.invalid/", "JOB_NAME": "app", "BUILD_NUMBER": "1"})
    assert r.code == 0, r
    assert r.build(1)["trigger"] == "user carol"
    r = pw(project, "run", extra_env={"JENKINS_URL": "http://ci.invalid/", "JOB_NAME": "app",
                                      "BUILD_NUMBER": "2"})
    assert r.build()["trigger"] == "Jenkins app #2"
    r = pw(project, "show", "2")
    assert r.code == 0, r
    assert "started by Jenkins app #2" in r.out, r.out


def test_plan_shows_stages_and_plan_yaml_reproduces(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages(
        "  docs:\n    run: make docs\n    blocking: false\n    timeout: 5m\n"
        "  post:\n    always: echo bye\n")})
    r = pw(project, "plan")
    assert r.code == 0
    assert "docs" in r.out and "checkout" in r.out and "5m" in r.out
    y = pw(project, "plan", "--yaml")
    assert y.code == 0
    (project / "pipewright.yaml").write_text(y.out)
    y2 = pw(project, "plan", "--yaml")
    assert y2.out.split("\n", 1)[1] == y.out.split("\n", 1)[1]


def test_help_and_version_document_exit_codes(repo, pw, tmp_path):
    r = pw(tmp_path, "--help")
    assert r.code == 0 and "130" in r.out and "UNSTABLE" in r.out
    assert pw(tmp_path, "help", "run").code == 0
    v = pw(tmp_path, "--version")
    assert v.code == 0 and v.out.startswith("pipewright ")
    assert pw(tmp_path, "run", "--no-such-flag").code == 2


def test_live_view_on_a_terminal(repo, env):
    project = repo({"pipewright.yaml": yaml_stages("  a:\n    run: sleep 0.5\n")})
    e = dict(env)
    e.pop("CI")
    e["TERM"] = "xterm"
    out = subprocess.run(["script", "-qec", f"{BINARY} run", "/dev/null"], cwd=project, env=e,
                         capture_output=True, timeout=60).stdout.decode("utf-8", "replace")
    assert "\x1b[" in out, "no escape codes: the live view did not run"
    assert "Build #1" in out and "SUCCESS" in out
    plain = subprocess.run([str(BINARY), "run"], cwd=project, env=env, capture_output=True,
                           timeout=60).stdout.decode()
    assert "\x1b[" not in plain
    assert "[a] SUCCESS" in plain


# Text that is not UTF-8 is data: a build whose commands, output or branch carry Latin-1 bytes
# ends with a reason, its build.json is valid JSON, and post ran.

def commit_bytes(project, env, name: str, data: bytes):
    (project / name).write_bytes(data)
    subprocess.run(["git", "add", "-A"], cwd=project, env=env, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "bytes"], cwd=project, env=env, check=True,
                   capture_output=True)


def assert_complete_with_post(r):
    builds = r.project / ".pipewright" / "builds"
    n = int(os.readlink(builds / "latest"))
    text = (builds / str(n) / "build.json").read_bytes()
    record = json.loads(text.decode("utf-8"))  # strict: the file is UTF-8 JSON
    assert record["status"] != "RUNNING", record
    post = [s for s in record["stages"] if s["id"] == "post"]
    assert post and post[0]["status"] not in ("RUNNING", "NOT_BUILT"), record["stages"]
    assert "terminate called" not in r.text and r.code != 134, r
    return record


def test_latin1_bytes_in_a_command_and_its_output(repo, pw, env):
    project = repo({"pipewright.yaml": "x"})
    commit_bytes(project, env, "pipewright.yaml", yaml_stages(
        "  accent:\n    run: \"printf 'r\\351sum\\351\\\\n'; echo caf\xe9; exit 3\"\n").encode("latin-1"))
    r = pw(project, "run")
    assert r.code in (1, 2), r
    if r.code == 2:  # the configuration's reader refused the file: said so with its name
        assert "pipewright.yaml" in r.text, r
        return
    record = assert_complete_with_post(r)
    accent = [s for s in record["stages"] if s["id"] == "accent"][0]
    assert accent["status"] == "FAILURE" and "exit code 3" in accent["summary"], accent
    assert record["reason"].startswith("stage 'accent' FAILURE"), record


def test_latin1_output_of_a_passing_stage(repo, pw):
    project = repo({"pipewright.yaml": yaml_stages(
        "  accent:\n    run: printf 'r\\351sum\\351\\n'; exit 1\n")})
    r = pw(project, "run")
    assert r.code == 1, r
    record = assert_complete_with_post(r)
    assert "exit code 1" in [s for s in record["stages"] if s["id"] == "accent"][0]["summary"]
    assert record["reason"], record


def test_latin1_branch_name(repo, pw, env):
    project = repo({"pipewright.yaml": yaml_stages(
        "  show:\n    run: echo on branch\n"
        "  gated:\n    run: 'true'\n    when: {branch: 'release/*'}\n")})
    subprocess.run([b"git", b"checkout", b"-qb", b"caf\xe9"], cwd=project, env=env, check=True)
    r = pw(project, "run")
    assert r.code == 0, r
    record = assert_complete_with_post(r)
    assert record["status"] == "SUCCESS"
    gated = [s for s in record["stages"] if s["id"] == "gated"][0]
    assert gated["status"] == "SKIPPED" and "caf\ufffd" in gated["summary"], gated


def test_latin1_requirements_file_is_read_as_pip_reads_it(repo, pw, env):
    stages = "".join(f"  {s}:\n    enabled: false\n" for s in PYTHON_STAGES if s != "lock-check")
    project = repo({"pipewright.yaml": "stages:\n" + stages})
    commit_bytes(project, env, "requirements-dev.txt", b"pytest==8.0.0\nr\xe9quests>=2\n")
    # In a UTF-8 locale pip refuses the file: a FAILURE at its line, not a crash.
    r = pw(project, "run", extra_env={"LC_ALL": "C.UTF-8"})
    assert r.code == 1, r
    record = assert_complete_with_post(r)
    lc = [s for s in record["stages"] if s["id"] == "lock-check"][0]
    assert lc["status"] == "FAILURE", lc
    assert "requirements-dev.txt:2:2: byte 0xE9 is not UTF-8" in lc["summary"], lc
    assert "pip would refuse it" in lc["summary"]
    assert record["reason"].startswith("stage 'lock-check' FAILURE"), record
    # A coding comment makes it Latin-1 for pip, and for lock-check: the line is then read,
    # and (not a valid name, nor pinned) reported as pip's parser would see it.
    commit_bytes(project, env, "requirements-dev.txt",
                 b"# -*- coding: latin-1 -*-\npytest==8.0.0\nr\xe9quests>=2\n")
    r = pw(project, "run", extra_env={"LC_ALL": "C.UTF-8"})
    assert r.code == 1, r
    record = assert_complete_with_post(r)
    lc = [s for s in record["stages"] if s["id"] == "lock-check"][0]
    assert "requirements-dev.txt:3" in lc["summary"] and "r\u00e9quests" in lc["summary"], lc


def test_failure_lets_running_stages_finish_and_starts_nothing_new(repo, pw):
    # `bad` fails only once `slow` runs, and `slow` ends only after `bad` failed (marker files),
    # so the order is certain whatever the scheduler starts first.
    stages = ("  bad:\n    run: while [ ! -e slow.started ]; do sleep 0.05; done; touch bad.done; exit 1\n"
              "  slow:\n    run: touch slow.started; while [ ! -e bad.done ]; do sleep 0.05; done; "
              "sleep 0.3; echo 3 passed\n"
              "  later:\n    run: 'true'\n    needs: [slow]\n")
    project = repo({"pipewright.yaml": yaml_stages(stages)})
    r = pw(project, "run", "-j", "2")
    assert r.code == 1, r
    st = {s["id"]: s for s in r.build()["stages"]}
    assert st["bad"]["status"] == "FAILURE"
    assert st["slow"]["status"] == "SUCCESS", st["slow"]  # finished and reported
    assert st["later"]["status"] == "NOT_BUILT"  # nothing new starts after a blocking failure

    # fail_fast: true (pipeline-wide, or on the failing stage) stops the running ones.
    for cfg in ["fail_fast: true\n" + yaml_stages(stages),
                yaml_stages(stages.replace("exit 1\n", "exit 1\n    fail_fast: true\n", 1))]:
        project = repo({"pipewright.yaml": cfg})
        r = pw(project, "run", "-j", "2")
        assert r.code == 1, r
        st = {s["id"]: s for s in r.build()["stages"]}
        assert st["bad"]["status"] == "FAILURE"
        assert st["slow"]["status"] == "ABORTED", st["slow"]
        assert "stopped: 'bad' failed" in st["slow"]["summary"]



def test_a_blocked_stage_is_recorded_running_while_it_runs(repo, env, tmp_path):
    """build.json says RUNNING for a stage while it runs, whatever the timing of the writes before
    it: here its needs end half a second apart, so no earlier write was pending to carry it."""
    project = repo({"pipewright.yaml": yaml_stages(
        "  quick:\n    run: \"true\"\n"
        "  later:\n    run: sleep 0.5\n"
        f"  held:\n    run: while [ ! -f {tmp_path}/release ]; do sleep 0.05; done\n"
        "    needs: [quick, later]\n")})
    run = subprocess.Popen([str(BINARY), "run", "-j", "2"], cwd=project, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        record = project / ".pipewright" / "builds" / "1" / "build.json"
        status = None
        deadline = time.monotonic() + 60
        while status != "RUNNING":
            assert time.monotonic() < deadline, f"held was never recorded RUNNING (last: {status})"
            time.sleep(0.1)
            try:
                stages = {s["id"]: s["status"] for s in json.loads(record.read_text())["stages"]}
            except (OSError, ValueError):
                continue
            status = stages.get("held")
    finally:
        (tmp_path / "release").write_text("go\n")
        assert run.wait(timeout=60) == 0
