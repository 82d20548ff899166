"""Realistic Tweede Kamer `Document` entities for the fake service, shaped as the OData API returns them.

Field names and types follow opendata.tweedekamer.nl/documentatie/document (and .../zaak); navigation
properties (`Zaak` with `ZaakActor`, `DocumentVersie`, `DocumentActor`) are lists the fake only returns
when `$expand`ed. Timestamps are written like the service's `Edm.DateTimeOffset`: 7 fractional digits.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

CET = timezone(timedelta(hours=1))


def odata_timestamp(moment: datetime) -> str:
    """How the service writes an Edm.DateTimeOffset: 7 fractional digits and the offset."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0" + moment.strftime("%z")[:3] + ":00"


def tk_document(
    soort: str = "Antwoord schriftelijke vragen",
    *,
    nummer: str = "2024D12345",
    titel: str = "Antwoord op vragen van het lid Jansen over de waterkwaliteit",
    onderwerp: str = "Antwoord op vragen over de waterkwaliteit",
    koop_id: str | None = "ah-tk-20232024-1108",
    zaak_nummer: str = "2024Z01234",
    vergaderjaar: str = "2023-2024",
) -> dict[str, Any]:
    """A realistic `Document` entity with one Zaak (two ZaakActors) and one DocumentVersie."""
    doc_id, versie_id, zaak_id = (str(uuid.uuid4()) for _ in range(3))
    actor = {"Id": None, "Relatie": None, "ActorNaam": None, "ActorFractie": None, "Functie": None, "Verwijderd": False}
    return {
        "Id": doc_id,
        "Soort": soort,
        "DocumentNummer": nummer,
        "Titel": titel,
        "Onderwerp": onderwerp,
        "Datum": "2024-03-05T00:00:00+01:00",
        "Vergaderjaar": vergaderjaar,
        "Kamer": 2,
        "Volgnummer": None,
        "Citeertitel": None,
        "Alias": None,
        "DatumRegistratie": "2024-03-05T14:12:00+01:00",
        "DatumOntvangst": "2024-03-05T00:00:00+01:00",
        "Aanhangselnummer": "202324-1108" if soort.startswith("Antwoord") else None,
        "KenmerkAfzender": None,
        "Organisatie": "Tweede Kamer",
        "ContentType": "application/pdf",
        "ContentLength": 0,
        "GewijzigdOp": None,
        "ApiGewijzigdOp": None,
        "Verwijderd": False,
        "HuidigeDocumentVersie_Id": versie_id,
        "DocumentVersie": [
            {
                "Id": versie_id,
                "Status": "Vrijgegeven",
                "Versienummer": 1,
                "Extensie": ".pdf",
                "ExterneIdentifier": koop_id,
                "Verwijderd": False,
            },
        ],
        "Zaak": [
            {
                "Id": zaak_id,
                "Nummer": zaak_nummer,
                "Soort": "Schriftelijke vragen",
                "Titel": titel,
                "Onderwerp": onderwerp,
                "GestartOp": "2024-02-01T00:00:00+01:00",
                "Verwijderd": False,
                "ZaakActor": [
                    {
                        **actor,
                        "Id": str(uuid.uuid4()),
                        "Relatie": "Indiener",
                        "ActorNaam": "P. Jansen",
                        "ActorFractie": "GL-PvdA",
                        "Functie": "Tweede Kamerlid",
                    },
                    {
                        **actor,
                        "Id": str(uuid.uuid4()),
                        "Relatie": "Gericht aan",
                        "ActorNaam": "M. de Vries",
                        "Functie": "minister van Infrastructuur en Waterstaat",
                    },
                ],
            },
        ],
        "DocumentActor": [],
    }


#: The scalar properties of a Document; a deleted placeholder keeps only Id, Verwijderd and the timestamps.
SCALARS = tuple(name for name, value in tk_document().items() if not isinstance(value, list))
