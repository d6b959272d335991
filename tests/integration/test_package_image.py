"""package, image-build and image-push on a copy of the example, with real python -m build, real
podman and a real registry (docker-registry with htpasswd) on loopback."""
import hashlib
import json
import os
import re
import subprocess
import threading
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from conftest import BINARY
from containers import Registry, base_image, containers_env  # noqa: F401
from test_python_stages import copy_example, shared_cache  # noqa: F401

# Stages the image tests do not need: off, to keep the run short (the quality gate still runs).
FAST = """
  format-black: {enabled: false}
  typecheck: {enabled: false}
  security-lint: {enabled: false}
  image-scan: {enabled: false}
"""


def example_with(tmp_path, env, extra_yaml="", dockerfile=None, image_build=""):
    def edit(dest: Path):
        text = (dest / "pipewright.yaml").read_text()
        text = text.replace("    tool: flake8\n", "    tool: flake8\n    enabled: false\n")
        assert "  image-build:\n" in text
        text = text.replace("  image-build:\n", "  image-build:\n" + image_build)
        (dest / "pipewright.yaml").write_text(text + FAST + extra_yaml)
        if dockerfile is not None:
            (dest / "Dockerfile").write_text(dockerfile)
    return copy_example(tmp_path / "python-app", env, edit)


def write_credentials(env, password, user="pusher"):
    path = Path(env["PIPEWRIGHT_CREDENTIALS"])
    path.write_text(f"dockerhub: {{username: {user}, password: {password}}}\n")
    path.chmod(0o600)


def ancestors(pid):
    """The parent chain of a process, from /proc."""
    chain = []
    while pid > 1:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
        chain.append(pid)
    return chain


def run_watching_argv(project, env, args, secret, timeout=600):
    """Runs pipewright while scanning the argv of it and every process under it for `secret`
    every 20 ms (other tests on this machine may run their own processes)."""
    seen = []
    stop = threading.Event()
    proc = subprocess.Popen([str(BINARY), *args], cwd=project, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)

    def watch():
        while not stop.is_set():
            for d in Path("/proc").iterdir():
                if not d.name.isdigit():
                    continue
                try:
                    cmd = (d / "cmdline").read_bytes()
                except OSError:
                    continue
                if secret.encode() in cmd and (int(d.name) == proc.pid or
                                               proc.pid in ancestors(int(d.name))):
                    seen.append(cmd.replace(b"\0", b" ").decode("utf-8", "replace"))
            time.sleep(0.02)

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        stop.set()
        t.join()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), seen


def build_json(project, n=None):
    builds = project / ".pipewright" / "builds"
    n = n or int(os.readlink(builds / "latest"))
    return n, json.loads((builds / str(n) / "build.json").read_text())


def run_only(project, env, *ids, timeout=300):
    """checkout, then the named stages alone in the same build (--only does not order stages)."""
    first = subprocess.run([str(BINARY), "run", "checkout", "--only"], cwd=project, env=env,
                           capture_output=True, timeout=60)
    assert first.returncode == 0, first
    n = int(os.readlink(project / ".pipewright" / "builds" / "latest"))
    return subprocess.run([str(BINARY), "run", "--build", str(n), *ids, "--only"], cwd=project,
                          env=env, capture_output=True, timeout=timeout)


def stages(b):
    return {s["id"]: s for s in b["stages"]}


def files_containing(folder: Path, secret: str):
    hits = []
    for p in folder.rglob("*"):
        if p.is_file() and not p.is_symlink() and "workspace" not in p.parts:
            if secret.encode() in p.read_bytes():
                hits.append(str(p))
    return hits


def remove_images(env, refs):
    """The test's own images (exact references: other tests may use python-app images now)."""
    if refs:
        subprocess.run(["podman", "rmi", "--force", *refs], env=env, capture_output=True)


@pytest.fixture
def own_registry(tmp_path):
    """The registry fixture's server with a password no other test uses."""
    r = Registry(tmp_path / "own-registry", password=f"pw-{uuid.uuid4().hex[:12]}").start()
    yield r
    r.stop()


