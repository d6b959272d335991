"""Shared fixtures: a real server on an ephemeral loopback port, run in a thread."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from app.handlers import ItemStore
from app.server import AppHTTPServer, create_server, serve


@dataclass
class HTTPResult:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class LiveServer:
    server: AppHTTPServer

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def request(
        self,
        method: str,
        path: str,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> HTTPResult:
        """Send one request with urllib; HTTP errors are returned, not raised."""
        req = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers or {}
        )
        try:
            # Only ever an http:// URL on the loopback interface.
            with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310  # nosec B310
                raw = resp.read()
                status = resp.status
                resp_headers = dict(resp.headers.items())
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            status = exc.code
            resp_headers = dict(exc.headers.items())
        body = json.loads(raw) if raw else None
        return HTTPResult(status, resp_headers, body)

    def get(self, path: str) -> HTTPResult:
        return self.request("GET", path)

    def post_json(self, path: str, payload: Any) -> HTTPResult:
        data = json.dumps(payload).encode("utf-8")
        return self.request("POST", path, data, {"Content-Type": "application/json"})


@pytest.fixture(scope="session")
def _shared_server() -> Iterator[AppHTTPServer]:
    # One server for the whole session keeps the suite fast (each shutdown waits for the
    # serving loop's poll interval); every test still gets a fresh, empty item store.
    server = create_server("127.0.0.1", 0)
    thread = threading.Thread(target=serve, args=(server, False), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)
        assert not thread.is_alive()


@pytest.fixture
def live_server(_shared_server: AppHTTPServer) -> LiveServer:
    _shared_server.store = ItemStore()
    return LiveServer(_shared_server)
