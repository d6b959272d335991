"""Many runs at once, runs killed at random moments, and full disks.

Twenty `pipewright run`s at once in one project, and runs in several projects sharing one
environment cache; loops of SIGKILLs at random delays during a build, an environment build,
`db import` and an upload, each followed by a normal run; and a small tmpfs that fills up during
each of them. The loops print what they found (pytest -s); their assertions say it again.
The kill loops are seeded from PW_KILL_SEED when it is set, so a failure can be replayed.
"""
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BINARY, SYSTEM_PYTHON, make_repo, processes_matching

PYTHON_STAGES = ["preflight", "lock-check", "setup-python", "tests", "lint", "format-ruff",
                 "format-black", "typecheck", "security-lint", "audit", "quality", "dependency-scan",
                 "analysis", "quality-gate", "package", "image-build", "image-scan", "image-push",
                 "upload", "deploy"]

SEED = int(os.environ.get("PW_KILL_SEED", random.randrange(1 << 30)))


def rng(name):
    r = random.Random(f"{SEED}-{name}")
    print(f"\n[{name}] PW_KILL_SEED={SEED}")
    return r


def stages_yaml(body: str, keep=()) -> str:
    disabled = "".join(f"  {s}:\n    enabled: false\n" for s in PYTHON_STAGES if s not in keep)
    return "stages:\n" + disabled + body


def start(project, env, *args):
    return subprocess.Popen([str(BINARY), *args], cwd=project, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_at(proc, when):
    """SIGKILLs proc at monotonic time `when` (or at once when past); True if it was still running."""
    delay = when - time.monotonic()
    if delay > 0:
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            pass
    alive = proc.poll() is None
    if alive:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    return alive


def survivors(predicate, wait=3.0):
    """Pids still matching after `wait` seconds (the guard needs a moment); they are then killed."""
    deadline = time.monotonic() + wait
    left = predicate()
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = predicate()
    for pid in left:
        try:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except OSError:
            pass
    return left


def records(project):
    builds = project / ".pipewright" / "builds"
    out = {}
    for d in sorted(builds.iterdir(), key=lambda p: p.name):
        if d.name.isdigit() and (d / "build.json").exists():
            out[int(d.name)] = json.loads((d / "build.json").read_text())
    return out


def run(project, env, *args, timeout=300):
    return subprocess.run([str(BINARY), *args], cwd=project, env=env, capture_output=True,
                          text=True, errors="replace", timeout=timeout)


def mount_tmpfs(path: Path, size: str):
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs for the full-disk case")
    path.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)]).returncode:
        pytest.skip("cannot mount a tmpfs here")


def remount(path: Path, size: str):
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


def umount(path: Path):
    subprocess.run(["umount", "-l", str(path)])


# -- many at once --------------------------------------------------------------------------------

def test_twenty_runs_at_once_in_one_project(repo, env):
    project = repo({"pipewright.yaml": stages_yaml(
        "  a:\n    run: echo $BUILD_NUMBER > n.txt\n"
        "  b:\n    needs: [a]\n    run: test \"$(cat n.txt)\" = \"$BUILD_NUMBER\"\n"
        "  post:\n    always: echo post of $BUILD_NUMBER\n")})
    procs = [start(project, env, "run") for _ in range(20)]
    codes = [p.wait(timeout=300) for p in procs]
    assert codes == [0] * 20, codes
    recs = records(project)
    assert sorted(recs) == list(range(1, 21))
    for n, b in recs.items():
        assert b["number"] == n and b["status"] == "SUCCESS", b
        assert [s["id"] for s in b["stages"]] == ["checkout", "a", "b", "post"], b
        assert all(s["status"] == "SUCCESS" for s in b["stages"]), b
        folder = project / ".pipewright" / "builds" / str(n)
        assert Path(b["workspace"]) == folder / "workspace"
        assert (folder / "workspace" / "n.txt").read_text().strip() == str(n)
        assert f"of build #{n}," in (folder / "logs" / "a.log").read_text()
        assert f"post of {n}" in (folder / "logs" / "post.log").read_text()
        for f in (folder / "stages").glob("*.json"):
            assert json.loads(f.read_text())["number"] == n
    builds = project / ".pipewright" / "builds"
    assert os.readlink(builds / "latest") == "20"
    assert (builds / "next").read_text().strip() == "21"


