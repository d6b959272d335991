#!/usr/bin/env python3
"""The stage cache and the native project install, side by side in one run on the example.

1. The example's pipeline cold (empty caches), warm without the stage cache (`--no-cache`: the
   environment cache only), then with the stage cache and nothing changed, then with the stage
   cache after one source file changed. Goals: unchanged <= 0.10 of cold, one file changed <=
   0.25 of cold, measured on the stages from lock-check to post (what the cache can skip:
   checkout, preflight and setup-python always run) and on the whole command.
2. The project's install in a warm build: setup-python's own measure of it (`project_ms` in
   build.json), native, pip's `install -e .` (`native_install: false`, metadata changed) and
   pip's install of the build before reused, same environment. Goal: under 100 ms.

Usage: bench/stage_cache.py [BUILD_DIR] [REPEAT]
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
build = Path(sys.argv[1] if len(sys.argv) > 1 else "build")
repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
binary = (ROOT / build / "pipewright") if not build.is_absolute() else build / "pipewright"
ALWAYS = {"checkout", "preflight", "setup-python"}


def run(project, env, *args):
    t0 = time.perf_counter()
    p = subprocess.run([str(binary), "run", *args], cwd=project, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    if p.returncode not in (0, 3):
        sys.exit(f"the example's run failed with exit code {p.returncode}")
    builds = project / ".pipewright/builds"
    record = json.loads((builds / os.readlink(builds / "latest") / "build.json").read_text())
    stages = {s["id"]: s for s in record["stages"]}
    cacheable_ms = sum(s["duration_ms"] for sid, s in stages.items() if sid not in ALWAYS)
    cached = sum(1 for s in stages.values() if (s.get("cache") or {}).get("from_build"))
    if os.environ.get("BENCH_VERBOSE"):
        print({sid: s["duration_ms"] for sid, s in stages.items()}, file=sys.stderr)
    return wall, cacheable_ms / 1000.0, cached, stages


def git(project, env, *args):
    subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)


with tempfile.TemporaryDirectory() as tmp:
    project = Path(tmp) / "python-app"
    shutil.copytree(ROOT / "examples/python-app", project, ignore=shutil.ignore_patterns(
        ".pipewright", ".venv", "__pycache__", "*.egg-info"))
    y = project / "pipewright.yaml"  # images are not what is measured here
    y.write_text(y.read_text().replace("  image-build:\n", "  image-build:\n    enabled: false\n"))
    env = dict(os.environ, CI="1", GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.invalid",
               GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.invalid")
    git(project, env, "init", "-q", "-b", "main")
    git(project, env, "add", "-A")
    git(project, env, "commit", "-qm", "x")
    rows = {"cold": [], "warm, --no-cache": [], "cached, unchanged": [], "cached, one file changed": []}
    counts = {}
    source = project / "app" / "__init__.py"
    for i in range(repeat):
        env["XDG_CACHE_HOME"] = str(Path(tmp) / f"cache{i}")
        rows["cold"].append(run(project, env)[:2])
        rows["warm, --no-cache"].append(run(project, env, "--no-cache")[:2])
        w, c, n, _ = run(project, env)
        rows["cached, unchanged"].append((w, c))
        counts["cached, unchanged"] = n
        source.write_text(source.read_text() + f"\n# change {i}\n")
        git(project, env, "commit", "-qam", f"change {i}")
        w, c, n, _ = run(project, env)
        rows["cached, one file changed"].append((w, c))
        counts["cached, one file changed"] = n

    cold_wall = statistics.median(r[0] for r in rows["cold"])
    cold_stages = statistics.median(r[1] for r in rows["cold"])
    print(f"examples/python-app, median of {repeat} (stages = lock-check to post, summed durations)")
    print(f"{'':28}{'wall':>9}{'stages':>9}{'wall/cold':>11}{'stages/cold':>13}")
    for name, values in rows.items():
        w = statistics.median(r[0] for r in values)
        s = statistics.median(r[1] for r in values)
        extra = f"  ({counts[name]} stages from the cache)" if name in counts else ""
        print(f"{name:28}{w:>8.2f}s{s:>8.2f}s{w / cold_wall:>11.2f}{s / cold_stages:>13.2f}{extra}")
    print("goals: unchanged <= 0.10 of cold, one file changed <= 0.25 of cold")

    # The project's install in a warm build: native, pip's editable install (the metadata files
    # changed, so nothing can be reused), and pip's install of the build before reused.
    env["XDG_CACHE_HOME"] = str(Path(tmp) / "cache0")
    native, pip, reused = [], [], []
    base_yaml = (project / "pipewright.yaml").read_text()
    pip_yaml = base_yaml.replace("  setup-python:\n", "  setup-python:\n    native_install: false\n")
    pyproject = project / "pyproject.toml"

    def install_ms(yaml_text, expect, label):
        (project / "pipewright.yaml").write_text(yaml_text)
        git(project, env, "commit", "-qam", label, "--allow-empty")
        _, _, _, stages = run(project, env, "setup-python")
        data = stages["setup-python"]["data"]
        if data["project_install"] != expect:
            sys.exit(f"{label}: the project was installed by {data['project_install']}, not {expect}")
        return data["project_ms"]

    for i in range(repeat):
        native.append(install_ms(base_yaml, "native", f"native {i}"))
        pyproject.write_text(pyproject.read_text() + f"\n# bench {i}\n")
        pip.append(install_ms(pip_yaml, "pip", f"pip {i}"))
        reused.append(install_ms(pip_yaml, "reused", f"reused {i}"))
    n, p, r = statistics.median(native), statistics.median(pip), statistics.median(reused)
    print(f"\nproject install in a warm build (setup-python's project_ms), median of {repeat}")
    print(f"native: {n:.0f} ms   pip's install reused: {r:.0f} ms   pip install -e .: {p:.0f} ms   "
          f"ratios {p / max(n, 1):.0f}x, {p / max(r, 1):.0f}x (goal < 100 ms)")