def test_package_build_and_push(tmp_path, env, containers_env, base_image,  # noqa: F811
                                own_registry, shared_cache, request):  # noqa: F811
    registry = own_registry
    env = dict(containers_env)
    made = []
    request.addfinalizer(lambda: remove_images(env, made))
    env["XDG_CACHE_HOME"] = str(shared_cache)
    project = example_with(tmp_path, env, f"""
  image-push:
    registry: "{registry.host}"
    repository: ci/python-app
    tls_verify: false
""")
    write_credentials(env, registry.password)
    proc, seen = run_watching_argv(project, env, ["run", "image-push"], registry.password)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 0, out
    assert seen == [], f"the password was on a command line: {seen}"
    n, b = build_json(project)
    st = stages(b)
    root = project / ".pipewright" / "builds" / str(n)
    art = root / "artifacts"
    commit = b["commit"]
    made.extend([f"localhost/python-app:{n}-{commit[:7]}",
                 f"{registry.host}/ci/python-app:{n}-{commit[:7]}"])

    # package: a wheel and an sdist, verified, archived by post with matching checksums.
    assert st["package"]["status"] == "SUCCESS", st["package"]
    dist = st["package"]["data"]["dist"]
    assert sorted(d["kind"] for d in dist) == ["sdist", "wheel"]
    assert all(d["verified"] and d["name"] == "python-app" and d["version"] == "0.1.0"
               for d in dist)
    sums = {}
    for line in (art / "SHA256SUMS").read_text().splitlines():
        hexsum, name = line.split("  ", 1)
        sums[name] = hexsum
    for d in dist:
        f = art / d["file"]
        assert f.is_file(), d
        assert hashlib.sha256(f.read_bytes()).hexdigest() == d["sha256"] == sums[d["file"]]
    # The wheel, read independently with Python's zipfile: intact, and RECORD covers every member.
    whl = next(art / d["file"] for d in dist if d["kind"] == "wheel")
    with zipfile.ZipFile(whl) as z:
        assert z.testzip() is None
        record = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
        listed = {row.split(",")[0] for row in z.read(record).decode().splitlines() if row}
        assert listed == set(z.namelist())
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        assert "Name: python-app" in z.read(meta).decode()

    # image-build: the tag, written to image_tag.txt, with the OCI labels.
    assert st["image-build"]["status"] == "SUCCESS", st["image-build"]
    assert st["image-build"]["data"]["engine"] == "podman"  # the docker CLI here has no daemon
    tag = f"python-app:{n}-{commit[:7]}"
    assert (art / "image_tag.txt").read_text() == tag + "\n"
    labels = json.loads(subprocess.run(
        ["podman", "image", "inspect", tag, "--format", "{{json .Labels}}"], env=env,
        check=True, capture_output=True, text=True).stdout)
    assert labels["org.opencontainers.image.revision"] == commit
    assert labels["org.opencontainers.image.version"] == "0.1.0"
    assert labels["org.opencontainers.image.source"].startswith("file://")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z",
                        labels["org.opencontainers.image.created"])

    # image-push: the registry serves the tag with the digest pipewright recorded.
    assert st["image-push"]["status"] == "SUCCESS", st["image-push"]
    reference = f"{registry.host}/ci/python-app:{n}-{commit[:7]}"
    digest = (art / "image_digest.txt").read_text()
    assert re.fullmatch(r"sha256:[0-9a-f]{64}\n", digest)
    # The pushed tag as the seed saved it, then the same image by the digest the registry serves.
    assert (art / "dockerhub_image.txt").read_text() == \
        f"{reference}\n{registry.host}/ci/python-app@{digest.strip()}\n"
    status, served, _ = registry.manifest("ci/python-app", f"{n}-{commit[:7]}")
    assert status == 200 and served == digest.strip()
    assert st["image-push"]["data"]["digest"] == served
    # The password is in no file pipewright wrote (logs, build.json, artifacts, reports).
    assert files_containing(project / ".pipewright", registry.password) == []
    login = (root / "logs" / "image-push.log").read_text()
    assert "--password-stdin" in login

    # A wrong password: a clear FAILURE at once, no retry loop, and the secret in no log.
    write_credentials(env, "not-the-password-42")
    proc, seen = run_watching_argv(project, env, ["run", "--build", str(n), "image-push", "--only"],
                                   "not-the-password-42", timeout=120)
    assert proc.returncode == 1, proc
    assert seen == []
    _, b = build_json(project, n)
    push = stages(b)["image-push"]
    assert push["status"] == "FAILURE"
    # (The user name shows as **** too: every value of a credential is masked.)
    assert f"login to {registry.host} as **** was refused: wrong username or password " \
           "(credential 'dockerhub')" in push["summary"], push
    assert "retrying" not in (root / "logs" / "image-push.log").read_text()
    assert files_containing(project / ".pipewright", "not-the-password-42") == []

    # An unreachable registry: retried with backoff, then a FAILURE that says so.
    write_credentials(env, registry.password)
    yaml = (project / "pipewright.yaml").read_text().replace(registry.host, "127.0.0.1:9")
    (project / "pipewright.yaml").write_text(yaml)
    proc, _ = run_watching_argv(project, env, ["run", "--build", str(n), "image-push", "--only"],
                                registry.password, timeout=120)
    assert proc.returncode == 1
    push = stages(build_json(project, n)[1])["image-push"]
    assert "cannot reach the registry 127.0.0.1:9 (3 attempts)" in push["summary"], push
    assert (root / "logs" / "image-push.log").read_text().count("retrying in") == 2


