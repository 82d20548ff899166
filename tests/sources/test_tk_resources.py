"""TkOData's file downloads against the fake TK service: byte-exact, checked to be documents, bounded."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest

from tests.sources.conftest import real_pdf
from vraagbaak.sources.tk import DocumentNotFoundError, NotADocumentError, ResourceTooLargeError, SourceError, TkOData
from vraagbaak.sources.tk.stand_in.entities import tk_document
from vraagbaak.sources.tk.stand_in.server import FakeTkOData

MakeClient = Callable[..., TkOData]


def add_documents(fake: FakeTkOData, count: int) -> list[str]:
    return [fake.add(tk_document(nummer=f"2024D{20000 + n}")) for n in range(count)]


def test_resource_of_a_real_pdf_comes_back_byte_identical(fake: FakeTkOData, make_client: MakeClient) -> None:
    pdf = real_pdf()
    doc_id = add_documents(fake, 1)[0]
    fake.set_file(doc_id, pdf, "application/pdf", "ah-tk-20232024-1108.pdf")

    resource = make_client().fetch_resource(doc_id)

    assert resource.data == pdf
    assert resource.content_type == "application/pdf"
    assert resource.filename == "ah-tk-20232024-1108.pdf"
    assert fake.requests[-1].path == f"/OData/v4/2.0/Document({doc_id})/resource"


def test_docx_and_plain_text_resources_are_documents(fake: FakeTkOData, make_client: MakeClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    docx_id, text_id = add_documents(fake, 2)
    fake.set_file(docx_id, buffer.getvalue(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    fake.set_file(text_id, b"Vraag 1\nAntwoord 1\n", "text/plain; charset=utf-8")
    client = make_client()

    assert client.fetch_resource(docx_id).content_type.endswith("wordprocessingml.document")
    assert client.fetch_resource(text_id).content_type == "text/plain; charset=utf-8"


def test_a_resource_that_is_html_is_not_a_document(fake: FakeTkOData, make_client: MakeClient) -> None:
    doc_id = add_documents(fake, 1)[0]
    fake.set_file(doc_id, b"<!DOCTYPE html><html><body>Er is iets misgegaan</body></html>", "application/pdf")

    with pytest.raises(NotADocumentError, match=rf"Document\({doc_id}\)/resource: an HTML/XML page"):
        make_client().fetch_resource(doc_id)
    assert len(fake.requests) == 1  # a wrong file is final, not retried


def test_a_zip_that_is_not_docx_is_not_a_document(fake: FakeTkOData, make_client: MakeClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    doc_id = add_documents(fake, 1)[0]
    fake.set_file(doc_id, buffer.getvalue(), "application/zip")

    with pytest.raises(NotADocumentError, match="not a Word document"):
        make_client().fetch_resource(doc_id)


@pytest.mark.parametrize("send_length", [True, False], ids=["content-length", "streamed"])
def test_an_oversized_resource_is_refused(fake: FakeTkOData, make_client: MakeClient, send_length: bool) -> None:
    doc_id = add_documents(fake, 1)[0]
    fake.set_file(doc_id, b"%PDF-1.7\n" + b"0" * 300_000, "application/pdf", send_length=send_length)

    with pytest.raises(ResourceTooLargeError, match="over the maximum of 100000"):
        make_client(max_resource_bytes=100_000).fetch_resource(doc_id)


def test_a_missing_resource_is_not_found(fake: FakeTkOData, make_client: MakeClient) -> None:
    doc_id = add_documents(fake, 1)[0]

    with pytest.raises(DocumentNotFoundError, match="HTTP 404"):
        make_client().fetch_resource(doc_id)
    with pytest.raises(ValueError, match="must be a GUID"):
        make_client().fetch_resource("../$metadata")


def test_fetch_resources_keeps_input_order_and_yields_failures(fake: FakeTkOData, make_client: MakeClient) -> None:
    ids = add_documents(fake, 5)
    for doc_id in ids:
        fake.set_file(doc_id, b"%PDF-1.4 " + doc_id.encode(), "application/pdf")
    fake.set_file(ids[2], b"<html>kapot</html>", "text/html")

    results = list(make_client().fetch_resources(ids, max_workers=2))

    assert [doc_id for doc_id, _ in results] == ids
    assert isinstance(results[2][1], NotADocumentError)
    assert all(r.data.endswith(i.encode()) for i, r in results if not isinstance(r, SourceError))
