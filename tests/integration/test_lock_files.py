"""A project locked with each of the five lock formats through lock-check, setup-python and
dependency-scan, offline: the locks pin the versions Debian 12's packages have (python3-packaging,
python3-pytest and its dependencies), so a venv with the system's site-packages satisfies them."""
import json
import subprocess
from pathlib import Path

import pytest

from conftest import EXAMPLE, SYSTEM_PYTHON, make_repo

pytestmark = pytest.mark.skipif(
    subprocess.run([SYSTEM_PYTHON, "-c", "import pytest, packaging, pluggy, iniconfig, attr; "
                    "assert pytest.__version__ == '7.2.1' and packaging.__version__ == '23.0'"],
                   capture_output=True).returncode != 0,
    reason="Debian 12's python3-pytest 7.2.1 and python3-packaging 23.0 are needed: run scripts/install-deps.sh")

# name, version, dependencies, group, marker
PACKAGES = [
    ("packaging", "23.0", [], "main", ""),
    ("pytest", "7.2.1", ["attrs", "iniconfig", "packaging", "pluggy", "exceptiongroup", "tomli"], "dev", ""),
    ("attrs", "22.2.0", [], "dev", ""),
    ("iniconfig", "1.1.1", [], "dev", ""),
    ("pluggy", "1.0.0", [], "dev", ""),
    # Only for Pythons before 3.11: Debian 12's 3.11 must not install them.
    ("exceptiongroup", "1.1.0", [], "dev", 'python_version < "3.11"'),
    ("tomli", "2.0.1", [], "dev", 'python_version < "3.11"'),
]
MARKED = {n: m for n, _, _, _, m in PACKAGES if m}


def uv_lock():
    out = ['version = 1', 'revision = 2', 'requires-python = ">=3.9"', '']
    for n, v, deps, g, m in PACKAGES:
        out += ['[[package]]', f'name = "{n}"', f'version = "{v}"',
                'source = { registry = "https://pypi.org/simple" }']
        if deps:
            out.append('dependencies = [' + ", ".join(
                f'{{ name = "{d}"' + (f", marker = '{MARKED[d]}'" if d in MARKED else "") + " }"
                for d in deps) + ']')
        out.append('')
    out += ['[[package]]', 'name = "lockdemo"', 'version = "0.1.0"', 'source = { editable = "." }',
            'dependencies = [{ name = "packaging" }]', '', '[package.dev-dependencies]',
            'dev = [{ name = "pytest" }]', '']
    return "\n".join(out)


def poetry_lock():
    out = []
    for n, v, deps, g, m in PACKAGES:
        out += ['[[package]]', f'name = "{n}"', f'version = "{v}"', 'optional = false',
                'python-versions = ">=3.7"', 'files = []', f'groups = ["{g}"]']
        if m:
            out.append(f"markers = '{m}'")
        out.append('')
        if deps:
            out.append('[package.dependencies]')
            for d in deps:
                out.append(f"{d} = " + (f"{{version = \"*\", markers = '{MARKED[d]}'}}" if d in MARKED else '"*"'))
            out.append('')
    out += ['[metadata]', 'lock-version = "2.1"', 'python-versions = ">=3.9"', 'content-hash = "0"', '']
    return "\n".join(out)


def pdm_lock():
    out = ['[metadata]', 'groups = ["default", "dev"]', 'strategy = ["inherit_metadata"]',
           'lock_version = "4.5.0"', 'content_hash = "sha256:0"', '']
    for n, v, deps, g, m in PACKAGES:
        out += ['[[package]]', f'name = "{n}"', f'version = "{v}"', 'requires_python = ">=3.7"',
                f'groups = ["{"default" if g == "main" else g}"]']
        if m:
            out.append(f"marker = '{m}'")
        if deps:
            out.append('dependencies = [' + ", ".join(
                f'"{d}' + (f"; {MARKED[d]}".replace('"', '\\"') if d in MARKED else "") + '"' for d in deps) + ']')
        out += ['files = []', '']
    return "\n".join(out)


def pylock():
    out = ['lock-version = "1.0"', 'requires-python = ">=3.9"', 'dependency-groups = ["dev"]',
           'default-groups = []', 'created-by = "hand"', '']
    for n, v, deps, g, m in PACKAGES:
        marker = " and ".join(x for x in [f"'{g}' in dependency_groups" if g != "main" else "", m] if x)
        out += ['[[packages]]', f'name = "{n}"', f'version = "{v}"', 'index = "https://pypi.org/simple"']
        if marker:
            out.append(f"marker = {json.dumps(marker)}")
        if deps:
            out.append('dependencies = [' + ", ".join(f'{{name = "{d}"}}' for d in deps) + ']')
        out.append('')
    return "\n".join(out)


