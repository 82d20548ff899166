"""TkDocument.from_odata on the shapes the source really sends, and the hashes sync compares."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from vraagbaak.sources.tk import TkDocument
from vraagbaak.sources.tk.stand_in.entities import tk_document


def entity(**fields: Any) -> dict[str, Any]:
    return {**tk_document(), "ApiGewijzigdOp": "2024-03-05T10:00:00.1234567+01:00", **fields}


def test_a_placeholder_with_only_an_id_reads_as_empty_fields() -> None:
    doc_id = str(uuid.uuid4())

    document = TkDocument.from_odata({"Id": doc_id.upper(), "Verwijderd": True, "Soort": None, "Titel": "  "})

    assert document.id == doc_id
    assert document.verwijderd
    assert (document.soort, document.titel, document.datum, document.koop_id, document.zaken) == (
        None,
        None,
        None,
        None,
        (),
    )
    assert document.public_url == f"https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/Document({doc_id})/resource"


@pytest.mark.parametrize("bad_id", [None, "", "niet-een-guid", 42])
def test_an_entity_without_a_valid_id_is_refused(bad_id: object) -> None:
    with pytest.raises(ValueError, match="without a valid Id"):
        TkDocument.from_odata({"Id": bad_id, "Soort": "Motie"})


def test_fields_zaken_and_actors_are_read() -> None:
    document = TkDocument.from_odata(entity(ContentLength="52311", Vergaderjaar="2023-2024"))

    assert document.soort == "Antwoord schriftelijke vragen"
    assert document.api_gewijzigd_op is not None and document.api_gewijzigd_op.microsecond == 123456
    assert document.content_length == 52311
    assert document.koop_id == "ah-tk-20232024-1108"
    assert document.versienummer == 1
    (zaak,) = document.zaken
    assert zaak.nummer == "2024Z01234"
    assert [(a.relatie, a.naam, a.fractie) for a in zaak.actors] == [
        ("Gericht aan", "M. de Vries", None),
        ("Indiener", "P. Jansen", "GL-PvdA"),
    ]
    assert document.public_url == "https://zoek.officielebekendmakingen.nl/ah-tk-20232024-1108.html"


def test_the_current_version_gives_the_koop_id_and_deleted_rows_are_skipped() -> None:
    raw = entity()
    current = raw["HuidigeDocumentVersie_Id"]
    raw["DocumentVersie"] = [
        {"Id": str(uuid.uuid4()), "Versienummer": 3, "ExterneIdentifier": "kst-1-1", "Verwijderd": True},
        {"Id": str(uuid.uuid4()), "Versienummer": 2, "ExterneIdentifier": "<script>", "Verwijderd": False},
        {"Id": current, "Versienummer": 1, "ExterneIdentifier": "kv-tk-2024Z01234", "Verwijderd": False},
    ]
    raw["Zaak"][0]["ZaakActor"][0]["Verwijderd"] = True
    raw["Zaak"].append({"Id": str(uuid.uuid4()), "Nummer": "2024Z9", "Verwijderd": True})

    document = TkDocument.from_odata(raw)

    assert (document.koop_id, document.versienummer) == ("kv-tk-2024Z01234", 1)
    assert len(document.zaken) == 1 and len(document.zaken[0].actors) == 1


def test_public_url_falls_back_to_tweedekamer_then_to_the_api_file() -> None:
    no_koop = entity(DocumentNummer="2024D12345")
    no_koop["DocumentVersie"][0]["ExterneIdentifier"] = None
    motie = {**no_koop, "Soort": "Motie"}

    assert TkDocument.from_odata(no_koop).public_url == (
        "https://www.tweedekamer.nl/kamerstukken/kamervragen/detail?id=2024Z01234&did=2024D12345"
    )
    assert TkDocument.from_odata(motie).public_url.endswith(f"Document({motie['Id']})/resource")


def test_hash_ignores_timestamps_and_list_order_but_not_facts() -> None:
    raw = entity()
    base = TkDocument.from_odata(raw)
    resent = dict(raw, GewijzigdOp="2025-01-01T00:00:00+01:00", ApiGewijzigdOp="2025-01-01T00:00:00.5+01:00")
    resent["Zaak"] = [dict(raw["Zaak"][0], ZaakActor=list(reversed(raw["Zaak"][0]["ZaakActor"])))]

    assert TkDocument.from_odata(resent).content_hash() == base.content_hash()
    for change in ({"Titel": "Nieuwe titel"}, {"Verwijderd": True}, {"ContentLength": 99}):
        assert TkDocument.from_odata({**raw, **change}).content_hash() != base.content_hash()


def test_resource_fingerprint_moves_with_the_file_not_with_the_title() -> None:
    raw = entity()
    base = TkDocument.from_odata(raw)
    newer = dict(raw, DocumentVersie=[dict(raw["DocumentVersie"][0], Versienummer=2)])

    assert TkDocument.from_odata({**raw, "Titel": "Anders"}).resource_fingerprint() == base.resource_fingerprint()
    assert TkDocument.from_odata(newer).resource_fingerprint() != base.resource_fingerprint()
