"""The project's native editable install against pip's own: on a project of each layout, the
environment setup-python makes must show the same metadata, entry points, import results and
`pip list` entry as `pip install -e .` gives."""
import json
import subprocess
from pathlib import Path

import pytest

from conftest import SYSTEM_PYTHON

PROBE = r"""
import importlib, importlib.metadata as md, json, sys, os
from packaging.requirements import Requirement  # compared as parsed: backends space them apart
name, module = sys.argv[1], sys.argv[2]
m = md.metadata(name)
dist = md.distribution(name)
mod = importlib.import_module(module)
direct = json.loads(dist.read_text("direct_url.json"))
print(json.dumps({
    "name": m["Name"], "version": m["Version"], "summary": m["Summary"],
    "requires_python": m["Requires-Python"],
    "requires": sorted(str(Requirement(r)) for r in dist.requires or []),
    "extras": sorted(m.get_all("Provides-Extra") or []),
    "classifiers": sorted(m.get_all("Classifier") or []),
    "urls": sorted(m.get_all("Project-URL") or []),
    "content_type": m["Description-Content-Type"],
    "entry_points": sorted((e.group, e.name, e.value) for e in dist.entry_points),
    "module_file": os.path.relpath(mod.__file__, sys.argv[3]),
    "editable": direct["dir_info"].get("editable"),
    "url": direct["url"],
}))
"""

PYPROJECT = """[build-system]
requires = ["{requires}"]
build-backend = "{backend}"

[project]
name = "Demo-Tool"
version = "1.2.0"
description = "A demo."
readme = "README.md"
requires-python = ">=3.9"
dependencies = ["packaging>=20"]
classifiers = ["Programming Language :: Python :: 3", "License :: OSI Approved :: MIT License"]
authors = [{{name = "A. Person", email = "a@example.invalid"}}]

[project.optional-dependencies]
test = ["pytest>=7", "coverage; python_version >= '3.8'"]

[project.urls]
Homepage = "https://example.invalid/demo"

[project.scripts]
demo-tool = "demo_tool.cli:main"

[project.entry-points."demo.plugins"]
first = "demo_tool.cli:plugin"
{extra}
"""

CLI = "def main():\n    print('demo says hi')\n    return 0\n\n\ndef plugin():\n    return 1\n"

LAYOUTS = {
    "setuptools-flat": dict(requires="setuptools>=61", backend="setuptools.build_meta",
                            extra="[tool.setuptools.packages.find]\ninclude = [\"demo_tool*\"]\n",
                            pkg="demo_tool"),
    "setuptools-src": dict(requires="setuptools>=61", backend="setuptools.build_meta", extra="",
                           pkg="src/demo_tool"),
    "hatchling-src": dict(requires="hatchling", backend="hatchling.build",
                          extra="[tool.hatch.build.targets.wheel]\npackages = [\"src/demo_tool\"]\n",
                          pkg="src/demo_tool"),
}


def has(module):
    return subprocess.run([SYSTEM_PYTHON, "-c", f"import {module}"], capture_output=True).returncode == 0


def make_project(root: Path, layout: dict, env) -> Path:
    from conftest import make_repo
    files = {
        "pyproject.toml": PYPROJECT.format(**layout),
        "README.md": "# Demo\n\nA demo project.\n",
        f"{layout['pkg']}/__init__.py": "VERSION = '1.2.0'\n",
        f"{layout['pkg']}/cli.py": CLI,
        "tests/test_demo.py": "def test_ok():\n    assert True\n",
        "pipewright.yaml": (
            "version: 1\nproject:\n  python: /usr/bin/python3\nstages:\n"
            # preflight asks for the seed's layout; this test is about the install
            "  preflight:\n    enabled: false\n"
            "  setup-python:\n    system_site_packages: true\n    no_index: true\n"
            "    upgrade_tools: false\n    build_isolation: false\n"),
    }
    return make_repo(root, files, env)


