"""The dashboard in a real browser: Debian's chromium driven by playwright-core (web/e2e).

A project with several builds (one failing a test, one bringing a new vulnerability, one running)
is served by `pipewright serve`; web/e2e/dashboard.mjs opens the pages, checks what they show and
takes screenshots (kept in the test's tmp folder, printed on failure)."""
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BINARY, ROOT
from dashboard_project import files, set_mode

CHROMIUM = "/usr/bin/chromium"
WEB = ROOT / "web"


def start_serve(project, env):
    proc = subprocess.Popen([str(BINARY), "serve", "--port", "0"], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert "serving" in line, line + proc.stderr.read()
    return proc, line.split(" at ")[1].split()[0]


def test_dashboard_in_chromium(repo, pw, env, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (scripts/install-deps.sh installs it)")
    if not (WEB / "node_modules" / "playwright-core").exists():
        pytest.skip("web/node_modules has no playwright-core: `make` installs it (npm ci in web/)")
    project = repo(files())
    set_mode(project)
    assert pw(project, "run").code == 0
    set_mode(project, "fail")
    assert pw(project, "run").code == 3  # the tests stage is non-blocking: UNSTABLE
    set_mode(project, "fail", "vuln")
    assert pw(project, "run").code == 3
    set_mode(project, "fail", "vuln", "hold")
    running = subprocess.Popen([str(BINARY), "run"], cwd=project, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    serve, url = None, None
    try:
        deadline = time.monotonic() + 30
        log = project / ".pipewright" / "builds" / "4" / "logs" / "slow.log"
        while not (log.exists() and b"step 2" in log.read_bytes()):
            assert time.monotonic() < deadline, "the held build did not reach its slow stage"
            time.sleep(0.1)
        serve, url = start_serve(project, env)
        shots = tmp_path / "screenshots"
        shots.mkdir()
        e = dict(env, PW_URL=url, PW_SHOTS=str(shots), PW_BUILDS="4", PW_FAILING_BUILD="3",
                 PW_FIRST_FAILED="2", PW_RUNNING_BUILD="4", PW_RELEASE_FILE=str(project / "release"))
        r = subprocess.run(["node", str(WEB / "e2e" / "dashboard.mjs")], env=e, capture_output=True,
                           text=True, timeout=600)
        print(r.stdout, r.stderr, f"screenshots in {shots}")
        assert r.returncode == 0, r.stdout + r.stderr
        assert running.wait(timeout=30) == 3
        # The build that ended while served is in the index (the run added it).
        out = pw(project, "history", "--json").out
        assert '"number":4' in out and '"RUNNING"' not in out
        keep = os.environ.get("PW_KEEP_SCREENSHOTS")
        if keep:
            shutil.copytree(shots, keep, dirs_exist_ok=True)
    finally:
        (project / "release").write_text("go\n")
        if running.poll() is None:
            running.wait(timeout=30)
        if serve:
            serve.terminate()
            serve.wait(timeout=10)
