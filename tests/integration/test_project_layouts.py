"""Zero configuration on the layouts real Python projects use: each fixture project is built
here, run through `pipewright run` with only the offline settings this machine needs (no PyPI:
Debian's packages through system site packages, --no-index, no build isolation), and the test
checks what was detected, that the stages passed, and that the figures equal the tools' own:
pytest's counts and coverage.py's total, measured here by running the tools directly."""
import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from conftest import SYSTEM_PYTHON

pytestmark = pytest.mark.skipif(
    subprocess.run([SYSTEM_PYTHON, "-c", "import pytest, pytest_cov, flake8, hatchling, flit_core"],
                   capture_output=True).returncode != 0,
    reason="Debian's Python tools or build backends are missing: run scripts/install-deps.sh")

# Only what this machine needs: no index, Debian's packages, no build isolation.
OFFLINE = textwrap.dedent("""\
    version: 1
    project:
      python: /usr/bin/python3
    stages:
      lint:
        tool: flake8
      package:
        isolation: false
      setup-python:
        system_site_packages: true
        no_index: true
        upgrade_tools: false
        build_isolation: false
    """)

CODE = textwrap.dedent('''\
    """A small module with a branch the tests leave half covered."""


    def classify(n: int) -> str:
        if n < 0:
            return "negative"
        if n == 0:
            return "zero"
        return "positive"


    def unused(x: int) -> int:
        total = 0
        for i in range(x):
            total += i
        return total
    ''')

TESTS = textwrap.dedent('''\
    import pytest

    from {pkg}.core import classify


    def test_positive() -> None:
        assert classify(3) == "positive"


    def test_zero() -> None:
        assert classify(0) == "zero"


    @pytest.mark.skip(reason="not today")
    def test_skipped() -> None:
        assert False
    ''')


def layout_src_hatch():
    return "src/hatch_pkg", "tests", {
        "pyproject.toml": textwrap.dedent("""\
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"

            [project]
            name = "hatch-pkg"
            version = "1.0.0"
            requires-python = ">=3.9"

            [tool.hatch.build.targets.wheel]
            packages = ["src/hatch_pkg"]

            [dependency-groups]
            test = ["pytest>=7", "pytest-cov"]
            dev = [{include-group = "test"}, "flake8"]
            """),
        "src/hatch_pkg/__init__.py": '"""hatch_pkg."""\n',
        "src/hatch_pkg/core.py": CODE,
        "tests/test_core.py": TESTS.format(pkg="hatch_pkg"),
        "docs/conf.py": "project = 'x'\nextensions = []\n",
    }, {"kind": "dependency-group", "name": "dev"}


def layout_flat_flit():
    return "flit_pkg", "test", {
        "pyproject.toml": textwrap.dedent("""\
            [build-system]
            requires = ["flit_core >=3.2,<4"]
            build-backend = "flit_core.buildapi"

            [project]
            name = "flit_pkg"
            dynamic = ["version", "description"]

            [project.optional-dependencies]
            test = ["pytest", "pytest-cov"]
            """),
        "flit_pkg/__init__.py": '"""A flit package."""\n__version__ = "0.3.0"\n',
        "flit_pkg/core.py": CODE,
        "test/test_core.py": TESTS.format(pkg="flit_pkg"),
    }, {"kind": "extra", "name": "test"}


def layout_setuptools_cfg():
    return "src/cfg_pkg", "tests", {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n',
        "setup.cfg": textwrap.dedent("""\
            [metadata]
            name = cfg-pkg
            version = 0.2.0

            [options]
            package_dir =
                =src
            packages = find:

            [options.packages.find]
            where = src

            [tool:pytest]
            testpaths = tests
            """),
        "src/cfg_pkg/__init__.py": "",
        "src/cfg_pkg/core.py": CODE,
        "tests/test_core.py": TESTS.format(pkg="cfg_pkg"),
        "requirements/test.in": "pytest\npytest-cov\n",
        "requirements/test.txt": "# pip-compile output\npytest==7.2.1\npytest-cov==4.0.0\ncoverage==6.5.0\n",
        "setup.py": "from setuptools import setup\nsetup()\n",
    }, {"kind": "pip-tools", "file": "requirements/test.txt"}


def layout_seed():
    return "app", "tests", {
        "setup.py": "from setuptools import setup, find_packages\n\nsetup(name='seed-app', version='0.1.0', "
                    "packages=find_packages(exclude=['tests']))\n",
        "app/__init__.py": "",
        "app/core.py": CODE,
        "tests/__init__.py": "",
        "tests/test_core.py": TESTS.format(pkg="app"),
        "requirements-dev.txt": "pytest==7.2.1\npytest-cov==4.0.0\ncoverage==6.5.0\nflake8==5.0.4\n",
    }, {"kind": "requirements", "file": "requirements-dev.txt"}


