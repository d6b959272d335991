"""The upload stage and `pipewright upload` against s3rver behind the verifying front
(s3_harness.py): every request's SigV4 signature and payload hash are checked there, and awscli
reads back what was written as an independent client."""
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

import s3_harness as h
from conftest import BINARY

PYTHON_STAGES = ["preflight", "lock-check", "setup-python", "tests", "lint", "format-ruff",
                 "format-black", "typecheck", "security-lint", "audit", "quality", "dependency-scan",
                 "analysis", "quality-gate"]

ODD_NAME = "dist/notes ré sumé+€ 1.txt"

# The seed's artifacts (stage 14): dist/, coverage.xml, report.xml, the dependency-check report,
# the Trivy report, image_tag.txt and dockerhub_image.txt.
MAKE_ARTIFACTS = r"""
mkdir -p dist
printf 'wheel bytes' > dist/app-1.0-py3-none-any.whl
head -c 300000 /dev/urandom > dist/app-1.0.tar.gz
printf 'spaces and unicode' > "dist/notes ré sumé+€ 1.txt"
printf '<coverage line-rate="0.9"/>' > "$PIPEWRIGHT_REPORTS/coverage.xml"
printf '<testsuite tests="3"/>' > "$PIPEWRIGHT_REPORTS/report.xml"
printf '{"dependencies": []}' > "$PIPEWRIGHT_REPORTS/dependency-check-report.json"
printf '{"Results": []}' > "$PIPEWRIGHT_REPORTS/trivy-image-report.json"
printf 'app:1-abc\n' > "$PIPEWRIGHT_ARTIFACTS/image_tag.txt"
printf 'user/app:1-abc\n' > "$PIPEWRIGHT_ARTIFACTS/dockerhub_image.txt"
"""

SEED_FILES = ["dist/app-1.0-py3-none-any.whl", "dist/app-1.0.tar.gz", ODD_NAME,
              "reports/coverage.xml", "reports/report.xml", "reports/dependency-check-report.json",
              "reports/trivy-image-report.json", "image_tag.txt", "dockerhub_image.txt"]


def pipeline(endpoint=None, bucket="artifacts", make=MAKE_ARTIFACTS, extra="", s3=True):
    disabled = "".join(f"  {s}:\n    enabled: false\n" for s in PYTHON_STAGES)
    script = "\n".join("      " + line for line in make.strip().splitlines())
    text = ("version: 1\nproject:\n  name: demo\nstages:\n" + disabled +
            "  make:\n    run: |\n" + script + "\n"
            "  upload:\n    needs: [make]\n" + extra)
    if s3:
        text += f"    s3:\n      bucket: {bucket}\n      prefix: builds\n"
        if endpoint:
            text += f"      endpoint: {endpoint}\n"
    return text


@pytest.fixture
def store(tmp_path):
    try:
        s = h.Store(tmp_path / "s3rver")
    except RuntimeError as e:
        pytest.skip(f"s3rver cannot run here: {e}")
    yield s
    s.stop()


@pytest.fixture
def aws_env(env):
    return h.aws_env(env)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def artifacts_dir(project: Path, n=1) -> Path:
    return project / ".pipewright" / "builds" / str(n) / "artifacts"


def object_puts(front, prefix="/artifacts/builds/demo/"):
    return [r for r in front.requests if r["method"] == "PUT" and r["path"].startswith(prefix)]