def test_dockerfile_error_shows_the_engines_lines(tmp_path, env, containers_env,  # noqa: F811
                                                  base_image, shared_cache):  # noqa: F811
    env = dict(containers_env)
    env["XDG_CACHE_HOME"] = str(shared_cache)
    project = example_with(tmp_path, env, dockerfile=(
        "ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}\nCOPY no-such-folder/ /opt/x/\n"))
    proc = run_only(project, env, "image-build")
    assert proc.returncode == 1, proc
    st = stages(build_json(project)[1])["image-build"]
    assert st["status"] == "FAILURE"
    assert st["summary"].startswith("podman build failed (exit code"), st
    assert "no-such-folder" in st["summary"] and "Error" in st["summary"], st


def test_skips_with_the_reason(tmp_path, env, containers_env, base_image):  # noqa: F811
    env = dict(containers_env)
    # No Dockerfile: image-build SKIPPED; and then nothing to push.
    project = example_with(tmp_path, env)
    (project / "Dockerfile").unlink()
    subprocess.run(["git", "commit", "-qam", "no Dockerfile"], cwd=project, env=env, check=True)
    write_credentials(env, "whatever-password")
    proc = run_only(project, env, "image-build", "image-push", "-j1")
    assert proc.returncode == 0, proc
    st = stages(build_json(project)[1])
    assert st["image-build"]["status"] == "SKIPPED"
    assert st["image-build"]["summary"] == "no Dockerfile in the project: nothing to build"
    assert st["image-push"]["status"] == "SKIPPED"
    assert "no image to push" in st["image-push"]["summary"]

    # No credential: image-push SKIPPED, naming the credential and where it is looked for.
    Path(env["PIPEWRIGHT_CREDENTIALS"]).unlink()
    n = build_json(project)[0]
    (project / ".pipewright" / "builds" / str(n) / "artifacts" / "image_tag.txt").write_text(
        "python-app:1-abcdef0\n")
    proc = subprocess.run([str(BINARY), "run", "--build", str(n), "image-push", "--only"],
                          cwd=project, env=env, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc
    push = stages(build_json(project, n)[1])["image-push"]
    assert push["status"] == "SKIPPED"
    assert push["summary"].startswith(
        "no registry credential: 'dockerhub' with username and password")

    # A named engine that is not installed: SKIPPED naming both engines and how to install one.
    env["PATH"] = "/usr/bin:/bin"  # the docker CLI of this machine is in /usr/local/bin
    proj2 = example_with(tmp_path / "b", env, image_build="    engine: docker\n")
    proc = run_only(proj2, env, "image-build")
    assert proc.returncode == 0, proc
    ib = stages(build_json(proj2)[1])["image-build"]
    assert ib["status"] == "SKIPPED"
    assert "docker is not installed" in ib["summary"] and "podman" in ib["summary"], ib
