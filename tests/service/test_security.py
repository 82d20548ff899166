"""The holes of issue 30, each closed: forged Host headers, feed reads that wrote, library words in 4xx bodies,
unlimited key guesses and short keys (`/metrics` and `/readyz`: test_health.py; `/docs` offline: test_docs.py)."""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import API_KEY, REPO
from tests.service.live import live_server
from tests.service.test_monitors import WIND, _create, _qa_text, _upload
from vraagbaak.cli.main import main
from vraagbaak.service.key_guard import KeyGuard
from vraagbaak.service.settings import MIN_API_KEY_CHARS, ServiceSettings

KEY = {"X-API-Key": API_KEY}
JSON = {"Content-Type": "application/json"}
FORGED = "boze-site.example"
PUBLIC = "https://vraagbaak.intranet.example"


# ---------------------------------------------------------------- links never from the Host header


def _links_of(client: TestClient, monitor: dict[str, Any], headers: dict[str, str]) -> tuple[list[str], str, str]:
    """Every link a reader gets: the feed's, the CSV's and the Markdown's (raw bodies checked for the host too)."""
    feed = client.get(monitor["feed_url"], headers=headers)
    assert feed.status_code == 200, feed.text
    parsed = feedparser.parse(feed.content)
    links = [link.href for link in parsed.feed.links] + [entry.link for entry in parsed.entries]
    csv_ = client.get("/v1/search", params={"q": WIND, "k": 3, "format": "csv"}, headers=headers).text
    md = client.get("/v1/search", params={"q": WIND, "k": 3, "format": "md"}, headers=headers).text
    assert FORGED not in feed.text and FORGED not in csv_ and FORGED not in md
    return links, csv_, md


def test_a_forged_host_never_appears_in_a_feed_or_an_export(make_client: Callable[..., TestClient]) -> None:
    forged = {"Host": FORGED}
    for public_url, start in ((f"{PUBLIC}/", PUBLIC), (None, "")):
        client = make_client(api_key=API_KEY, public_url=public_url)
        made = client.post("/v1/monitors", json={"question": WIND, "filters": {}}, headers={**KEY, **forged})
        monitor = made.json()
        assert made.status_code == 201 and monitor["feed_url"].startswith(f"{start}/v1/monitors/")
        assert (
            client.get(f"/v1/monitors/{monitor['monitor_id']}", headers=forged).json()["feed_url"]
            == (monitor["feed_url"])
        )
        doc_id = f"zee-{len(start)}"  # the clients share the index directory
        _upload(client, doc_id, _qa_text("Windparken op zee", WIND, "Er komen 300 windmolens op zee bij."))
        links, csv_, md = _links_of(client, monitor, forged)
        assert links == [monitor["feed_url"], f"{start}/v1/units/{doc_id}:1"]
        assert f",{start}/?doc=energie&unit=energie%3A1\r\n" in csv_
        assert f"]({start}/?doc=energie&unit=energie%3A1)" in md


def test_loopback_requests_get_absolute_links_to_themselves(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key=API_KEY)
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000"):
        monitor = client.post("/v1/monitors", json={"question": WIND}, headers={**KEY, "Host": host}).json()
        assert monitor["feed_url"].startswith(f"http://{host}/v1/monitors/")
        md = client.get("/v1/search", params={"q": WIND, "k": 1, "format": "md"}, headers={"Host": host}).text
        assert f"](http://{host}/?doc=energie" in md


def test_a_forged_host_over_real_http(fake_index: Path, fake_encoder: Any, tmp_path: Path) -> None:
    """The same over a socket: uvicorn on 127.0.0.1, a client that lies about the Host."""
    settings = ServiceSettings(
        index_dir=fake_index, data_dir=tmp_path / "data", model_cache=tmp_path / "models", api_key=API_KEY
    )
    with live_server(settings, fake_index, fake_encoder) as url, httpx.Client(base_url=url, timeout=30) as http:
        forged = {"Host": f"{FORGED}:80"}
        monitor = http.post("/v1/monitors", json={"question": WIND}, headers={**KEY, **forged}).json()
        assert monitor["feed_url"] == f"/v1/monitors/{monitor['monitor_id']}/feed.atom"
        feed = http.get(monitor["feed_url"], headers=forged)
        md = http.get("/v1/search", params={"q": WIND, "format": "md"}, headers=forged)
        assert feed.status_code == md.status_code == 200 and FORGED not in feed.text + md.text
        honest = http.get(monitor["feed_url"]).text  # Host: 127.0.0.1:<port>, loopback: absolute
        assert f'href="{url}/v1/monitors/{monitor["monitor_id"]}/feed.atom"' in honest


# ---------------------------------------------------------------- a feed read only reads


