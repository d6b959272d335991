#!/usr/bin/env python3
"""Deploy overhead: `pipewright deploy` of a new build against a plain shell script doing the
same steps over ssh (pull by digest, stop and remove the old container, start the new one from an
env file, poll /health until it answers), on the same real sshd, podman and registry as the
integration tests. Alternating runs, each deploying the other of two builds, median of REPEAT.
Measured: from the start of the command to a healthy new container (pipewright's whole command,
so its extra sessions - recording the previous container, removing it afterwards - count too).

Usage: bench/deploy_overhead.py [BUILD_DIR] [REPEAT]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from containers import BASE_IMAGE, Registry, free_port  # noqa: E402
from ssh_harness import SshServer  # noqa: E402

build = Path(sys.argv[1] if len(sys.argv) > 1 else "build")
repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 5
binary = (build / "pipewright").resolve()

SERVER = (ROOT / "tests" / "integration" / "test_deploy.py").read_text().split("SERVER = r'''")[1]
SERVER = SERVER.split("'''")[0]


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def healthy(url, build, deadline=60):
    """Polls until the container of `build` answers /health (the old one answers too, with
    its own build), every 50 ms on both sides."""
    end = time.time() + deadline
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200 and f"build={build}" in r.read().decode():
                    return time.perf_counter()
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("never healthy: " + url)


with tempfile.TemporaryDirectory() as tmp:
    tmp = Path(tmp)
    subprocess.run([str(ROOT / "scripts" / "base-image.sh"), BASE_IMAGE], check=True)
    reg = Registry(tmp / "registry").start()
    sshd = SshServer(tmp / "sshd").start()
    sshd.insecure_registry(reg.host)
    name_pw, name_sh = "pwbench-pw", "pwbench-sh"
    port_pw, port_sh = free_port(), free_port()
    try:
        (tmp / "app").mkdir()
        (tmp / "app" / "server.py").write_text(SERVER)
        refs = {}
        for b in ("1", "2"):
            (tmp / "app" / "Containerfile").write_text(
                f"FROM {BASE_IMAGE}\nCOPY server.py /server.py\nENV APP_BUILD={b}\n"
                "CMD [\"python3\", \"-u\", \"/server.py\"]\n")
            ref = f"{reg.host}/bench/app:{b}"
            sh("podman", "build", "-q", "-t", ref, str(tmp / "app"))
            sh("podman", "push", "-q", "--tls-verify=false", "--creds", f"{reg.user}:{reg.password}",
               "--digestfile", str(tmp / f"digest{b}"), ref)
            refs[b] = (ref, (tmp / f"digest{b}").read_text().strip())

        proj = tmp / "project"
        proj.mkdir()
        sh("git", "init", "-q", "-b", "main", str(proj))
        home = tmp / "home"
        (home / ".config" / "pipewright").mkdir(parents=True)
        creds = home / "credentials.yaml"
        creds.write_text(f"dockerhub: {{username: {reg.user}, password: {reg.password}}}\n"
                         "app-secrets: {api_key: bench-secret-value}\n")
        os.chmod(creds, 0o600)
        env = dict(os.environ, CI="1", PIPEWRIGHT_CREDENTIALS=str(creds))
        t = (f"      - {{name: web1, host: 127.0.0.1, port: {sshd.port}, user: {sshd.user}, "
             f"identity: {sshd.identity}, known_hosts: {sshd.known_hosts}, engine: podman, "
             f"container: {name_pw}, ports: ['127.0.0.1:{port_pw}:8080'], "
             f"credentials: [app-secrets], health: {{url: 'http://127.0.0.1:{port_pw}/health', "
             f"interval: 50ms}}}}\n")
        (proj / "pipewright.yaml").write_text(
            "stages:\n  noop: {run: 'true'}\n  deploy:\n    targets:\n" + t)
        for b in ("1", "2"):
            sh(str(binary), "run", "--build", b, "--only", "noop", "--in-place", cwd=proj, env=env)
            art = proj / ".pipewright" / "builds" / b / "artifacts"
            (art / "dockerhub_image.txt").write_text(refs[b][0] + "\n")
            (art / "image_digest.txt").write_text(refs[b][1] + "\n")

        ssh = ["ssh", "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={sshd.known_hosts}",
               "-i", str(sshd.identity), "-p", str(sshd.port), "-l", sshd.user, "127.0.0.1"]

        def plain(b):
            ref, digest = refs[b]
            pinned = ref.rsplit(":", 1)[0] + "@" + digest
            script = (
                "set -e; IFS= read -r PASS; umask 077; f=$(mktemp); cat > $f; "
                f"printf '%s\\n' \"$PASS\" | podman login -u {reg.user} --password-stdin {reg.host} >/dev/null; "
                f"podman pull -q {pinned} >/dev/null; podman logout {reg.host} >/dev/null; "
                f"podman stop -t 10 {name_sh} >/dev/null 2>&1 || true; podman rm -f {name_sh} >/dev/null 2>&1 || true; "
                f"podman run -d --name {name_sh} --env-file $f --restart unless-stopped "
                f"-p 127.0.0.1:{port_sh}:8080 {pinned} >/dev/null; rm -f $f")
            t0 = time.perf_counter()
            subprocess.run(ssh + [script], input=f"{reg.password}\nAPP_SECRETS_API_KEY=x\n",
                           text=True, check=True, capture_output=True)
            return healthy(f"http://127.0.0.1:{port_sh}/health", b) - t0

        def pipewright(b):
            """(to a healthy new container, to the command's end)"""
            t0 = time.perf_counter()
            p = subprocess.Popen([str(binary), "deploy", "--build", b], cwd=proj, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t_healthy = healthy(f"http://127.0.0.1:{port_pw}/health", b)
            if p.wait() != 0:
                raise RuntimeError("pipewright deploy failed")
            return t_healthy - t0, time.perf_counter() - t0

        pipewright("1")
        plain("1")  # both sides start with a running container to replace
        pw_times, pw_total, sh_times = [], [], []
        for i in range(repeat):
            b = "2" if i % 2 == 0 else "1"
            healthy_at, total = pipewright(b)
            pw_times.append(healthy_at)
            pw_total.append(total)
            sh_times.append(plain(b))
        pw_m, sh_m = statistics.median(pw_times), statistics.median(sh_times)
        print(f"pipewright deploy: median {pw_m:.2f} s to healthy  "
              f"({', '.join(f'{x:.2f}' for x in pw_times)}); "
              f"whole command {statistics.median(pw_total):.2f} s")
        print(f"plain ssh script:  median {sh_m:.2f} s  ({', '.join(f'{x:.2f}' for x in sh_times)})")
        print(f"overhead: {100 * (pw_m / sh_m - 1):+.1f}%  (goal < 10%)")
    finally:
        for n in (name_pw, name_sh, name_pw + "-pw-previous"):
            subprocess.run(["podman", "rm", "-f", "-t", "0", n], capture_output=True)
        sshd.stop()
        reg.stop()
