"""A real OpenSSH server on a free loopback port, for the deploy tests.

The test makes the host key, the client key, authorized_keys and a known_hosts file naming the
host key, so pipewright's ssh client runs in batch mode with strict host key checking exactly as
it would against a real host. sessions get `SetEnv` variables (an ssh session carries none of
the test's environment): CONTAINERS_CONF with the ulimits podman needs here, a registries.conf
that marks the test registry insecure (plain HTTP, as a host's engine configuration would), and
TMPDIR so the test can watch the env files the deployment writes.

    from ssh_harness import ssh_server  # noqa: F401
"""
import getpass
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from containers import free_port, stop_process, write_containers_conf


class SshServer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.host = "127.0.0.1"
        self.user = getpass.getuser()
        self.proc = None
        self.remote_tmp = folder / "remote-tmp"
        self.registries_conf = folder / "registries.conf"
        self.identity = folder / "client_ed25519"
        self.known_hosts = folder / "known_hosts"
        self.host_key = folder / "host_ed25519"

    def _keygen(self, path: Path):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "pipewright-test",
                        "-f", str(path)], check=True)

    def insecure_registry(self, host: str):
        """Lets the host's engine pull from `host` over plain HTTP (its registries.conf)."""
        self.registries_conf.write_text(f'[[registry]]\nlocation = "{host}"\ninsecure = true\n')

    def start(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.remote_tmp.mkdir(exist_ok=True)
        self._keygen(self.host_key)
        self._keygen(self.identity)
        (self.folder / "authorized_keys").write_text(
            Path(str(self.identity) + ".pub").read_text())
        os.chmod(self.folder / "authorized_keys", 0o600)
        host_pub = Path(str(self.host_key) + ".pub").read_text().split()
        self.known_hosts.write_text(f"[{self.host}]:{self.port} {host_pub[0]} {host_pub[1]}\n")
        if not self.registries_conf.exists():
            self.registries_conf.write_text("")
        conf = write_containers_conf(self.folder / "containers")
        config = self.folder / "sshd_config"
        config.write_text(
            f"Port {self.port}\n"
            f"ListenAddress {self.host}\n"
            f"HostKey {self.host_key}\n"
            f"PidFile {self.folder / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {self.folder / 'authorized_keys'}\n"
            "StrictModes no\n"
            "UsePAM no\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\n"
            "LogLevel VERBOSE\n"
            f"SetEnv CONTAINERS_CONF={conf} CONTAINERS_REGISTRIES_CONF={self.registries_conf} "
            f"TMPDIR={self.remote_tmp}\n")
        # Debian's sshd refuses to start without its privilege separation folder.
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self.log = open(self.folder / "sshd.log", "wb")
        self.proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(config)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("sshd did not start: " + (self.folder / "sshd.log").read_text()[-2000:])

    def target(self, name: str, **extra) -> dict:
        """A deploy target for pipewright.yaml reaching this server."""
        t = {"name": name, "host": self.host, "port": self.port, "user": self.user,
             "identity": str(self.identity), "known_hosts": str(self.known_hosts),
             "engine": "podman"}
        t.update(extra)
        return t

    def run(self, command: str) -> subprocess.CompletedProcess:
        """A command on the 'host' through this server, as the tests' own check."""
        return subprocess.run(
            ["ssh", "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={self.known_hosts}",
             "-i", str(self.identity), "-p", str(self.port), "-l", self.user, self.host, command],
            capture_output=True, text=True, timeout=60)

    def stop(self):
        stop_process(self.proc)
        self.proc = None


@pytest.fixture
def ssh_server(tmp_path):
    if not Path("/usr/sbin/sshd").exists():
        pytest.fail("openssh-server is needed: run scripts/install-deps.sh")
    s = SshServer(tmp_path / "sshd").start()
    yield s
    s.stop()