def probe(python: Path, project_root: Path):
    out = subprocess.run([str(python), "-c", PROBE, "Demo-Tool", "demo_tool", str(project_root)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_native_install_matches_pips_editable_install(layout, tmp_path, env, pw):
    spec = LAYOUTS[layout]
    if "hatchling" in spec["backend"] and not has("hatchling"):
        pytest.skip("hatchling is not installed (apt-get install python3-hatchling)")
    project = make_project(tmp_path / "demo", spec, env)
    r = pw(project, "run", "setup-python", timeout=300)
    assert r.code == 0, r
    setup = r.stage("setup-python")
    assert setup["data"]["project_install"] == "native", setup
    ws = Path(r.build()["workspace"])
    native = probe(ws / ".venv/bin/python", ws)

    # pip's own editable install of the same project, in a venv of its own.
    if "hatchling" in spec["backend"] and not has("editables"):
        # hatchling's editable wheels need the `editables` package, which Debian does not
        # package and PyPI is out of reach: pip cannot install it here, so the facts pip would
        # show are asserted directly.
        print("pip's reference install skipped: hatchling needs `editables`, not installable here")
        assert native["name"] == "Demo-Tool" and native["version"] == "1.2.0"
        assert native["requires"] == ['coverage; python_version >= "3.8" and extra == "test"',
                                      "packaging>=20", 'pytest>=7; extra == "test"']
        assert native["module_file"] == "src/demo_tool/__init__.py" and native["editable"] is True
    else:
        venv = tmp_path / "pip-venv"
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", str(venv)], check=True)
        subprocess.run([str(venv / "bin/python"), "-m", "pip", "install", "-q", "--no-index",
                        "--no-build-isolation", "--no-deps", "-e", str(ws)], check=True,
                       capture_output=True)
        reference = probe(venv / "bin/python", ws)
        assert native == reference

    # The launcher runs the entry point, as pip's does.
    out = subprocess.run([str(ws / ".venv/bin/demo-tool")], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout == "demo says hi\n"
    # pip sees an editable install at the workspace.
    listed = json.loads(subprocess.run([str(ws / ".venv/bin/python"), "-m", "pip", "list", "--format",
                                        "json", "--editable"], capture_output=True, text=True).stdout)
    entry = [p for p in listed if p["name"] == "Demo-Tool"]
    assert entry and entry[0]["version"] == "1.2.0"
    assert entry[0]["editable_project_location"] == str(ws)


def dynamic_project(tmp_path, env) -> Path:
    """The flat setuptools project with its version computed in the package (dynamic metadata
    only the backend can read: a plain `VERSION = '1.2.0'` is read natively)."""
    project = make_project(tmp_path / "demo", dict(LAYOUTS["setuptools-flat"]), env)
    (project / "demo_tool" / "__init__.py").write_text("VERSION = '.'.join(['1', '2', '0'])\n")
    text = (project / "pyproject.toml").read_text().replace('version = "1.2.0"\n', 'dynamic = ["version"]\n')
    text += "\n[tool.setuptools.dynamic]\nversion = {attr = \"demo_tool.VERSION\"}\n"
    (project / "pyproject.toml").write_text(text)
    subprocess.run(["git", "commit", "-qam", "dynamic"], cwd=project, env=env, check=True)
    return project


def test_dynamic_metadata_falls_back_to_pip(tmp_path, env, pw):
    project = dynamic_project(tmp_path, env)
    r = pw(project, "run", "setup-python", timeout=300)
    assert r.code == 0, r
    assert r.stage("setup-python")["data"]["project_install"] == "pip"
    assert b"pip installs the project: [project] computes version" in r.log("setup-python")
    ws = Path(r.build()["workspace"])
    assert probe(ws / ".venv/bin/python", ws)["version"] == "1.2.0"


def test_pips_install_is_reused_until_the_metadata_files_change(tmp_path, env, pw):
    """Dynamic metadata: pip installs the project once; later builds with the same metadata files
    get pip's install back, moved to their own workspace, and show what pip would show."""
    project = dynamic_project(tmp_path, env)

    def build():
        r = pw(project, "run", "setup-python", timeout=300)
        assert r.code == 0, r
        ws = Path(r.build()["workspace"])
        return r, ws, probe(ws / ".venv/bin/python", ws)

    r1, ws1, first = build()
    assert r1.stage("setup-python")["data"]["project_install"] == "pip"
    # A source file changes: the metadata files do not, so pip's install is reused.
    (project / "demo_tool" / "cli.py").write_text(CLI.replace("hi", "hello"))
    subprocess.run(["git", "commit", "-qam", "source"], cwd=project, env=env, check=True)
    r2, ws2, second = build()
    assert ws2 != ws1
    assert r2.stage("setup-python")["data"]["project_install"] == "reused", r2.log("setup-python")
    assert first["url"] == "file://" + str(ws1) and second["url"] == "file://" + str(ws2)
    assert {**first, "url": ""} == {**second, "url": ""}  # same metadata, entry points, module
    out = subprocess.run([str(ws2 / ".venv/bin/demo-tool")], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout == "demo says hello\n", out  # this build's sources
    listed = json.loads(subprocess.run([str(ws2 / ".venv/bin/python"), "-m", "pip", "list", "--format",
                                        "json", "--editable"], capture_output=True, text=True).stdout)
    assert [(p["name"], p["version"], p["editable_project_location"]) for p in listed
            if p["name"] == "Demo-Tool"] == [("Demo-Tool", "1.2.0", str(ws2))]
    # pip's own check of the restored install: RECORD matches the files.
    check = subprocess.run([str(ws2 / ".venv/bin/python"), "-c",
                            "import importlib.metadata as m, hashlib, base64, os, sys\n"
                            "d = m.distribution('Demo-Tool')\n"
                            "for f in d.files:\n"
                            "    if f.hash is None: continue\n"
                            "    data = open(f.locate(), 'rb').read()\n"
                            "    h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()\n"
                            "    assert h == f.hash.value and len(data) == f.size, f\n"
                            "print('ok', len(d.files))\n"], capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.startswith("ok"), check
    # The version the metadata is read from changes: pip runs again and its answer shows.
    (project / "demo_tool" / "__init__.py").write_text("VERSION = '.'.join(['1', '3', '0'])\n")
    subprocess.run(["git", "commit", "-qam", "version"], cwd=project, env=env, check=True)
    r3, ws3, third = build()
    assert r3.stage("setup-python")["data"]["project_install"] == "pip"
    assert third["version"] == "1.3.0"


def write_wheel(folder: Path, name: str, version: str):
    """A minimal pure-Python wheel, written as the wheel spec says, for pip to find offline."""
    import base64
    import hashlib
    import zipfile
    folder.mkdir(parents=True, exist_ok=True)
    files = {f"{name}/__init__.py": f"VALUE = {version!r}\n",
             f"{name}-{version}.dist-info/METADATA":
                 f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: {version}\n",
             f"{name}-{version}.dist-info/WHEEL":
                 "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = ""
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record += f"{path},sha256={digest},{len(text.encode())}\n"
    record += f"{name}-{version}.dist-info/RECORD,,\n"
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as z:
        for path, text in files.items():
            z.writestr(path, text)
        z.writestr(f"{name}-{version}.dist-info/RECORD", record)


def test_native_install_fetches_only_the_missing_dependencies(tmp_path, env, pw):
    """Installed natively, a project whose dependency the environment lacks gets that dependency
    from pip, not a second `pip install -e .` that would need its build backend. (Found on
    flask: Debian's flit_core is too old for its metadata, and the native install had done
    without it.) The backend here, pdm.backend, is not installed at all."""
    if has("pdm.backend"):
        pytest.skip("pdm.backend is installed: the test needs a backend pip cannot import")
    spec = dict(LAYOUTS["setuptools-src"], requires="pdm-backend", backend="pdm.backend")
    project = make_project(tmp_path / "demo", spec, env)
    wheels = tmp_path / "wheels"
    write_wheel(wheels, "demo_dep", "2.0")
    text = (project / "pyproject.toml").read_text().replace(
        'dependencies = ["packaging>=20"]', 'dependencies = ["packaging>=20", "demo-dep>=2"]')
    (project / "pyproject.toml").write_text(text)
    (project / "pipewright.yaml").write_text(
        (project / "pipewright.yaml").read_text() + f"    find_links: [{wheels}]\n")
    subprocess.run(["git", "commit", "-qam", "a dependency"], cwd=project, env=env, check=True)
    r = pw(project, "run", "setup-python", timeout=300)
    assert r.code == 0, r.log("setup-python")
    setup = r.stage("setup-python")
    assert setup["data"]["project_install"] == "native", setup
    assert setup["data"]["project_dependencies_missing"] == ["demo-dep"]
    log = r.log("setup-python")
    assert b"install --disable-pip-version-check" in log and b" -e " not in log, log
    ws = Path(r.build()["workspace"])
    out = subprocess.run([str(ws / ".venv/bin/python"), "-c", "import demo_dep, demo_tool; print(demo_dep.VALUE)"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout == "2.0\n", out
