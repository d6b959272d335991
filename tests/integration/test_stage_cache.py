"""The stage result cache: unchanged stages come from an earlier build, and only those. Counts
of real executions (a file each run appends to) say what ran, not timings."""
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BINARY, EXAMPLE, SYSTEM_PYTHON, git, make_repo


def pipeline(stages: str) -> str:
    """Only the given stages (and checkout, post): the Python stages are disabled."""
    from test_engine import yaml_stages
    return yaml_stages(stages)


# A run: stage that counts its executions outside the build and leaves a report.
COUNTED = (
    "  counted:\n"
    "    run: |\n"
    "      echo run >> \"$HOME/counted.runs\"\n"
    "      mkdir -p \"$PIPEWRIGHT_REPORTS\"\n"
    "      cat src/*.txt > \"$PIPEWRIGHT_REPORTS/counted.txt\"\n"
    "      echo \"mode=$MODE\" >> \"$PIPEWRIGHT_REPORTS/counted.txt\"\n"
    "    cache:\n"
    "      inputs: [\"src/**\"]\n"
    "      env: [MODE]\n"
)


def runs(env) -> int:
    p = Path(env["HOME"]) / "counted.runs"
    return len(p.read_text().splitlines()) if p.exists() else 0


def commit(project, env, files, message="change"):
    for name, content in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(content)
    git(project, "add", "-A", env=env)
    git(project, "commit", "-q", "-m", message, env=env)


def test_declared_run_stage_is_restored_until_an_input_changes(repo, pw, env):
    project = repo({"pipewright.yaml": pipeline(COUNTED), "src/a.txt": "one\n", "other.txt": "x\n"})
    r1 = pw(project, "run", extra_env={"MODE": "fast"})
    assert r1.code == 0, r1
    assert runs(env) == 1
    assert r1.stage("counted")["cache"]["stored"] is True

    r2 = pw(project, "run", extra_env={"MODE": "fast"})
    assert r2.code == 0, r2
    assert runs(env) == 1, "an unchanged stage ran again"
    s = r2.stage("counted")
    assert s["status"] == "SUCCESS"
    assert s["cache"]["from_build"] == 1
    assert "cached from build #1" in s["summary"]
    assert "cached from build #1" in r2.out
    # Its report is restored, byte for byte what a run makes.
    b1 = project / ".pipewright/builds/1/reports/counted.txt"
    b2 = project / ".pipewright/builds/2/reports/counted.txt"
    assert b2.read_bytes() == b1.read_bytes()
    assert b"restored from the stage cache" in r2.log("counted")

    # A file outside its inputs changes nothing.
    commit(project, env, {"other.txt": "y\n"})
    assert pw(project, "run", extra_env={"MODE": "fast"}).code == 0
    assert runs(env) == 1

    # An input changes: it runs.
    commit(project, env, {"src/a.txt": "two\n"})
    r4 = pw(project, "run", extra_env={"MODE": "fast"})
    assert r4.code == 0 and runs(env) == 2
    assert (project / ".pipewright/builds/4/reports/counted.txt").read_text().startswith("two")

    # A declared variable changes: it runs.
    assert pw(project, "run", extra_env={"MODE": "slow"}).code == 0
    assert runs(env) == 3

    # --no-cache: it runs whatever the cache holds.
    assert pw(project, "run", "--no-cache", extra_env={"MODE": "slow"}).code == 0
    assert runs(env) == 4


def test_undeclared_run_stage_and_cache_false_always_run(repo, pw, env):
    project = repo({"pipewright.yaml": pipeline(
        "  plain:\n    run: echo run >> \"$HOME/counted.runs\"\n"
        "  off:\n    run: echo run >> \"$HOME/counted.runs\"\n"
        "    cache: {enabled: false, inputs: [\"**\"]}\n")})
    for _ in range(2):
        assert pw(project, "run").code == 0
    assert runs(env) == 4


