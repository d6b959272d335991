"""Unit tests of the transport-independent request handling."""

from __future__ import annotations

import json
import threading

import pytest

from app.handlers import (
    MAX_NAME_LENGTH,
    BadRequest,
    ItemStore,
    Response,
    handle,
    normalise_path,
    parse_json_object,
    validate_name,
)


@pytest.fixture
def store() -> ItemStore:
    return ItemStore()


def test_response_encodes_json() -> None:
    assert json.loads(Response(200, {"b": 1, "a": "é"}).encode()) == {"a": "é", "b": 1}


def test_health(store: ItemStore) -> None:
    response = handle("GET", "/health", b"", store)
    assert response.status == 200
    assert response.body == {"status": "ok"}


def test_health_rejects_post(store: ItemStore) -> None:
    response = handle("POST", "/health", b"", store)
    assert response.status == 405
    assert response.headers["Allow"] == "GET"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("/api/greet", "Hello, World!"),
        ("/api/greet?name=Ada", "Hello, Ada!"),
        ("/api/greet?name=Grace%20Hopper", "Hello, Grace Hopper!"),
        ("/api/greet/?name=%20Bob%20", "Hello, Bob!"),
    ],
)
def test_greet(store: ItemStore, target: str, message: str) -> None:
    response = handle("GET", target, b"", store)
    assert response.status == 200
    assert response.body == {"message": message}


@pytest.mark.parametrize(
    "target",
    [
        "/api/greet?name=",
        "/api/greet?name=%20%20",
        "/api/greet?name=" + "x" * (MAX_NAME_LENGTH + 1),
        "/api/greet?name=a%0Ab",
        "/api/greet?" + "&".join(f"k{i}=v" for i in range(50)),
    ],
)
def test_greet_rejects_bad_names(store: ItemStore, target: str) -> None:
    response = handle("GET", target, b"", store)
    assert response.status == 400
    assert "error" in response.body


def test_greet_rejects_post(store: ItemStore) -> None:
    assert handle("POST", "/api/greet", b"", store).status == 405


def test_items_start_empty(store: ItemStore) -> None:
    response = handle("GET", "/api/items", b"", store)
    assert response.status == 200
    assert response.body == {"items": [], "count": 0}


def test_create_get_and_list_items(store: ItemStore) -> None:
    created = handle("POST", "/api/items", b'{"name": " widget "}', store)
    assert created.status == 201
    assert created.body == {"id": 1, "name": "widget"}
    assert created.headers["Location"] == "/api/items/1"
    handle("POST", "/api/items", b'{"name": "gadget"}', store)

    assert handle("GET", "/api/items/1", b"", store).body == {"id": 1, "name": "widget"}
    assert handle("GET", "/api/items/2/", b"", store).body == {"id": 2, "name": "gadget"}
    listed = handle("GET", "/api/items", b"", store)
    assert listed.body == {
        "items": [{"id": 1, "name": "widget"}, {"id": 2, "name": "gadget"}],
        "count": 2,
    }


def test_store_returns_copies(store: ItemStore) -> None:
    item = store.add_item("a")
    item["name"] = "changed"
    fetched = store.get_item(1)
    assert fetched == {"id": 1, "name": "a"}
    assert fetched is not None
    fetched["name"] = "changed"
    store.list_items()[0]["name"] = "changed"
    assert store.get_item(1) == {"id": 1, "name": "a"}


def test_store_is_thread_safe(store: ItemStore) -> None:
    def add_many() -> None:
        for _ in range(200):
            store.add_item("x")

    threads = [threading.Thread(target=add_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store) == 800
    assert [item["id"] for item in store.list_items()] == list(range(1, 801))


@pytest.mark.parametrize("raw_id", ["999", "0", "abc", "-1", "1.5", "²", "9" * 30])
def test_unknown_item_is_404(store: ItemStore, raw_id: str) -> None:
    store.add_item("only")
    response = handle("GET", f"/api/items/{raw_id}", b"", store)
    assert response.status == 404
    assert "not found" in response.body["error"]


@pytest.mark.parametrize(
    "body",
    [b"", b"{not json", b"\xff\xfe", b"[1, 2]", b'"name"', b"{}", b'{"name": 5}', b'{"name": ""}'],
)
def test_create_item_rejects_bad_bodies(store: ItemStore, body: bytes) -> None:
    response = handle("POST", "/api/items", body, store)
    assert response.status == 400
    assert "error" in response.body
    assert len(store) == 0


def test_items_method_not_allowed(store: ItemStore) -> None:
    response = handle("DELETE", "/api/items", b"", store)
    assert response.status == 405
    assert response.headers["Allow"] == "GET, POST"
    assert handle("PUT", "/api/items/1", b"", store).status == 405


@pytest.mark.parametrize("target", ["/", "/nope", "/api", "/api/items/1/extra", "/healthz"])
def test_unknown_paths_are_404(store: ItemStore, target: str) -> None:
    response = handle("GET", target, b"", store)
    assert response.status == 404
    assert response.body["error"].startswith("no route for")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("/", "/"), ("//", "/"), ("/health/", "/health"), ("/a%20b", "/a b"), ("/x", "/x")],
)
def test_normalise_path(raw: str, expected: str) -> None:
    assert normalise_path(raw) == expected


def test_parse_json_object() -> None:
    assert parse_json_object(b'{"a": 1}') == {"a": 1}
    with pytest.raises(BadRequest):
        parse_json_object(b"null")


def test_validate_name_uses_field_name_in_messages() -> None:
    with pytest.raises(BadRequest, match="'title' must be a string"):
        validate_name(None, "title")
