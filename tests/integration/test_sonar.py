"""SonarQube mode of `analysis` and `quality-gate`.

No SonarQube server and no sonar-scanner (a Java program that needs that server) can run on this
machine, so both are stood in for here, and only they are:
  - a small HTTP server in this file, on a free loopback port, answers the two web API calls the
    gate makes, api/ce/task and api/qualitygates/project_status, with the response shapes
    SonarQube documents, and checks that each call carries the token as a Bearer header;
  - a `sonar-scanner` script put first on PATH records its argv and environment and writes
    report-task.txt into sonar.working.directory with the keys the real scanner writes.
The pipewright binary under test is the real one, talking real HTTP.
"""
import json
import os
import shutil
import stat
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from test_engine import PYTHON_STAGES

TOKEN = "squ_5e3f0c1d2b7a4e9f8c6d1b0a2e4f6c8d0b1a3c5e"
TASK_ID = "AYz3xQm1TaskA"
ANALYSIS_ID = "AYz3xQm2Analysis"

SCANNER = r'''#!/usr/bin/python3
# Stand-in for sonar-scanner (see the module docstring): records how it was called, then writes
# report-task.txt as SonarScanner does after uploading the analysis report.
import json, os, sys
props = {}
for a in sys.argv[1:]:
    if a.startswith("-D") and "=" in a:
        k, v = a[2:].split("=", 1)
        props[k] = v
with open(os.environ["SCANNER_RECORD"], "w") as f:
    json.dump({"argv": sys.argv, "cwd": os.getcwd(), "env": dict(os.environ)}, f)
print("INFO: Scanner configuration file: NONE")
print("INFO: Analysis report uploaded; token in use: " + os.environ.get("SONAR_TOKEN", ""))
if os.environ.get("SCANNER_EXIT"):
    print("ERROR: Error during SonarScanner execution", file=sys.stderr)
    sys.exit(int(os.environ["SCANNER_EXIT"]))
work = props.get("sonar.working.directory", os.path.join(os.getcwd(), ".scannerwork"))
os.makedirs(work, exist_ok=True)
server = props["sonar.host.url"].rstrip("/")
key = props["sonar.projectKey"]
task = os.environ["FAKE_TASK_ID"]
with open(os.path.join(work, "report-task.txt"), "w") as f:
    f.write("projectKey=%s\nserverUrl=%s\nserverVersion=10.4.1.88267\n"
            "dashboardUrl=%s/dashboard?id=%s\nceTaskId=%s\nceTaskUrl=%s/api/ce/task?id=%s\n"
            % (key, server, server, key, task, server, task))
'''


class FakeSonar:
    """Answers api/ce/task with `statuses` in turn (the last one repeated), then
    api/qualitygates/project_status with `gate`. `mode` makes it misbehave."""

    def __init__(self):
        self.statuses = ["PENDING", "IN_PROGRESS", "SUCCESS"]
        self.gate = {"projectStatus": {"status": "OK", "conditions": []}}
        self.mode = "ok"  # ok, 401, 500, garbage, failed-task
        self.requests = []
        self.stopped = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                u = urlparse(self.path)
                q = parse_qs(u.query)
                outer.requests.append({"path": u.path, "query": q,
                                       "auth": self.headers.get("Authorization", "")})
                if self.headers.get("Authorization") != "Bearer " + TOKEN or outer.mode == "401":
                    return self.answer(401, b"")
                if outer.mode == "500":
                    return self.answer(500, json.dumps(
                        {"errors": [{"msg": "An error has occurred"}]}).encode())
                if outer.mode == "garbage":
                    return self.answer(200, b"<html><body>proxy login</body></html>")
                if u.path == "/api/ce/task" and q.get("id") == [TASK_ID]:
                    n = sum(1 for r in outer.requests if r["path"] == "/api/ce/task")
                    status = outer.statuses[min(n, len(outer.statuses)) - 1]
                    task = {"id": TASK_ID, "type": "REPORT", "componentKey": "svc",
                            "status": status, "submittedAt": "2026-11-25T09:00:00+0000"}
                    if status == "SUCCESS":
                        task["analysisId"] = ANALYSIS_ID
                    if status == "FAILED":
                        task["errorMessage"] = "Unable to load the report of the analysis"
                    return self.answer(200, json.dumps({"task": task}).encode())
                if (u.path == "/api/qualitygates/project_status"
                        and q.get("analysisId") == [ANALYSIS_ID]):
                    return self.answer(200, json.dumps(outer.gate).encode())
                return self.answer(404, json.dumps({"errors": [{"msg": "not found"}]}).encode())

            def answer(self, code, body):
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        if self.stopped:
            return
        self.stopped = True
        self.server.shutdown()
        self.server.server_close()

    def calls(self, path):
        return [r for r in self.requests if r["path"] == path]


