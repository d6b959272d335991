"""Request handling logic, independent of the HTTP transport.

Everything here is a plain function of its inputs (method, request target, body, store),
so it can be unit tested without opening a socket. :mod:`app.server` only adapts these
functions to :mod:`http.server`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
MAX_BODY_BYTES = 64 * 1024
MAX_NAME_LENGTH = 100
MAX_QUERY_FIELDS = 20
DEFAULT_GREETING_NAME = "World"


@dataclass(frozen=True)
class Response:
    """A JSON response: status code, body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        """Serialise the body as UTF-8 JSON."""
        return json.dumps(self.body, sort_keys=True).encode("utf-8")


class BadRequest(ValueError):
    """The client sent something the service cannot accept (HTTP 400)."""


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    """Build a JSON error response."""
    return Response(status, {"error": message}, dict(headers or {}))


class ItemStore:
    """A thread-safe, in-memory store of items with increasing integer ids."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[int, dict[str, Any]] = {}
        self._next_id = 1

    def add_item(self, name: str) -> dict[str, Any]:
        """Store a new item and return it (a copy)."""
        with self._lock:
            item: dict[str, Any] = {"id": self._next_id, "name": name}
            self._items[self._next_id] = item
            self._next_id += 1
            return dict(item)

    def get_item(self, item_id: int) -> dict[str, Any] | None:
        """Return a copy of the item with this id, or None."""
        with self._lock:
            item = self._items.get(item_id)
            return dict(item) if item is not None else None

    def list_items(self) -> list[dict[str, Any]]:
        """Return copies of all items, ordered by id."""
        with self._lock:
            return [dict(self._items[key]) for key in sorted(self._items)]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def validate_name(value: object, what: str = "name") -> str:
    """Return a stripped, non-empty name of at most MAX_NAME_LENGTH characters."""
    if not isinstance(value, str):
        raise BadRequest(f"'{what}' must be a string")
    name = value.strip()
    if not name:
        raise BadRequest(f"'{what}' must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise BadRequest(f"'{what}' must be at most {MAX_NAME_LENGTH} characters")
    if not name.isprintable():
        raise BadRequest(f"'{what}' must not contain control characters")
    return name


def parse_json_object(body: bytes) -> dict[str, Any]:
    """Decode a request body that must be a JSON object."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("request body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object")
    return data


def health() -> Response:
    """GET /health: liveness probe."""
    return Response(200, {"status": "ok"})


def greet(query: Mapping[str, list[str]]) -> Response:
    """GET /api/greet?name=X: greet X (default: World)."""
    values = query.get("name")
    raw_name = values[0] if values else DEFAULT_GREETING_NAME
    try:
        name = validate_name(raw_name)
    except BadRequest as exc:
        return error(400, str(exc))
    return Response(200, {"message": f"Hello, {name}!"})


def list_items(store: ItemStore) -> Response:
    """GET /api/items: all items."""
    items = store.list_items()
    return Response(200, {"items": items, "count": len(items)})


def get_item(store: ItemStore, raw_id: str) -> Response:
    """GET /api/items/<id>: one item, 404 if the id is unknown or not a number."""
    if not (raw_id.isascii() and raw_id.isdigit()) or len(raw_id) > 18:
        return error(404, f"item {raw_id!r} not found")
    item = store.get_item(int(raw_id))
    if item is None:
        return error(404, f"item {raw_id!r} not found")
    return Response(200, item)


def create_item(store: ItemStore, body: bytes) -> Response:
    """POST /api/items with body {"name": "..."}: create an item, 201 with the item."""
    try:
        data = parse_json_object(body)
        name = validate_name(data.get("name"))
    except BadRequest as exc:
        return error(400, str(exc))
    item = store.add_item(name)
    return Response(201, item, {"Location": f"/api/items/{item['id']}"})


def method_not_allowed(allowed: tuple[str, ...]) -> Response:
    """405 with the Allow header listing the accepted methods."""
    return error(405, "method not allowed", {"Allow": ", ".join(allowed)})


def normalise_path(path: str) -> str:
    """Decode percent-escapes and drop a trailing slash (except for the root)."""
    path = unquote(path)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return path


def handle(method: str, target: str, body: bytes, store: ItemStore) -> Response:
    """Route one request (method and request target such as '/api/greet?name=X')."""
    parts = urlsplit(target)
    path = normalise_path(parts.path)
    method = method.upper()

    if path == "/health":
        return health() if method == "GET" else method_not_allowed(("GET",))
    if path == "/api/greet":
        if method != "GET":
            return method_not_allowed(("GET",))
        try:
            query = parse_qs(parts.query, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)
        except ValueError:
            return error(400, "too many query parameters")
        return greet(query)
    if path == "/api/items":
        if method == "GET":
            return list_items(store)
        if method == "POST":
            return create_item(store, body)
        return method_not_allowed(("GET", "POST"))
    prefix = "/api/items/"
    if path.startswith(prefix) and "/" not in path[len(prefix) :]:
        if method != "GET":
            return method_not_allowed(("GET",))
        return get_item(store, path[len(prefix) :])
    return error(404, f"no route for {path!r}")
