"""File uploads: the raw body with its Content-Type, parsed in the worker; refusals name the upload, the
previous index keeps serving, and searches go on while a file is parsed."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import API_KEY, ENERGY, EXPORT
from vraagbaak.parsing.isolation import ParseJob, ParseLimits, ParseWorker, run_job
from vraagbaak.units import ParsedDocument

KEY = {"X-API-Key": API_KEY}
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ACCEPTED = (
    "application/json, application/pdf, application/vnd.openxmlformats-officedocument.wordprocessingml.document, "
    "text/markdown, text/plain, application/octet-stream"
)
NOTE = ["Notitie over zonnepanelen", "", "Het kabinet plaatst zonnepanelen op alle daken van ministeries."]


def one_page_pdf(lines: list[str]) -> bytes:
    """A minimal PDF written by hand: one page, Helvetica, a text layer of `lines`."""
    ops = ["BT /F1 11 Tf"] + [f"1 0 0 1 72 {770 - 16 * n} Tm ({line}) Tj" for n, line in enumerate(lines)] + ["ET"]
    content = "\n".join(ops).encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _put(client: TestClient, doc_id: str, body: bytes, content_type: str | None) -> Any:
    headers = dict(KEY)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return client.post("/v1/documents", params={"doc_id": doc_id}, content=body, headers=headers)


def _documents(client: TestClient) -> set[str]:
    return {d["doc_id"] for d in client.get("/v1/documents").json()["documents"]}


def _answers(client: TestClient) -> None:
    response = client.post("/v1/search", json={"question": "windmolens op zee", "k": 1})
    assert response.status_code == 200 and response.json()["results"][0]["unit_id"] == f"{ENERGY}:1"


# Runners for the upload worker: module-level so the spawned child imports them; production passes none.


def _sleep_when_slow(job: ParseJob) -> ParsedDocument:
    if job.doc_id.startswith("traag"):
        time.sleep(3)
    return run_job(job)


def _segfault_when_broken(job: ParseJob) -> ParsedDocument:
    if job.doc_id == "kapot":
        os.kill(os.getpid(), signal.SIGSEGV)
    return run_job(job)


def test_a_pdf_upload_is_parsed_indexed_and_kept_as_pdf(admin: TestClient, tmp_path: Path) -> None:
    raw = one_page_pdf(NOTE)
    response = _put(admin, "zon", raw, PDF)
    assert response.status_code == 201, response.text
    assert (response.json()["status"], response.json()["documents"]) == ("added", 3)
    saved = tmp_path / "data" / "documents" / "zon.pdf"
    assert saved.read_bytes() == raw and list(saved.parent.iterdir()) == [saved]
    assert admin.get("/v1/documents/zon").json()["source_file"] == saved.name
    hits = admin.get("/v1/search", params={"q": "kabinet plaatst daken", "k": 1}).json()["results"]
    assert hits[0]["doc_id"] == "zon"
    again = _put(admin, "zon", raw, "application/octet-stream")  # told from the content: the same PDF
    assert (again.status_code, again.json()["status"]) == (200, "unchanged")


def test_a_docx_upload_replaces_the_pdf_of_the_same_id(admin: TestClient, tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Notitie over windparken")
    document.add_paragraph("Het kabinet bouwt windparken op de Noordzee.")
    buffer = io.BytesIO()
    document.save(buffer)
    assert _put(admin, "zon", one_page_pdf(NOTE), PDF).status_code == 201
    response = _put(admin, "zon", buffer.getvalue(), DOCX)
    assert (response.status_code, response.json()["status"]) == (201, "replaced")
    folder = tmp_path / "data" / "documents"
    assert [path.name for path in folder.iterdir()] == ["zon.docx"]
    hits = admin.get("/v1/search", params={"q": "windparken Noordzee", "k": 1}).json()["results"]
    assert hits[0]["doc_id"] == "zon"
    assert admin.delete("/v1/documents/zon", headers=KEY).status_code == 200
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("content_type", "suffix"),
    [("text/markdown", ".md"), ("text/plain; charset=utf-8", ".txt"), ("application/octet-stream", ".txt")],
)
def test_text_uploads_are_kept_with_their_suffix(
    admin: TestClient, tmp_path: Path, content_type: str, suffix: str
) -> None:
    raw = "\n".join(NOTE).encode("utf-8")
    assert _put(admin, "zon", raw, content_type).status_code == 201
    assert (tmp_path / "data" / "documents" / f"zon{suffix}").read_bytes() == raw


@pytest.mark.parametrize(
    ("content_type", "detail"),
    [
        ("image/png", f"Content-Type 'image/png' is not accepted; send one of: {ACCEPTED}"),
        (
            "multipart/form-data; boundary=x",
            f"Content-Type 'multipart/form-data; boundary=x' is not accepted; send one of: {ACCEPTED}",
        ),
        (None, f"Content-Type missing is not accepted; send one of: {ACCEPTED}"),
    ],
)
def test_other_content_types_are_415(admin: TestClient, content_type: str | None, detail: str) -> None:
    response = _put(admin, "zon", b"\x89PNG\r\n", content_type)
    assert (response.status_code, response.json()["detail"]) == (415, detail)
    assert _documents(admin) == {EXPORT, ENERGY}


def test_a_file_over_the_upload_limit_is_413(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = make_client(api_key=API_KEY, max_upload_bytes=4096, max_body_bytes=1024)
    assert _put(client, "zon", one_page_pdf(NOTE), PDF).status_code == 201  # over max_body_bytes, within uploads
    big = _put(client, "groot", one_page_pdf(NOTE * 60), PDF)
    assert (big.status_code, big.json()["detail"]) == (413, "the request body is larger than the limit of 4096 bytes")
    assert not (tmp_path / "data" / "documents" / "groot.pdf").exists()


def test_a_file_upload_needs_a_safe_doc_id(admin: TestClient, tmp_path: Path) -> None:
    missing = admin.post("/v1/documents", content=b"tekst", headers={**KEY, "Content-Type": "text/plain"})
    assert (missing.status_code, missing.json()["detail"]) == (422, "doc_id: a file upload needs ?doc_id=")
    for doc_id, detail in [
        ("../etc/passwd", "doc_id: String should match pattern '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$'"),
        ("a..b", "doc_id: must not contain '..'"),
    ]:
        response = _put(admin, doc_id, b"tekst", "text/plain")
        assert (response.status_code, response.json()["detail"]) == (422, detail)
    both = admin.post("/v1/documents", params={"doc_id": "zon"}, json={"doc_id": "zon", "text": "x"}, headers=KEY)
    assert (both.status_code, both.json()["detail"]) == (422, "doc_id: give doc_id in the JSON body only")
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    ("body", "content_type", "detail"),
    [
        (b"gewoon tekst", PDF, "kapot.pdf: has a .pdf name but no %PDF- header in its first 1024 bytes"),
        (b"PK\x03\x04kapot", DOCX, "kapot.docx: a corrupt or truncated zip archive"),
        (b"\x00\x01\x02", "text/plain", "kapot.txt: looks like a binary file (NUL bytes); expected UTF-8 text"),
        (b"   \n\n", "text/markdown", "kapot.md: file is empty"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
            "application/octet-stream",
            "kapot: a password-protected Office file or a legacy Word 97-2003 .doc; "
            "remove the password or save it as .docx",
        ),
    ],
)
def test_a_file_that_cannot_be_parsed_is_422_naming_the_upload(
    admin: TestClient, tmp_path: Path, body: bytes, content_type: str, detail: str
) -> None:
    before = admin.get("/readyz").json()["index_generation"]
    response = _put(admin, "kapot", body, content_type)
    assert (response.status_code, response.json()["detail"]) == (422, detail)
    assert str(tmp_path) not in response.text
    assert admin.get("/readyz").json()["index_generation"] == before
    assert not list((tmp_path / "data").rglob("kapot*"))
    _answers(admin)


def _use(client: TestClient, worker: ParseWorker) -> None:
    updater = client.app.state.updater  # type: ignore[attr-defined]
    updater.close()
    updater.parser = worker


def test_a_slow_upload_and_a_crashing_one_are_422_and_the_next_upload_works(admin: TestClient) -> None:
    text = "\n".join(NOTE).encode("utf-8")
    _use(admin, ParseWorker(ParseLimits(timeout_s=0.5), runner=_sleep_when_slow))
    slow = _put(admin, "traag", text, "text/plain")
    assert (slow.status_code, slow.json()["detail"]) == (422, "traag.txt: parsing took longer than 0.5 s; refused")

    _use(admin, worker := ParseWorker(runner=_segfault_when_broken))
    crashed = _put(admin, "kapot", one_page_pdf(NOTE), PDF)
    assert (crashed.status_code, crashed.json()["detail"]) == (
        422,
        f"kapot.pdf: the parser crashed (signal {int(signal.SIGSEGV)}); refused",
    )
    assert _documents(admin) == {EXPORT, ENERGY}
    _answers(admin)
    assert _put(admin, "heel", text, "text/plain").status_code == 201
    assert worker.starts == 2  # a fresh worker after the crash


def test_an_upload_over_the_memory_limit_is_422(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key=API_KEY, max_upload_bytes=64 * 1024 * 1024, parse_memory_mb=200)
    big = ("Dit is een zin over de begroting.\n" * 1_000_000).encode("utf-8")
    response = _put(client, "groot", big, "text/plain")
    assert (response.status_code, response.json()["detail"]) == (
        422,
        "groot.txt: parsing needed more than 200 MB; refused",
    )
    assert _documents(client) == {EXPORT, ENERGY}
    assert _put(client, "zon", "\n".join(NOTE).encode("utf-8"), "text/plain").status_code == 201


def test_searches_and_deletes_go_on_while_an_upload_is_parsed(admin: TestClient) -> None:
    """The updater's lock is held only to write the index: a slow parse blocks no search and no other change."""
    _use(admin, ParseWorker(runner=_sleep_when_slow))
    results: dict[str, Any] = {}

    def upload() -> None:
        results["upload"] = _put(admin, "traag", "\n".join(NOTE).encode("utf-8"), "text/plain")

    thread = threading.Thread(target=upload)
    thread.start()
    time.sleep(1.0)  # the worker has started and is in its 3 s sleep
    _answers(admin)
    removed = admin.delete(f"/v1/documents/{EXPORT}", headers=KEY)
    # Both came back while the upload still parses: neither waited for it (however long the fsyncs took).
    assert thread.is_alive(), "the search or the delete waited for the upload's parse"
    assert removed.status_code == 200
    thread.join(timeout=30)
    assert results["upload"].status_code == 201
    assert _documents(admin) == {ENERGY, "traag"}


def test_json_uploads_parse_in_the_worker_and_it_stops_with_the_app(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_key=API_KEY)
    for round_ in range(2):
        text = "\n".join(NOTE) + f"\nRonde {round_}.\n"
        assert client.post("/v1/documents", json={"doc_id": "zon", "text": text}, headers=KEY).status_code == 201
    updater = client.app.state.updater  # type: ignore[attr-defined]
    assert updater.parser is not None and updater.parser.starts == 1
    client.__exit__(None, None, None)
    assert updater.parser is None
