"""Container test harness: the base image, a containers.conf that lets `podman run` work here, and
a real registry (Debian's docker-registry) with htpasswd auth on a free loopback port.

Shared by the image, push, image-scan and deploy tests. Import the fixtures into a test module:
    from containers import base_image, containers_env, registry  # noqa: F401
"""
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE = "localhost/pipewright-base:bookworm"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc):
    """Terminates a server the harness started (if still running), killing it after 5 seconds."""
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


def write_containers_conf(folder: Path) -> Path:
    """podman run fails here ("error setting rlimits") without explicit default ulimits."""
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "containers.conf"
    conf.write_text('[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n')
    return conf


@pytest.fixture(scope="session")
def base_image():
    """The example's base image (scripts/base-image.sh: mmdebstrap or debootstrap + podman import,
    once)."""
    if shutil.which("podman") is None or (
        shutil.which("mmdebstrap") is None and shutil.which("debootstrap") is None
    ):
        pytest.fail("podman and mmdebstrap are needed: run scripts/install-deps.sh")
    subprocess.run([str(ROOT / "scripts" / "base-image.sh"), BASE_IMAGE], check=True)
    return BASE_IMAGE


@pytest.fixture
def containers_env(env, tmp_path):
    """The test env plus CONTAINERS_CONF pointing at a conf with the ulimits podman needs."""
    e = dict(env)
    e["CONTAINERS_CONF"] = str(write_containers_conf(tmp_path / "containers"))
    return e


class Registry:
    """A real OCI registry (docker-registry) on 127.0.0.1 with basic auth over plain HTTP."""

    def __init__(self, folder: Path, user="pusher", password="s3cret-push-pw"):
        self.folder = folder
        self.user = user
        self.password = password
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        htpasswd = self.folder / "htpasswd"
        out = subprocess.run(["htpasswd", "-Bbn", self.user, self.password],
                             check=True, capture_output=True, text=True).stdout
        htpasswd.write_text(out)
        config = self.folder / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: warn\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.folder / 'data'}\n"
            "  delete:\n    enabled: true\n"
            f"http:\n  addr: 127.0.0.1:{self.port}\n"
            f"auth:\n  htpasswd:\n    realm: pipewright-test\n    path: {htpasswd}\n")
        self.log = open(self.folder / "registry.log", "wb")
        self.proc = subprocess.Popen(["docker-registry", "serve", str(config)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1)
            except urllib.error.HTTPError as e:
                if e.code == 401:  # up, and asking for credentials as configured
                    return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("docker-registry did not start: " +
                           (self.folder / "registry.log").read_text()[-2000:])

    def manifest(self, repository: str, reference: str):
        """(status, digest header, body) of a manifest, asked with the OCI and Docker types."""
        req = urllib.request.Request(
            f"http://{self.host}/v2/{repository}/manifests/{reference}",
            headers={"Accept": "application/vnd.oci.image.manifest.v1+json, "
                               "application/vnd.docker.distribution.manifest.v2+json"})
        import base64
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, r.headers.get("Docker-Content-Digest"), r.read()
        except urllib.error.HTTPError as e:
            return e.code, None, e.read()

    def stop(self):
        stop_process(self.proc)
        self.proc = None


@pytest.fixture
def registry(tmp_path):
    r = Registry(tmp_path / "registry").start()
    yield r
    r.stop()
