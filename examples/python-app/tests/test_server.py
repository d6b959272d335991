"""Tests against the real HTTP server on an ephemeral loopback port."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess  # nosec B404 - runs this project's own interpreter in a test
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from app import __version__
from app import server as server_module
from app.handlers import MAX_BODY_BYTES
from app.server import (
    DEFAULT_PORT,
    AppHTTPServer,
    create_server,
    port_from_env,
    serve,
    shutdown_handler,
)
from tests.conftest import LiveServer

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_health_endpoint(live_server: LiveServer) -> None:
    result = live_server.get("/health")
    assert result.status == 200
    assert result.body == {"status": "ok"}
    assert result.headers["Content-Type"] == "application/json; charset=utf-8"
    assert result.headers["X-Content-Type-Options"] == "nosniff"
    assert result.headers["Server"] == f"python-app/{__version__}"


def test_greet_endpoint(live_server: LiveServer) -> None:
    assert live_server.get("/api/greet?name=Ada").body == {"message": "Hello, Ada!"}
    assert live_server.get("/api/greet").body == {"message": "Hello, World!"}
    assert live_server.get("/api/greet?name=").status == 400


def test_items_api(live_server: LiveServer) -> None:
    assert live_server.get("/api/items").body == {"items": [], "count": 0}

    created = live_server.post_json("/api/items", {"name": "widget"})
    assert created.status == 201
    assert created.body == {"id": 1, "name": "widget"}
    assert created.headers["Location"] == "/api/items/1"

    assert live_server.get("/api/items/1").body == {"id": 1, "name": "widget"}
    assert live_server.get("/api/items").body == {
        "items": [{"id": 1, "name": "widget"}],
        "count": 1,
    }
    missing = live_server.get("/api/items/42")
    assert missing.status == 404
    assert "not found" in missing.body["error"]


def test_bad_json_is_400(live_server: LiveServer) -> None:
    result = live_server.request(
        "POST", "/api/items", b"{oops", {"Content-Type": "application/json"}
    )
    assert result.status == 400
    assert result.body == {"error": "request body is not valid JSON"}


def test_unknown_path_is_404_json(live_server: LiveServer) -> None:
    result = live_server.get("/does/not/exist")
    assert result.status == 404
    assert result.body == {"error": "no route for '/does/not/exist'"}


def test_method_not_allowed(live_server: LiveServer) -> None:
    for method in ("PUT", "PATCH", "DELETE"):
        result = live_server.request(method, "/api/items")
        assert result.status == 405
        assert result.headers["Allow"] == "GET, POST"


def test_head_has_headers_but_no_body(live_server: LiveServer) -> None:
    result = live_server.request("HEAD", "/health")
    assert result.status == 200
    assert result.body is None
    assert int(result.headers["Content-Length"]) > 0


def _raw_post(live_server: LiveServer, headers: dict[str, str], body: bytes = b"") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", live_server.server.server_port, timeout=5)
    try:
        conn.putrequest("POST", "/api/items", skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders(body or None)
        response = conn.getresponse()
        json.loads(response.read())
        return response.status
    finally:
        conn.close()


def test_missing_content_length_is_bad_json(live_server: LiveServer) -> None:
    assert _raw_post(live_server, {}) == 400


@pytest.mark.parametrize("value", ["abc", "-5"])
def test_invalid_content_length_is_400(live_server: LiveServer, value: str) -> None:
    assert _raw_post(live_server, {"Content-Length": value}) == 400


def test_oversized_body_is_413(live_server: LiveServer) -> None:
    assert _raw_post(live_server, {"Content-Length": str(MAX_BODY_BYTES + 1)}) == 413


def test_port_from_env() -> None:
    assert port_from_env({}) == DEFAULT_PORT
    assert port_from_env({"PORT": ""}) == DEFAULT_PORT
    assert port_from_env({"PORT": " 9090 "}) == 9090
    assert port_from_env({"PORT": "0"}) == 0
    with pytest.raises(ValueError, match="integer"):
        port_from_env({"PORT": "http"})
    with pytest.raises(ValueError, match="between"):
        port_from_env({"PORT": "70000"})


def test_create_server_binds_all_interfaces_by_default() -> None:
    server = create_server(port=0)
    try:
        assert server.server_address[0] == "0.0.0.0"  # nosec B104 - asserting, not binding
        assert server.server_port > 0
    finally:
        server.server_close()


def test_shutdown_handler_stops_serving() -> None:
    server = create_server("127.0.0.1", 0)
    thread = threading.Thread(target=serve, args=(server, False), daemon=True)
    thread.start()
    shutdown_handler(server)(signal.SIGTERM, None)
    thread.join(timeout=2)
    assert not thread.is_alive()


def test_main_serves_until_sigterm(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() in this process: installs the SIGTERM handler and returns 0 after the signal."""
    if threading.current_thread() is not threading.main_thread():  # pragma: no cover
        pytest.skip("signal handlers can only be installed in the main thread")
    monkeypatch.setenv("PORT", "0")
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    created: list[AppHTTPServer] = []
    ready = threading.Event()
    real_create = server_module.create_server

    def recording_create(host: str = "", port: int = DEFAULT_PORT) -> AppHTTPServer:
        created.append(real_create("127.0.0.1", port))
        ready.set()
        return created[-1]

    monkeypatch.setattr(server_module, "create_server", recording_create)
    errors: list[BaseException] = []

    def client() -> None:
        try:
            assert ready.wait(timeout=5)
            url = f"http://127.0.0.1:{created[0].server_port}/health"
            with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310  # nosec B310
                assert json.loads(resp.read()) == {"status": "ok"}
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            # Like `docker stop`: the handler main() installed must stop the server.
            os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    try:
        assert server_module.main() == 0
    finally:
        thread.join(timeout=5)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    assert not errors


def test_main_rejects_invalid_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "not-a-port")
    assert server_module.main() == 2


def test_python_m_app_exits_promptly_on_sigterm() -> None:
    """The real entry point, as a container runs it: `python -m app`, then SIGTERM."""
    env = {**os.environ, "PORT": "0", "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen(  # nosec B603 - fixed argv, no shell
        [sys.executable, "-m", "app"],
        cwd=PROJECT_ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = re.search(r"listening on port (\d+)", line)
        assert match, line
        url = f"http://127.0.0.1:{match.group(1)}/health"
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310  # nosec B310
            assert json.loads(resp.read()) == {"status": "ok"}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=2) == 0
    finally:
        if proc.poll() is None:  # pragma: no cover - only if the test failed
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
