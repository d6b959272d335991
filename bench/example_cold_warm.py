#!/usr/bin/env python3
"""The example's full pipeline run cold (empty environment cache) against warm (the cache from
the cold run), in the same run. Goal: warm at most half of cold's wall time.

Usage: bench/example_cold_warm.py [BUILD_DIR] [REPEAT]
"""
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


def run(project, env):
    t0 = time.perf_counter()
    # --no-cache: this measures the environment cache; bench/stage_cache.py the stage cache.
    p = subprocess.run([str(binary), "run", "--no-cache"], cwd=project, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"the example's run failed with exit code {p.returncode}")
    return dt


with tempfile.TemporaryDirectory() as tmp:
    project = Path(tmp) / "python-app"
    shutil.copytree(ROOT / "examples/python-app", project, ignore=shutil.ignore_patterns(
        ".pipewright", ".venv", "__pycache__", "*.egg-info"))
    env = dict(os.environ, CI="1", GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.invalid",
               GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.invalid")
    for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-qm", "x"]):
        subprocess.run(cmd, cwd=project, env=env, check=True, capture_output=True)
    cold, warm = [], []
    for i in range(repeat):
        cache = Path(tmp) / f"cache{i}"
        env["XDG_CACHE_HOME"] = str(cache)
        cold.append(run(project, env))
        warm.append(run(project, env))
    c, w = statistics.median(cold), statistics.median(warm)
    print(f"examples/python-app full pipeline, median of {repeat}")
    print(f"{'':16}{'wall':>10}")
    print(f"{'cold (no cache)':16}{c:>9.2f}s")
    print(f"{'warm (cached)':16}{w:>9.2f}s")
    print(f"warm/cold ratio: {w / c:.2f} (goal <= 0.50)")