APP_FILES = {
    "pyproject.toml": "[build-system]\nrequires = [\"setuptools\"]\n"
                      "build-backend = \"setuptools.build_meta\"\n\n"
                      "[project]\nname = \"app\"\nversion = \"1.0\"\n",
    "app/__init__.py": "NAME = 'app'\n",
    # Debian's pytest, through the system site: no index is needed, but pip still runs.
    "requirements-dev.txt": "pytest\n",
}


def python_app_yaml(extra=""):
    return ("project:\n  python: /usr/bin/python3\n" + stages_yaml(
        "  setup-python:\n    system_site_packages: true\n    no_index: true\n"
        "    upgrade_tools: false\n    build_isolation: false\n"
        "  use:\n    needs: [setup-python]\n"
        "    run: .venv/bin/python -c 'import app, pytest; print(app.NAME)'\n" + extra,
        keep=("setup-python",)))


def python_app(path: Path, env) -> Path:
    return make_repo(path, {**APP_FILES, "pipewright.yaml": python_app_yaml()}, env)


def entries(cache: Path):
    venvs = cache / "pipewright" / "venvs"
    return sorted(p.name for p in venvs.iterdir() if not p.name.endswith(".lock")) \
        if venvs.is_dir() else []


def test_runs_in_several_projects_build_one_shared_environment(tmp_path, env):
    if subprocess.run([SYSTEM_PYTHON, "-c", "import pytest, setuptools"]).returncode:
        pytest.skip("Debian's python3-pytest and python3-setuptools are missing")
    cache = tmp_path / "cache"
    env["XDG_CACHE_HOME"] = str(cache)
    projects = [python_app(tmp_path / f"p{i}", env) for i in range(4)]
    procs = [(p, start(p, env, "run")) for p in projects for _ in range(2)]
    for p, proc in procs:
        assert proc.wait(timeout=600) == 0, run(p, env, "run").stdout
    setups = []
    for p in projects:
        recs = records(p)
        assert sorted(recs) == [1, 2]
        for n, b in recs.items():
            st = {s["id"]: s for s in b["stages"]}
            assert b["status"] == "SUCCESS" and st["use"]["status"] == "SUCCESS", b
            setups.append(st["setup-python"])
            log = (p / ".pipewright/builds" / str(n) / "logs/setup-python.log").read_text()
            setups[-1]["built_here"] = log.count("building cached environment")
    keys = {s["data"]["cache_key"] for s in setups}
    assert len(keys) == 1, keys
    misses = [s for s in setups if s["data"]["cache"] == "miss"]
    print(f"\n[shared environment] {len(setups)} builds: {len(misses)} built it, "
          f"{sum(s['data']['cache'] == 'hit' for s in setups)} reused it, "
          f"{len(entries(cache))} cache entries")
    assert len(misses) == 1, [s["data"]["cache"] for s in setups]
    assert sum(s["built_here"] for s in setups) == 1
    assert len(entries(cache)) == 1, entries(cache)


# -- killed at random moments ---------------------------------------------------------------------

def check_settled(project, env, label, killed_numbers):
    """The normal run after the kills: it succeeds, and no earlier build still says RUNNING."""
    r = run(project, env, "run")
    assert r.returncode == 0, r.stdout + r.stderr
    recs = records(project)
    running = [n for n, b in recs.items() if b["status"] == "RUNNING"]
    killed = [n for n, b in recs.items() if b["status"] == "ABORTED" and "killed" in b.get("reason", "")]
    for n, b in recs.items():
        assert b["number"] == n, b
    return running, killed, r