def test_a_failure_is_never_reused(repo, pw, env):
    stage = COUNTED.replace("echo run >> \"$HOME/counted.runs\"\n",
                            "echo run >> \"$HOME/counted.runs\"; exit 1\n")
    project = repo({"pipewright.yaml": pipeline(stage), "src/a.txt": "one\n"})
    assert pw(project, "run").code == 1
    assert pw(project, "run").code == 1
    assert runs(env) == 2


def test_unstable_is_reused_but_not_once_the_stage_is_blocking(repo, pw, env):
    stage = COUNTED.replace("echo run >> \"$HOME/counted.runs\"\n",
                            "echo run >> \"$HOME/counted.runs\"; test -n \"$PASS\"\n")
    project = repo({"pipewright.yaml": pipeline(stage + "    blocking: false\n"), "src/a.txt": "one\n"})
    assert pw(project, "run").code == 3
    r = pw(project, "run")
    assert r.code == 3 and runs(env) == 1, r
    assert r.stage("counted")["status"] == "UNSTABLE"
    commit(project, env, {"pipewright.yaml": pipeline(stage)})
    assert pw(project, "run").code == 1
    assert runs(env) == 2


def test_a_stage_after_one_that_ran_again_sees_its_new_result(repo, pw, env):
    """A stage's result, not its key, is what the stages after it see: `first` runs again under
    its old key (its entry is gone) and ends otherwise (UNSTABLE, through a variable its key does
    not cover), so `second` must not come from the cache."""
    first = ("  first:\n    run: test -z \"$FLAKY\"\n    blocking: false\n"
             "    cache:\n      inputs: [\"src/**\"]\n")
    second = ("  second:\n    needs: [first]\n    run: echo run >> \"$HOME/second.runs\"\n"
              "    cache:\n      inputs: [\"src/**\"]\n")
    project = repo({"pipewright.yaml": pipeline(first + second), "src/a.txt": "one\n"})
    r = pw(project, "run")
    assert r.code == 0, r
    key = r.stage("first")["cache"]["key"]
    cache = Path(env["XDG_CACHE_HOME"]) / "pipewright" / "stages"
    gone = [m for m in (cache / "entries").rglob("*.json") if m.stem == key]
    assert len(gone) == 1, gone
    gone[0].unlink()
    r = pw(project, "run", extra_env={"FLAKY": "1"})
    assert r.code == 3, r
    assert r.stage("first")["status"] == "UNSTABLE" and r.stage("first")["cache"]["key"] == key
    assert "from_build" not in r.stage("second")["cache"], r.stage("second")
    assert (Path(env["HOME"]) / "second.runs").read_text().count("run") == 2
    r = pw(project, "run", extra_env={"FLAKY": "1"})  # both now come from the cache
    assert r.stage("first")["cache"]["from_build"] == 2 and r.stage("second")["cache"]["from_build"] == 2