def test_front_accepts_awscli_and_refuses_a_wrong_secret(store, aws_env, tmp_path):
    """The front is a real check: botocore's signatures pass, a wrong secret is refused."""
    f = tmp_path / "f.txt"
    f.write_text("hello\n")
    h.aws(store.url, aws_env, "s3", "cp", str(f), "s3://artifacts/proof/a b+é.txt")
    assert store.front.requests[-1].get("verified"), store.front.requests[-1]
    bad = h.aws(store.url, h.aws_env(aws_env, secret="not-the-secret"), "s3", "cp", str(f),
                "s3://artifacts/proof/x.txt", check=False)
    assert bad.returncode != 0
    assert "SignatureDoesNotMatch" in bad.stderr
    assert store.front.requests[-1]["refused"] == "SignatureDoesNotMatch"

    # A correctly signed request whose body is not the one its hash names, and one whose checksum
    # is wrong: refused as S3 refuses them.
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    import base64
    import http.client

    def send(signed_body, sent_body, checksum=None):
        req = AWSRequest(method="PUT", url=f"{store.url}/artifacts/proof/hash.txt",
                         data=signed_body)
        S3SigV4Auth(Credentials(h.ACCESS_KEY, h.SECRET_KEY), "s3", "us-east-1").add_auth(req)
        headers = dict(req.headers)
        if checksum:
            headers["x-amz-checksum-sha256"] = checksum
        conn = http.client.HTTPConnection("127.0.0.1", store.front.port, timeout=10)
        conn.request("PUT", "/artifacts/proof/hash.txt", body=sent_body, headers=headers)
        r = conn.getresponse()
        answer = r.read().decode()
        conn.close()
        return r.status, answer

    status, answer = send(b"the signed body", b"another body!!!")
    assert status == 400 and "XAmzContentSHA256Mismatch" in answer, answer
    wrong = base64.b64encode(hashlib.sha256(b"x").digest()).decode()
    status, answer = send(b"body", b"body", wrong)
    assert status == 400 and "BadDigest" in answer, answer
    status, answer = send(b"body", b"body")
    assert status == 200, answer


def test_every_seed_artifact_arrives_with_its_checksum_and_manifest_last(
        store, repo, pw, aws_env, tmp_path):
    project = repo({"pipewright.yaml": pipeline(store.url)})
    r = pw(project, "run", extra_env=aws_env)
    assert r.code == 0, r
    st = r.stage("upload")
    assert st["status"] == "SUCCESS", st
    assert "manifest.json last, all verified" in st["summary"]
    local = artifacts_dir(project)
    for rel in SEED_FILES:
        assert (local / rel).is_file(), rel

    # Every request was signed correctly (none refused), the listing with its sorted query too.
    reqs = store.front.requests
    assert reqs and all(q.get("verified") for q in reqs), [q for q in reqs if not q.get("verified")]
    assert any(q["method"] == "GET" and "list-type=2" in q["query"] for q in reqs)

    # The manifest is the last object written; HEADs of every object come after it.
    puts = object_puts(store.front)
    assert puts[-1]["path"] == "/artifacts/builds/demo/1/manifest.json"
    manifest_at = puts[-1]["time"]
    assert all(p["done"] <= manifest_at for p in puts[:-1]), "an object was still arriving"
    heads = [q for q in reqs if q["method"] == "HEAD"]
    assert len(heads) >= len(SEED_FILES) + 2  # + SHA256SUMS + manifest
    assert all(q["time"] >= puts[-1]["done"] for q in heads)

    # Read back with awscli, an independent client: every file, byte for byte.
    ls = h.aws(store.url, aws_env, "s3", "ls", "--recursive", "s3://artifacts/builds/demo/1/")
    for rel in SEED_FILES + ["SHA256SUMS", "manifest.json"]:
        assert f"builds/demo/1/{rel}" in ls.stdout, (rel, ls.stdout)
    back = tmp_path / "back"
    h.aws(store.url, aws_env, "s3", "cp", "--recursive", "s3://artifacts/builds/demo/1/", str(back))
    manifest = json.loads((back / "manifest.json").read_text())
    assert manifest["build"] == 1 and manifest["project"] == "demo"
    assert manifest["commit"] == r.build()["commit"] and len(manifest["commit"]) == 40
    assert manifest["status"] == "SUCCESS"
    listed = {o["path"]: o for o in manifest["objects"]}
    assert set(listed) == set(SEED_FILES) | {"SHA256SUMS"}
    for rel, o in listed.items():
        assert sha256(back / rel) == o["sha256"] == sha256(local / rel), rel
        assert (back / rel).stat().st_size == o["size"]