def _fingerprint(db: Path) -> tuple[str, int, bytes]:
    """The database file's content hash and mtime, and its write-ahead log's content.

    A read-only reader may find no log (the last writer removed it) and make an empty one, with the -shm
    lock index, as SQLite's WAL locking needs: a missing log and an empty one hold the same (nothing).
    """
    wal = db.with_name(db.name + "-wal")
    return hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_mtime_ns, wal.read_bytes() if wal.exists() else b""


def test_feed_reads_leave_the_database_unchanged_and_run_no_model(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key=API_KEY)
    app: Any = client.app
    monitor = _create(client)
    db = app.state.monitor_store.path

    def read_everything() -> None:
        assert client.get(monitor["feed_url"]).status_code == 200
        assert client.get(f"/v1/monitors/{monitor['monitor_id']}").status_code == 200
        assert client.get(f"/v1/monitors/{'B' * 32}/feed.atom").status_code == 404

    for change in ("zee", "melk", None):  # after each index generation change, and with none
        before, encoded = _fingerprint(db), app.state.batcher.stats.questions
        for _ in range(3):
            read_everything()
        assert _fingerprint(db) == before
        assert app.state.batcher.stats.questions == encoded  # no model call either
        if change is not None:
            question = WIND if change == "zee" else "Wat kost de schoolmelk per leerling?"
            _upload(client, change, _qa_text(change, question, "Een antwoord over windmolens op zee."))
    listed = feedparser.parse(client.get(monitor["feed_url"]).content).entries
    assert [entry.link for entry in listed] == ["/v1/units/zee:1"]  # recorded when it arrived, not at the read


