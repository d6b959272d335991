"""The Python half of bench/osv_scan.sh: load the same OSV YAML files, then match the same
name==version list with packaging (the library pip vendors), by the OSV schema's algorithm,
merging aliases like pipewright. Prints "python-packaging LOAD_MS SCAN_MS FINDINGS SCAN_CPU_MS",
the scan times being the medians of five runs."""
import os
import re
import sys
import time

import yaml
from packaging.version import InvalidVersion, Version


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(v):
    try:
        return Version(v)
    except InvalidVersion:
        return None


def affected(entry, v):
    for s in entry.get("versions") or []:
        p = parse(s)
        if p is not None and p == v:
            return True
    for r in entry.get("ranges") or []:
        if r.get("type") != "ECOSYSTEM":
            continue
        events = []
        ok = True
        for e in r.get("events") or []:
            ((kind, ver),) = e.items()
            if kind == "introduced" and ver == "0":
                events.append((0, None, kind))
            elif kind == "limit" and "*" in ver:
                events.append((2, None, kind))
            else:
                p = parse(ver)
                if p is None:
                    ok = False
                    break
                events.append((1, p, kind))
        if not ok:
            continue
        events.sort(key=lambda e: (e[0], e[1]) if e[1] is not None else (e[0], Version("0")))
        limits = [e for e in events if e[2] == "limit"]
        if limits and not any(e[0] == 2 or v < e[1] for e in limits):
            continue
        vuln = False
        for rank, p, kind in events:
            if kind == "introduced" and (rank == 0 or v >= p):
                vuln = True
            elif kind == "fixed" and v >= p:
                vuln = False
            elif kind == "last_affected" and v > p:
                vuln = False
        if vuln:
            return True
    return False


def main():
    corpus, env_path = sys.argv[1], sys.argv[2]
    t = time.perf_counter()
    index = {}
    for root, _, files in os.walk(corpus):
        for f in sorted(files):
            if not f.endswith((".yaml", ".yml")):
                continue
            with open(os.path.join(root, f)) as fh:
                rec = yaml.load(fh, Loader=yaml.BaseLoader)  # all strings, as OSV means them
            if rec.get("withdrawn"):
                continue
            for a in rec.get("affected") or []:
                pkg = a.get("package") or {}
                if pkg.get("ecosystem") == "PyPI":
                    index.setdefault(norm(pkg["name"]), []).append((rec, a))
    load_ms = (time.perf_counter() - t) * 1000
    env = [line.strip().split("==", 1) for line in open(env_path) if "==" in line]
    times, cpu_times = [], []
    for _ in range(5):  # the median of five runs, as the native side reports
        t, c = time.perf_counter(), time.process_time()
        findings = scan(index, env)
        times.append((time.perf_counter() - t) * 1000)
        cpu_times.append((time.process_time() - c) * 1000)
    scan_ms, cpu_ms = sorted(times)[2], sorted(cpu_times)[2]
    print(f"python-packaging {load_ms:.1f} {scan_ms:.2f} {findings} {cpu_ms:.2f}")


def scan(index, env):
    findings = 0
    for name, version in env:
        v = parse(version)
        if v is None:
            continue
        hits = {}
        for rec, a in index.get(norm(name), []):
            if affected(a, v):
                hits[rec["id"]] = set(rec.get("aliases") or []) | {rec["id"]}
        groups = []  # merge ids that share an alias
        for ids in hits.values():
            merged = [g for g in groups if g & ids]
            for g in merged:
                groups.remove(g)
                ids |= g
            groups.append(ids)
        findings += len(groups)
    return findings


main()
