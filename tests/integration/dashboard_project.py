"""A small project for the dashboard's tests: `run:` stages that write what the real stages
write (JUnit, coverage.xml, the dependency scan's JSON, an artifact), steered by files in the
project folder, so a test makes builds that pass, fail a test or bring a new vulnerability in a
few hundred milliseconds each, without Python tooling.

modes (the file `mode` in the project folder, one word per line):
  fail   tests/test_calc.py::test_sub fails
  vuln   the dependency scan reports a HIGH vulnerability of requests
  hold   the `slow` stage waits until the file `release` exists (a build to watch live)
"""
from pathlib import Path

GEN = r'''
import json, os, sys
from pathlib import Path
proj = Path(os.environ["PIPEWRIGHT_PROJECT_DIR"])
reports = Path(os.environ["PIPEWRIGHT_REPORTS"])
arts = Path(os.environ["PIPEWRIGHT_ARTIFACTS"])
modes = (proj / "mode").read_text().split() if (proj / "mode").exists() else []
what = sys.argv[1]
if what == "tests":
    cases = []
    for name in ["test_add", "test_sub", "test_mul", "test_div", "test_pow"]:
        body = ""
        if name == "test_sub" and "fail" in modes:
            body = ('<failure message="assert 1 == 2&#10; +  where 1 = sub(3, 2)">tests/test_calc.py:14: in test_sub\n'
                    '    assert sub(3, 2) == 2\nE   assert 1 == 2</failure>')
        cases.append(f'<testcase classname="tests.test_calc" name="{name}" file="tests/test_calc.py" line="10" time="0.0{len(name)}">{body}</testcase>')
    cases.append('<testcase classname="tests.test_calc" name="test_skip" time="0"><skipped message="not today"/></testcase>')
    failed = 1 if "fail" in modes else 0
    (reports / "report.xml").write_text(
        f'<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="{failed}" '
        f'skipped="1" tests="6" time="0.3">' + "".join(cases) + "</testsuite></testsuites>")
    covered = 8 if "fail" in modes else 9
    lines = "".join(f'<line number="{i}" hits="{1 if i <= covered else 0}"/>' for i in range(1, 11))
    (reports / "coverage.xml").write_text(
        f'<?xml version="1.0" ?><coverage version="7.2" line-rate="{covered/10}" branch-rate="0" lines-valid="10" '
        f'lines-covered="{covered}" branches-valid="0" branches-covered="0"><sources><source>/src</source></sources>'
        f'<packages><package name="calc" line-rate="{covered/10}"><classes><class name="calc.py" filename="calc/calc.py" '
        f'line-rate="{covered/10}"><lines>{lines}</lines></class></classes></package></packages></coverage>')
    print("\x1b[32m5 passed\x1b[0m" if not failed else "\x1b[31mFAILED tests/test_calc.py::test_sub - assert 1 == 2\x1b[0m")
    sys.exit(1 if failed else 0)
if what == "scan":
    findings = []
    if "vuln" in modes:
        findings.append({"id": "GHSA-j8r2-6x86-q33q", "package": "requests", "version": "2.25.0", "severity": "HIGH",
                         "fixed_versions": ["2.31.0"], "summary": "Unintended leak of Proxy-Authorization header",
                         "link": "https://osv.dev/vulnerability/GHSA-j8r2-6x86-q33q", "found_by": ["pipewright"], "ignored": False})
    # As the dependency-scan stage writes them: its own JSON, and Dependency-Check's schema.
    (reports / "dependency-scan.json").write_text(json.dumps({"version": 1, "findings": findings}))
    (reports / "dependency-check-report.json").write_text(json.dumps({"reportSchema": "1.1", "dependencies": []}))
    (arts / "dist").mkdir(exist_ok=True)
    (arts / "dist" / "calc-1.0.tar.gz").write_bytes(b"not really a tarball\n" * 10)
    print(f"{len(findings)} vulnerable package(s)")
if what == "slow":
    import time
    for i in range(3):
        print(f"\x1b[1mstep {i}\x1b[0m working", flush=True)
    while "hold" in modes and not (proj / "release").exists():
        time.sleep(0.1)
    print("\x1b[32mdone\x1b[0m", flush=True)
'''

PYTHON_STAGES = ["preflight", "setup-python", "lock-check", "tests", "lint", "format-ruff",
                 "format-black", "typecheck", "security-lint", "audit", "quality", "dependency-scan",
                 "analysis", "quality-gate", "package", "image-build", "image-scan", "image-push",
                 "upload", "deploy"]


def pipeline_yaml() -> str:
    disabled = "".join(f"  {s}:\n    enabled: false\n" for s in PYTHON_STAGES)
    return ("stages:\n" + disabled +
            "  unit:\n    run: /usr/bin/python3 gen.py tests\n    blocking: false\n"
            "  scan:\n    run: /usr/bin/python3 gen.py scan\n"
            "  slow:\n    run: /usr/bin/python3 gen.py slow\n    needs: [unit, scan]\n")


def files() -> dict:
    return {"pipewright.yaml": pipeline_yaml(), "gen.py": GEN, ".gitignore": ".pipewright/\nmode\nrelease\n"}


def set_mode(project: Path, *modes: str) -> None:
    (project / "mode").write_text("\n".join(modes) + "\n")