def layout_setup_py_only():
    return "legacy_pkg", "tests", {
        "setup.py": "from setuptools import setup\n\nsetup(\n    name='legacy-pkg',\n    version='2.0',\n"
                    "    packages=['legacy_pkg'],\n)\n",
        "legacy_pkg/__init__.py": "",
        "legacy_pkg/core.py": CODE,
        "tests/test_core.py": TESTS.format(pkg="legacy_pkg"),
    }, None


LAYOUTS = {
    "src-hatchling-groups": layout_src_hatch,
    "flat-flit-extras": layout_flat_flit,
    "setuptools-cfg-piptools": layout_setuptools_cfg,
    "seed-app-setup-py": layout_seed,
    "setup-py-only": layout_setup_py_only,
}


def own_figures(project: Path, pkg_path: str, tests: str, tmp_path: Path):
    """pytest's counts and coverage.py's total, from the tools run directly on the checkout."""
    import_root = str(project / Path(pkg_path).parent) if "/" in pkg_path else str(project)
    name = Path(pkg_path).name
    out = tmp_path / "own.json"
    e = dict(os.environ, PYTHONPATH=import_root, COVERAGE_FILE=str(tmp_path / ".coverage"))
    r = subprocess.run([SYSTEM_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        f"--cov={name}", "--cov-branch", "--cov-report=",
                        f"--junitxml={tmp_path / 'own.xml'}", tests],
                       cwd=project, env=e, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    # pytest-cov 4.0 has no JSON report: coverage.py's own command writes it from the data.
    r = subprocess.run([SYSTEM_PYTHON, "-m", "coverage", "json", "-o", str(out)],
                       cwd=project, env=e, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    totals = json.loads(out.read_text())["totals"]
    import xml.etree.ElementTree as ET
    suite = ET.parse(tmp_path / "own.xml").getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    counts = {k: int(suite.get(k)) for k in ("tests", "failures", "errors", "skipped")}
    return counts, totals["percent_covered"]


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_layout_runs_with_only_offline_settings(layout, repo, pw, tmp_path):
    pkg_path, tests, files, source = LAYOUTS[layout]()
    files = dict(files)
    files["pipewright.yaml"] = OFFLINE
    if layout == "src-hatchling-groups":
        # hatchling's editable wheels need `editables`, which Debian 12 does not package: the
        # project is installed as a regular wheel, and coverage measures the installed package.
        files["pipewright.yaml"] += "    editable: false\n"
        # For the same reason `python -m build` finds hatchling's own requirements unmet.
        files["pipewright.yaml"] = files["pipewright.yaml"].replace(
            "    isolation: false\n", "    isolation: false\n    args: [--skip-dependency-check]\n")
    project = repo(files)

    plan = pw(project, "plan")
    assert plan.code == 0, plan
    assert f"package      {Path(pkg_path).name} at {pkg_path}" in plan.out, plan.out
    assert f"tests        {tests}" in plan.out, plan.out

    r = pw(project, "run", timeout=600)
    st = {s["id"]: s for s in r.build()["stages"]}
    for sid in ["preflight", "setup-python", "tests", "lint", "package", "analysis", "quality-gate"]:
        assert st[sid]["status"] == "SUCCESS", (sid, st[sid], r)
    assert r.code == 0, r

    pre = st["preflight"]["data"]["project"]
    assert pre["packages"] == [pkg_path] and pre["tests"] == [tests]
    deps = st["setup-python"]["data"]["dev_dependencies"]
    if source:
        assert any(all(d.get(k) == v for k, v in source.items()) for d in deps), deps

    counts, total = own_figures(project, pkg_path, tests, tmp_path)
    t = st["tests"]["data"]["tests"]
    assert t["tests"] == counts["tests"] and t["skipped"] == counts["skipped"]
    assert t["failed"] == counts["failures"] and t["errors"] == counts["errors"]
    assert abs(st["tests"]["data"]["coverage"]["percent"] - total) < 0.05, (st["tests"]["data"], total)


# dev_dependencies: system — the interpreter's packages stand in for the declared dev
# dependencies (this machine: Debian's python3-pytest, ...); lint with flake8 in ruff's place.
SYSTEM = OFFLINE.replace("    system_site_packages: true\n", "    dev_dependencies: system\n")
assert "dev_dependencies: system" in SYSTEM

LONG_LINE = "    return " + '"' + "p" * 51 + '"' + "  # ruff's 100, not flake8's 79\n"


def test_system_packages_stand_in_and_flake8_reads_ruffs_settings(repo, pw, env):
    project = repo({
        "pyproject.toml": textwrap.dedent("""\
            [build-system]
            requires = ["flit_core >=3.2,<4"]
            build-backend = "flit_core.buildapi"

            [project]
            name = "sys_pkg"
            version = "1.0"
            description = "x"

            [dependency-groups]
            test = ["pytest>=7", "pytest-cov", "not-a-debian-package>=1"]

            [tool.ruff]
            line-length = 100

            [tool.ruff.lint]
            select = ["E", "F", "I"]
            """),
        # An explicit re-export: pyflakes 2.5 calls it F401, ruff does not.
        "sys_pkg/__init__.py": '"""sys_pkg."""\nfrom .core import classify as classify\n',
        "sys_pkg/core.py": CODE.replace('    return "positive"\n', LONG_LINE),
        "tests/test_core.py": TESTS.format(pkg="sys_pkg").replace(
            '== "positive"', '.startswith("p")'),
        "pipewright.yaml": SYSTEM,
    })
    assert 79 < len(LONG_LINE.rstrip("\n")) <= 100
    assert LONG_LINE in (project / "sys_pkg/core.py").read_text()
    r = pw(project, "run", "lint", "tests", timeout=600)
    st = {s["id"]: s for s in r.build()["stages"]}
    sp = st["setup-python"]
    assert sp["status"] == "SUCCESS", (sp, r)
    assert sp["data"]["dev_dependencies_from"] == "system"
    assert sp["data"]["stand_ins"] == 3 and sp["data"]["stand_ins_unmet"] == 1, sp["data"]
    assert "system packages stand in for 3 dev dependencies (not met: " \
           "not-a-debian-package (missing))" in sp["summary"], sp["summary"]
    # Nothing was pip-installed: the cached entry holds venv's own pip (and setuptools) only.
    dists = {p.name.split("-")[0].lower()
             for p in Path(sp["data"]["cache_dir"]).glob("lib/python*/site-packages/*.dist-info")}
    assert dists <= {"pip", "setuptools"}, dists
    lint = st["lint"]
    assert lint["status"] == "SUCCESS", (lint, r)
    assert "line-length 100" in lint["data"]["ruff_settings_mapped"], lint["data"]
    assert lint["data"]["ruff_settings_unmapped"] == ["select I (not flake8 codes)"], lint["data"]
    assert lint["data"]["ruff_exempted"] == 1, lint["data"]
    assert "1 more that ruff would not report" in lint["summary"], lint["summary"]
    log = (project / ".pipewright/builds/1/logs/lint.log").read_text()
    assert "left out, ruff would not report it (an explicit re-export" in log, log
    assert st["tests"]["status"] == "SUCCESS", (st["tests"], r)
    assert st["tests"]["data"]["tests"]["tests"] == 3

    # Without the stand-in, flake8's own 79 columns would have failed the same line: the
    # mapping, not a lenient flake8, made lint pass.
    (project / "setup.cfg").write_text("[flake8]\nselect = E,F\n")
    subprocess.run(["git", "-C", str(project), "add", "setup.cfg"], check=True, env=env)
    subprocess.run(["git", "-C", str(project), "commit", "-qm", "own flake8 config"], check=True,
                   env=env)
    r = pw(project, "run", "lint", timeout=600)
    lint = {s["id"]: s for s in r.build()["stages"]}["lint"]
    assert lint["status"] == "FAILURE", lint
    assert lint["summary"].startswith("flake8: 2 findings"), lint  # F401 and E501
    assert "ruff_exempted" not in lint["data"], lint


def test_pytest_dying_before_its_report_says_why(repo, pw):
    files = dict(layout_flat_flit()[2])
    files["pipewright.yaml"] = SYSTEM
    files["test/conftest.py"] = 'raise RuntimeError("no database configured for the tests")\n'
    project = repo(files)
    r = pw(project, "run", "tests", timeout=600)
    t = {s["id"]: s for s in r.build()["stages"]}["tests"]
    assert t["status"] == "FAILURE", t
    assert t["summary"].endswith("RuntimeError: no database configured for the tests"), t["summary"]
    assert r.code == 1


@pytest.mark.parametrize("declared,where", [
    ('[project]\nname = "demo"\nversion = "1.0"\nrequires-python = ">=3.99"\n',
     "pyproject.toml:4 [project] requires-python"),
    ('[tool.poetry]\nname = "demo"\nversion = "1.0"\n\n[tool.poetry.dependencies]\npython = "^3.99"\n',
     "pyproject.toml:6 [tool.poetry.dependencies] python"),
])
def test_preflight_names_a_python_outside_the_projects_range(declared, where, repo, pw):
    """pip refuses a project whose requires-python excludes the interpreter, after building the
    environment; preflight says so first, with the line that declares the range (Poetry's caret
    read as Poetry means it)."""
    files = dict(layout_flat_flit()[2])
    files["pyproject.toml"] = declared
    files["pipewright.yaml"] = OFFLINE
    project = repo(files)
    r = pw(project, "run", "preflight", timeout=120)
    pre = r.stage("preflight")
    assert pre["status"] == "FAILURE", pre
    version = subprocess.run([SYSTEM_PYTHON, "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True).stdout.strip()
    assert f"python {version} in requires-python" in pre["summary"] and where in pre["summary"], pre
    assert b"set project.python in pipewright.yaml" in r.log("preflight")
    assert r.code == 1
    # The same project with a range that holds passes the check.
    (project / "pyproject.toml").write_text(declared.replace("3.99", "3.7"))
    subprocess.run(["git", "commit", "-qam", "range"], cwd=project, check=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})
    r = pw(project, "run", "preflight", timeout=120)
    assert r.stage("preflight")["status"] == "SUCCESS", r.log("preflight")
    assert b"ok    python " + version.encode() + b" in requires-python" in r.log("preflight")


@pytest.mark.parametrize("tool_config", [
    {},
    # Files that configure tools only, as services keep them: still nothing to package.
    {"pyproject.toml": "[tool.black]\nline-length = 100\n\n[tool.pytest.ini_options]\ntestpaths = [\"tests\"]\n",
     "setup.cfg": "[flake8]\nmax-line-length = 100\n"},
], ids=["bare", "tool-config-only"])
def test_application_without_packaging_metadata(tool_config, repo, pw):
    """A service as many teams keep one: app.py, tests/, a pinned requirements.txt, and no
    packaging metadata (no setup.py; a pyproject.toml or setup.cfg, if any, configures tools
    only). Nothing to install or package, which is no failure: the module is the code,
    requirements.txt is what the environment installs, the folder is on sys.path, and the
    pipeline runs through with the package stage SKIPPED (a build would make an UNKNOWN-0.0.0
    wheel)."""
    versions = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import importlib.metadata as m; print(m.version('requests'), m.version('pytest'))"],
        capture_output=True, text=True, check=True).stdout.split()
    project = repo({
        "app.py": "import requests\n\n\ndef greet(name: str) -> str:\n    return f'hello {name}'\n\n\n"
                  "def session() -> requests.Session:\n    return requests.Session()\n",
        "tests/test_app.py": "from app import greet\n\n\ndef test_greet() -> None:\n    assert greet('x') == 'hello x'\n",
        "requirements.txt": f"requests=={versions[0]}\npytest=={versions[1]}\n",
        "pipewright.yaml": OFFLINE,
        **tool_config,
    })
    # plan says what setup-python and package do with it (it said setuptools' legacy backend for
    # a setup.cfg of tool settings, or "the project cannot be installed" without one).
    plan = pw(project, "plan")
    assert "backend      none: an application without packaging metadata, run from its folder" in plan.out, plan.out
    assert "__legacy__" not in plan.out and "cannot be installed" not in plan.out, plan.out
    r = pw(project, "run", timeout=600)
    st = {s["id"]: s for s in r.build()["stages"]}
    for sid in ["preflight", "lock-check", "setup-python", "tests", "lint", "analysis", "quality-gate"]:
        assert st[sid]["status"] == "SUCCESS", (sid, st[sid], r)
    assert st["package"]["status"] == "SKIPPED", st["package"]
    assert st["preflight"]["data"]["project"]["packages"] == ["app.py"]
    assert b"an application, run from its folder" in r.log("preflight")
    assert st["setup-python"]["data"]["project_install"] == "application"
    assert st["tests"]["data"]["tests"]["passed"] == 1
    assert st["lock-check"]["summary"].startswith("2 requirements pinned in 1 file"), st["lock-check"]
    # The tests' import worked through the .pth, from any folder, as after an editable install.
    ws = Path(r.build()["workspace"])
    out = subprocess.run([str(ws / ".venv/bin/python"), "-c", "import app; print(app.greet('y'))"],
                         capture_output=True, text=True, cwd="/")
    assert out.stdout == "hello y\n", out


def test_pytest_refusing_its_configuration_says_why(repo, pw):
    """pluggy's tox.ini asks for pytest 8 and Debian has 7: pytest exits 4 before any test,
    and the summary carries its own words rather than blaming pipewright's arguments alone."""
    files = dict(layout_flat_flit()[2])
    files["pipewright.yaml"] = SYSTEM
    files["tox.ini"] = "[pytest]\nminversion = 99.0\n"
    project = repo(files)
    r = pw(project, "run", "tests", timeout=600)
    t = r.stage("tests")
    assert t["status"] == "FAILURE", t
    assert t["summary"].startswith("pytest refused its configuration or arguments (exit code 4"), t
    assert "'minversion' requires pytest-99.0" in t["summary"], t["summary"]


def test_pipfile_python_version_other_than_the_builds_is_a_warning(repo, pw):
    """A Pipfile pinned to Python 3.6 years ago (chumnend/contact-book-cli): the build runs with
    the interpreter it has and says so, naming the Pipfile's line."""
    files = dict(layout_flat_flit()[2])
    files["pipewright.yaml"] = SYSTEM
    files["Pipfile"] = "[packages]\n\n[dev-packages]\n\n[requires]\npython_version = \"3.6\"\n"
    project = repo(files)
    r = pw(project, "run", "preflight", timeout=120)
    assert r.stage("preflight")["status"] == "SUCCESS", r.log("preflight")
    assert b"Pipfile:6 asks for Python 3.6 ([requires] python_version) and the build runs" in r.log("preflight")


def test_build_requirement_missing_without_isolation_is_named(repo, pw):
    """attrs builds with hatchling and two hatch plugins. Offline, without build isolation, pip
    builds with the environment's packages, and hatchling's own words ("Unknown metadata hook:
    fancy-pypi-readme") do not say that a [build-system] requirement is missing: the summary
    names it, with its line."""
    files = dict(layout_flat_flit()[2])
    files["pyproject.toml"] = textwrap.dedent("""\
        [build-system]
        requires = ["hatchling",
                    "hatch-fancy-pypi-readme>=23.2.0"]
        build-backend = "hatchling.build"

        [project]
        name = "flit_pkg"
        version = "0.3.0"
        dynamic = ["readme"]

        [tool.hatch.metadata.hooks.fancy-pypi-readme]
        content-type = "text/markdown"
        """)
    files["pipewright.yaml"] = OFFLINE
    project = repo(files)
    r = pw(project, "run", "setup-python", timeout=300)
    setup = r.stage("setup-python")
    assert setup["status"] == "FAILURE", setup
    assert ("the build needs hatch-fancy-pypi-readme>=23.2.0 (pyproject.toml:3) ([build-system] requires)"
            in setup["summary"]), setup["summary"]
    assert "fancy-pypi-readme" in setup["summary"].split("pip said:")[1], setup["summary"]
    assert "hatchling (" not in setup["summary"], setup["summary"]  # installed: not named
    assert r.code == 1


def test_monorepo_names_the_folder_that_holds_the_python_project(repo, pw):
    """A monorepo keeps its Python service in backend/ beside a frontend: at the root preflight
    used to fail on "import package" with notes about a missing pyproject.toml; it now names
    the folder and the command, and run there the project is found."""
    files = {"backend/" + k: v for k, v in layout_flat_flit()[2].items()}
    files["backend/pipewright.yaml"] = OFFLINE
    files["frontend/package.json"] = '{"name": "web"}\n'
    project = repo(files)
    r = pw(project, "run", "preflight", timeout=120)
    pre = r.stage("preflight")
    assert pre["status"] == "FAILURE", pre
    assert "there is one in backend: pipewright run -C backend" in pre["summary"], pre
    assert b"add a pyproject.toml" not in r.log("preflight")
    r = pw(project, "run", "-C", "backend", "preflight", timeout=120)
    assert r.code == 0, r
    latest = project / "backend" / ".pipewright" / "builds" / "latest"
    stages = {s["id"]: s for s in json.loads((latest / "build.json").read_text())["stages"]}
    log = (latest / "logs" / "preflight.log").read_bytes()
    assert stages["preflight"]["status"] == "SUCCESS", log
    assert b"flit_pkg" in log


def test_tests_inside_the_package_are_linted_once(repo, pw):
    """Tests kept inside the package (pkg/tests, as h11 keeps them): lint used to pass both the
    package and pkg/tests to flake8, which then checked and reported every test file twice. The
    figure now equals flake8's own on the package, run by hand with the same arguments."""
    files = dict(layout_setup_py_only()[2])
    del files["tests/test_core.py"]
    files["legacy_pkg/tests/__init__.py"] = ""
    files["legacy_pkg/tests/test_core.py"] = "import os\n\n" + TESTS.format(pkg="legacy_pkg")
    files["pipewright.yaml"] = SYSTEM
    project = repo(files)
    plan = pw(project, "plan")
    assert "tests        legacy_pkg/tests  (folder legacy_pkg/tests/ (inside the package))" in plan.out, plan.out
    r = pw(project, "run", "lint", timeout=600)
    lint = r.stage("lint")
    assert lint["status"] == "FAILURE", lint
    log = r.log("lint").decode()
    argv = next(line for line in log.splitlines() if line.startswith("$ ") and "-m flake8" in line)
    assert argv.endswith(" legacy_pkg"), argv
    own = subprocess.run([SYSTEM_PYTHON, "-m", "flake8", *argv.split("-m flake8 ")[1].split()],
                         cwd=project, capture_output=True, text=True)
    findings = own.stdout.splitlines()
    assert len(findings) == 1 and "legacy_pkg/tests/test_core.py:1:1: F401" in findings[0], own
    assert lint["summary"].startswith("flake8: 1 finding (1 warning)"), lint["summary"]


def test_offline_a_dev_dependency_no_folder_has_is_named_with_its_line(repo, pw):
    """Offline, pip's "No matching distribution found for X" names neither the file that asks
    for X nor a way on: the summary names the requirements file's line and the settings."""
    files = dict(layout_seed()[2])
    files["requirements-dev.txt"] += "not-a-debian-package==1.0\n"
    files["pipewright.yaml"] = OFFLINE
    project = repo(files)
    r = pw(project, "run", "setup-python", timeout=600)
    sp = r.stage("setup-python")
    assert sp["status"] == "FAILURE", sp
    assert sp["summary"].startswith(
        "pip install of the dev dependencies failed: No matching distribution found for "
        "not-a-debian-package==1.0 (requirements-dev.txt:5 asks for not-a-debian-package==1.0; "
        "no_index:"), sp["summary"]
    assert r.code == 1


def coverage_knows_exclude_also():
    out = subprocess.run([SYSTEM_PYTHON, "-c", "import coverage; print(coverage.version_info >= (7, 2))"],
                         capture_output=True, text=True)
    return out.stdout.strip() == "True"


@pytest.mark.skipif(coverage_knows_exclude_also(),
                    reason="this coverage reads exclude_also (7.2+): Debian 12's 6.5 warns about it")
def test_a_coverage_warning_made_fatal_by_filterwarnings_says_how_to_go_on(repo, pw, env):
    """itsdangerous: [tool.coverage.report] exclude_also (coverage 7.2+) and pytest's
    filterwarnings = ["error"]. Debian's coverage 6.5 warns, the filter makes the warning fatal,
    and pytest dies before any test: the summary says why a warning stopped it and how to go
    on, and that way (tests: {coverage: false}) runs the tests."""
    files = dict(layout_flat_flit()[2])
    files["pyproject.toml"] += textwrap.dedent("""\

        [tool.pytest.ini_options]
        filterwarnings = ["error"]

        [tool.coverage.report]
        exclude_also = ["if TYPE_CHECKING:"]
        """)
    files["pipewright.yaml"] = SYSTEM
    project = repo(files)
    r = pw(project, "run", "tests", timeout=600)
    t = r.stage("tests")
    assert t["status"] == "FAILURE", t
    assert ("CoverageWarning: Unrecognized option '[tool.coverage.report] exclude_also=' in config "
            "file pyproject.toml (a warning, made an error by the project's filterwarnings; ") in t["summary"], t
    assert "run the tests without it with tests: {coverage: false} in pipewright.yaml)" in t["summary"], t
    (project / "pipewright.yaml").write_text(SYSTEM + "  tests:\n    coverage: false\n")
    subprocess.run(["git", "commit", "-qam", "no coverage"], cwd=project, env=env, check=True)
    r = pw(project, "run", "tests", timeout=600)
    t = r.stage("tests")
    assert t["status"] == "SUCCESS", (t, r.log("tests"))
    assert t["data"]["tests"]["passed"] == 2, t


def test_a_test_module_that_cannot_be_imported_names_the_missing_module(repo, pw, tmp_path):
    """pytest calls a test module it cannot import a "collection failure", and puts the
    ModuleNotFoundError (itsdangerous' freezegun, not installed here) in its traceback only:
    the summary carries it, and the counts are pytest's own."""
    files = dict(layout_flat_flit()[2])
    files["test/test_clock.py"] = "import not_a_debian_package\n\n\ndef test_clock() -> None:\n    pass\n"
    files["pipewright.yaml"] = SYSTEM
    project = repo(files)
    r = pw(project, "run", "tests", timeout=600)
    t = r.stage("tests")
    assert t["status"] == "FAILURE", t
    assert t["summary"].endswith("test.test_clock (test/test_clock.py:1): collection failure: "
                                 "ModuleNotFoundError: No module named 'not_a_debian_package'"), t["summary"]
    own = subprocess.run([SYSTEM_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          f"--junitxml={tmp_path / 'own.xml'}", "test"],
                         cwd=project, capture_output=True, text=True)
    import xml.etree.ElementTree as ET
    suite = ET.parse(tmp_path / "own.xml").getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    figures = t["data"]["tests"]
    assert (figures["tests"], figures["errors"]) == (int(suite.get("tests")), int(suite.get("errors"))), own.stdout


def test_a_version_read_from_a_file_installs_without_the_backend(repo, pw):
    """marko builds with pdm-backend, which Debian 12 does not package, and reads its version
    from marko/__init__.py ([tool.pdm.version] source = "file"). Its dynamic version sent the
    install to pip, which needs the backend: offline the build stopped at setup-python. The
    version is now read as pdm reads it, the project installed natively and its tests run."""
    files = dict(layout_flat_flit()[2])
    files["pyproject.toml"] = textwrap.dedent("""\
        [build-system]
        requires = ["pdm-backend"]
        build-backend = "pdm.backend"

        [project]
        name = "flit_pkg"
        dynamic = ["version"]
        requires-python = ">=3.9"

        [tool.pdm.version]
        source = "file"
        path = "flit_pkg/__init__.py"

        [tool.pdm.dev-dependencies]
        dev = ["pytest", "pytest-cov"]
        """)
    files["pipewright.yaml"] = SYSTEM
    project = repo(files)
    assert subprocess.run([SYSTEM_PYTHON, "-c", "import pdm.backend"], capture_output=True).returncode != 0
    r = pw(project, "run", "tests", timeout=600)
    sp = r.stage("setup-python")
    assert sp["status"] == "SUCCESS", (sp, r.log("setup-python"))
    assert sp["data"]["project_install"] == "native", sp["data"]
    assert b"installed flit_pkg 0.3.0 natively" in r.log("setup-python")
    assert r.stage("tests")["status"] == "SUCCESS", r.log("tests")
    assert r.stage("tests")["data"]["tests"]["passed"] == 2


def test_a_poetry_project_installs_without_poetry_core(repo, pw):
    """sdispater/crashtest: Poetry 1 metadata ([tool.poetry], no [project]), built by
    poetry-core, which Debian 12 does not install. Offline, pip could not build its editable
    install and the build stopped at setup-python; the metadata is static, so the project is
    now installed natively and its tests run, while package still needs the backend and says so."""
    files = dict(layout_flat_flit()[2])
    files["pyproject.toml"] = textwrap.dedent("""\
        [tool.poetry]
        name = "flit-pkg"
        version = "0.4.1"
        description = "A Poetry project"
        authors = ["A B <a@example.invalid>"]
        packages = [{ include = "flit_pkg" }]

        [tool.poetry.dependencies]
        python = "^3.7"

        [tool.poetry.group.test.dependencies]
        pytest = "^7.1"
        pytest-cov = "^4.0"

        [build-system]
        requires = ["poetry-core>=1.1.0"]
        build-backend = "poetry.core.masonry.api"
        """)
    files["pipewright.yaml"] = SYSTEM
    project = repo(files)
    assert subprocess.run([SYSTEM_PYTHON, "-c", "import poetry.core"], capture_output=True).returncode != 0
    r = pw(project, "run", "tests", "package", timeout=600)
    sp = r.stage("setup-python")
    assert sp["status"] == "SUCCESS", (sp, r.log("setup-python"))
    assert sp["data"]["project_install"] == "native", sp["data"]
    assert b"installed flit-pkg 0.4.1 natively" in r.log("setup-python")
    assert r.stage("tests")["status"] == "SUCCESS", r.log("tests")
    assert r.stage("tests")["data"]["tests"]["passed"] == 2
    ws = Path(r.build()["workspace"])
    out = subprocess.run([str(ws / ".venv/bin/python"), "-c",
                          "import importlib.metadata as m; d = m.distribution('flit-pkg'); "
                          "print(d.version, d.metadata['Requires-Python'])"],
                         capture_output=True, text=True, cwd="/")
    assert out.stdout.split() == ["0.4.1", ">=3.7,<4.0"], out
    pkg = r.stage("package")
    assert pkg["status"] == "FAILURE" and "poetry" in pkg["summary"], pkg


def test_a_setup_cfg_name_with_an_underscore_packages(repo, pw):
    """asottile/tokenize-rt declares `name = tokenize_rt` in setup.cfg: Debian's setuptools
    writes that in the sdist's PKG-INFO and `tokenize-rt` in the wheel's METADATA. package
    failed "names tokenize_rt 6.2.0, the wheel tokenize-rt 6.2.0", one distribution by PEP 503."""
    files = dict(layout_setuptools_cfg()[2])
    files["setup.cfg"] = files["setup.cfg"].replace("name = cfg-pkg", "name = cfg_pkg")
    files["pipewright.yaml"] = SYSTEM
    project = repo(files)
    r = pw(project, "run", "package", timeout=600)
    pkg = r.stage("package")
    assert pkg["status"] == "SUCCESS", (pkg, r.log("package"))
    log = r.log("package").decode()
    assert "sdist cfg_pkg 0.2.0" in log and "wheel cfg-pkg 0.2.0" in log, log


def test_a_coverage_plugin_that_is_not_installed_is_named_with_its_setting(repo, pw):
    """asottile/tokenize-rt's setup.cfg names covdefaults in [coverage:run] plugins; Debian has
    no covdefaults, and coverage, started by pytest-cov for the stage's figures, kills pytest
    with a bare ModuleNotFoundError: the summary names the setting's line and the way on."""
    files = dict(layout_setuptools_cfg()[2])
    files["setup.cfg"] += "\n[coverage:run]\nplugins = not_a_debian_plugin\n"
    files["pipewright.yaml"] = SYSTEM
    project = repo(files)
    line = files["setup.cfg"].splitlines().index("plugins = not_a_debian_plugin") + 1
    r = pw(project, "run", "tests", timeout=600)
    t = r.stage("tests")
    assert t["status"] == "FAILURE", t
    assert t["summary"].endswith(
        "ModuleNotFoundError: No module named 'not_a_debian_plugin' (setup.cfg:%d [coverage:run] "
        "plugins names it, a coverage plugin, and coverage, which the stage runs for its figures, "
        "cannot import it: install it in the build's environment, or run the tests without "
        "coverage with tests: {coverage: false} in pipewright.yaml)" % line), t["summary"]


def test_cookiecutter_django_requirements_folder(repo, pw):
    """A service laid out as cookiecutter-django lays it out (17Jiangdong/everycheese): no
    packaging metadata, requirements.txt -> requirements/production.txt -> base.txt for the
    service, and the development tools in requirements/local.txt (-r base.txt, then pytest).
    local.txt was not taken for the dev dependencies (its name is not dev-ish), so the tests had
    no pytest; a file there that names a test runner is one now. Offline, a pin no folder has is
    named with its line and the file that includes it."""
    versions = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import importlib.metadata as m; print(m.version('pytest'))"],
        capture_output=True, text=True, check=True).stdout.split()
    files = {
        "app.py": "def greet(name: str) -> str:\n    return f'hello {name}'\n",
        "tests/test_app.py": "from app import greet\n\n\ndef test_greet() -> None:\n    assert greet('x') == 'hello x'\n",
        "requirements.txt": "# for the host\n-r requirements/production.txt\n",
        "requirements/base.txt": "",
        "requirements/production.txt": "-r base.txt\n",
        "requirements/local.txt": f"-r base.txt\n\npytest=={versions[0]}\n",
        "pipewright.yaml": OFFLINE,
    }
    project = repo(files)
    plan = pw(project, "plan")
    assert "dev deps     requirements: 1 requirement  (requirements/local.txt)" in plan.out, plan.out
    r = pw(project, "run", "tests", timeout=600)
    assert r.stage("tests")["status"] == "SUCCESS", r.log("tests")
    assert r.stage("tests")["data"]["tests"]["passed"] == 1

    (project / "requirements/base.txt").write_text("not-a-debian-package==1.0\n")
    subprocess.run(["git", "commit", "-qam", "a pin"], cwd=project, check=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})
    r = pw(project, "run", "setup-python", timeout=600)
    sp = r.stage("setup-python")
    assert sp["status"] == "FAILURE", sp
    assert "(requirements/base.txt:1 asks for not-a-debian-package==1.0, through requirements.txt;" in sp["summary"], sp["summary"]


