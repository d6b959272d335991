#!/usr/bin/env python3
"""Jenkinsfile start-up and per-stage cost: `pipewright run --jenkinsfile` of a 20-stage
declarative Jenkinsfile (each stage one `sh 'date +%s.%N >> ...'`) against the same 20 commands
as one bash script, with the engine benchmark's method (medians of the same run). Start-up is the
time from launching the process to the first sh writing its timestamp. jenkinsfile-runner cannot
run here (it needs a JVM and Jenkins core); its published start-up times are printed beside.

Usage: bench/jenkinsfile_start.py [BUILD_DIR] [N]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

build = Path(sys.argv[1] if len(sys.argv) > 1 else "build")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
binary = (build / "pipewright").resolve()
REPEAT = 5


def jenkinsfile(count):
    stages = "".join(
        f"    stage('s{i}') {{ steps {{ sh 'date +%s.%N >> $PW_STAMPS' }} }}\n" for i in range(count))
    return ("pipeline {\n  agent any\n  options { skipDefaultCheckout() }\n  stages {\n" + stages +
            "  }\n}\n")


def run(cmd, cwd, env, stamps):
    stamps.unlink(missing_ok=True)
    t0 = time.time()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    t1 = time.time()
    first = float(stamps.read_text().split()[0])
    return t1 - t0, first - t0


with tempfile.TemporaryDirectory() as tmp:
    proj = Path(tmp) / "p"
    proj.mkdir()
    (proj / "Jenkinsfile").write_text(jenkinsfile(n))
    (proj / "one").mkdir()
    (proj / "one" / "Jenkinsfile").write_text(jenkinsfile(1))
    script = proj / "same.sh"
    script.write_text("#!/bin/bash\nset -e\n" + "date +%s.%N >> $PW_STAMPS\n" * n)
    one = proj / "one.sh"
    one.write_text("#!/bin/bash\nset -e\ndate +%s.%N >> $PW_STAMPS\n")
    stamps = Path(tmp) / "stamps"
    env = dict(os.environ, CI="1", XDG_CACHE_HOME=str(Path(tmp) / "cache"), PW_STAMPS=str(stamps),
               PIPEWRIGHT_CREDENTIALS=str(Path(tmp) / "none.yaml"))
    pw = [run([str(binary), "run", "--jenkinsfile", "--in-place", "-j", "1"], proj, env, stamps)
          for _ in range(REPEAT)]
    pw1 = [run([str(binary), "run", "--jenkinsfile", "--in-place", "-j", "1"], proj / "one", env, stamps)
           for _ in range(REPEAT)]
    sh = [run(["bash", str(script)], proj, env, stamps) for _ in range(REPEAT)]
    sh1 = [run(["bash", str(one)], proj, env, stamps) for _ in range(REPEAT)]

pw_wall = statistics.median(w for w, _ in pw)
pw_first = statistics.median(f for _, f in pw)
pw1_wall = statistics.median(w for w, _ in pw1)
sh_wall = statistics.median(w for w, _ in sh)
sh_first = statistics.median(f for _, f in sh)
sh1_wall = statistics.median(w for w, _ in sh1)
per_stage = ((pw_wall - sh_wall) - (pw1_wall - sh1_wall)) / (n - 1) * 1000
print(f"Jenkinsfile of {n} stages, one sh each (median of {REPEAT})")
print(f"{'':34}{'pipewright':>12}{'bash script':>13}{'ratio':>8}")
print(f"{'start to first sh':34}{pw_first * 1000:>10.1f}ms{sh_first * 1000:>11.1f}ms{pw_first / sh_first:>7.1f}x")
print(f"{f'{n} stages, wall':34}{pw_wall * 1000:>10.0f}ms{sh_wall * 1000:>11.0f}ms{pw_wall / sh_wall:>7.1f}x")
print(f"per-stage overhead: {per_stage:.2f} ms (engine goal < 2 ms)")
print(f"start to first sh:  {pw_first * 1000:.1f} ms (goal < 50 ms)")
print("jenkinsfile-runner (published, not measured here): 11 s to minutes for a trivial pipeline "
      "(jenkinsfile-runner issues #241, #471)")
