"""HTTP transport: a ThreadingHTTPServer that delegates to :mod:`app.handlers`."""

from __future__ import annotations

import logging
import os
import signal
import socketserver
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any, Callable, Optional

from app import __version__
from app.handlers import JSON_CONTENT_TYPE, MAX_BODY_BYTES, ItemStore, Response, error, handle

logger = logging.getLogger("app")

DEFAULT_PORT = 8080
# How often serve_forever() checks for a shutdown request: bounds the SIGTERM exit latency.
POLL_INTERVAL = 0.1

SignalHandler = Callable[[int, Optional[FrameType]], None]


class AppHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that owns the application's item store."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], store: ItemStore | None = None) -> None:
        self.store = store if store is not None else ItemStore()
        super().__init__(address, RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind() resolves the host's fully qualified name, which can
        # block on DNS; the name is not needed, so bind without that lookup.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class RequestHandler(BaseHTTPRequestHandler):
    """Adapts http.server requests to :func:`app.handlers.handle`."""

    server: AppHTTPServer
    server_version = f"python-app/{__version__}"
    timeout = 30  # seconds a client may stay silent before the connection is dropped

    def do_GET(self) -> None:  # noqa: N802 (name required by BaseHTTPRequestHandler)
        self._dispatch(b"")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch(b"", method="GET", include_body=False)

    def do_POST(self) -> None:  # noqa: N802
        body = self._read_body()
        if body is not None:
            self._dispatch(body)

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch(b"")

    def do_PATCH(self) -> None:  # noqa: N802
        self._dispatch(b"")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch(b"")

    def _read_body(self) -> bytes | None:
        """Read the request body, or answer with an error and return None."""
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            return b""
        try:
            length = int(raw_length)
        except ValueError:
            length = -1
        if length < 0:
            self._send(error(400, "invalid Content-Length"))
            return None
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            self._send(error(413, f"request body larger than {MAX_BODY_BYTES} bytes"))
            return None
        return self.rfile.read(length)

    def _dispatch(self, body: bytes, method: str = "", include_body: bool = True) -> None:
        try:
            response = handle(method or self.command, self.path, body, self.server.store)
        except Exception:  # pragma: no cover - defensive: never leak a traceback
            logger.exception("unhandled error for %s %s", self.command, self.path)
            response = error(500, "internal server error")
        self._send(response, include_body)

    def _send(self, response: Response, include_body: bool = True) -> None:
        payload = response.encode()
        self.send_response(response.status)
        self.send_header("Content-Type", JSON_CONTENT_TYPE)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if include_body:
            self.wfile.write(payload)

    def version_string(self) -> str:
        """The Server header: the app's name and version, not Python's."""
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s %s", self.address_string(), format % args)


def port_from_env(env: Mapping[str, str]) -> int:
    """The port to listen on: $PORT if set (0-65535), else DEFAULT_PORT."""
    raw = env.get("PORT", "").strip()
    if not raw:
        return DEFAULT_PORT
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"PORT must be an integer, got {raw!r}") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"PORT must be between 0 and 65535, got {port}")
    return port


def create_server(host: str = "", port: int = DEFAULT_PORT) -> AppHTTPServer:
    """Create (and bind) the server; host "" means all interfaces, port 0 an ephemeral one."""
    return AppHTTPServer((host, port))


def shutdown_handler(server: AppHTTPServer) -> SignalHandler:
    """A signal handler that stops ``server.serve_forever()``.

    ``shutdown()`` waits for the serving loop to finish, so calling it from the thread that
    runs the loop (where signal handlers run) would deadlock: it runs in a helper thread.
    """

    def _handler(signum: int, frame: FrameType | None) -> None:
        logger.info("received signal %d, shutting down", signum)
        threading.Thread(target=server.shutdown, name="shutdown", daemon=True).start()

    return _handler


def install_signal_handlers(server: AppHTTPServer) -> None:
    """Stop the server cleanly on SIGTERM (container stop) and SIGINT (Ctrl-C)."""
    handler = shutdown_handler(server)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def serve(server: AppHTTPServer, install_signals: bool = True) -> None:
    """Serve until shut down, then release the socket."""
    if install_signals:
        install_signal_handlers(server)
    try:
        server.serve_forever(poll_interval=POLL_INTERVAL)
    finally:
        server.server_close()


def main() -> int:
    """Run the service on $PORT (default 8080) on all interfaces until SIGTERM/SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        port = port_from_env(os.environ)
    except ValueError as exc:
        logger.error("%s", exc)
        return 2
    server = create_server("", port)
    logger.info("python-app %s listening on port %d", __version__, server.server_port)
    serve(server)
    logger.info("server stopped")
    return 0