def test_a_feed_read_without_a_database_creates_none(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    db = tmp_path / "nieuw" / "monitors.sqlite3"
    client = make_client(api_key=API_KEY, monitor_db=db)
    assert client.get(f"/v1/monitors/{'C' * 32}/feed.atom").status_code == 404
    assert client.get(f"/v1/monitors/{'C' * 32}").status_code == 404
    assert not db.exists() and not db.parent.exists()


# ---------------------------------------------------------------- no library words, no paths


def _docx(document_xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", document_xml)
    return out.getvalue()


def _zip(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, data)
    return out.getvalue()


PDF, TEXT = "application/pdf", "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BAD_UPLOADS: list[tuple[str, bytes, str]] = [
    ("pdf-garbage", b"%PDF-1.7\n" + os.urandom(3000) + b"\n%%EOF\n", PDF),
    ("pdf-xref", b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\nxref\n0 9\nzz\ntrailer<<>>\n%%EOF", PDF),
    ("pdf-truncated", b"%PDF-1.4\n1 0 obj<</Type/Catalog", PDF),
    ("pdf-not", b"dit is geen pdf", PDF),
    ("docx-garbage", b"PK\x03\x04" + os.urandom(500), DOCX),
    ("docx-broken-xml", _docx(b"<w:document><w:body><w:p>"), DOCX),
    ("docx-not-word", _zip("iets.txt", b"hallo"), DOCX),
    ("docx-empty", _docx(b""), DOCX),
    ("text-binary", b"\x00\x01\x02" * 100, TEXT),
    ("text-latin1", "Vraag 1\nWat kost één café?".encode("latin-1"), TEXT),
    ("text-empty-units", b"   \n\n  ", TEXT),
    ("unnamed-garbage", os.urandom(2000), "application/octet-stream"),
]
# A Python exception class, a traceback, a file path or a library's name.
LEAKS = re.compile(
    r"\b[A-Z]\w*(Error|Exception|Warning)\b|Traceback|File \"|\.py\b|site-packages|"
    r"(?<![\w.])/(tmp|home|work|usr|var|root|etc)/|[A-Za-z]:\\\\|"
    r"(?i:pdfium|zipfile|lxml|python-docx|pydantic|starlette|sqlite|errno)"
)


def test_no_error_body_names_an_exception_class_a_library_or_a_path(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key=API_KEY, max_upload_bytes=64 * 1024)
    responses: list[tuple[str, httpx.Response]] = []
    for name, raw, media in BAD_UPLOADS:
        upload = client.post(
            "/v1/documents", params={"doc_id": name}, content=raw, headers={**KEY, "Content-Type": media}
        )
        responses.append((name, upload))
    responses += [
        ("text upload empty", client.post("/v1/documents", json={"doc_id": "x", "text": "\x00"}, headers=KEY)),
        ("json broken", client.post("/v1/search", content=b'{"question": ', headers=JSON)),
        ("json not utf-8", client.post("/v1/search", content=b'{"question": "\xff"}')),
        ("k not a number", client.get("/v1/search", params={"q": "x", "k": "veel"})),
        ("bad date", client.get("/v1/search", params={"q": "x", "date_from": "gisteren"})),
        ("doc id with a path", client.post("/v1/documents", params={"doc_id": "../../etc/passwd"}, content=b"x")),
        ("unknown unit", client.get("/v1/units/..%2F..%2Fetc%2Fpasswd")),
        ("bad monitor", client.get("/v1/monitors/%2Fetc%2Fpasswd/feed.atom")),
        ("too large", client.post("/v1/documents", params={"doc_id": "groot"}, content=b"x" * 70_000, headers=KEY)),
        ("method", client.request("PATCH", "/v1/search")),
        ("no route", client.get("/v1/nergens/te/vinden.py")),
        ("wrong key", client.post("/v1/admin/reload", headers={"X-API-Key": "y" * 20})),
    ]
    for name, response in responses:
        assert response.status_code >= 400, (name, response.status_code, response.text)
        leak = LEAKS.search(response.text)
        assert leak is None, f"{name}: {response.status_code} names {leak.group(0)!r}: {response.text}"
    by_name = dict(responses)
    assert by_name["pdf-garbage"].json()["detail"] == (
        "pdf-garbage.pdf: a corrupt or truncated PDF that cannot be opened"
    )
    assert by_name["docx-garbage"].json()["detail"] == "docx-garbage.docx: a corrupt or truncated zip archive"
    assert by_name["docx-broken-xml"].status_code == 422
    assert "docx-broken-xml.docx: a corrupt Word document" in by_name["docx-broken-xml"].json()["detail"]


# ---------------------------------------------------------------- API keys


def test_the_sixth_wrong_key_within_a_minute_gets_429_even_with_the_right_key_next(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(api_key=API_KEY)
    now = [1000.0]
    client.app.state.key_guard = KeyGuard(5, clock=lambda: now[0])  # type: ignore[attr-defined]
    wrong = {"X-API-Key": "z" * 20}
    assert [client.post("/v1/admin/reload", headers=wrong).status_code for _ in range(5)] == [403] * 5
    sixth = client.post("/v1/admin/reload", headers=wrong)
    assert sixth.status_code == 429 and sixth.headers["retry-after"] == "60"
    assert sixth.json()["detail"] == "too many wrong API keys from this address; try again in 60 s"
    assert client.post("/v1/admin/reload", headers=KEY).status_code == 429  # no oracle while locked out
    assert client.post("/v1/monitors", json={"question": WIND}, headers=KEY).status_code == 429
    assert client.get("/readyz", headers=wrong).status_code == 429
    assert client.get("/readyz").status_code == 200  # no key: the probe still answers
    assert client.get("/v1/search", params={"q": WIND}).status_code == 200  # open routes are not limited
    now[0] += 30
    assert client.post("/v1/admin/reload", headers=KEY).headers["retry-after"] == "30"
    now[0] += 30.5
    assert client.post("/v1/admin/reload", headers=KEY).status_code == 200
    assert client.post("/v1/admin/reload", headers=wrong).status_code == 403  # a fresh minute


def test_the_key_guard_counts_each_client_apart_and_forgets() -> None:
    now = [0.0]
    guard = KeyGuard(2, window_s=60, clock=lambda: now[0])
    guard.failed("10.0.0.1")
    guard.failed("10.0.0.1")
    assert guard.retry_after("10.0.0.1") == 60 and guard.retry_after("10.0.0.2") is None
    now[0] = 59.0
    assert guard.retry_after("10.0.0.1") == 1
    now[0] = 60.0
    assert guard.retry_after("10.0.0.1") is None and guard._failures == {}  # nothing kept for a quiet client


def test_a_short_key_is_refused_at_start_up_without_showing_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    short = "a" * (MIN_API_KEY_CHARS - 1)
    with pytest.raises(ValueError, match=f"at least {MIN_API_KEY_CHARS}"):
        ServiceSettings(api_key=short)
    assert ServiceSettings(api_key="").api_key is None  # empty: no key, admin routes off
    monkeypatch.setenv("VRAAGBAAK_API_KEY", short)
    assert main(["serve"]) == 2
    error = capsys.readouterr().err
    assert f"api_key: the API key has {MIN_API_KEY_CHARS - 1} characters; at least {MIN_API_KEY_CHARS}" in error
    assert short not in error


def test_vraagbaak_serve_exits_non_zero_on_a_short_key(tmp_path: Path) -> None:
    env = {**os.environ, "VRAAGBAAK_API_KEY": "kort", "VRAAGBAAK_INDEX_DIR": str(tmp_path)}
    script = Path(sys.executable).parent / "vraagbaak"
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "vraagbaak.cli"]
    done = subprocess.run([*launcher, "serve"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "the API key has 4 characters" in done.stderr and "serving" not in done.stdout
