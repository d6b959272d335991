#!/usr/bin/env python3
"""Engine overhead: N chained trivial stages under pipewright against the same N commands run
by one bash script, in the same run. Prints per-stage overhead and fixed start-up, as ratios.

Usage: bench/engine_overhead.py [BUILD_DIR] [N]
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

build = Path(sys.argv[1] if len(sys.argv) > 1 else "build")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
binary = (build / "pipewright").resolve()
REPEAT = 5


def timed(cmd, cwd, env):
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def builtin_stages():
    """The built-in stages, from the binary itself, so that every one is switched off."""
    with tempfile.TemporaryDirectory() as empty:
        out = subprocess.run([str(binary), "plan", "--yaml"], cwd=empty, check=True,
                             capture_output=True, text=True).stdout
    return re.findall(r"^  ([A-Za-z0-9_-]+):$", out, flags=re.M)


def pipeline(count):
    lines = ["stages:"] + [f"  {b}: {{enabled: false}}" for b in builtin_stages()]
    for i in range(count):
        lines.append(f"  s{i}:")
        lines.append("    run: /bin/true")
        if i:
            lines.append(f"    needs: [s{i - 1}]")
    return "\n".join(lines) + "\n"


def measure(count, tmp):
    proj = Path(tmp) / f"p{count}"
    proj.mkdir()
    (proj / "pipewright.yaml").write_text(pipeline(count))
    script = proj / "same.sh"
    script.write_text("#!/bin/bash\nset -e\n" + "/bin/true\n" * count)
    env = dict(os.environ, CI="1", XDG_CACHE_HOME=str(Path(tmp) / "cache"))
    pw = [timed([str(binary), "run", "--in-place", "-j", "2"], proj, env) for _ in range(REPEAT)]
    sh = [timed(["bash", str(script)], proj, env) for _ in range(REPEAT)]
    return statistics.median(pw), statistics.median(sh)


with tempfile.TemporaryDirectory() as tmp:
    pw_n, sh_n = measure(n, tmp)
    pw_1, sh_1 = measure(1, tmp)

per_stage_ms = (pw_n - sh_n) / n * 1000
startup_ms = (pw_1 - sh_1) * 1000
print(f"engine overhead ({n} chained stages of /bin/true, median of {REPEAT})")
print(f"{'':28}{'pipewright':>12}{'bash script':>13}{'ratio':>8}")
print(f"{f'{n} stages, wall':28}{pw_n * 1000:>10.0f}ms{sh_n * 1000:>11.0f}ms{pw_n / sh_n:>7.2f}x")
print(f"{'1 stage, wall':28}{pw_1 * 1000:>10.1f}ms{sh_1 * 1000:>11.1f}ms{pw_1 / sh_1:>7.2f}x")
print(f"overhead per stage: {per_stage_ms:.2f} ms (goal < 2 ms)")
print(f"fixed start-up:     {startup_ms:.1f} ms (goal < 50 ms)")
ok = per_stage_ms < 2 and startup_ms < 50
print("goals met" if ok else "GOALS NOT MET")
