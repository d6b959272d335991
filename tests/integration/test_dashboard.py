"""History and dashboard from the command line and over HTTP: the real binary, builds of a small
`run:`-stage project (dashboard_project.py), `pipewright serve` on a loopback port."""
import json
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import BINARY
from dashboard_project import files, set_mode


@pytest.fixture
def project(repo, pw):
    p = repo(files())
    set_mode(p)
    assert pw(p, "run").code == 0
    set_mode(p, "fail")
    assert pw(p, "run").code == 3
    set_mode(p, "fail", "vuln")
    assert pw(p, "run").code == 3
    return p


def start_serve(project, env, *args):
    proc = subprocess.Popen([str(BINARY), "serve", *args], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert "serving" in line, line + proc.stderr.read()
    return proc, line.split(" at ")[1].split()[0]


def get(url, path):
    with urllib.request.urlopen(url.rstrip("/") + path, timeout=10) as r:
        return r.status, r.headers.get("Content-Type"), r.read()


def test_history_show_tests_and_log_on_the_command_line(project, pw):
    r = pw(project, "history")
    assert r.code == 0, r
    lines = r.out.splitlines()
    assert lines[1].split()[:2] == ["3", "UNSTABLE"] and lines[1].endswith("1 vuln")
    assert lines[3].split()[:2] == ["1", "SUCCESS"] and "90.0%" in lines[3]
    r = pw(project, "show", "3")
    assert "FAILED tests/test_calc.py::test_sub  (failing since #2, first failed #2" in r.out, r
    assert "tests/test_calc.py:14  assert 1 == 2" in r.out
    assert "initial" in r.out  # the commit's subject
    shown = json.loads(pw(project, "show", "2", "--json").out)
    assert shown["number"] == 2 and shown["test_cases"][0]["outcome"] == "failed"
    r = pw(project, "tests", "--failing")
    assert "tests/test_calc.py::test_sub" in r.out and "failing since #2" in r.out
    assert "test_sub" in pw(project, "tests", "--flaky").out  # passed then failed on one commit
    assert pw(project, "tests", "--slowest").out.count("ms avg") == 6
    r = pw(project, "log", "3", "unit")
    assert "FAILED tests/test_calc.py::test_sub" in r.out
    r = pw(project, "log", "3", "unitt")
    assert r.code == 2 and "did you mean 'unit'" in r.err


def test_the_index_is_rebuilt_and_damaged_builds_are_skipped(project, pw):
    db = project / ".pipewright" / "history.db"
    assert db.exists()
    db.unlink()
    (project / ".pipewright" / "builds" / "2" / "build.json").write_text('{"number": 2, "sta')
    r = pw(project, "history", "--rebuild")
    assert r.code == 0, r
    assert "skipped builds/2: " in r.err and "damaged" in r.err
    assert "2 build(s) indexed, 1 skipped" in r.err
    assert [l.split()[0] for l in r.out.splitlines()[1:]] == ["3", "1"]


def test_a_newer_history_database_is_refused(project, pw):
    db = project / ".pipewright" / "history.db"
    subprocess.run(["/usr/bin/python3", "-c",
                    f"import sqlite3; c = sqlite3.connect('{db}'); c.execute('PRAGMA user_version = 50'); c.commit()"],
                   check=True)
    before = db.read_bytes()
    r = pw(project, "history")
    assert r.code != 0 and "newer than this pipewright" in r.err, r
    assert db.read_bytes() == before


def test_report_html_is_one_page_that_needs_no_server(project, pw, tmp_path):
    out = tmp_path / "report.html"
    r = pw(project, "report", "--build", "3", "--html", str(out))
    assert r.code == 0, r
    html = out.read_text()
    assert "window.PW_STATIC=" in html and "/assets/" not in html
    assert "tests/test_calc.py::test_sub" in html and "GHSA-j8r2-6x86-q33q" in html
    assert "http://" not in html.split("window.PW_STATIC=")[0]


def test_serve_answers_the_api_and_refuses_what_is_outside(project, env):
    proc, url = start_serve(project, env, "--port", "0")
    try:
        assert url.startswith("http://127.0.0.1:")
        status, ctype, body = get(url, "/")
        assert status == 200 and "text/html" in ctype and b"/assets/app.js" in body
        status, ctype, body = get(url, "/assets/app.js")
        assert status == 200 and len(body) > 10000
        builds = json.loads(get(url, "/api/builds")[2])
        assert [b["number"] for b in builds["builds"]] == [3, 2, 1]
        assert builds["builds"][0]["tests"] == {"total": 6, "passed": 4, "failed": 1, "errors": 0, "skipped": 1}
        tests = json.loads(get(url, "/api/builds/3/tests")[2])
        assert tests[0]["history"]["first_failed"] == 2
        log = json.loads(get(url, "/api/builds/3/log/unit")[2])
        assert "FAILED" in log["text"]
        status, _, body = get(url, "/api/builds/3/artifacts/dist/calc-1.0.tar.gz")
        assert status == 200 and body.startswith(b"not really a tarball")
        for bad in ["/api/builds/3/artifacts/%2e%2e/build.json", "/api/builds/3/artifacts/..%2fbuild.json",
                    "/api/builds/3/log/..%2f..%2fbuild.json", "/api/builds/3/events?stage=../../build"]:
            with pytest.raises(urllib.error.HTTPError) as e:
                get(url, bad)
            assert e.value.code in (400, 404), bad
        hist = json.loads(get(url, "/api/tests/history?name=tests/test_calc.py::test_sub")[2])
        assert [r["outcome"] for r in hist["runs"]] == ["failed", "failed", "passed"]
        # Read-only: nothing but GET.
        req = urllib.request.Request(url + "api/builds", method="POST", data=b"{}")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(req, timeout=5)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_says_when_the_port_is_taken_and_warns_beyond_loopback(project, env):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    port = s.getsockname()[1]
    try:
        r = subprocess.run([str(BINARY), "serve", "--port", str(port)], cwd=project, env=env,
                           capture_output=True, text=True, timeout=10)
        assert r.returncode != 0
        assert f"127.0.0.1:{port}: the port is in use" in r.stderr
    finally:
        s.close()
    proc = subprocess.Popen([str(BINARY), "serve", "--host", "0.0.0.0", "--port", "0"], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "serving" in proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert "beyond this machine's loopback" in proc.stderr.read()


def test_serve_restarts_at_once_on_the_port_it_left(project, env):
    """A connection the server closes (here `Connection: close`; an idle keep-alive one after
    5 s) stays in TIME_WAIT on the server's port for about a minute. Started again on that port
    the server must listen, not call the port taken; a second server is still refused while the
    first listens."""
    proc, url = start_serve(project, env, "--port", "0")
    port = int(url.rsplit(":", 1)[1].strip("/"))
    try:
        for _ in range(3):
            c = socket.create_connection(("127.0.0.1", port), timeout=10)
            c.sendall(b"GET /api/builds HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := c.recv(65536):  # until the server closes: its side goes TIME_WAIT
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200")
            c.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    again, url2 = start_serve(project, env, "--port", str(port))
    try:
        assert url2 == url
        assert json.loads(get(url2, "/api/builds")[2])["total"] == 3
        r = subprocess.run([str(BINARY), "serve", "--port", str(port)], cwd=project, env=env,
                           capture_output=True, text=True, timeout=10)
        assert r.returncode != 0 and "the port is in use" in r.stderr, r.stderr
    finally:
        again.terminate()
        again.wait(timeout=10)


def test_events_stream_a_running_build_until_it_ends(repo, pw, env):
    project = repo(files())
    set_mode(project, "hold")
    run = subprocess.Popen([str(BINARY), "run"], cwd=project, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc = None
    try:
        log = project / ".pipewright" / "builds" / "1" / "logs" / "slow.log"
        deadline = time.monotonic() + 30
        while not (log.exists() and b"step 2" in log.read_bytes()):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        follow = subprocess.Popen([str(BINARY), "log", "1", "slow", "--follow"], cwd=project, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        proc, url = start_serve(project, env, "--port", "0")
        running = json.loads(get(url, "/api/builds")[2])["builds"][0]
        assert running["running"] and running["status"] == "RUNNING"
        events = []

        def read():
            with urllib.request.urlopen(url + "api/builds/1/events?stage=slow", timeout=60) as r:
                for raw in r:
                    events.append(raw.decode())

        t = threading.Thread(target=read)
        t.start()
        time.sleep(1)
        (project / "release").write_text("go\n")
        t.join(timeout=60)
        text = "".join(events)
        assert "event: build" in text and "event: log" in text and "event: end" in text
        assert "done" in text and "step 0" in text
        assert text.index('"status":"RUNNING"') < text.rindex("event: end")
        # `log --follow` printed the lines written after it started, and stopped with the stage.
        out, err = follow.communicate(timeout=30)
        assert follow.returncode == 0 and "step 2" in out and "done" in out, (out, err)
    finally:
        (project / "release").write_text("go\n")
        run.wait(timeout=30)
        if proc:
            proc.terminate()
            proc.wait(timeout=10)


def test_a_100mb_log_with_invalid_utf8_is_served_in_windows(repo, pw, env):
    """The log API answers a 100 MB log (one 100 MB line, invalid UTF-8 and a NUL) with a window
    of its tail, the failing lines and a search, each answer bounded, never the whole file."""
    project = repo({"pipewright.yaml": "stages:\n" + "".join(
        f"  {s}:\n    enabled: false\n" for s in (
            "preflight", "lock-check", "setup-python", "tests", "lint", "format-ruff",
            "format-black", "typecheck", "security-lint", "audit", "quality", "dependency-scan",
            "analysis", "quality-gate")) +
        "  noisy:\n    run: |\n"
        "      printf 'bad \\377\\376 utf8 and a \\000 nul\\n'\n"
        "      head -c 104857600 /dev/zero | tr '\\0' 'x'\n"
        "      echo\n      echo 'error: end-marker'\n      exit 1\n"})
    assert pw(project, "run", timeout=300).code == 1
    proc, url = start_serve(project, env, "--port", "0")
    try:
        status, _, body = get(url, "/api/builds/1/log/noisy")
        assert status == 200 and len(body) < 1_000_000, len(body)
        w = json.loads(body)
        assert w["size"] > 100 * 1024 * 1024
        assert "end-marker" in w["text"] and w["end"] == w["size"]
        assert any("end-marker" in f["text"] for f in w["failing"])
        status, _, body = get(url, "/api/builds/1/log/noisy?offset=0&limit=4096&failing=0")
        w = json.loads(body)
        assert w["offset"] == 0 and len(body) < 20_000
        assert w["text"].startswith("# pipewright: stage 'noisy'") and "utf8 and a" in w["text"]
        hits = json.loads(get(url, "/api/builds/1/log/noisy?q=end-marker")[2])
        assert hits["matches"][0]["text"] == "error: end-marker", hits
        assert hits["matches"][0]["line"] == 4 and hits["matches"][0]["offset"] > 100 * 1024 * 1024
    finally:
        proc.terminate()
        proc.wait(timeout=10)
