"""An S3-compatible store for the upload tests: s3rver (npm) on a free loopback port, behind a
verifying front written here.

s3rver stores objects but checks neither SigV4 signatures (it looks only at the access key id)
nor payload hashes, so a test that talks to it directly proves nothing about signing. The front
recomputes every request's signature from the client's SignedHeaders per the SigV4
specification with the known secret, checks x-amz-content-sha256 and x-amz-checksum-sha256
against the body, answers as S3 does (403 SignatureDoesNotMatch, 400 XAmzContentSHA256Mismatch,
400 BadDigest) and forwards the rest to s3rver. Tests prove the front itself with awscli
(botocore signs: must pass) and a wrong secret (must be refused).

s3rver 3.7.1 does not implement AbortMultipartUpload (it answers 405), so the front does, on
s3rver's own data: a signed DELETE ?uploadId=ID removes that upload's stored parts and answers 204
as S3 does (404 NoSuchUpload for an unknown id); pending_uploads() shows what s3rver still holds.

The front can also misbehave on purpose: answer 500 or 503 SlowDown to the next N requests,
keep answering 500, or drop connections, to test retries.
"""
import base64
import datetime
import hashlib
import hmac
import http.client
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
S3RVER = ROOT / ".tools" / "node_modules" / ".bin" / "s3rver"
AWS = "/usr/bin/aws"
ACCESS_KEY = "S3RVER"
SECRET_KEY = "S3RVER"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class S3rver:
    """s3rver with one bucket, its data in `directory`."""

    def __init__(self, directory: Path, bucket: str):
        self.directory = Path(directory)
        self.bucket = bucket
        self.port = free_port()
        self.proc = None

    def start(self):
        if not S3RVER.exists():
            raise RuntimeError(f"{S3RVER} is missing: run scripts/install-deps.sh")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [str(S3RVER), "-d", str(self.directory), "-a", "127.0.0.1", "-p", str(self.port),
             "--silent", "--configure-bucket", self.bucket],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        try:
            wait_for_port(self.port)
        except RuntimeError:
            self.stop()
            raise
        return self

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None


# ---- SigV4, from the specification (independent of pipewright's C++ signer) ----

def _encode(text: str, keep_slash: bool) -> str:
    return urllib.parse.quote(text, safe="-_.~" + ("/" if keep_slash else ""))


def canonical_uri(raw_path: str) -> str:
    # S3 signs the path as sent (not normalised): decoded, then each byte outside the unreserved
    # set encoded once.
    return _encode(urllib.parse.unquote(raw_path), True) or "/"


def canonical_query(raw_query: str) -> str:
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((_encode(urllib.parse.unquote(name), False),
                      _encode(urllib.parse.unquote(value), False)))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _trimall(value: str) -> str:
    return " ".join(value.split())


def signature_for(method, raw_path, raw_query, headers, signed_headers, payload_hash,
                  amz_date, scope, secret):
    """headers: a list of (name, value) as received."""
    lines = []
    for name in signed_headers:
        values = [_trimall(v) for k, v in headers if k.lower() == name]
        lines.append(f"{name}:{','.join(values)}\n")
    canonical = "\n".join([method, canonical_uri(raw_path), canonical_query(raw_query),
                           "".join(lines), ";".join(signed_headers), payload_hash])
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                                hashlib.sha256(canonical.encode()).hexdigest()])
    date, region, service, _ = scope.split("/")
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest(), canonical


