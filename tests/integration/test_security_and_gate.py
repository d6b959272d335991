"""The dependency scan, the analysis and the quality gate on copies of examples/python-app."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLE, ROOT
from test_python_stages import copy_example, shared_cache  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(
    subprocess.run(["/usr/bin/python3", "-c", "import pytest, pytest_cov, black, mypy, bandit, flake8"],
                   capture_output=True).returncode != 0,
    reason="Debian's Python tools are missing: run scripts/install-deps.sh")

HIGH_ADVISORY = {
    # A synthetic record for this test only (PWTEST prefix): a HIGH finding on a pinned package.
    "id": "PWTEST-2026-0001", "modified": "2026-01-01T00:00:00Z",
    "summary": "test-only advisory with a high score",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
    "affected": [{"package": {"ecosystem": "PyPI", "name": "flake8"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99.0"}]}]}],
}


@pytest.fixture
def project(tmp_path, env, shared_cache, pw):  # noqa: F811
    # Each test gets its own advisory database; the environment cache (venvs) is the session's.
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    (tmp_path / "cache" / "pipewright").mkdir(parents=True)
    venvs = Path(shared_cache) / "pipewright" / "venvs"
    venvs.mkdir(parents=True, exist_ok=True)
    (tmp_path / "cache" / "pipewright" / "venvs").symlink_to(venvs)

    def factory(edit=None):
        return copy_example(tmp_path / "python-app", env, edit)

    return factory


def test_no_database_is_skipped_with_the_command(project, pw):
    p = project()
    r = pw(p, "run", "dependency-scan", timeout=600)
    assert r.code == 0, r
    s = r.stage("dependency-scan")
    assert s["status"] == "SKIPPED" and "pipewright db import" in s["summary"]


SCHEMAS = ROOT / ".tools" / "schemas"


def schema_errors(kind, files):
    """Runs the official schema's validator (tests/integration/schema_check.mjs) over files."""
    r = subprocess.run(["node", str(ROOT / "tests/integration/schema_check.mjs"), kind,
                        *map(str, files)], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def assert_valid_reports(reports, tmp_path):
    """Every SARIF file against SARIF 2.1.0's schema, the SBOM against CycloneDX 1.5's; and a
    broken copy of each is refused, so that the check is known to look."""
    if shutil.which("node") is None or not (SCHEMAS / "sarif-2.1.0-rtm.5.json").exists():
        print("SKIPPED schema check: node or .tools/schemas missing (scripts/install-deps.sh test)")
        return
    sarifs = sorted(reports.rglob("*.sarif"))
    assert len(sarifs) >= 3, sarifs
    for kind, files in (("sarif", sarifs), ("cyclonedx", [reports / "sbom.cdx.json"])):
        code, out = schema_errors(kind, files)
        assert code == 0, out
        broken = tmp_path / f"broken-{kind}.json"
        doc = json.loads(files[0].read_text())
        doc["version" if kind == "sarif" else "bomFormat"] = "9.9"
        broken.write_text(json.dumps(doc))
        code, out = schema_errors(kind, [broken])
        assert code == 1 and "broken" in out, out


def test_demo_finding_in_console_reports_and_sbom(project, pw):
    p = project()
    assert pw(p, "db", "import", str(EXAMPLE / "advisories")).code == 0
    r = pw(p, "run", timeout=600)
    assert r.code == 0, r
    s = r.stage("dependency-scan")
    assert s["status"] == "SUCCESS"
    assert "PYSEC-2024-48" in s["summary"] and "CVE-2024-21503" in s["summary"] and "24.3.0" in s["summary"]
    assert "PYSEC-2024-48" in r.out
    reports = p / ".pipewright/builds/1/reports"
    own = json.loads((reports / "dependency-scan.json").read_text())
    assert any(f["id"] == "PYSEC-2024-48" for f in own["findings"])
    # Dependency-Check's JSON schema under Dependency-Check's name, the same score as the XML.
    dc = json.loads((reports / "dependency-check-report.json").read_text())
    assert {"reportSchema", "scanInfo", "projectInfo", "dependencies"} <= set(dc)
    black = [v for d in dc["dependencies"] for v in d.get("vulnerabilities", []) if d["fileName"] == "black:23.1.0"]
    assert black and black[0]["cvssv3"]["baseScore"] == 5.3
    assert "PYSEC-2024-48" in (reports / "dependency-check-report.xml").read_text() or \
        "CVE-2024-21503" in (reports / "dependency-check-report.xml").read_text()
    sbom = json.loads((reports / "sbom.cdx.json").read_text())
    assert sbom["bomFormat"] == "CycloneDX" and sbom["specVersion"] == "1.5"
    assert any(c.get("purl", "").startswith("pkg:pypi/black@23.1.0") for c in sbom["components"])
    assert any(v["id"] == "PYSEC-2024-48" for v in sbom["vulnerabilities"])
    # The analysis counts the advisory as a vulnerability; the unchanged example passes the gate.
    assert r.stage("analysis")["status"] == "SUCCESS"
    gate = r.stage("quality-gate")
    assert gate["status"] == "SUCCESS", gate
    assert "quality gate: OK" in r.out
    # A first build of main with no tag has no previous version to measure new code from (issue
    # 16: on main, new code is what changed since the last tag or the previous successful build),
    # so the new-code conditions have no value and are not checked, and the gate says why.
    assert "new code: main branch: no tag and no earlier successful build" in r.out
    conditions = json.loads((reports / "quality-gate.json").read_text())["conditions"]
    assert conditions and all(c["status"] == "NO_VALUE" for c in conditions), conditions
    assert_valid_reports(reports, p.parent)


def ignore_file(expires):
    return ("ignore:\n  - id: CVE-2024-21503\n    reason: black only formats our own code in CI\n"
            f"    expires: {expires}\n")


def test_ignore_entry_hides_it_and_an_expired_one_does_not(project, pw):
    p = project(lambda d: (d / "pipewright-ignore.yaml").write_text(ignore_file("2099-12-31")))
    assert pw(p, "db", "import", str(EXAMPLE / "advisories")).code == 0
    r = pw(p, "run", "dependency-scan", timeout=600)
    s = r.stage("dependency-scan")
    assert "1 ignored" in s["summary"] and "no known vulnerability" in s["summary"]

    (p / "pipewright-ignore.yaml").write_text(ignore_file("2020-01-01"))
    subprocess.run(["git", "commit", "-qam", "expire"], cwd=p, check=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e.invalid", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@e.invalid", "PATH": "/usr/bin:/bin"})
    r = pw(p, "run", "dependency-scan", timeout=600)
    s = r.stage("dependency-scan")
    assert "PYSEC-2024-48" in s["summary"] and "ignored" not in s["summary"]
    assert "expired" in r.out