def test_addopts_of_a_plugin_that_is_not_installed_are_named(repo, pw, env):
    """cookiecutter-django's pytest.ini passes pytest-django's --ds and --reuse-db in addopts;
    without the plugin pytest refuses them (exit 4), and the summary quoted its usage line. It
    now quotes what was refused, names the addopts line and the way on, which runs the tests."""
    files = dict(layout_flat_flit()[2])
    files["pytest.ini"] = "[pytest]\naddopts = --ds=config.settings.test --reuse-db\n"
    files["pipewright.yaml"] = SYSTEM
    project = repo(files)
    r = pw(project, "run", "tests", timeout=600)
    t = r.stage("tests")
    assert t["status"] == "FAILURE", t
    assert t["summary"].startswith("pytest refused its configuration or arguments (exit code 4) "
                                   "(no report.xml was written): error: unrecognized"), t["summary"]
    assert t["summary"].endswith(
        ": error: unrecognized arguments: --ds=config.settings.test --reuse-db (pytest.ini:2 "
        "[pytest] addopts passes them: options of a pytest plugin the environment lacks: install "
        "the plugin the project's tests use, or leave its addopts out with tests: {pytest_args: "
        "[\"-oaddopts=\"]} in pipewright.yaml)"), t["summary"]
    (project / "pipewright.yaml").write_text(SYSTEM + "  tests:\n    pytest_args: [\"-oaddopts=\"]\n")
    subprocess.run(["git", "commit", "-qam", "no addopts"], cwd=project, env=env, check=True)
    r = pw(project, "run", "tests", timeout=600)
    assert r.stage("tests")["status"] == "SUCCESS", r.log("tests")
    assert r.stage("tests")["data"]["tests"]["passed"] == 2