@pytest.fixture
def sonar():
    s = FakeSonar()
    yield s
    s.stop()


COVERAGE = """<?xml version="1.0" ?>
<coverage version="7.2" timestamp="1" lines-valid="4" lines-covered="4" line-rate="1"
  branches-covered="0" branches-valid="0" branch-rate="0" complexity="0">
  <sources><source>{ws}</source></sources>
  <packages><package name="app" line-rate="1" branch-rate="0" complexity="0"><classes>
    <class name="calc.py" filename="app/calc.py" line-rate="1" branch-rate="0" complexity="0">
      <methods/><lines><line number="1" hits="1"/><line number="2" hits="1"/>
      <line number="5" hits="1"/><line number="6" hits="1"/></lines>
    </class></classes></package></packages>
</coverage>
"""
JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="1" time="0.01">
<testcase classname="tests.test_calc" name="test_add" time="0.001"/></testsuite></testsuites>
"""


def sonar_yaml(url, extra=""):
    disabled = "".join(f"  {s}:\n    enabled: false\n" for s in PYTHON_STAGES
                       if s not in ("analysis", "quality-gate"))
    return (
        "version: 1\nproject:\n  name: svc\n  package: app\n  tests: tests\nstages:\n" + disabled +
        # Stands in for the tests stage: the reports the scanner is pointed at.
        "  fake-tests:\n"
        "    run: cp ci/coverage.xml ci/report.xml \"$PIPEWRIGHT_REPORTS/\"\n"
        "  analysis:\n"
        "    needs: [fake-tests]\n"
        "    sonar:\n"
        f"      host_url: {url}\n"
        "      token: sonar-token\n"
        "      poll_interval: 100ms\n"
        "      properties: {sonar.python.version: \"3.11\"}\n" + extra)


@pytest.fixture
def sonar_project(repo, env, tmp_path):
    """A small project in SonarQube mode, the credential, and the stand-in scanner on PATH."""
    creds = Path(env["PIPEWRIGHT_CREDENTIALS"])
    creds.write_text(f"sonar-token: {TOKEN}\n")
    creds.chmod(0o600)
    bindir = tmp_path / "scanner-bin"
    bindir.mkdir()
    scanner = bindir / "sonar-scanner"
    scanner.write_text(SCANNER)
    scanner.chmod(scanner.stat().st_mode | stat.S_IXUSR)
    record = tmp_path / "scanner-record.json"

    def factory(url, extra="", scanner_on_path=True):
        p = repo({
            "pipewright.yaml": sonar_yaml(url, extra),
            "app/__init__.py": "",
            "app/calc.py": "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n",
            "tests/test_calc.py": "from app.calc import add\n\n\ndef test_add():\n"
                                  "    assert add(1, 2) == 3\n",
            "ci/coverage.xml": COVERAGE.format(ws="."),
            "ci/report.xml": JUNIT,
        })
        path = os.environ["PATH"]
        if scanner_on_path:
            path = f"{bindir}:{path}"
        else:  # no sonar-scanner anywhere on PATH
            path = ":".join(d for d in path.split(":")
                            if d and not (Path(d) / "sonar-scanner").exists())
        extra_env = {"PATH": path, "SCANNER_RECORD": str(record), "FAKE_TASK_ID": TASK_ID}
        return p, extra_env, record

    return factory


def files_under(root: Path):
    for dirpath, _, names in os.walk(root):
        for n in names:
            f = Path(dirpath) / n
            if f.is_file() and not f.is_symlink():
                yield f


def assert_token_nowhere(r):
    assert TOKEN not in r.text
    for f in files_under(r.project / ".pipewright"):
        assert TOKEN.encode() not in f.read_bytes(), f


GATE_OK = {"projectStatus": {"status": "OK", "ignoredConditions": False, "conditions": [
    {"status": "OK", "metricKey": "new_coverage", "comparator": "LT", "periodIndex": 1,
     "errorThreshold": "80", "actualValue": "100.0"},
    {"status": "OK", "metricKey": "new_duplicated_lines_density", "comparator": "GT",
     "periodIndex": 1, "errorThreshold": "3", "actualValue": "0.0"},
    {"status": "OK", "metricKey": "new_reliability_rating", "comparator": "GT", "periodIndex": 1,
     "errorThreshold": "1", "actualValue": "1"}],
    "periods": [{"index": 1, "mode": "PREVIOUS_VERSION", "date": "2026-11-01T00:00:00+0000"}]}}


def test_gate_ok_passes_and_the_token_stays_in_the_environment(sonar_project, sonar, pw):
    sonar.gate = GATE_OK
    p, extra_env, record = sonar_project(sonar.url)
    r = pw(p, "run", extra_env=extra_env)
    assert r.code == 0, r
    an, qg = r.stage("analysis"), r.stage("quality-gate")
    assert an["status"] == "SUCCESS" and TASK_ID in an["summary"], an
    assert qg["status"] == "SUCCESS", qg
    assert "SonarQube quality gate OK" in qg["summary"]

    # The scanner got the project's facts on its command line and the token only as SONAR_TOKEN.
    rec = json.loads(record.read_text())
    argv = rec["argv"]
    reports = Path(r.build()["workspace"]).parent / "reports"
    props = dict(a[2:].split("=", 1) for a in argv[1:])
    assert props["sonar.host.url"] == sonar.url
    assert props["sonar.projectKey"] == "svc"
    assert props["sonar.sources"] == "app" and props["sonar.tests"] == "tests"
    assert props["sonar.python.coverage.reportPaths"] == str(reports / "coverage.xml")
    assert props["sonar.python.xunit.reportPath"] == str(reports / "report.xml")
    assert props["sonar.externalIssuesReportPaths"] == str(reports / "sonar-external-issues.json")
    assert props["sonar.python.version"] == "3.11"
    assert props["sonar.scm.revision"] == r.build()["commit"]
    assert rec["cwd"] == r.build()["workspace"]
    assert rec["env"]["SONAR_TOKEN"] == TOKEN
    assert not any(TOKEN in a for a in argv)
    assert not any(a.startswith(("-Dsonar.token", "-Dsonar.login")) for a in argv)
    # The native analysis ran too: its reports are what the scanner imports.
    assert (reports / "analysis.json").exists()
    json.loads((reports / "sonar-external-issues.json").read_text())

    # The gate polled the task until it ended, then asked for that analysis' gate, with the token.
    assert [r_["query"]["id"] for r_ in sonar.calls("/api/ce/task")] == [[TASK_ID]] * 3
    ps = sonar.calls("/api/qualitygates/project_status")
    assert len(ps) == 1 and ps[0]["query"]["analysisId"] == [ANALYSIS_ID]
    assert all(x["auth"] == "Bearer " + TOKEN for x in sonar.requests)

    gate = json.loads((reports / "quality-gate.json").read_text())
    assert gate["status"] == "OK" and gate["source"] == "sonarqube"
    assert gate["analysis_id"] == ANALYSIS_ID
    assert [c["metric"] for c in gate["conditions"]] == [
        "new_coverage", "new_duplicated_lines_density", "new_reliability_rating"]
    c0 = gate["conditions"][0]
    assert c0["op"] == "LT" and c0["threshold"] == 80 and c0["actual"] == 100
    assert c0["status"] == "PASSED"
    assert "PASSED" in r.text and "dashboard?id=svc" in r.text
    # The stand-in printed the token: masked in the log, and nowhere in .pipewright.
    assert b"token in use: ****" in r.log("analysis")
    assert_token_nowhere(r)


def test_gate_error_fails_the_build_naming_the_condition(sonar_project, sonar, pw):
    sonar.gate = json.loads(json.dumps(GATE_OK))
    sonar.gate["projectStatus"]["status"] = "ERROR"
    sonar.gate["projectStatus"]["conditions"][0].update(status="ERROR", actualValue="42.5")
    p, extra_env, _ = sonar_project(sonar.url)
    r = pw(p, "run", extra_env=extra_env)
    assert r.code == 1, r
    qg = r.stage("quality-gate")
    assert qg["status"] == "FAILURE"
    assert "1 of 3 conditions failed" in qg["summary"], qg
    assert "new_coverage" in qg["summary"] and "42.5%" in qg["summary"], qg
    assert "must be at least 80" in qg["summary"]
    assert "FAILED" in r.text
    reports = Path(r.build()["workspace"]).parent / "reports"
    gate = json.loads((reports / "quality-gate.json").read_text())
    assert gate["status"] == "ERROR" and gate["conditions"][0]["status"] == "FAILED"
    assert_token_nowhere(r)


def test_refused_token_is_said_plainly(sonar_project, sonar, pw):
    sonar.mode = "401"
    p, extra_env, _ = sonar_project(sonar.url)
    r = pw(p, "run", extra_env=extra_env)
    assert r.code == 1, r
    qg = r.stage("quality-gate")
    assert qg["status"] == "FAILURE"
    assert "refused the token from credential 'sonar-token' (HTTP 401" in qg["summary"], qg
    assert_token_nowhere(r)


def test_a_task_that_never_ends_times_out(sonar_project, sonar, pw):
    sonar.statuses = ["IN_PROGRESS"]
    p, extra_env, _ = sonar_project(sonar.url)
    y = (p / "pipewright.yaml").read_text().replace(
        "      poll_interval: 100ms\n", "      poll_interval: 200ms\n      timeout: 2s\n")
    (p / "pipewright.yaml").write_text(y)
    r = pw(p, "run", extra_env=extra_env)
    assert r.code == 1, r
    qg = r.stage("quality-gate")
    assert qg["status"] == "FAILURE"
    assert f"task {TASK_ID} is still IN_PROGRESS after 2" in qg["summary"], qg
    assert qg["duration_ms"] >= 2000, qg  # it waited its timeout
    polls = len(sonar.calls("/api/ce/task"))
    assert polls >= 5  # it really polled, every 200 ms
    # ...and stopped at the timeout: no more polls than 200 ms intervals in the time it took.
    assert polls <= qg["duration_ms"] / 200 + 2, (polls, qg)


@pytest.mark.parametrize("mode,expected", [
    ("500", "answered the analysis task " + TASK_ID + " with HTTP 500 (the server says: An error"),
    ("garbage", "is not JSON"),
    ("failed-task", "FAILED: Unable to load the report of the analysis"),
    ("down", "did not answer"),
])
def test_server_problems_fail_the_gate_clearly(sonar_project, sonar, pw, mode, expected):
    url = sonar.url
    if mode == "failed-task":
        sonar.statuses = ["PENDING", "FAILED"]
    elif mode == "down":
        sonar.stop()  # the port is closed before the build starts
    else:
        sonar.mode = mode
    p, extra_env, _ = sonar_project(url)
    r = pw(p, "run", extra_env=extra_env)
    assert r.code == 1, r
    qg = r.stage("quality-gate")
    assert qg["status"] == "FAILURE" and expected in qg["summary"], qg
    assert_token_nowhere(r)


def test_scanner_missing_says_how_to_install_it(sonar_project, sonar, pw):
    p, extra_env, record = sonar_project(sonar.url, scanner_on_path=False)
    r = pw(p, "run", extra_env=extra_env)
    assert r.code == 1, r
    an = r.stage("analysis")
    assert an["status"] == "FAILURE"
    assert "needs sonar-scanner on PATH" in an["summary"], an
    assert "remove the analysis stage's sonar setting" in an["summary"]
    assert not record.exists() and sonar.requests == []
    # The native analysis still wrote its reports before the scanner was looked for.
    reports = Path(r.build()["workspace"]).parent / "reports"
    assert (reports / "analysis.json").exists()


def test_scanner_failure_fails_analysis_with_its_last_line(sonar_project, sonar, pw):
    p, extra_env, _ = sonar_project(sonar.url)
    extra_env["SCANNER_EXIT"] = "2"
    r = pw(p, "run", extra_env=extra_env)
    assert r.code == 1, r
    an = r.stage("analysis")
    assert an["status"] == "FAILURE"
    assert "sonar-scanner failed (exit code 2" in an["summary"], an
    assert "Error during SonarScanner execution" in an["summary"]
    assert sonar.requests == []
    assert_token_nowhere(r)


def test_bad_sonar_settings_are_configuration_errors(sonar_project, sonar, pw):
    p, extra_env, _ = sonar_project(sonar.url)
    y = (p / "pipewright.yaml").read_text()
    (p / "pipewright.yaml").write_text(
        y.replace("token: sonar-token", f"token: {TOKEN}")
         .replace("poll_interval: 100ms", "poll_intervall: 1s")
         .replace("sonar.python.version", "sonar.login"))
    r = pw(p, "run", extra_env=extra_env)
    assert r.code == 2, r
    assert "names a credential id of the credentials file, not the token itself" in r.text
    assert "did you mean 'poll_interval'" in r.text
    assert "sonar.login would put a secret on sonar-scanner's command line" in r.text
    assert "pipewright.yaml:" in r.text
    assert sonar.requests == []


def test_missing_credential_names_the_file(sonar_project, sonar, pw, env):
    p, extra_env, record = sonar_project(sonar.url)
    Path(env["PIPEWRIGHT_CREDENTIALS"]).write_text("other: value\n")
    r = pw(p, "run", extra_env=extra_env)
    assert r.code == 1, r
    an = r.stage("analysis")
    assert an["status"] == "FAILURE"
    assert "credential 'sonar-token'" in an["summary"], an
    assert env["PIPEWRIGHT_CREDENTIALS"] in an["summary"]
    assert not record.exists() and sonar.requests == []