def test_fail_on_high_fails_the_build(project, pw, tmp_path):
    adv = tmp_path / "adv"
    adv.mkdir()
    (adv / "PWTEST-2026-0001.json").write_text(json.dumps(HIGH_ADVISORY))

    def edit(d):
        y = (d / "pipewright.yaml").read_text() + "  dependency-scan:\n    fail_on: high\n"
        (d / "pipewright.yaml").write_text(y)
    p = project(edit)
    assert pw(p, "db", "import", str(adv), str(EXAMPLE / "advisories")).code == 0
    r = pw(p, "run", "dependency-scan", timeout=600)
    assert r.code == 1, r
    s = r.stage("dependency-scan")
    assert s["status"] == "FAILURE" and "fail_on: high" in s["summary"]
    assert r.build()["status"] == "FAILURE"


def commit_on_branch(p, env, files):
    def git(*a):
        subprocess.run(["git", *a], cwd=p, env=env, check=True, capture_output=True)
    git("checkout", "-q", "-b", "feature")
    for name, text in files.items():
        (p / name).write_text(text)
    git("add", "-A")
    git("commit", "-qm", "feature work")


# 9 lines of code: below SonarQube's small-changeset limit of 20 new lines.
UNTESTED = '''

def unused_discount(price: float, percent: float) -> float:
    """Not covered by any test."""
    if percent < 0:
        raise ValueError("negative discount")
    if percent > 100:
        raise ValueError("discount above 100%")
    reduced = price * (100 - percent) / 100
    if reduced < 0.01:
        return 0.0
    return round(reduced, 2)
'''

