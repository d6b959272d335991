"""Uploading to an S3-compatible store: `pipewright upload --build N` against
`aws s3 cp --recursive` (Debian's awscli), same files, same s3rver on loopback, no front.

Two sets: 200 small files (1-64 KiB) and one 256 MiB file. Each tool runs `reps` times into a
fresh prefix; the median wall time is reported (process start-up included on both sides, as a
user pays it). pipewright also hashes every file, writes the manifest and HEADs every object;
awscli sends Content-MD5 per object. Usage: bench/s3_upload.py [BUILD_DIR] [reps]
"""
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import s3_harness as h  # noqa: E402

BUILD = ROOT / (sys.argv[1] if len(sys.argv) > 1 else "build")
REPS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
BINARY = BUILD / "pipewright"


def git(cwd, *args, env):
    subprocess.run(["git", *args], cwd=cwd, check=True, env=env, capture_output=True)


def make_project(root: Path, source: Path, env: dict) -> Path:
    """A project whose build 1 holds `source` as its artifacts (upload not configured yet)."""
    root.mkdir(parents=True)
    (root / "pipewright.yaml").write_text(
        "version: 1\nproject:\n  name: bench\nstages:\n"
        + "".join(f"  {s}:\n    enabled: false\n" for s in (
            "preflight", "lock-check", "setup-python", "tests", "lint", "format-ruff",
            "format-black", "typecheck", "security-lint", "audit", "quality", "dependency-scan",
            "analysis", "quality-gate"))
        + f"  fill:\n    run: cp -r '{source}/.' \"$PIPEWRIGHT_ARTIFACTS/\"\n"
        + "  upload:\n    needs: [fill]\n")
    git(root, "init", "-q", "-b", "main", env=env)
    git(root, "add", "-A", env=env)
    git(root, "commit", "-q", "-m", "bench", env=env)
    r = subprocess.run([str(BINARY), "run"], cwd=root, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"setting up the bench project failed:\n{r.stdout}\n{r.stderr}")
    return root


def configure(project: Path, endpoint: str, prefix: str):
    text = (project / "pipewright.yaml").read_text().split("  upload:\n")[0]
    text += ("  upload:\n    needs: [fill]\n    s3:\n      bucket: bench\n"
             f"      prefix: {prefix}\n      endpoint: {endpoint}\n")
    (project / "pipewright.yaml").write_text(text)


def timed(argv, cwd, env):
    t0 = time.perf_counter()
    r = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{r.stdout}\n{r.stderr}")
    return dt


def main():
    if not BINARY.exists():
        raise SystemExit(f"{BINARY} is missing: build first")
    tmp = Path(tempfile.mkdtemp(prefix="pw-bench-s3-"))
    store = h.S3rver(tmp / "data", "bench").start()
    try:
        env = h.aws_env(dict(os.environ, HOME=str(tmp / "home"), CI="1",
                             PIPEWRIGHT_CREDENTIALS=str(tmp / "none.yaml"),
                             GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@x", GIT_COMMITTER_NAME="b",
                             GIT_COMMITTER_EMAIL="b@x"))
        (tmp / "home").mkdir()
        rng = random.Random(1)
        small = tmp / "small"
        (small / "reports").mkdir(parents=True)
        for i in range(200):
            (small / ("reports" if i % 2 else "") / f"file-{i:03}.bin").write_bytes(
                rng.randbytes(rng.randint(1024, 65536)))
        big = tmp / "big"
        big.mkdir()
        with open(big / "image.tar", "wb") as f:
            for _ in range(256):
                f.write(os.urandom(1 << 20))
        rows = []
        for name, source in (("200 small files", small), ("one 256 MiB file", big)):
            project = make_project(tmp / f"project-{source.name}", source, env)
            artifacts = project / ".pipewright" / "builds" / "1" / "artifacts"
            pw_times, aws_times = [], []
            for rep in range(REPS):
                for tool in ("pipewright", "aws"):
                    prefix = f"{tool}-{source.name}-{rep}"
                    if tool == "pipewright":
                        configure(project, store.url, prefix)
                        pw_times.append(timed([str(BINARY), "upload", "--build", "1"], project, env))
                    else:
                        aws_times.append(timed(
                            [h.AWS, "--endpoint-url", store.url, "s3", "cp", "--recursive",
                             "--only-show-errors", str(artifacts), f"s3://bench/{prefix}/"],
                            project, env))
                    shutil.rmtree(tmp / "data" / "bench" / prefix, ignore_errors=True)
            p, a = statistics.median(pw_times), statistics.median(aws_times)
            rows.append((name, p, a))
            print(f"{name}: pipewright {p:.2f} s {['%.2f' % t for t in pw_times]}, "
                  f"aws s3 cp --recursive {a:.2f} s {['%.2f' % t for t in aws_times]}, "
                  f"{a / p:.1f}x", flush=True)
        print()
        print("| benchmark | pipewright | peer | ratio | goal |")
        print("|---|---|---|---|---|")
        for name, p, a in rows:
            goal = "faster than the AWS CLI: " + ("met" if p < a else "not met")
            print(f"| S3 upload to s3rver on loopback: {name} | {p:.2f} s | "
                  f"aws s3 cp --recursive: {a:.2f} s | {a / p:.1f}x | {goal} |")
    finally:
        store.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
