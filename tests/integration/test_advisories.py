"""The advisory database from the command line: import, status, update, bad input."""
import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import EXAMPLE

CORPUS = Path(os.environ.get("PIPEWRIGHT_OSV_CORPUS",
                             Path(__file__).resolve().parents[3] / "shared/data/osv-pypi"))


def test_import_example_advisories_then_status(pw, tmp_path):
    r = pw(tmp_path, "db", "import", str(EXAMPLE / "advisories"))
    assert r.code == 0, r
    # The black advisory (PyPI) and two Debian:12 records for the base image.
    assert "3 imported" in r.out
    s = pw(tmp_path, "db", "status")
    assert s.code == 0
    assert "3 record(s)" in s.out and "PyPI 1" in s.out and "Debian:12 2" in s.out, s.out
    assert str(EXAMPLE / "advisories") in s.out
    # Importing again changes nothing.
    again = pw(tmp_path, "db", "import", str(EXAMPLE / "advisories"))
    assert "0 imported" in again.out and "3 unchanged" in again.out
    u = pw(tmp_path, "db", "update")
    assert u.code == 0 and "3 unchanged" in u.out


def test_import_zip_as_osv_dev_publishes_it(pw, tmp_path):
    z = tmp_path / "PyPI.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.write(EXAMPLE / "advisories/PYSEC-2024-48.json", "PYSEC-2024-48.json")
        f.writestr("BROKEN-1.json", '{"id": "BROKEN-1"}')  # no `modified`: skipped, counted
    r = pw(tmp_path, "db", "import", str(z))
    assert r.code == 0, r
    assert "1 imported" in r.out and "1 skipped" in r.out


