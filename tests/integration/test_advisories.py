"""The advisory database from the command line: import, status, update, bad input."""
import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import EXAMPLE

CORPUS = Path(os.environ.get("PIPEWRIGHT_OSV_CORPUS",
                             Path(__file__).resolve().parents[3] / "shared/data/osv-pypi"))


def test_import_example_advisories_then_status(pw, tmp_path):
    r = pw(tmp_path, "db", "import", str(EXAMPLE / "advisories"))
    assert r.code == 0, r
    assert "1 imported" in r.out
    s = pw(tmp_path, "db", "status")
    assert s.code == 0
    assert "1 record(s)" in s.out and "PyPI 1" in s.out
    assert str(EXAMPLE / "advisories") in s.out
    # Importing again changes nothing.
    again = pw(tmp_path, "db", "import", str(EXAMPLE / "advisories"))
    assert "0 imported" in again.out and "1 unchanged" in again.out
    u = pw(tmp_path, "db", "update")
    assert u.code == 0 and "1 unchanged" in u.out


def test_import_zip_as_osv_dev_publishes_it(pw, tmp_path):
    z = tmp_path / "PyPI.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.write(EXAMPLE / "advisories/PYSEC-2024-48.json", "PYSEC-2024-48.json")
        f.writestr("BROKEN-1.json", '{"id": "BROKEN-1"}')  # no `modified`: skipped, counted
    r = pw(tmp_path, "db", "import", str(z))
    assert r.code == 0, r
    assert "1 imported" in r.out and "1 skipped" in r.out


def test_failed_import_leaves_the_previous_database(pw, tmp_path):
    assert pw(tmp_path, "db", "import", str(EXAMPLE / "advisories")).code == 0
    bad = tmp_path / "truncated.zip"
    data = (tmp_path / "ok.zip")
    with zipfile.ZipFile(data, "w") as f:
        f.write(EXAMPLE / "advisories/PYSEC-2024-48.json", "x.json")
    bad.write_bytes(data.read_bytes()[: len(data.read_bytes()) // 2])
    r = pw(tmp_path, "db", "import", str(bad))
    assert r.code == 1
    assert "truncated" in r.err or "zip" in r.err
    assert "1 record(s)" in pw(tmp_path, "db", "status").out


def test_missing_path_is_a_clear_error(pw, tmp_path):
    r = pw(tmp_path, "db", "import", str(tmp_path / "nope"))
    assert r.code == 1
    assert "no such file" in r.err


def test_whole_shared_corpus_imports_quickly(pw, tmp_path):
    if not CORPUS.is_dir():
        pytest.skip(f"the shared OSV corpus is not on this machine ({CORPUS})")
    r = pw(tmp_path, "db", "import", str(CORPUS), timeout=120)
    assert r.code == 0, r
    assert "2651 imported" in r.out
    assert "PyPI 2651" in pw(tmp_path, "db", "status").out


class _ZipServer:
    """A loopback HTTP server for the URL import: serves /PyPI.zip, a 404, and a body shorter
    than its Content-Length (a download cut off)."""

    def __init__(self, payload: bytes):
        import http.server
        import threading

        data = payload

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                if self.path == "/PyPI.zip":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                elif self.path == "/cut.zip":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                else:
                    self.send_error(404)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_import_from_an_http_url(pw, tmp_path):
    z = tmp_path / "PyPI.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.write(EXAMPLE / "advisories/PYSEC-2024-48.json", "PYSEC-2024-48.json")
    srv = _ZipServer(z.read_bytes())
    try:
        r = pw(tmp_path, "db", "import", srv.base + "/PyPI.zip")
        assert r.code == 0, r
        assert "1 imported" in r.out
        missing = pw(tmp_path, "db", "import", srv.base + "/missing.zip")
        assert missing.code == 1 and "404" in missing.err
        cut = pw(tmp_path, "db", "import", srv.base + "/cut.zip")
        assert cut.code == 1, cut
        assert "1 record(s)" in pw(tmp_path, "db", "status").out  # still the first import
        assert srv.base + "/PyPI.zip" in pw(tmp_path, "db", "status").out
    finally:
        srv.close()