def pipfile_lock():
    doc = {"_meta": {"hash": {"sha256": "0"}, "pipfile-spec": 6, "requires": {},
                     "sources": [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}]},
           "default": {}, "develop": {}}
    for n, v, deps, g, m in PACKAGES:
        e = {"version": "==" + v, "index": "pypi", "hashes": []}
        if m:
            e["markers"] = m
        doc["default" if g == "main" else "develop"][n] = e
    return json.dumps(doc, indent=4)


LOCKS = {"uv.lock": uv_lock, "poetry.lock": poetry_lock, "pdm.lock": pdm_lock,
         "pylock.toml": pylock, "Pipfile.lock": pipfile_lock}

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "lockdemo"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = [
    "packaging>=23",
]

[dependency-groups]
dev = ["pytest>=7"]

[tool.setuptools]
packages = ["lockdemo"]
"""

PIPEWRIGHT = """\
version: 1
project:
  name: lockdemo
  package: lockdemo
  tests: tests
  python: /usr/bin/python3
stages:
  setup-python:
    system_site_packages: true
    no_index: true
    upgrade_tools: false
    build_isolation: false
"""


def project(tmp_path, env, lock, pyproject=PYPROJECT):
    files = {"pyproject.toml": pyproject, "pipewright.yaml": PIPEWRIGHT,
             "lockdemo/__init__.py": "VALUE = 1\n",
             "tests/test_value.py": "def test_value():\n    assert True\n", lock: LOCKS[lock]()}
    return make_repo(tmp_path / "lockdemo", files, env)


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_locked_project_checks_installs_and_scans_its_closure(tmp_path, env, pw, lock):
    p = project(tmp_path, env, lock)
    assert pw(p, "db", "import", str(EXAMPLE / "advisories")).code == 0
    r = pw(p, "run", "lock-check", "setup-python", "dependency-scan", timeout=600)
    lc = r.stage("lock-check")
    assert lc["status"] == "SUCCESS", (lc, r)
    assert f"{lock} in sync" in lc["summary"]
    sp = r.stage("setup-python")
    assert sp["status"] == "SUCCESS", (sp, r.log("setup-python"))
    # packaging for main, pytest, attrs, iniconfig and pluggy for dev; not the two for Python < 3.11.
    assert sp["data"]["locked_packages"] == 5, sp
    assert sp["data"]["lock"] == lock
    ws = Path(r.build()["workspace"])
    out = subprocess.run([str(ws / ".venv/bin/python"), "-c",
                          "import pytest, packaging; print(pytest.__version__, packaging.__version__)"],
                         capture_output=True, text=True)
    assert out.stdout.split() == ["7.2.1", "23.0"], out
    ds = r.stage("dependency-scan")
    assert ds["status"] == "SUCCESS", ds
    sbom = json.loads((ws.parent / "reports/sbom.cdx.json").read_text())
    names = {c["name"].lower() for c in sbom["components"]}
    assert {"packaging", "pytest", "attrs", "iniconfig", "pluggy"} <= names
    # The machine's other packages (black, mypy, ...) are not this project's components.
    assert "black" not in names and "mypy" not in names, names
    assert len(names) < 20, names
    pytest_c = next(c for c in sbom["components"] if c["name"].lower() == "pytest")
    found = [pr["value"] for pr in pytest_c.get("properties", []) if pr["name"] == "pipewright:found_in"]
    assert any(v.startswith(lock + ":") for v in found), pytest_c


def test_lock_installs_the_dev_groups_not_the_docs_group(tmp_path, env, pw):
    """The groups the project model takes as dev dependencies (dev, test, tests, testing), as the
    other stages see them: a docs group's packages (here one no index has) are not installed."""
    pyproject = PYPROJECT.replace('dev = ["pytest>=7"]\n', 'dev = ["pytest>=7"]\ndocs = ["nodocs-theme>=1"]\n')
    text = uv_lock().replace(
        "dev = [{ name = \"pytest\" }]\n",
        "dev = [{ name = \"pytest\" }]\ndocs = [{ name = \"nodocs-theme\" }]\n") + (
        '\n[[package]]\nname = "nodocs-theme"\nversion = "1.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n')
    p = make_repo(tmp_path / "lockdemo", {
        "pyproject.toml": pyproject, "pipewright.yaml": PIPEWRIGHT, "uv.lock": text,
        "lockdemo/__init__.py": "VALUE = 1\n",
        "tests/test_value.py": "def test_value():\n    assert True\n"}, env)
    r = pw(p, "run", "setup-python", timeout=600)
    sp = r.stage("setup-python")
    assert sp["status"] == "SUCCESS", (sp, r.log("setup-python"))
    assert sp["data"]["groups"] == ["dev"], sp
    assert sp["data"]["locked_packages"] == 5, sp
    # Asked for, the docs group is installed (and fails here: no index has it).
    (p / "pipewright.yaml").write_text(PIPEWRIGHT + "    groups: [dev, docs]\n")
    subprocess.run(["git", "commit", "-qam", "docs too"], cwd=p, env=env, check=True)
    r = pw(p, "run", "setup-python", timeout=600)
    assert r.stage("setup-python")["status"] == "FAILURE"
    assert "nodocs-theme" in r.stage("setup-python")["summary"], r.stage("setup-python")