def test_damaged_entries_are_ignored_with_a_warning(repo, pw, env):
    project = repo({"pipewright.yaml": pipeline(COUNTED), "src/a.txt": "one\n"})
    assert pw(project, "run").code == 0
    cache = Path(env["XDG_CACHE_HOME"]) / "pipewright" / "stages"
    manifests = list((cache / "entries").rglob("*.json"))
    assert len(manifests) == 1
    # Truncated manifest.
    text = manifests[0].read_bytes()
    manifests[0].write_bytes(text[: len(text) // 2])
    r = pw(project, "run")
    assert r.code == 0, r
    assert "damaged" in r.text and runs(env) == 2
    # A wrong object: the report is not what its hash says.
    for obj in (cache / "objects").rglob("*"):
        if obj.is_file() and obj.read_bytes().startswith(b"one"):
            obj.write_bytes(b"tampered\n")
    r = pw(project, "run")
    assert r.code == 0, r
    assert runs(env) == 3, "a tampered object was restored"
    report = project / ".pipewright/builds/3/reports/counted.txt"
    assert report.read_text().startswith("one")


def test_in_place_hashes_the_working_tree_not_head(repo, pw, env):
    project = repo({"pipewright.yaml": pipeline(COUNTED), "src/a.txt": "one\n"})
    assert pw(project, "run", "--in-place").code == 0
    assert pw(project, "run", "--in-place").code == 0
    assert runs(env) == 1
    (project / "src/a.txt").write_text("uncommitted\n")  # changed, not committed
    assert pw(project, "run", "--in-place").code == 0
    assert runs(env) == 2
    (project / "src/new.txt").write_text("untracked\n")  # a new file the glob matches
    assert pw(project, "run", "--in-place").code == 0
    assert runs(env) == 3


def test_ci_jobs_run_without_the_cache_unless_asked(repo, pw, env):
    project = repo({"pipewright.yaml": pipeline(COUNTED), "src/a.txt": "one\n"})
    assert pw(project, "run").code == 0
    # A CI job re-runs one stage inside an existing build folder, as the exported pipelines do.
    r = pw(project, "run", "--build", "1", "--only", "counted")
    assert r.code == 0 and runs(env) == 2, r
    r = pw(project, "run", "--build", "1", "--only", "counted", "--cache")
    assert r.code == 0 and runs(env) == 2, r


def test_cache_ls_and_prune_show_and_remove_stage_results(repo, pw, env):
    project = repo({"pipewright.yaml": pipeline(COUNTED), "src/a.txt": "one\n"})
    assert pw(project, "run").code == 0
    ls = pw(project, "cache", "ls")
    assert ls.code == 0 and "counted of" in ls.out and "1 stage result(s)" in ls.out, ls
    pr = pw(project, "cache", "prune", "--all")
    assert pr.code == 0 and "1 stage result(s) removed" in pr.out, pr
    assert "(none)" in pw(project, "cache", "ls").out
    assert pw(project, "run").code == 0
    assert runs(env) == 2


def test_a_killed_run_leaves_the_cache_usable(repo, pw, env):
    slow = COUNTED.replace("    cache:\n", "      sleep 30\n    cache:\n")
    project = repo({"pipewright.yaml": pipeline(COUNTED), "src/a.txt": "one\n"})
    assert pw(project, "run").code == 0
    commit(project, env, {"pipewright.yaml": pipeline(slow)})
    proc = subprocess.Popen([str(BINARY), "run"], cwd=project, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while runs(env) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    commit(project, env, {"pipewright.yaml": pipeline(COUNTED)})
    r = pw(project, "run")
    assert r.code == 0, r
    assert runs(env) == 2, "the first build's entry should still serve"
    assert r.stage("counted")["cache"]["from_build"] == 1


# --- the example project's built-in stages -------------------------------------------------

needs_tools = pytest.mark.skipif(
    subprocess.run([SYSTEM_PYTHON, "-c", "import pytest, pytest_cov, black, mypy, bandit, flake8"],
                   capture_output=True).returncode != 0,
    reason="Debian's Python tools are missing: run scripts/install-deps.sh")

CACHEABLE = ["lock-check", "tests", "lint", "format-black", "typecheck", "security-lint",
             "quality", "dependency-scan", "analysis", "quality-gate", "package"]


def example_copy(dest: Path, env) -> Path:
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(
        ".pipewright", ".venv", "__pycache__", "*.egg-info", "build", "dist"))
    # The image stages and the deployment are not what this test is about.
    y = dest / "pipewright.yaml"
    y.write_text(y.read_text().replace("  image-build:\n", "  image-build:\n    enabled: false\n"))
    return make_repo(dest, {}, env)


@needs_tools
def test_example_second_run_restores_every_cacheable_stage(tmp_path, pw, env):
    project = example_copy(tmp_path / "python-app", env)
    assert pw(project, "db", "import", str(EXAMPLE / "advisories")).code == 0
    r1 = pw(project, "run", timeout=600)
    assert r1.code == 0, r1
    r2 = pw(project, "run", timeout=600)
    assert r2.code == 0, r2
    first = {s["id"]: s for s in r1.build()["stages"]}
    second = {s["id"]: s for s in r2.build()["stages"]}
    for sid in CACHEABLE:
        if first[sid]["status"] in ("SUCCESS", "UNSTABLE"):
            assert second[sid].get("cache", {}).get("from_build") == 1, (sid, second[sid])
            assert second[sid]["status"] == first[sid]["status"]
    for sid in ["checkout", "setup-python", "post"]:
        assert "from_build" not in second[sid].get("cache", {}), sid
    # The reports are what the first build wrote, with this build's paths.
    b1 = project / ".pipewright/builds/1"
    b2 = project / ".pipewright/builds/2"
    for rel in ["reports/report.xml", "reports/coverage.xml", "reports/quality.sarif",
                "reports/analysis.json", "reports/quality-gate.json", "reports/sbom.cdx.json"]:
        a = (b1 / rel).read_text().replace(str(b1), "@")
        b = (b2 / rel).read_text().replace(str(b2), "@")
        assert a == b, rel
    # A restored stage brings back every file it wrote: the two builds hold the same reports.
    def report_files(b: Path) -> list:
        return sorted(str(p.relative_to(b)) for d in ("reports", "artifacts") for p in (b / d).rglob("*"))
    assert report_files(b2) == report_files(b1)
    wheels = [p.name for p in (b2 / "workspace/dist").iterdir()]
    assert any(w.endswith(".whl") for w in wheels)
    # The archived dist/ of post is there, as in the first build.
    assert (b2 / "artifacts/SHA256SUMS").read_text().count(".whl") == 1

    # One test file changes: what reads it runs again, nothing else.
    test_file = next((project / "tests").glob("test_*.py"))
    test_file.write_text(test_file.read_text() + "\n\ndef test_added() -> None:\n    assert True\n")
    git(project, "commit", "-qam", "a test more", env=env)
    r3 = pw(project, "run", timeout=600)
    assert r3.code == 0, r3
    third = {s["id"]: s for s in r3.build()["stages"]}
    reran = {sid for sid in CACHEABLE if "from_build" not in third[sid].get("cache", {})}
    assert reran >= {"tests", "lint", "format-black", "analysis", "quality-gate", "quality"}, reran
    assert not reran & {"lock-check", "typecheck", "security-lint", "dependency-scan"}, reran
    assert third["tests"]["data"]["tests"]["passed"] == first["tests"]["data"]["tests"]["passed"] + 1

    # The advisory database changes and a distribution appears in the environment: the scan and
    # the stages whose tools come from the environment run again; lock-check does not.
    advisory = tmp_path / "extra-advisory.json"
    advisory.write_text(json.dumps({
        "schema_version": "1.6.0", "id": "PYSEC-0000-TEST", "modified": "2024-01-01T00:00:00Z",
        "summary": "test advisory", "affected": [{"package": {"ecosystem": "PyPI", "name": "zzz-none"},
                                                   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}))
    assert pw(project, "db", "import", str(advisory)).code == 0
    env_dir = Path(third["setup-python"]["data"]["cache_dir"])
    site = next(env_dir.glob("lib/python3*/site-packages"))
    (site / "zzz_tool-1.0.dist-info").mkdir()
    (site / "zzz_tool-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: zzz-tool\nVersion: 1.0\n")
    r4 = pw(project, "run", timeout=600)
    assert r4.code == 0, r4
    fourth = {s["id"]: s for s in r4.build()["stages"]}
    assert "from_build" not in fourth["dependency-scan"].get("cache", {})
    assert "from_build" not in fourth["tests"].get("cache", {})
    assert fourth["lock-check"]["cache"]["from_build"] == 1
