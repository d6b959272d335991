"""The Python half of bench/lock_check.sh: the same lock check with tomllib and packaging.

Run with Debian's /usr/bin/python3 (3.11: tomllib; python3-packaging): lock_check_peer.py DIR N.
Each check reads the lock and pyproject.toml from disk, parses every declaration with
packaging.requirements.Requirement, checks that each is locked at a version its specifier
contains, and walks the lock's dependency graph from the declarations to find locked packages
nothing declares: what pipewright's check_lock_sync does. Prints one row per lock format.
"""
import sys
import time
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version


def declarations(pyproject: dict) -> list[Requirement]:
    out = [Requirement(t) for t in pyproject.get("project", {}).get("dependencies", [])]
    for group in pyproject.get("dependency-groups", {}).values():
        out += [Requirement(t) for t in group if isinstance(t, str)]
    return out


def read_lock(path: Path, kind: str) -> dict[str, tuple[str, list[str]]]:
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    locked = {}
    for p in doc.get("package", []):
        name = canonicalize_name(p["name"])
        if kind == "uv":
            deps = [canonicalize_name(d["name"]) for d in p.get("dependencies", [])]
            hashes = [w["hash"] for w in p.get("wheels", [])] + ([p["sdist"]["hash"]] if "sdist" in p else [])
        else:
            deps = [canonicalize_name(d) for d in p.get("dependencies", {})]
            hashes = [f["hash"] for f in p.get("files", [])]
        locked[name] = (p.get("version", ""), deps, hashes)
    return locked


def check(folder: Path, lock: str, kind: str) -> int:
    locked = read_lock(folder / lock, kind)
    with open(folder / "pyproject.toml", "rb") as f:
        decls = declarations(tomllib.load(f))
    problems = []
    for r in decls:
        name = canonicalize_name(r.name)
        if name not in locked:
            problems.append(f"{r.name} not locked")
        elif not r.specifier.contains(Version(locked[name][0]), prereleases=True):
            problems.append(f"{r.name} outside range")
    needed, todo = set(), [canonicalize_name(r.name) for r in decls]
    while todo:
        n = todo.pop()
        if n in needed:
            continue
        needed.add(n)
        todo += locked.get(n, ("", [], []))[1]
    problems += [n for n in locked if n not in needed and n != "bench"]
    if problems:
        sys.exit(f"peer: the generated lock is not in sync: {problems[0]}")
    return len(locked)


def main() -> None:
    folder, n = Path(sys.argv[1]), int(sys.argv[2])
    for kind, lock in (("uv", "uv.lock"), ("poetry", "poetry.lock")):
        count = check(folder / kind, lock, kind)  # warm-up, outside the timing
        start = time.process_time()  # CPU time, as the native side measures it
        for _ in range(n):
            check(folder / kind, lock, kind)
        ms = (time.process_time() - start) * 1000.0 / n
        print(f"tomllib+packaging-{kind} {ms:.3f} ms_per_check {count} packages")


if __name__ == "__main__":
    main()