def test_builds_killed_at_random_moments(repo, env):
    r = rng("build")
    marker = f"pwkill{SEED % 100000}"
    project = repo({"pipewright.yaml": stages_yaml(
        "  a:\n    run: sleep 0.1\n"
        f"  b:\n    needs: [a]\n    run: (exec -a {marker} sleep 600) & exec -a {marker} sleep 0.4\n"
        "  post:\n    always: 'true'\n")})
    kills, left_behind, cases = 0, 0, []
    for i in range(50):
        proc = start(project, env, "run")
        if kill_at(proc, time.monotonic() + r.uniform(0, 1.0)):
            kills += 1
        left = survivors(lambda: processes_matching(marker))
        left_behind += bool(left)
        cases.append(len(left))
    running, killed, last = check_settled(project, env, "build", [])
    print(f"[build] {kills} of 50 SIGKILLs hit a live run; {left_behind} left a process running; "
          f"after the next run {len(running)} records still say RUNNING, {len(killed)} say killed")
    assert left_behind == 0, cases
    assert running == [], running
    assert killed, "no kill landed after the record was first written"
    # The history index lists the killed builds as what they are, not as never-ending runs.
    hist = run(project, env, "history", "-n", "100", "--json")
    assert hist.returncode == 0, hist.stderr
    assert "RUNNING" not in hist.stdout and hist.stdout.count("ABORTED") >= len(killed)
    # The run after the kills said which builds it settled; later readers see them settled too.
    b = records(project)[killed[0]]
    assert any(s["status"] == "ABORTED" and "killed" in s["summary"] for s in b["stages"]) or \
        all(s["status"] != "RUNNING" for s in b["stages"]), b


def test_environment_builds_killed_at_random_moments(tmp_path, env):
    """Five projects share one cache; in each round all five runs (the builder of the entry and
    those waiting on its lock) are killed at random moments of the environment build."""
    if subprocess.run([SYSTEM_PYTHON, "-c", "import pytest, setuptools"]).returncode:
        pytest.skip("Debian's python3-pytest and python3-setuptools are missing")
    r = rng("environment")
    cache = tmp_path / "cache"
    env["XDG_CACHE_HOME"] = str(cache)
    projects = [python_app(tmp_path / f"p{i}", env) for i in range(5)]
    rounds = int(os.environ.get("PW_ENV_KILL_ROUNDS", "10"))
    venvs = cache / "pipewright" / "venvs"
    kills, left_behind, complete_broken = 0, 0, 0
    for _ in range(rounds):
        procs = [start(p, env, "run") for p in projects]
        # Anchor the kills at the moment the environment build starts.
        t0 = time.monotonic()
        while time.monotonic() - t0 < 120 and not processes_matching(str(venvs)) \
                and any(p.poll() is None for p in procs):
            time.sleep(0.02)
        anchor = time.monotonic()
        for p, when in sorted(((p, anchor + r.uniform(0, 3.0)) for p in procs), key=lambda x: x[1]):
            kills += kill_at(p, when)
        left_behind += bool(survivors(lambda: processes_matching(str(tmp_path))))
        # A complete entry is whole; anything else must never be used. Start the next round from
        # an empty cache when this one finished the entry, so that every round kills builders.
        for e in entries(cache):
            d = venvs / e
            if (d / ".pipewright-complete").exists():
                ok = subprocess.run([str(d / "bin" / "python"), "-c", "import pip"],
                                    capture_output=True).returncode == 0
                complete_broken += not ok
                assert run(projects[0], env, "cache", "prune", "--all").returncode == 0
    running, killed, last = check_settled(projects[0], env, "environment", [])
    setup = next(s for s in records(projects[0])[max(records(projects[0]))]["stages"]
                 if s["id"] == "setup-python")
    print(f"[environment] {kills} of {5 * rounds} SIGKILLs hit a live run; {left_behind} of "
          f"{rounds} rounds left a process running; {complete_broken} complete entries broken; "
          f"after the next run {len(running)} records still say RUNNING")
    assert left_behind == 0
    assert complete_broken == 0
    assert running == []
    assert setup["status"] == "SUCCESS", setup
    for p in projects[1:]:
        assert all(b["status"] != "RUNNING" for b in records(p).values()) or \
            run(p, env, "run").returncode == 0


