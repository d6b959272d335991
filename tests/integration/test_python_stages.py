"""The Python stages on copies of examples/python-app: environment and cache, lock-check, tests,
the quality stack, post. Debian's tools stand in for PyPI (see the example's pipewright.yaml)."""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import EXAMPLE, SYSTEM_PYTHON, make_repo

pytestmark = pytest.mark.skipif(
    subprocess.run([SYSTEM_PYTHON, "-c", "import pytest, pytest_cov, black, mypy, bandit, flake8"],
                   capture_output=True).returncode != 0,
    reason="Debian's Python tools are missing: run scripts/install-deps.sh")


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory):
    """One environment cache for the tests that do not test the cache itself."""
    return tmp_path_factory.mktemp("pipewright-cache")


def copy_example(dest: Path, env, edit=None) -> Path:
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(
        ".pipewright", ".venv", "__pycache__", "*.egg-info", "build", "dist"))
    if edit:
        edit(dest)
    files = {}  # make_repo commits what is in the folder
    return make_repo(dest, files, env)


@pytest.fixture
def example(tmp_path, env, shared_cache):
    env["XDG_CACHE_HOME"] = str(shared_cache)

    def factory(edit=None):
        return copy_example(tmp_path / "python-app", env, edit)

    return factory


def test_green_run_of_the_example(example, pw):
    project = example()
    r = pw(project, "run", timeout=600)
    assert r.code == 0, r
    b = r.build()
    st = {s["id"]: s for s in b["stages"]}
    for sid in ["checkout", "preflight", "lock-check", "setup-python", "tests", "lint",
                "format-black", "typecheck", "security-lint", "quality", "post"]:
        assert st[sid]["status"] == "SUCCESS", (sid, st[sid])
    # Tools that cannot be had here are SKIPPED with the reason, not SUCCESS.
    assert st["format-ruff"]["status"] == "SKIPPED"
    assert "ruff is not installed" in st["format-ruff"]["summary"]
    assert st["audit"]["status"] == "SKIPPED" and "pip-audit" in st["audit"]["summary"]
    tests = st["tests"]["data"]["tests"]
    assert tests["passed"] >= 10 and tests["failed"] == 0
    cov = st["tests"]["data"]["coverage"]
    assert cov["line_percent"] > 80
    assert "passed" in st["tests"]["summary"] and "coverage" in st["tests"]["summary"]
    root = project / ".pipewright/builds" / str(b["number"])
    sarif = json.loads((root / "reports/quality.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert {run["tool"]["driver"]["name"] for run in sarif["runs"]} >= {"flake8", "black", "mypy", "bandit"}
    sums = (root / "artifacts/SHA256SUMS").read_text()
    assert "reports/coverage.xml" in sums and "reports/report.xml" in sums
    # The summary table shows test counts and coverage.
    assert re.search(r"tests\s+SUCCESS.*passed.*coverage", r.out)


def test_unpinned_requirement_fails_at_lock_check(example, pw):
    def edit(p):
        text = (p / "requirements-dev.txt").read_text().replace("black==23.1.0", "black>=23.1.0")
        (p / "requirements-dev.txt").write_text(text)
    project = example(edit)
    line = next(i for i, l in enumerate((project / "requirements-dev.txt").read_text().splitlines(), 1)
                if l.startswith("black"))
    r = pw(project, "run", timeout=600)
    assert r.code == 1, r
    lc = r.stage("lock-check")
    assert lc["status"] == "FAILURE"
    assert f"requirements-dev.txt:{line}" in lc["summary"]
    assert "black" in lc["summary"] and ">=" in lc["summary"]
    assert b"use black==23.1.0" in r.log("lock-check")
    # Nothing was installed for a build that cannot pass.
    assert r.stage("setup-python")["status"] in ("NOT_BUILT", "ABORTED")
    assert r.stage("tests")["status"] == "NOT_BUILT"
    # The log says the way on, and following it works: black allowed to float, with a reason.
    assert b'lock-check: {allow: {black: "why it may float"}}' in r.log("lock-check")
    config = (project / "pipewright.yaml").read_text().replace(
        "stages:\n", "stages:\n  lock-check:\n    allow:\n      black: formatter, any 23.x formats alike\n", 1)
    (project / "pipewright.yaml").write_text(config)
    r = pw(project, "run", "lock-check", "--in-place", timeout=300)
    lc = r.stage("lock-check")
    assert lc["status"] == "SUCCESS", r.log("lock-check")
    assert "1 allowed to float" in lc["summary"], lc
    assert b"formatter, any 23.x formats alike" in r.log("lock-check")


def test_failing_test_fails_the_build_with_its_name(example, pw):
    def edit(p):
        (p / "tests/test_broken.py").write_text(
            "def test_arithmetic_is_broken() -> None:\n    assert 1 + 1 == 3\n")
    project = example(edit)
    r = pw(project, "run", timeout=600)
    assert r.code == 1, r
    t = r.stage("tests")
    assert t["status"] == "FAILURE"
    assert "1 failed" in t["summary"]
    assert "tests/test_broken.py::test_arithmetic_is_broken" in t["summary"]
    assert "test_broken.py:2" in t["summary"]
    assert "tests/test_broken.py::test_arithmetic_is_broken" in r.out
    f = t["data"]["failures"][0]
    assert f["file"] == "tests/test_broken.py" and f["line"] == 2
    assert r.stage("post")["status"] == "SUCCESS"


def test_xfail_and_xpass_are_counted_as_pytest_counts_them(example, pw):
    """An expected failure is xfailed and an unexpected pass xpassed, as pytest's summary says,
    not skipped and passed as JUnit writes them."""
    def edit(p):
        (p / "tests/test_expected.py").write_text(
            "import pytest\n\n\n@pytest.mark.xfail(reason='known')\n"
            "def test_known_bug() -> None:\n    assert 1 + 1 == 3\n\n\n"
            "@pytest.mark.xfail(reason='fixed meanwhile')\n"
            "def test_fixed_bug() -> None:\n    assert 1 + 1 == 2\n")
    project = example(edit)
    r = pw(project, "run", "tests", timeout=600)
    assert r.code == 0, r
    t = r.stage("tests")
    log = r.log("tests").decode()
    line = [l for l in log.splitlines() if l.startswith("=") and " in " in l][-1]
    passed = int(re.search(r"(\d+) passed", line).group(1))
    assert "1 xfailed" in line and "1 xpassed" in line, line
    assert t["summary"].startswith(f"{passed} passed, 1 xfailed, 1 xpassed in "), (t["summary"], line)
    assert t["data"]["tests"]["xfailed"] == 1 and t["data"]["tests"]["xpassed"] == 1
    assert t["data"]["tests"]["skipped"] == 0


PYRIGHT_BIN = Path(__file__).resolve().parents[2] / ".tools" / "node_modules" / ".bin"


def test_a_project_that_configures_pyright_is_typechecked_by_pyright(example, pw, env):
    """typecheck runs pyright for a project that configures pyright and not mypy, its figure
    pyright's own; where pyright is not installed, mypy stands in and the log says so."""
    if not (PYRIGHT_BIN / "pyright").exists():
        pytest.skip("pyright is not in .tools (scripts/install-deps.sh test installs it)")
    def edit(p):
        text = (p / "pyproject.toml").read_text()
        start = text.index("[tool.mypy]")
        end = text.index("[tool.coverage.run]")
        (p / "pyproject.toml").write_text(
            text[:start] + "[tool.pyright]\ntypeCheckingMode = \"basic\"\n\n" + text[end:])
        (p / "app/typed.py").write_text("def f(x: int) -> str:\n    return x\n")
    project = example(edit)
    path = f"{PYRIGHT_BIN}:{env['PATH']}"
    r = pw(project, "run", "typecheck", timeout=600, extra_env={"PATH": path})
    assert r.code == 3, r  # typecheck is not blocking: its findings make the build UNSTABLE
    t = r.stage("typecheck")
    assert t["data"]["tool"] == "pyright", t
    assert t["summary"].startswith("pyright: 1 finding (1 error), first app/typed.py:2 reportReturnType"), t
    ws = Path(r.build()["workspace"])
    own = subprocess.run([str(PYRIGHT_BIN / "pyright"), "--outputjson", "--pythonpath",
                          str(ws / ".venv/bin/python"), "app", "tests"], cwd=ws,
                         capture_output=True, text=True)
    assert json.loads(own.stdout)["summary"]["errorCount"] == 1, own.stdout

    # Without pyright on PATH the key changes: no result of pyright's comes from the cache.
    r = pw(project, "run", "typecheck", timeout=600)
    t = r.stage("typecheck")
    assert "from_build" not in t.get("cache", {}), t
    assert t["data"]["tool"] == "mypy" and t["data"]["in_place_of"] == "pyright", t
    assert "pyright is not installed: mypy stands in for it" in r.log("typecheck").decode()


def test_badly_formatted_file_makes_the_build_unstable(example, pw):
    def edit(p):
        (p / "app/constants.py").write_text("GREETING = 'hello'\n")
    project = example(edit)
    r = pw(project, "run", timeout=600)
    assert r.code == 3, r
    assert r.build()["status"] == "UNSTABLE"
    fb = r.stage("format-black")
    assert fb["status"] == "UNSTABLE"
    assert "app/constants.py" in fb["summary"]
    # black's own figure is files: the summary says what black said.
    assert fb["summary"].startswith("black: 1 file would be reformatted (1 change)"), fb
    assert b"1 file would be reformatted" in r.log("format-black")
    # The pipeline went on.
    assert r.stage("quality")["status"] == "SUCCESS"
    assert r.stage("post")["status"] == "SUCCESS"


def test_second_run_reuses_the_cached_environment(tmp_path, env, pw):
    env["XDG_CACHE_HOME"] = str(tmp_path / "fresh-cache")
    project = copy_example(tmp_path / "python-app", env)
    cold = pw(project, "run", "setup-python", timeout=600)
    assert cold.code == 0, cold
    sp1 = cold.stage("setup-python")
    assert sp1["data"]["cache"] == "miss"
    assert b"-r " in cold.log("setup-python")
    warm = pw(project, "run", "setup-python", timeout=600)
    assert warm.code == 0, warm
    sp2 = warm.stage("setup-python")
    assert sp2["data"]["cache"] == "hit"
    assert sp2["data"]["cache_key"] == sp1["data"]["cache_key"]
    log = warm.log("setup-python").decode()
    assert "-r " not in log, "a dependency was installed again"
    # The example's metadata is static: the project is installed natively, not by pip.
    assert sp2["data"]["project_install"] == "native"
    assert "installed python-app 0.1.0 natively" in log
    print(f"\nsetup-python cold {sp1['duration_ms']} ms, warm {sp2['duration_ms']} ms; "
          f"dependencies {sp1['data']['dependencies_ms']} -> {sp2['data']['dependencies_ms']} ms")
    assert sp2["data"]["dependencies_ms"] < sp1["data"]["dependencies_ms"]
    # Changing a requirements file changes the key.
    req = project / "requirements-dev.txt"
    req.write_text(req.read_text() + "# touched\n")
    subprocess.run(["git", "commit", "-qam", "touch"], cwd=project, env=env, check=True)
    third = pw(project, "run", "setup-python", timeout=600)
    assert third.stage("setup-python")["data"]["cache"] == "miss"
    ls = pw(project, "cache", "ls")
    assert ls.code == 0 and "2 environment(s)" in ls.out


def test_missing_interpreter_is_named_with_the_package_to_install(example, pw):
    def edit(p):
        y = (p / "pipewright.yaml").read_text().replace("python: /usr/bin/python3", "python: /nonexistent/python3")
        (p / "pipewright.yaml").write_text(y)
    project = example(edit)
    r = pw(project, "run", timeout=300)
    assert r.code == 1
    pf = r.stage("preflight")
    assert pf["status"] == "FAILURE"
    assert b"apt-get install python3" in r.log("preflight")


def test_pip_failing_offline_shows_pips_own_error(example, pw):
    def edit(p):
        req = p / "requirements-dev.txt"
        req.write_text(req.read_text() + "no-such-package-pw==1.0\n")
    project = example(edit)
    r = pw(project, "run", "setup-python", timeout=600)
    assert r.code == 1
    s = r.stage("setup-python")["summary"]
    # pip's explaining line, not its last words.
    assert "No matching distribution found for no-such-package-pw==1.0" in s, s
    assert "Traceback" not in s


def test_hanging_test_suite_is_stopped_by_the_timeout(example, pw):
    def edit(p):
        (p / "tests/test_hang.py").write_text("import time\n\n\ndef test_hang() -> None:\n    time.sleep(600)\n")
        y = (p / "pipewright.yaml").read_text() + "  tests:\n    timeout: 8s\n"
        (p / "pipewright.yaml").write_text(y)
    project = example(edit)
    r = pw(project, "run", "tests", timeout=600)
    assert r.code == 1
    assert "timed out" in r.stage("tests")["summary"]
    # Stopped at its 8 s timeout, not at the end of the test's 600 s sleep.
    assert r.stage("tests")["duration_ms"] < 300_000, r.stage("tests")


def test_missing_blocking_linter_fails_with_how_to_add_it(example, pw):
    def edit(p):
        y = (p / "pipewright.yaml").read_text().replace("tool: flake8", "tool: ruff")
        (p / "pipewright.yaml").write_text(y)
    project = example(edit)
    r = pw(project, "run", "lint", timeout=600)
    assert r.code == 1
    s = r.stage("lint")["summary"]
    assert "ruff is not installed" in s and "add ruff to requirements-dev.txt" in s


def test_default_linter_missing_flake8_stands_in_with_ruffs_defaults(example, pw):
    """With lint's tool left to the default (ruff) on a machine without ruff, flake8 does the
    job with ruff's default rules (E4, E7, E9, F; line length 88) and says so."""
    if subprocess.run(["/usr/bin/python3", "-c", "import ruff"], capture_output=True).returncode == 0:
        pytest.skip("ruff is installed here: the default linter runs itself")
    def edit(p):
        y = (p / "pipewright.yaml").read_text().replace("  lint:\n    tool: flake8\n", "")
        assert "tool: flake8" not in y
        (p / "pipewright.yaml").write_text(y)
        # E302 (two blank lines) is flake8's default but not ruff's: it must not count.
        (p / "app/extra.py").write_text("X = 1\ndef f() -> int:\n    return X\n")
        (p / ".flake8").unlink()  # a flake8 configuration of its own would be read instead
    project = example(edit)
    r = pw(project, "run", "lint", timeout=600)
    assert r.code == 0, r
    lint = r.stage("lint")
    assert lint["status"] == "SUCCESS" and lint["summary"] == "flake8: clean", lint
    assert lint["data"]["tool"] == "flake8" and lint["data"]["in_place_of"] == "ruff"
    log = r.log("lint").decode()
    assert "ruff is not installed: flake8 stands in for it" in log
    assert "--select=E4,E7,E9,F" in log and "--max-line-length=88" in log, log


def test_no_tests_collected_fails_with_that_reason(example, pw):
    def edit(p):
        for f in (p / "tests").glob("test_*.py"):
            f.unlink()
    project = example(edit)
    r = pw(project, "run", "tests", timeout=600)
    assert r.code == 1
    assert "no tests were collected" in r.stage("tests")["summary"]