def test_failed_import_leaves_the_previous_database(pw, tmp_path):
    assert pw(tmp_path, "db", "import", str(EXAMPLE / "advisories")).code == 0
    bad = tmp_path / "truncated.zip"
    data = (tmp_path / "ok.zip")
    with zipfile.ZipFile(data, "w") as f:
        f.write(EXAMPLE / "advisories/PYSEC-2024-48.json", "x.json")
    bad.write_bytes(data.read_bytes()[: len(data.read_bytes()) // 2])
    r = pw(tmp_path, "db", "import", str(bad))
    assert r.code == 1
    assert "truncated" in r.err or "zip" in r.err
    assert "3 record(s)" in pw(tmp_path, "db", "status").out  # the example's three, untouched


def test_missing_path_is_a_clear_error(pw, tmp_path):
    r = pw(tmp_path, "db", "import", str(tmp_path / "nope"))
    assert r.code == 1
    assert "no such file" in r.err


def test_whole_shared_corpus_imports_quickly(pw, tmp_path):
    if not CORPUS.is_dir():
        pytest.skip(f"the shared OSV corpus is not on this machine ({CORPUS})")
    r = pw(tmp_path, "db", "import", str(CORPUS), timeout=120)
    assert r.code == 0, r
    assert "2651 imported" in r.out
    assert "PyPI 2651" in pw(tmp_path, "db", "status").out


class _ZipServer:
    """A loopback HTTP server for the URL import: serves /PyPI.zip, a 404, and a body shorter
    than its Content-Length (a download cut off)."""

    def __init__(self, payload: bytes):
        import http.server
        import threading

        data = payload

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                if self.path == "/PyPI.zip":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                elif self.path == "/cut.zip":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                else:
                    self.send_error(404)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_import_from_an_http_url(pw, tmp_path):
    z = tmp_path / "PyPI.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.write(EXAMPLE / "advisories/PYSEC-2024-48.json", "PYSEC-2024-48.json")
    srv = _ZipServer(z.read_bytes())
    try:
        r = pw(tmp_path, "db", "import", srv.base + "/PyPI.zip")
        assert r.code == 0, r
        assert "1 imported" in r.out
        missing = pw(tmp_path, "db", "import", srv.base + "/missing.zip")
        assert missing.code == 1 and "404" in missing.err
        cut = pw(tmp_path, "db", "import", srv.base + "/cut.zip")
        assert cut.code == 1, cut
        assert "1 record(s)" in pw(tmp_path, "db", "status").out  # still the first import
        assert srv.base + "/PyPI.zip" in pw(tmp_path, "db", "status").out
    finally:
        srv.close()


# ---- OWASP Dependency-Check merged into the dependency-scan stage.

# Stands in for OWASP Dependency-Check's CLI, which needs Java and a local NVD mirror that this
# machine cannot have: it records its arguments, refuses to run without the offline flag, and
# writes a report in Dependency-Check's documented JSON shape (reportSchema 1.1) where --out
# says. FAKE_DC_MODE=fail exits non-zero like a failed scan; =garbage writes a broken report.
FAKE_DEPENDENCY_CHECK = """#!/bin/sh
printf '%s\\n' "$@" > "$FAKE_DC_ARGS"
out=
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift ;;
  esac
  shift
done
grep -qx -- --noupdate "$FAKE_DC_ARGS" || { echo "would download the NVD" >&2; exit 3; }
case "$FAKE_DC_MODE" in
  fail) echo "[ERROR] Unable to connect to the database" >&2; exit 14 ;;
  garbage) echo '{"dependencies": [{"fileName": ' > "$out/dependency-check-report.json" ;;
  *) cp "$FAKE_DC_REPORT" "$out/dependency-check-report.json" ;;
esac
"""

DC_REPORT = {
    "reportSchema": "1.1",
    "scanInfo": {"engineVersion": "9.0.9", "dataSource": []},
    "projectInfo": {"name": "dc-app", "reportDate": "2026-11-25T10:00:00Z"},
    "dependencies": [
        {"isVirtual": True, "fileName": "requirements.txt: black:23.1.0",
         "filePath": "/src/requirements.txt",
         "packages": [{"id": "pkg:pypi/black@23.1.0", "confidence": "HIGHEST"}],
         "vulnerabilities": [{
             "source": "NVD", "name": "CVE-2024-21503", "severity": "MEDIUM",
             "cvssv3": {"baseScore": 5.3, "baseSeverity": "MEDIUM", "version": "3.1"},
             "description": "Versions of the package black before 24.3.0 are vulnerable to ReDoS.",
             "references": [{"source": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2024-21503",
                             "name": "CVE-2024-21503"}]}]},
        {"isVirtual": True, "fileName": "requirements.txt: jinja2:2.10",
         "filePath": "/src/requirements.txt",
         "packages": [{"id": "pkg:pypi/jinja2@2.10", "confidence": "HIGHEST"}],
         "vulnerabilities": [{
             "source": "NVD", "name": "CVE-2019-10906", "severity": "HIGH",
             "cvssv3": {"baseScore": 8.6, "baseSeverity": "HIGH", "version": "3.0"},
             "description": "In Pallets Jinja before 2.10.1, str.format_map allows a sandbox escape.",
             "references": [{"source": "MISC", "url": "https://palletsprojects.com/blog/jinja-2-10-1-released",
                             "name": "release"}],
             "vulnerableSoftware": [{"software": {
                 "id": "cpe:2.3:a:pocoo:jinja2:*:*:*:*:*:*:*:*",
                 "versionEndExcluding": "2.10.1", "vulnerabilityIdMatched": "true"}}]}]},
    ],
}


def dc_project(repo, dependency_check=True):
    from test_engine import PYTHON_STAGES
    disabled = "".join(f"  {s}:\n    enabled: false\n" for s in PYTHON_STAGES if s != "dependency-scan")
    return repo({
        "requirements.txt": "black==23.1.0\njinja2==2.10\n",
        "pipewright.yaml": "stages:\n" + disabled +
        "  dependency-scan:\n    requirements: requirements.txt\n    scan_environment: false\n" +
        f"    dependency_check: {'true' if dependency_check else 'false'}\n",
    })


def run_with_fake_dc(pw, env, project, tmp_path, mode="ok", install=True):
    bindir = tmp_path / "fake-bin"
    bindir.mkdir(exist_ok=True)
    if install:
        tool = bindir / "dependency-check.sh"
        tool.write_text(FAKE_DEPENDENCY_CHECK)
        tool.chmod(0o755)
    report = tmp_path / "dc-report.json"
    report.write_text(json.dumps(DC_REPORT))
    extra = {"PATH": f"{bindir}:{env['PATH']}", "FAKE_DC_MODE": mode,
             "FAKE_DC_REPORT": str(report), "FAKE_DC_ARGS": str(tmp_path / "dc-args.txt")}
    assert pw(project, "db", "import", str(EXAMPLE / "advisories")).code == 0
    return pw(project, "run", "dependency-scan", timeout=300, extra_env=extra)


def own_report(r):
    return json.loads((r.project / ".pipewright/builds/1/reports/dependency-scan.json").read_text())


def test_dependency_check_findings_merge_with_the_native_ones(repo, pw, env, tmp_path):
    p = dc_project(repo)
    r = run_with_fake_dc(pw, env, p, tmp_path)
    assert r.code == 0, r
    s = r.stage("dependency-scan")
    assert s["status"] == "SUCCESS", s
    assert "Dependency-Check: 1 confirmed, 1 more" in s["summary"], s["summary"]
    args = (tmp_path / "dc-args.txt").read_text().split("\n")
    assert "--noupdate" in args and "JSON" in args and "--disableOssIndex" in args
    findings = own_report(r)["findings"]
    # One finding per vulnerability across both tools: CVE-2024-21503 is PYSEC-2024-48's alias.
    black = [f for f in findings if f["package"] == "black"]
    assert len(black) == 1, black
    assert black[0]["id"] == "PYSEC-2024-48"
    assert black[0]["found_by"] == ["pipewright", "dependency-check"]
    jinja = [f for f in findings if f["package"] == "jinja2"]
    assert len(jinja) == 1, findings
    assert jinja[0]["id"] == "CVE-2019-10906" and jinja[0]["found_by"] == ["dependency-check"]
    assert jinja[0]["severity"] == "HIGH" and jinja[0]["cvss"]["score"] == 8.6
    assert jinja[0]["fixed_versions"] == ["2.10.1"]
    reports = p / ".pipewright/builds/1/reports"
    assert "CVE-2019-10906" in (reports / "dependency-check-report.xml").read_text()
    sbom = json.loads((reports / "sbom.cdx.json").read_text())
    v = [x for x in sbom["vulnerabilities"] if x["id"] == "CVE-2019-10906"]
    assert v and v[0]["properties"] == [{"name": "pipewright:found_by", "value": "dependency-check"}]
    sarif = json.loads((reports / "dependency-scan.sarif").read_text())
    messages = [res["message"]["text"] for run in sarif["runs"] for res in run["results"]]
    assert any("CVE-2019-10906" in m and "found by dependency-check" in m for m in messages)
    assert "[pipewright, dependency-check]" in r.log("dependency-scan").decode()


def test_dependency_check_enabled_but_not_installed_warns_and_scans_natively(repo, pw, env, tmp_path):
    p = dc_project(repo)
    r = run_with_fake_dc(pw, env, p, tmp_path, install=False)
    assert r.code == 0, r
    s = r.stage("dependency-scan")
    assert s["status"] == "SUCCESS"
    assert "Dependency-Check not installed, native scan only" in s["summary"]
    assert "OWASP Dependency-Check" in r.text and "not on PATH" in r.text
    assert [f["found_by"] for f in own_report(r)["findings"]] == [["pipewright"]]


@pytest.mark.parametrize("mode,phrase", [("fail", "Dependency-Check failed (exit code 14)"),
                                         ("garbage", "Dependency-Check's report unusable")])
def test_dependency_check_failure_is_reported_and_native_findings_stay(repo, pw, env, tmp_path, mode,
                                                                        phrase):
    p = dc_project(repo)
    r = run_with_fake_dc(pw, env, p, tmp_path, mode=mode)
    assert r.code == 0, r
    s = r.stage("dependency-scan")
    assert s["status"] == "SUCCESS"
    assert phrase in s["summary"], s["summary"]
    if mode == "garbage":
        assert "dependency-check-report.json: not JSON" in r.text
    ids = [f["id"] for f in own_report(r)["findings"]]
    assert ids == ["PYSEC-2024-48"]


def test_dependency_check_off_by_default_runs_nothing(repo, pw, env, tmp_path):
    p = dc_project(repo, dependency_check=False)
    r = run_with_fake_dc(pw, env, p, tmp_path)
    assert r.code == 0, r
    assert not (tmp_path / "dc-args.txt").exists()
    assert "Dependency-Check" not in r.stage("dependency-scan")["summary"]