def osv_folder(path: Path, prefix: str, n: int) -> Path:
    path.mkdir(parents=True)
    for i in range(n):
        rec = {"id": f"{prefix}-{i:05d}", "modified": "2024-01-01T00:00:00Z",
               "summary": f"advisory {i} of {prefix}", "details": "x" * 200,
               "affected": [{"package": {"ecosystem": "PyPI", "name": f"{prefix.lower()}pkg{i % 500}"},
                             "ranges": [{"type": "ECOSYSTEM",
                                         "events": [{"introduced": "0"}, {"fixed": f"1.{i}"}]}]}]}
        (path / f"{prefix}-{i:05d}.json").write_text(json.dumps(rec))
    return path


def db_counts(db: Path):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        a = con.execute("SELECT COUNT(*) FROM records WHERE id LIKE 'A-%'").fetchone()[0]
        b = con.execute("SELECT COUNT(*) FROM records WHERE id LIKE 'B-%'").fetchone()[0]
        idx = con.execute("SELECT COUNT(DISTINCT record_id) FROM affected").fetchone()[0]
        return a, b, idx
    finally:
        con.close()


def test_db_imports_killed_at_random_moments(tmp_path, env):
    r = rng("db import")
    n = 3000
    a = osv_folder(tmp_path / "osv-a", "A", n)
    # One source, B, whose folder (a symbolic link) alternates between n records and one, so
    # that every import writes: n-1 records arrive or go in one transaction.
    b_full = osv_folder(tmp_path / "osv-b-full", "B", n)
    b_one = osv_folder(tmp_path / "osv-b-one", "B", 1)
    b = tmp_path / "osv-b"
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    db = tmp_path / "cache" / "pipewright" / "advisories" / "osv.db"
    b.symlink_to(b_one)
    t0 = time.monotonic()
    first = run(tmp_path, env, "db", "import", str(a), str(b))
    took = time.monotonic() - t0
    assert first.returncode == 0, first.stderr
    kills, torn, unreadable = 0, [], 0
    for i in range(50):
        b.unlink()
        b.symlink_to(b_full if i % 2 == 0 else b_one)
        proc = start(tmp_path, env, "db", "import", str(b))
        kills += kill_at(proc, time.monotonic() + r.uniform(0, took * 1.2))
        if run(tmp_path, env, "db", "status").returncode != 0:
            unreadable += 1
        ca, cb, idx = db_counts(db)
        if ca != n or cb not in (1, n) or idx != ca + cb:
            torn.append((ca, cb, idx))
    b.unlink()
    b.symlink_to(b_full)
    last = run(tmp_path, env, "db", "import", str(a), str(b))
    print(f"[db import] {kills} of 50 SIGKILLs hit a live import; {len(torn)} left a partial "
          f"database; {unreadable} left it unreadable")
    assert last.returncode == 0, last.stderr
    assert torn == [] and unreadable == 0, torn
    assert db_counts(db) == (n, n, 2 * n)


def upload_yaml(endpoint):
    return ("version: 1\nproject:\n  name: demo\n" + stages_yaml(
        "  make:\n    run: |\n      mkdir -p dist\n"
        "      head -c 7000000 /dev/urandom > dist/app.tar.gz\n"
        "      for i in 1 2 3 4 5 6 7 8; do head -c 20000 /dev/urandom > dist/f$i.bin; done\n"
        "  upload:\n    needs: [make]\n    part_size: 5MiB\n    attempts: 2\n"
        f"    s3:\n      bucket: artifacts\n      prefix: builds\n      endpoint: {endpoint}\n",
        keep=("upload",)))