def test_without_s3_settings_upload_is_skipped_and_local_artifacts_complete(repo, pw):
    project = repo({"pipewright.yaml": pipeline(s3=False)})
    r = pw(project, "run")
    assert r.code == 0, r
    st = r.stage("upload")
    assert st["status"] == "SKIPPED"
    assert "upload.s3 is not configured" in st["summary"]
    assert "artifacts" in st["summary"]
    local = artifacts_dir(project)
    for rel in SEED_FILES:
        assert (local / rel).is_file(), rel
    sums = (local / "SHA256SUMS").read_text()
    for rel in SEED_FILES:
        assert f"{sha256(local / rel)}  {rel}" in sums


def test_multipart_64mb_in_parallel_parts(store, repo, pw, aws_env, tmp_path):
    make = "mkdir -p dist\nhead -c 67108864 /dev/urandom > dist/big.bin\n"
    project = repo({"pipewright.yaml": pipeline(store.url, make=make, extra="    part_size: 8MiB\n")})
    r = pw(project, "run", extra_env=aws_env, timeout=180)
    assert r.code == 0, r
    reqs = store.front.requests
    key = "/artifacts/builds/demo/1/dist/big.bin"
    assert any(q["method"] == "POST" and q["path"] == key and q["query"] == "uploads=" for q in reqs)
    parts = [q for q in reqs if q["method"] == "PUT" and q["path"] == key and "partNumber" in q["query"]]
    assert len(parts) == 8 and all(q.get("verified") for q in parts)
    assert all(q["size"] == 8 << 20 for q in parts)
    assert any(q["method"] == "POST" and q["path"] == key and "uploadId" in q["query"] for q in reqs)
    assert store.front.pending_uploads() == []
    # Parallel: more than one part was being received at the same time.
    assert max(q["in_flight"] for q in parts) >= 2, [q["in_flight"] for q in parts]
    head = h.aws(store.url, aws_env, "s3api", "head-object", "--bucket", "artifacts", "--key",
                 "builds/demo/1/dist/big.bin")
    info = json.loads(head.stdout)
    assert info["ContentLength"] == 64 << 20
    assert info["Metadata"]["sha256"] == sha256(artifacts_dir(project) / "dist" / "big.bin")
    back = tmp_path / "big.bin"
    h.aws(store.url, aws_env, "s3", "cp", "s3://artifacts/builds/demo/1/dist/big.bin", str(back))
    assert sha256(back) == sha256(artifacts_dir(project) / "dist" / "big.bin")


def test_failed_part_aborts_the_multipart_upload(store, repo, pw, aws_env):
    make = "mkdir -p dist\nhead -c 20971520 /dev/urandom > dist/big.bin\n"
    project = repo({"pipewright.yaml": pipeline(
        store.url, make=make, extra="    part_size: 5MiB\n    attempts: 2\n")})
    store.front.fail_when = (lambda q: "partNumber=3" in q["query"], 500, "InternalError")
    r = pw(project, "run", extra_env=aws_env)
    assert r.code == 1, r
    st = r.stage("upload")
    assert st["status"] == "FAILURE"
    assert "dist/big.bin" in st["summary"] and "not uploaded" in st["summary"]
    assert "no manifest" in st["summary"]
    aborts = [q for q in store.front.requests if q["method"] == "DELETE" and "uploadId" in q["query"]]
    assert len(aborts) == 1 and aborts[0]["status"] == 204, aborts
    assert store.front.pending_uploads() == [], "parts were left behind in the store"
    # Nothing of the build is presented as complete: no manifest and no big.bin.
    assert not any(q["method"] == "PUT" and q["path"].endswith("/manifest.json")
                   for q in store.front.requests)
    assert b"aborted the multipart upload" in r.log("upload")


