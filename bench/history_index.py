"""History index and dashboard at scale (issue 18): N synthetic builds (default 10,000 builds of
50 stages and 2,000 tests each, as the issue sets) written as pipewright writes them, then
  - the index rebuilt from scratch, and one new build added (bench_history_index, C++),
  - the API's answers at that size (median of 15 calls each, same binary),
  - the builds page's first paint and filled table in headless chromium (median of 5 loads),
against the peer a team has today: a Python script reading the same build.json files to list
the builds (and, up to 1,000 builds, parsing every report.xml for one test's history).
Usage: python3 bench/history_index.py [BUILD_DIR]
  PW_BENCH_BUILDS, PW_BENCH_TESTS, PW_BENCH_STAGES change the size (quick run: 500 builds)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(sys.argv[1] if len(sys.argv) > 1 else "build")
if not BUILD.is_absolute():
    BUILD = ROOT / BUILD
N = int(os.environ.get("PW_BENCH_BUILDS", "10000"))
TESTS = int(os.environ.get("PW_BENCH_TESTS", "2000"))
STAGES = int(os.environ.get("PW_BENCH_STAGES", "50"))


def generate(project: Path):
    builds = project / ".pipewright" / "builds"
    builds.mkdir(parents=True)
    names = [(f"tests.test_mod{i % 40:02d}", f"test_case_{i:04d}") for i in range(TESTS)]
    passing = [f'<testcase classname="{c}" name="{n}" time="0.0{i % 90 + 10}"/>' for i, (c, n) in enumerate(names)]
    log = "".join(f"\x1b[32mline {i}\x1b[0m doing work on item {i}\n" for i in range(1500))
    for b in range(1, N + 2):
        d = builds / str(b)
        (d / "reports").mkdir(parents=True)
        (d / "logs").mkdir()
        failing = set()
        if b % 7 == 0:
            failing |= {1, 2, 3}
        if b % 13 == 0:
            failing.add(100)
        cases = list(passing)
        for i in failing:
            c, n = names[i]
            cases[i] = (f'<testcase classname="{c}" name="{n}" time="0.5"><failure message="assert {i} == 0">'
                        f'tests/test_mod{i % 40:02d}.py:{i}: AssertionError</failure></testcase>')
        (d / "reports" / "report.xml").write_text(
            f'<?xml version="1.0"?><testsuites><testsuite name="pytest" tests="{TESTS}" failures="{len(failing)}">'
            + "".join(cases) + "</testsuite></testsuites>")
        covered = 800 + b % 100
        (d / "reports" / "coverage.xml").write_text(
            f'<?xml version="1.0"?><coverage line-rate="{covered / 1000}" lines-valid="1000" lines-covered="{covered}">'
            '<packages><package name="app"><classes><class filename="app/m.py" name="m.py"><lines>'
            + "".join(f'<line number="{i}" hits="{1 if i <= covered // 100 else 0}"/>' for i in range(1, 11))
            + "</lines></class></classes></package></packages></coverage>")
        stages = [{"id": f"stage-{s:02d}", "status": "SUCCESS", "blocking": True, "duration_ms": 1000 + s,
                   "summary": "ok", "started": f"2026-01-01T10:{s % 60:02d}:00.000Z", "attempts": 1,
                   "log": f"logs/stage-{s:02d}.log", "data": {}} for s in range(STAGES)]
        (d / "logs" / "stage-07.log").write_text(log)
        status = "UNSTABLE" if failing else "SUCCESS"
        (d / "build.json").write_text(json.dumps({
            "format": 1, "number": b, "status": status, "project": "bench", "commit": f"{b // 3:040x}",
            "branch": "main" if b % 5 else "feature", "started": "2026-01-01T10:00:00.000Z",
            "duration_ms": 60000 + b, "workspace": str(d / "workspace"), "stages": stages}))


def peer_list(project: Path):
    """What a script does today: read every build.json and list the builds, newest first."""
    t = time.perf_counter()
    rows = []
    for d in (project / ".pipewright" / "builds").iterdir():
        if d.name.isdigit():
            with open(d / "build.json") as f:
                j = json.load(f)
            rows.append((j["number"], j["status"], j["commit"], j["branch"], j["duration_ms"], len(j["stages"])))
    rows.sort(reverse=True)
    return (time.perf_counter() - t) * 1000, len(rows)


def peer_test_history(project: Path, classname: str, name: str):
    t = time.perf_counter()
    out = []
    for d in (project / ".pipewright" / "builds").iterdir():
        if not d.name.isdigit():
            continue
        for _, el in ET.iterparse(d / "reports" / "report.xml"):
            if el.tag == "testcase" and el.get("name") == name and el.get("classname") == classname:
                out.append((int(d.name), "failed" if el.find("failure") is not None else "passed"))
    return (time.perf_counter() - t) * 1000, len(out)


def first_paint(project: Path):
    web = ROOT / "web"
    if not (web / "node_modules" / "playwright-core").exists() or not Path("/usr/bin/chromium").exists():
        return None
    serve = subprocess.Popen([str(BUILD / "pipewright"), "serve", "--port", "0", "-C", str(project)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = serve.stdout.readline().split(" at ")[1].split()[0]
        r = subprocess.run(["node", str(web / "e2e" / "first_paint.mjs")], env=dict(os.environ, PW_URL=url),
                           capture_output=True, text=True, timeout=300)
        return json.loads(r.stdout) if r.returncode == 0 else None
    finally:
        serve.terminate()
        serve.wait(timeout=10)


def main():
    native = BUILD / "bench" / "bench_history_index"
    if not native.exists():
        sys.exit(f"history_index: {native} missing: cmake --build {BUILD} --target bench_history_index")
    tmp = Path(tempfile.mkdtemp(prefix="pw-bench-history-"))
    try:
        project = tmp / "project"
        t = time.perf_counter()
        generate(project)
        gen_s = time.perf_counter() - t
        size = subprocess.run(["du", "-sh", str(project)], capture_output=True, text=True).stdout.split()[0]
        print(f"{N + 1} builds x {STAGES} stages x {TESTS} tests generated in {gen_s:.0f} s ({size})")
        r = subprocess.run([str(native), str(project), str(N + 1), "tests/test_mod20.py::test_case_0100"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("bench_history_index failed: " + r.stderr)
        res = json.loads(r.stdout)
        subprocess.run(["sync"])
        # The peer reads the same files with the page cache as warm as the rebuild left it.
        peer_ms, rows = peer_list(project)
        peer_ms2, _ = peer_list(project)
        peer_ms = min(peer_ms, peer_ms2)
        fp = first_paint(project)
        print(f"\nrebuild from scratch: {res['rebuild_ms']:.0f} ms for {res['rebuild_builds']} builds "
              f"({res['rebuild_ms'] / max(1, res['rebuild_builds']):.2f} ms per build); index {res['db_bytes'] / 2**20:.0f} MiB")
        print(f"add one build: {res['add_one_ms']:.1f} ms")
        builds_api = res["api"][0]["median_ms"]
        print(f"\n| API route | median ms | max ms | bytes |\n|---|---|---|---|")
        for a in res["api"]:
            print(f"| {a['route']} | {a['median_ms']:.2f} | {a['max_ms']:.2f} | {a['bytes']} |")
        print(f"\npeer: Python reading {rows} build.json files to list the builds: {peer_ms:.0f} ms; "
              f"/api/builds {builds_api:.2f} ms: {peer_ms / builds_api:.0f}x")
        print(f"peer against the rebuild (which also reads every report.xml): {peer_ms:.0f} ms vs {res['rebuild_ms']:.0f} ms")
        if N <= 1000:
            ph_ms, _ = peer_test_history(project, "tests.test_mod20", "test_case_0100")
            th = next(a for a in res["api"] if a["route"].startswith("/api/tests/history"))["median_ms"]
            print(f"peer: one test's history by parsing every report.xml: {ph_ms:.0f} ms; API {th:.2f} ms: {ph_ms / th:.0f}x")
        if fp:
            print(f"builds page in headless chromium: first contentful paint {fp['fcp_ms']:.0f} ms, table filled "
                  f"{fp['table_ms']:.0f} ms (median of {fp['runs']})")
        else:
            print("builds page: skipped (no chromium or web/node_modules)")
    finally:
        if not os.environ.get("PW_BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