# 23 lines of code: large enough for the coverage condition to count.
UNTESTED_BIG = '''

def member_price(price: float, percent: float, member: bool = False) -> float:
    """Not covered by any test."""
    if percent < 0:
        raise ValueError("negative discount")
    if percent > 100:
        raise ValueError("discount above 100%")
    if member:
        percent = min(100.0, percent + 5)
    reduced = price * (100 - percent) / 100
    if reduced < 0.01:
        return 0.0
    cents = round(reduced * 100)
    if cents % 5 == 1:
        cents -= 1
    elif cents % 5 == 4:
        cents += 1
    total = cents / 100
    if total > price:
        total = price
    label = f"{percent:.0f}% off"
    if not label:
        raise RuntimeError("no label")
    return total
'''


def test_untested_new_code_fails_the_gate_by_coverage(project, pw, env):
    p = project()
    commit_on_branch(p, env, {"app/pricing.py": '"""Prices."""\n' + UNTESTED_BIG})
    r = pw(p, "run", timeout=600)
    assert r.code == 1, r
    g = r.stage("quality-gate")
    assert g["status"] == "FAILURE"
    assert "Coverage on new code" in g["summary"] and "80" in g["summary"]
    assert "app/pricing.py" in g["summary"]


def test_small_untested_change_passes_with_the_reason(project, pw, env):
    # SonarQube ignores coverage and duplication conditions below 20 new lines; the gate says so.
    p = project()
    commit_on_branch(p, env, {"app/pricing.py": '"""Prices."""\n' + UNTESTED})
    r = pw(p, "run", timeout=600)
    assert r.code == 0, r
    assert "fewer than 20 new lines" in r.out
    gate = json.loads((p / ".pipewright" / "builds" / "1" / "reports" / "quality-gate.json").read_text())
    cov = [c for c in gate["conditions"] if c["metric"] == "new_coverage"][0]
    assert cov["status"] == "PASSED" and cov.get("reason") == "fewer than 20 new lines", cov

    # With the rule turned off the same change fails.
    cfg = p / "pipewright.yaml"
    data = yaml.safe_load(cfg.read_text()) or {}
    data.setdefault("stages", {}).setdefault("quality-gate", {})["small_changeset_lines"] = 0
    cfg.write_text(yaml.safe_dump(data))
    subprocess.run(["git", "commit", "-qam", "gate: no small-changeset rule"], cwd=p, env=env, check=True)
    r = pw(p, "run", timeout=600)
    assert r.code == 1, r
    assert "Coverage on new code" in r.stage("quality-gate")["summary"]


BLOCK = "    total = 0.0\n" + "".join(f"    total += values[{i}] * factor + offset - {i}\n" for i in range(30))


def test_duplicated_block_fails_the_gate_by_duplication(project, pw, env):
    p = project()
    body = "def {name}(values: list[float], factor: float, offset: float) -> float:\n" + BLOCK + \
        "    return total\n"
    commit_on_branch(p, env, {"app/one.py": body.format(name="one"), "app/two.py": body.format(name="two"),
                              "tests/test_dup.py": "from app.one import one\nfrom app.two import two\n\n\n"
                              "def test_both() -> None:\n    v = [1.0] * 30\n"
                              "    assert one(v, 2.0, 1.0) == two(v, 2.0, 1.0)\n"})
    r = pw(p, "run", timeout=600)
    g = r.stage("quality-gate")
    assert g["status"] == "FAILURE", (g, r.out[-3000:])
    assert "Duplicated lines on new code" in g["summary"]
