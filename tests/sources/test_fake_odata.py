"""The fake TK service itself: it must answer like the documented one, or the client tests prove nothing."""

from __future__ import annotations

import httpx
import pytest

from vraagbaak.sources.tk.stand_in.entities import tk_document
from vraagbaak.sources.tk.stand_in.server import FakeTkOData


def get(fake: FakeTkOData, path_and_query: str) -> httpx.Response:
    return httpx.get(fake.base_url + path_and_query, timeout=5.0)


@pytest.mark.parametrize(
    "query",
    [
        "$filter=contains(Soort,'Motie')",
        "$filter=Id gt 00000000-0000-0000-0000-000000000000",
        "$filter=ApiGewijzigdOp ge '2024-01-01'",
        "$filter=Nummer eq 'x'",
        "$filter=Soort eq 'Motie' and",
        "$expand=Kamerstukdossier",
        "$expand=Zaak($select=Nummer)",
        "$orderby=ApiGewijzigdOp sideways",
        "$select=Id",
    ],
)
def test_queries_outside_the_supported_slice_get_an_odata_400(fake: FakeTkOData, query: str) -> None:
    response = get(fake, f"Document?{query}")

    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message"}


def test_navigation_properties_appear_only_when_expanded(fake: FakeTkOData) -> None:
    fake.add(tk_document())

    bare = get(fake, "Document").json()
    shallow = get(fake, "Document?$expand=Zaak").json()
    deep = get(fake, "Document?$expand=Zaak($expand=ZaakActor),DocumentVersie").json()

    assert bare["@odata.context"] == f"{fake.base_url}$metadata#Document"
    assert "Zaak" not in bare["value"][0] and "DocumentVersie" not in bare["value"][0]
    assert "ZaakActor" not in shallow["value"][0]["Zaak"][0]
    assert len(deep["value"][0]["Zaak"][0]["ZaakActor"]) == 2
    assert deep["value"][0]["DocumentVersie"][0]["ExterneIdentifier"] == "ah-tk-20232024-1108"


def test_paging_top_and_count(fake: FakeTkOData) -> None:
    for _ in range(5):
        fake.add(tk_document())
    fake.page_size = 2

    paged = get(fake, "Document?$orderby=ApiGewijzigdOp&$count=true").json()
    topped = get(fake, "Document?$orderby=ApiGewijzigdOp&$top=2").json()
    following = httpx.get(paged["@odata.nextLink"], timeout=5.0).json()

    assert paged["@odata.count"] == 5 and len(paged["value"]) == 2
    assert "$skiptoken=" in paged["@odata.nextLink"]
    assert len(topped["value"]) == 2 and "@odata.nextLink" not in topped  # TK issue #70
    assert following["value"][0]["Id"] not in {v["Id"] for v in paged["value"]}


def test_resource_long_and_short_form_and_missing(fake: FakeTkOData) -> None:
    doc_id = fake.add(tk_document())
    fake.set_file(doc_id, b"%PDF-1.4 x", "application/pdf", "stuk.pdf")

    short = get(fake, f"Document({doc_id})/resource")
    long = get(fake, f"Document({doc_id})/TK.DA.GGM.OData.Resource()")
    missing = get(fake, "Document(00000000-0000-0000-0000-000000000000)/resource")

    assert short.content == long.content == b"%PDF-1.4 x"
    assert short.headers["content-disposition"] == 'attachment; filename="stuk.pdf"'
    assert missing.status_code == 404 and "message" in missing.json()["error"]