def s3_error(code: str, message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message><RequestId>front</RequestId></Error>").encode()


HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-connection", "expect"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "VerifyingFront"

    def log_message(self, *args):  # quiet
        pass

    def _read_body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        data = b""
        while len(data) < n:
            chunk = self.rfile.read(min(n - len(data), 1 << 20))
            if not chunk:
                break
            data += chunk
        return data

    def _answer(self, status, body=b"", headers=()):
        # Stamped before the answer leaves, so a client's next request always starts after it.
        if getattr(self, "_record", None) is not None:
            self._record["done"] = time.monotonic()
        self.send_response(status)
        sent = set()
        for k, v in headers:
            if k.lower() in HOP_BY_HOP or k.lower() == "content-length":
                continue
            self.send_header(k, v)
            sent.add(k.lower())
        if "content-type" not in sent and body:
            self.send_header("Content-Type", "application/xml")
        length = str(len(body))
        if self.command == "HEAD":  # a HEAD tells the object's length without sending it
            length = next((v for k, v in headers if k.lower() == "content-length"), "0")
        self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _handle(self):
        front = self.server.front
        started = time.monotonic()
        self._record = None
        body = self._read_body()
        raw_path, _, raw_query = self.path.partition("?")
        record = {"method": self.command, "path": urllib.parse.unquote(raw_path),
                  "query": raw_query, "size": len(body), "time": started,
                  "in_flight": self._in_flight}
        self._record = record
        with front.lock:
            front.requests.append(record)
            fault = front._next_fault(record)
        if front.delay_when and front.delay_when[0](record):
            time.sleep(front.delay_when[1])
        if fault == "drop":
            record["status"] = "dropped"
            record["done"] = time.monotonic()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault:
            status, code = fault
            record["status"] = status
            self._answer(status, s3_error(code, "injected by the test front"))
            return
        problem = front.verify(self.command, raw_path, raw_query, list(self.headers.items()), body)
        if problem:
            status, code, message = problem
            record["status"] = status
            record["refused"] = code
            self._answer(status, s3_error(code, message))
            return
        record["verified"] = True
        query = urllib.parse.parse_qs(raw_query, keep_blank_values=True)
        if self.command == "DELETE" and "uploadId" in query and front.data_dir:
            status, answer = front.abort_upload(query["uploadId"][0])
            record["status"] = status
            self._answer(status, answer)
            return
        status, headers, answer = front.forward(self.command, self.path, self.headers.items(), body)
        record["status"] = status
        if self.command == "HEAD" and front.head_content_length is not None:
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", front.head_content_length))
        self._answer(status, answer, headers)

    def _counted(self):
        front = self.server.front
        with front.lock:
            front.in_flight += 1
            self._in_flight = front.in_flight
        try:
            self._handle()
        finally:
            with front.lock:
                front.in_flight -= 1

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _counted


class VerifyingFront:
    """The checking front: verifies, then forwards to `upstream` (s3rver)."""

    def __init__(self, upstream_port: int, secrets=None, data_dir=None, bucket="artifacts"):
        self.upstream_port = upstream_port
        self.data_dir = Path(data_dir) if data_dir else None
        self.bucket = bucket
        self.secrets = dict(secrets or {ACCESS_KEY: SECRET_KEY})
        self.requests = []
        self.in_flight = 0
        self.lock = threading.Lock()
        self._faults = []        # queued: (status, code) or "drop"
        self.always_fail = None  # (status, code) for every request
        self.fail_when = None    # (predicate(record), status, code): fails the matching requests
        self.delay_when = None   # (predicate(record), seconds): a slow store for those requests
        # A malformed store: every HEAD answer carries this Content-Length (e.g. one that
        # overflows 64 bits) instead of the object's.
        self.head_content_length = None
        self.port = free_port()
        # A listen backlog of 5 (the default) makes parallel clients wait a second for a SYN retry.
        ThreadingHTTPServer.request_queue_size = 128
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.front = self
        self.thread = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- faults --
    def fail_next(self, n, status=500, code="InternalError"):
        with self.lock:
            self._faults.extend([(status, code)] * n)

    def drop_next(self, n):
        with self.lock:
            self._faults.extend(["drop"] * n)

    def _next_fault(self, record):
        if self.fail_when and self.fail_when[0](record):
            return self.fail_when[1], self.fail_when[2]
        if self.always_fail:
            return self.always_fail
        if self._faults:
            return self._faults.pop(0)
        return None

    # -- checks --
    def verify(self, method, raw_path, raw_query, headers, body):
        h = {}
        for k, v in headers:
            h.setdefault(k.lower(), v)
        auth = h.get("authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return 403, "AccessDenied", "Access Denied (the front accepts only SigV4 headers)"
        fields = {}
        for part in auth[len("AWS4-HMAC-SHA256 "):].split(","):
            k, _, v = part.strip().partition("=")
            fields[k] = v
        try:
            key_id, scope = fields["Credential"].split("/", 1)
            signed = fields["SignedHeaders"].split(";")
            given = fields["Signature"]
        except (KeyError, ValueError):
            return 400, "AuthorizationHeaderMalformed", "The authorization header is malformed"
        secret = self.secrets.get(key_id)
        if secret is None:
            return 403, "InvalidAccessKeyId", \
                "The AWS Access Key Id you provided does not exist in our records."
        if "host" not in signed:
            return 403, "SignatureDoesNotMatch", "host must be signed"
        amz_date = h.get("x-amz-date", "")
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc)
        except ValueError:
            return 403, "AccessDenied", "x-amz-date is missing or malformed"
        if abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()) > 900:
            return 403, "RequestTimeTooSkewed", \
                "The difference between the request time and the current time is too large."
        payload_hash = h.get("x-amz-content-sha256")
        if payload_hash is None:
            return 400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
        if payload_hash != "UNSIGNED-PAYLOAD":
            if payload_hash.startswith("STREAMING-"):
                return 400, "NotImplemented", "the test front does not check streaming payloads"
            if hashlib.sha256(body).hexdigest() != payload_hash:
                return 400, "XAmzContentSHA256Mismatch", \
                    "The provided 'x-amz-content-sha256' header does not match what was computed."
        checksum = h.get("x-amz-checksum-sha256")
        if checksum is not None and \
                base64.b64encode(hashlib.sha256(body).digest()).decode() != checksum:
            return 400, "BadDigest", "The SHA256 you specified did not match the calculated checksum."
        expected, _ = signature_for(method, raw_path, raw_query, headers, signed, payload_hash,
                                    amz_date, scope, secret)
        if not hmac.compare_digest(expected, given):
            return 403, "SignatureDoesNotMatch", (
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method.")
        return None

    def _uploads_dir(self) -> Path:
        return self.data_dir / self.bucket / "._S3rver_uploads"

    def abort_upload(self, upload_id: str):
        target = self._uploads_dir() / upload_id
        if "/" in upload_id or not target.is_dir():
            return 404, s3_error("NoSuchUpload", "The specified upload does not exist.")
        shutil.rmtree(target)
        return 204, b""

    def pending_uploads(self):
        d = self._uploads_dir()
        return sorted(p.name for p in d.iterdir()) if d.is_dir() else []

    def forward(self, method, path, headers, body):
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=120)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in headers:
                if k.lower() in HOP_BY_HOP or k.lower() == "content-length":
                    continue
                conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if body else None)
            r = conn.getresponse()
            answer = r.read()
            return r.status, r.getheaders(), answer
        finally:
            conn.close()

    # -- what happened --
    def verified(self):
        return [r for r in self.requests if r.get("verified")]


class Store:
    """s3rver and the front together; stop() stops both."""

    def __init__(self, directory: Path, bucket="artifacts"):
        self.bucket = bucket
        self.s3rver = S3rver(Path(directory), bucket).start()
        try:
            self.front = VerifyingFront(self.s3rver.port, data_dir=directory, bucket=bucket).start()
        except Exception:
            self.s3rver.stop()
            raise

    @property
    def url(self):
        return self.front.url

    def stop(self):
        self.front.stop()
        self.s3rver.stop()


def aws_env(base_env: dict, secret=SECRET_KEY) -> dict:
    e = dict(base_env)
    e.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=secret,
             AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_EC2_METADATA_DISABLED="true")
    e.pop("AWS_PROFILE", None)
    return e


def aws(endpoint: str, env: dict, *args, check=True, timeout=120):
    """Runs Debian's awscli against `endpoint`."""
    proc = subprocess.run([AWS, "--endpoint-url", endpoint, *args], env=env, capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc
