"""Integration tests: the real pipewright binary on temporary git repositories.

Every test gets its own HOME, XDG folders and credentials path, so nothing leaks between tests
or into the user's own cache. Output is plain (CI=1) unless a test asks for a terminal.
"""
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("PIPEWRIGHT_BINARY", ROOT / "build" / "pipewright"))
EXAMPLE = ROOT / "examples" / "python-app"
SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.fixture(autouse=True)
def _binary_exists():
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run `make` first")


@pytest.fixture
def env(tmp_path):
    home = tmp_path / "home"
    (home / ".config" / "pipewright").mkdir(parents=True)
    e = dict(os.environ)
    e.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        PIPEWRIGHT_CREDENTIALS=str(home / ".config" / "pipewright" / "credentials.yaml"),
        CI="1",
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid",
    )
    e.pop("NO_COLOR", None)
    e.pop("FORCE_COLOR", None)
    return e


def git(cwd, *args, env=None):
    subprocess.run(["git", *args], cwd=cwd, check=True, env=env, capture_output=True)


def make_repo(path: Path, files: dict, env: dict, branch="main") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch, env=env)
    for name, content in files.items():
        p = path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
    git(path, "add", "-A", env=env)
    git(path, "commit", "-q", "-m", "initial", env=env)
    return path


@pytest.fixture
def repo(tmp_path, env):
    """A factory: repo({"pipewright.yaml": ...}) -> a committed git repository."""
    counter = [0]

    def factory(files, branch="main"):
        counter[0] += 1
        return make_repo(tmp_path / f"repo{counter[0]}", files, env, branch)

    return factory


class Result:
    def __init__(self, proc, out, err, project):
        self.code = proc.returncode
        self.out = out
        self.err = err
        self.project = project

    @property
    def text(self):
        return self.out + self.err

    def build(self, n=None):
        builds = self.project / ".pipewright" / "builds"
        if n is None:
            n = int(os.readlink(builds / "latest"))
        return json.loads((builds / str(n) / "build.json").read_text())

    def stage(self, stage_id, n=None):
        for s in self.build(n)["stages"]:
            if s["id"] == stage_id:
                return s
        raise KeyError(stage_id)

    def log(self, stage_id, n=None):
        builds = self.project / ".pipewright" / "builds"
        if n is None:
            n = int(os.readlink(builds / "latest"))
        return (builds / str(n) / "logs" / f"{stage_id}.log").read_bytes()

    def __repr__(self):
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


@pytest.fixture
def pw(env):
    """Runs the binary: pw(project, "run", ...) -> Result."""

    def run(project, *args, timeout=120, extra_env=None, stdin=subprocess.DEVNULL):
        # stdin is never the terminal pytest may run in: pipewright asks there (input steps).
        e = dict(env)
        if extra_env:
            e.update(extra_env)
        proc = subprocess.run(
            [str(BINARY), *args], cwd=project, env=e, capture_output=True, timeout=timeout,
            stdin=stdin,
        )
        return Result(proc, proc.stdout.decode("utf-8", "replace"),
                      proc.stderr.decode("utf-8", "replace"), Path(project))

    return run


def processes_matching(marker: str):
    """Pids of live processes whose command line contains marker."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            stat = (d / "stat").read_text()
        except OSError:
            continue
        if marker in cmd and ") Z " not in stat:
            out.append(int(d.name))
    return out