def stored_objects(data_dir: Path, prefix: str):
    """What s3rver holds under prefix: key -> bytes."""
    root = data_dir / "artifacts"
    out = {}
    for f in root.rglob("*._S3rver_object"):
        key = str(f.relative_to(root))[: -len("._S3rver_object")]
        if key.startswith(prefix):
            out[key] = f.read_bytes()
    return out


def manifest_consistent(data_dir: Path, n: int):
    """None when no manifest; else whether every object it names is there with its hash."""
    prefix = f"builds/demo/{n}/"
    objs = stored_objects(data_dir, prefix)
    if prefix + "manifest.json" not in objs:
        return None
    m = json.loads(objs[prefix + "manifest.json"])
    for o in m["objects"]:
        body = objs.get(o["key"])
        if body is None or hashlib.sha256(body).hexdigest() != o["sha256"]:
            return False
    return True


@pytest.fixture
def s3(tmp_path):
    import s3_harness as h
    try:
        s = h.Store(tmp_path / "s3rver")
    except RuntimeError as e:
        pytest.skip(f"s3rver cannot run here: {e}")
    yield s, h
    s.stop()


def test_uploads_killed_at_random_moments(repo, env, s3, tmp_path):
    store, h = s3
    r = rng("upload")
    e = h.aws_env(env)
    project = repo({"pipewright.yaml": upload_yaml(store.url)})
    t0 = time.monotonic()
    first = run(project, e, "run")
    took = time.monotonic() - t0
    assert first.returncode == 0, first.stdout
    kills, inconsistent, with_manifest = 0, 0, 0
    for _ in range(50):
        proc = start(project, e, "run")
        kills += kill_at(proc, time.monotonic() + r.uniform(0, took * 1.2))
    for n in records(project):
        ok = manifest_consistent(tmp_path / "s3rver", n)
        with_manifest += ok is not None
        inconsistent += ok is False
    running, killed, last = check_settled(project, e, "upload", [])
    newest = max(records(project))
    again = run(project, e, "upload", "--build", str(max(killed) if killed else newest))
    print(f"[upload] {kills} of 50 SIGKILLs hit a live run; {with_manifest} builds have a "
          f"manifest, {inconsistent} of them naming objects missing or different; "
          f"{len(store.front.pending_uploads())} multipart uploads left pending; "
          f"{len(running)} records still RUNNING after the next run")
    assert inconsistent == 0
    assert running == []
    assert again.returncode == 0, again.stdout + again.stderr
    assert manifest_consistent(tmp_path / "s3rver", max(killed) if killed else newest) is True
    assert manifest_consistent(tmp_path / "s3rver", newest) is True


# -- a full disk ----------------------------------------------------------------------------------

def test_full_disk_during_a_build_then_a_run_with_space(tmp_path, env):
    mnt = tmp_path / "small"
    mount_tmpfs(mnt, "3m")
    try:
        project = make_repo(mnt / "p", {"pipewright.yaml": stages_yaml(
            "  fill:\n    run: test ! -f $PIPEWRIGHT_PROJECT_DIR/fill-now ||"
            " head -c 8000000 /dev/zero > $PIPEWRIGHT_PROJECT_DIR/filler || true\n"
            "  after:\n    needs: [fill]\n    run: echo after\n")}, env)
        (project / "fill-now").write_text("")
        r = run(project, env, "run")
        assert r.returncode == 1, r.stdout + r.stderr
        assert "No space left on device" in r.stdout + r.stderr
        # What could not be written is named.
        assert str(project / ".pipewright" / "builds" / "1") in r.stdout + r.stderr
        (project / "filler").unlink()
        (project / "fill-now").unlink()
        again = run(project, env, "run")
        assert again.returncode == 0, again.stdout + again.stderr
        recs = records(project)  # every record parses: none was left half-written
        assert recs[2]["status"] == "SUCCESS"
        assert recs[1]["status"] in ("FAILURE", "ABORTED"), recs[1]
        assert recs[1]["status"] == "FAILURE" or "full disk" in recs[1]["reason"]
    finally:
        umount(mnt)