def test_interrupted_multipart_upload_is_aborted(store, repo, env, aws_env):
    make = "mkdir -p dist\nhead -c 41943040 /dev/urandom > dist/big.bin\n"
    project = repo({"pipewright.yaml": pipeline(
        store.url, make=make, extra="    part_size: 5MiB\n    concurrency: 2\n")})
    store.front.delay_when = (lambda q: "partNumber" in q["query"], 1.0)
    proc = subprocess.Popen([str(BINARY), "run"], cwd=project, env=aws_env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not any("partNumber" in q["query"] for q in store.front.requests):
            assert time.monotonic() < deadline, "no part arrived"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out = proc.communicate(timeout=60)[0].decode("utf-8", "replace")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, out
    parts = [q for q in store.front.requests if "partNumber" in q["query"]]
    assert len(parts) < 8, "the interruption did not stop the upload"
    aborts = [q for q in store.front.requests if q["method"] == "DELETE" and "uploadId" in q["query"]]
    assert len(aborts) == 1 and aborts[0]["status"] == 204, aborts
    assert store.front.pending_uploads() == [], "parts were left behind in the store"
    assert not any(q["path"].endswith("/manifest.json") for q in store.front.requests)
    record = json.loads((project / ".pipewright" / "builds" / "1" / "build.json").read_text())
    upload = next(s for s in record["stages"] if s["id"] == "upload")
    assert upload["status"] == "ABORTED", upload


def test_flaky_store_recovers_with_retries(store, repo, pw, aws_env):
    project = repo({"pipewright.yaml": pipeline(store.url)})
    store.front.fail_next(2, 500, "InternalError")
    store.front.fail_next(1, 503, "SlowDown")
    store.front.drop_next(1)
    r = pw(project, "run", extra_env=aws_env)
    assert r.code == 0, r
    assert r.stage("upload")["status"] == "SUCCESS"
    log = r.log("upload").decode()
    assert log.count("retry: ") >= 4, log
    assert "SlowDown" in log
    puts = object_puts(store.front)
    assert puts[-1]["path"].endswith("/manifest.json")


def test_store_that_keeps_failing_is_a_failure_naming_what_was_not_uploaded(store, repo, pw, aws_env):
    project = repo({"pipewright.yaml": pipeline(store.url, extra="    attempts: 2\n")})
    # The listing passes; every object PUT fails.
    store.front.fail_when = (lambda q: q["method"] == "PUT", 500, "InternalError")
    r = pw(project, "run", extra_env=aws_env)
    assert r.code == 1, r
    st = r.stage("upload")
    assert st["status"] == "FAILURE"
    assert "500 InternalError" in st["summary"] and "after 2 attempts" in st["summary"]
    assert "0 of 10 objects" in st["summary"] and "not uploaded: 10" in st["summary"]
    data = st["data"]
    assert len(data["not_uploaded"]) == 10 and data["uploaded"] == 0
    puts = object_puts(store.front)
    assert len(puts) == 20  # 10 objects, 2 attempts each, nothing more


def test_overflowing_content_length_is_a_failure_with_a_message(store, repo, pw, aws_env):
    """A HEAD answer whose Content-Length overflows 64 bits once ended the process (exit 134,
    build.json RUNNING, post never ran): now the upload stage fails and says why."""
    project = repo({"pipewright.yaml": pipeline(store.url)})
    store.front.head_content_length = "99999999999999999999999"
    r = pw(project, "run", extra_env=aws_env)
    assert r.code == 1, r
    assert "terminate called" not in r.text
    record = r.build()
    assert record["status"] == "FAILURE", record
    st = r.stage("upload")
    assert st["status"] == "FAILURE"
    assert "Content-Length" in st["summary"], st
    assert "out of range" in st["summary"] or "not a size" in st["summary"], st
    assert r.stage("post")["status"] not in ("RUNNING", "NOT_BUILT"), record["stages"]
    assert "upload" in record["reason"], record


def test_wrong_secret_fails_at_once_with_the_stores_error(store, repo, pw, aws_env):
    project = repo({"pipewright.yaml": pipeline(store.url)})
    bad = h.aws_env(aws_env, secret="wrong-secret-value")
    r = pw(project, "run", extra_env=bad)
    assert r.code == 1, r
    st = r.stage("upload")
    assert st["status"] == "FAILURE"
    assert "403 SignatureDoesNotMatch" in st["summary"]
    assert "does not match the signature you provided" in st["summary"]
    assert len(store.front.requests) == 1, "a 403 must not be retried"
    assert "wrong-secret-value" not in r.text and b"wrong-secret-value" not in r.log("upload")


def test_missing_bucket_and_store_down(store, repo, pw, aws_env):
    project = repo({"pipewright.yaml": pipeline(store.url, bucket="no-such-bucket")})
    r = pw(project, "run", extra_env=aws_env)
    assert r.code == 1, r
    assert "404 NoSuchBucket" in r.stage("upload")["summary"]

    down = f"http://127.0.0.1:{h.free_port()}"
    project = repo({"pipewright.yaml": pipeline(down, extra="    attempts: 2\n")})
    r = pw(project, "run", extra_env=aws_env)
    assert r.code == 1, r
    summary = r.stage("upload")["summary"]
    assert "after 2 attempts" in summary and "127.0.0.1" in summary, summary


def test_upload_command_is_idempotent_and_fills_gaps(store, repo, pw, env, aws_env, tmp_path):
    # Keys from a pipewright credential this time, not the environment.
    creds = Path(env["PIPEWRIGHT_CREDENTIALS"])
    creds.write_text("aws:\n  access_key_id: S3RVER\n  secret_access_key: S3RVER\n")
    creds.chmod(0o600)
    project = repo({"pipewright.yaml": pipeline(store.url, extra="    credentials: [aws]\n")})
    r = pw(project, "run")
    assert r.code == 0, r
    first_puts = len(object_puts(store.front))
    assert first_puts == 11  # 10 files and the manifest

    again = pw(project, "upload", "--build", "1")
    assert again.code == 0, again
    assert "uploaded 0 of 10 objects (10 already there)" in again.out
    new_puts = object_puts(store.front)[first_puts:]
    assert [p["path"] for p in new_puts] == ["/artifacts/builds/demo/1/manifest.json"]

    # An object lost in the store is sent again, and only that one.
    h.aws(store.url, aws_env, "s3", "rm", "s3://artifacts/builds/demo/1/reports/coverage.xml")
    count = len(object_puts(store.front))
    again = pw(project, "upload", "--build", "1")
    assert again.code == 0, again
    sent = [p["path"] for p in object_puts(store.front)[count:]]
    assert sent == ["/artifacts/builds/demo/1/reports/coverage.xml",
                    "/artifacts/builds/demo/1/manifest.json"]

    # On a terminal: bytes and rate, redrawn in place.
    if shutil.which("script"):
        h.aws(store.url, aws_env, "s3", "rm", "s3://artifacts/builds/demo/1/dist/app-1.0.tar.gz")
        e = dict(env)
        e.pop("CI")
        tty = subprocess.run(["script", "-qec", f"{BINARY} upload --build 1", "/dev/null"],
                             cwd=project, env=e, capture_output=True, timeout=60)
        out = tty.stdout.decode("utf-8", "replace")
        assert tty.returncode == 0, out
        assert "\x1b[K293.0 KiB of 293.0 KiB" in out and "/s" in out, out

    missing = pw(project, "upload", "--build", "7")
    assert missing.code == 2 and "build 7 does not exist" in missing.err


def test_upload_command_without_settings_is_a_usage_error(repo, pw):
    project = repo({"pipewright.yaml": pipeline(s3=False)})
    r = pw(project, "upload", "--build", "1")
    assert r.code == 2, r
    assert "upload.s3 is not configured" in r.err


def test_bad_settings_are_reported_with_file_and_line(repo, pw):
    project = repo({"pipewright.yaml": pipeline("ftp://x", extra="    concurrency: 0\n").replace(
        "      prefix: builds\n", "      prefx: builds\n")})
    r = pw(project, "plan")
    assert r.code == 2, r
    assert "pipewright.yaml:" in r.err
    assert "did you mean 'prefix'" in r.err
    assert "concurrency must be a whole number" in r.err
    assert "endpoint must be an http:// or https:// URL" in r.err