@pytest.mark.parametrize("lock", ["uv.lock", "poetry.lock"])
def test_stale_lock_fails_naming_the_package_and_its_declaration(tmp_path, env, pw, lock):
    stale = PYPROJECT.replace('    "packaging>=23",\n', '    "packaging>=23",\n    "rich>=13",\n')
    p = project(tmp_path, env, lock, stale)
    r = pw(p, "run", "lock-check", timeout=300)
    assert r.code == 1, r
    lc = r.stage("lock-check")
    assert lc["status"] == "FAILURE"
    assert "pyproject.toml:11" in lc["summary"] and "rich" in lc["summary"], lc
    assert ("uv lock" if lock == "uv.lock" else "poetry lock") in lc["summary"]


def test_declarations_without_a_lock_are_named_as_unpinned(tmp_path, env, pw):
    # No lock and no requirements file: each unpinned declaration is named with the command that
    # makes a lock, as warnings; the stage is SKIPPED so that a project declaring everything in
    # pyproject.toml builds with zero configuration (issue 16).
    files = {"pyproject.toml": PYPROJECT, "pipewright.yaml": PIPEWRIGHT,
             "lockdemo/__init__.py": "", "tests/test_x.py": ""}
    p = make_repo(tmp_path / "nolock", files, env)
    r = pw(p, "run", "lock-check", timeout=300)
    assert r.code == 0, r
    lc = r.stage("lock-check")
    assert lc["status"] == "SKIPPED" and "no lock file" in lc["summary"], lc
    assert "packaging >=23 is not pinned" in r.out and "uv lock" in r.out, r.out
    assert lc["data"]["checked"] == 2, lc
    # A team that names the requirements file to check gets the failure, each declaration named.
    files["pipewright.yaml"] = PIPEWRIGHT.replace("stages:\n", "stages:\n  lock-check:\n"
                                                  "    requirements: requirements-dev.txt\n")
    p = make_repo(tmp_path / "nolock-named", files, env)
    r = pw(p, "run", "lock-check", timeout=300)
    assert r.code == 1, r
    s = r.stage("lock-check")["summary"]
    assert "2 problems" in s and "packaging >=23 is not pinned" in s and "uv lock" in s, s


def test_empty_requirements_file_is_not_a_lock(tmp_path, env, pw):
    p = make_repo(tmp_path / "empty", {"pipewright.yaml": PIPEWRIGHT, "requirements-dev.txt": "",
                                       "lockdemo/__init__.py": "", "tests/test_x.py": "",
                                       "requirements-dev.in": "pytest\n"}, env)
    r = pw(p, "run", "lock-check", timeout=300)
    assert r.code == 1, r
    s = r.stage("lock-check")["summary"]
    assert "requirements-dev.in exists beside it" in s and "not a lock" in s, s


def test_offline_a_locked_version_no_folder_has_is_named_with_its_line(tmp_path, env, pw):
    """Offline, pip says "No matching distribution found for pytest==7.1.3" and no more (as on
    sdispater/crashtest, whose poetry.lock pins versions Debian does not have): the summary names
    the lock's entry and the two ways on, and the second one, the system's packages standing in,
    lets the same project set up."""
    text = poetry_lock().replace('version = "7.2.1"', 'version = "7.1.3"')
    p = make_repo(tmp_path / "lockdemo", {
        "pyproject.toml": PYPROJECT, "pipewright.yaml": PIPEWRIGHT, "poetry.lock": text,
        "lockdemo/__init__.py": "VALUE = 1\n",
        "tests/test_value.py": "def test_value():\n    assert True\n"}, env)
    lines = text.splitlines()
    entry = lines.index('name = "pytest"')  # 0-based: the [[package]] line above it, 1-based
    assert lines[entry - 1] == "[[package]]"
    r = pw(p, "run", "setup-python", timeout=600)
    sp = r.stage("setup-python")
    assert sp["status"] == "FAILURE", sp
    assert sp["summary"].startswith("pip install from poetry.lock failed: No matching distribution "
                                    "found for pytest==7.1.3 (poetry.lock:%d locks pytest 7.1.3; no_index:"
                                    % entry), sp["summary"]
    assert "add a wheel of pytest==7.1.3 to one, or let the interpreter's packages stand in for the " \
           "dev dependencies with setup-python dev_dependencies: system)" in sp["summary"], sp["summary"]
    (p / "pipewright.yaml").write_text(PIPEWRIGHT.replace("    system_site_packages: true\n",
                                                          "    dev_dependencies: system\n"))
    subprocess.run(["git", "commit", "-qam", "system packages"], cwd=p, env=env, check=True)
    r = pw(p, "run", "setup-python", timeout=600)
    assert r.stage("setup-python")["status"] == "SUCCESS", r.log("setup-python")