def test_full_disk_during_an_environment_build(tmp_path, env):
    if subprocess.run([SYSTEM_PYTHON, "-c", "import pytest, setuptools"]).returncode:
        pytest.skip("Debian's python3-pytest and python3-setuptools are missing")
    cache = tmp_path / "cache"
    mount_tmpfs(cache, "2m")
    try:
        env["XDG_CACHE_HOME"] = str(cache)
        project = python_app(tmp_path / "p", env)
        r = run(project, env, "run")
        assert r.returncode == 1, r.stdout
        setup = next(s for s in records(project)[1]["stages"] if s["id"] == "setup-python")
        assert setup["status"] == "FAILURE"
        assert "No space left on device" in setup["summary"] or \
            f"the file system of {cache}" in setup["summary"] and "is full" in setup["summary"], setup
        remount(cache, "400m")
        again = run(project, env, "run")
        assert again.returncode == 0, again.stdout
        setup = next(s for s in records(project)[2]["stages"] if s["id"] == "setup-python")
        assert setup["data"]["cache"] == "miss", setup  # the half entry was not used
        assert entries(cache) == [setup["data"]["cache_key"]]
    finally:
        umount(cache)


def test_full_disk_during_a_db_import(tmp_path, env):
    cache = tmp_path / "cache"
    mount_tmpfs(cache, "1m")
    try:
        env["XDG_CACHE_HOME"] = str(cache)
        small = osv_folder(tmp_path / "osv-b", "B", 1)
        big = osv_folder(tmp_path / "osv-a", "A", 3000)
        assert run(tmp_path, env, "db", "import", str(small)).returncode == 0
        r = run(tmp_path, env, "db", "import", str(big))
        assert r.returncode != 0, r.stdout
        db = cache / "pipewright" / "advisories" / "osv.db"
        assert "full" in r.stderr and str(db) in r.stderr, r.stderr
        assert "rolled back" in r.stderr
        status = run(tmp_path, env, "db", "status")
        assert status.returncode == 0 and "1 record(s)" in status.stdout, status.stdout
        assert db_counts(db) == (0, 1, 1)
        remount(cache, "200m")
        assert run(tmp_path, env, "db", "import", str(big)).returncode == 0
        assert db_counts(db) == (3000, 1, 3001)
    finally:
        umount(cache)


def test_full_disk_in_the_store_during_an_upload(repo, env, tmp_path):
    import s3_harness as h
    data = tmp_path / "s3data"
    mount_tmpfs(data, "4m")
    store = None
    try:
        try:
            store = h.Store(data)
        except RuntimeError as e:
            pytest.skip(f"s3rver cannot run here: {e}")
        e = h.aws_env(env)
        project = repo({"pipewright.yaml": upload_yaml(store.url)})
        r = run(project, e, "run")
        assert r.returncode == 1, r.stdout
        up = next(s for s in records(project)[1]["stages"] if s["id"] == "upload")
        assert up["status"] == "FAILURE" and "dist/app.tar.gz" in up["summary"], up
        assert manifest_consistent(data, 1) is None  # no manifest for a partial upload
        remount(data, "100m")
        # s3rver itself does not survive its full disk: a new one on the same data.
        store.stop()
        store = h.Store(data)
        (project / "pipewright.yaml").write_text(upload_yaml(store.url))
        again = run(project, e, "upload", "--build", "1")
        assert again.returncode == 0, again.stdout + again.stderr
        assert manifest_consistent(data, 1) is True
    finally:
        if store:
            store.stop()
        umount(data)
