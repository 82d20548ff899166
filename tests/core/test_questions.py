"""Question status: open, postponed, overdue, answered, on a fixed day, from hand-made documents."""

from __future__ import annotations

import datetime

from vraagbaak.retrieval.questions import (
    QuestionFilter,
    QuestionStatus,
    answer_times,
    backlog_order,
    count,
    normalise_addressee,
    question_sets,
)
from vraagbaak.units import Document, DocumentKind, SourceRecord

D = datetime.date
TODAY = D(2024, 12, 20)


def doc(
    doc_id: str,
    kind: DocumentKind,
    zaak: str | None,
    *,
    date: datetime.date,
    submitted: datetime.date | None = None,
    received: datetime.date | None = None,
    postponement: str | None = None,
    addressee: str | None = "de Minister van Financiën",
    questioners: tuple[str, ...] = ("Jansen (CDA)",),
    source_soort: str | None = None,
) -> Document:
    source = SourceRecord(tk_id=f"guid-{doc_id}", soort=source_soort, zaak_nummers=(zaak,)) if source_soort else None
    return Document(
        doc_id=doc_id,
        kind=kind,
        title=f"Titel {doc_id}",
        date=date,
        source_path=f"{doc_id}.txt",
        content_hash=doc_id,
        zaaknummer=None if source_soort else zaak,
        submitted=submitted,
        received=received,
        postponement=postponement,
        addressee=addressee,
        questioners=questioners,
        answered_by="Minister Heinen (Financiën)" if kind is DocumentKind.WRITTEN_ANSWERS else None,
        source=source,
    )


def one(*documents: Document, today: datetime.date = TODAY, term: int = 21):  # type: ignore[no-untyped-def]
    sets = question_sets(documents, today, term)
    assert len(sets) == 1
    return sets[0]


def test_a_question_within_its_term_is_open_and_due_three_weeks_after_it_was_sent() -> None:
    item = one(doc("q", DocumentKind.WRITTEN_QUESTIONS, "2024Z1", date=D(2024, 12, 10), submitted=D(2024, 12, 10)))
    assert (item.status, item.due, item.days_overdue) == (QuestionStatus.OPEN, D(2024, 12, 31), 0)


def test_a_question_past_its_term_is_overdue_by_the_days_past_due() -> None:
    item = one(doc("q", DocumentKind.WRITTEN_QUESTIONS, "2024Z1", date=D(2024, 11, 1), submitted=D(2024, 11, 1)))
    assert (item.status, item.due, item.days_overdue) == (QuestionStatus.OVERDUE, D(2024, 11, 22), 28)


def test_the_term_is_a_setting() -> None:
    question = doc("q", DocumentKind.WRITTEN_QUESTIONS, "2024Z1", date=D(2024, 11, 1), submitted=D(2024, 11, 1))
    assert one(question, term=60).status is QuestionStatus.OPEN


def test_a_postponement_moves_the_due_date_to_another_term_after_the_notice() -> None:
    question = doc("q", DocumentKind.WRITTEN_QUESTIONS, "2024Z1", date=D(2024, 11, 1), submitted=D(2024, 11, 1))
    notice = doc(
        "n",
        DocumentKind.POSTPONEMENT,
        "2024Z1",
        date=D(2024, 12, 5),
        postponement="Vanwege de nodige afstemming kunnen de vragen niet binnen de termijn worden beantwoord.",
    )
    item = one(question, notice)
    assert (item.status, item.postponed_on, item.due) == (QuestionStatus.POSTPONED, D(2024, 12, 5), D(2024, 12, 26))
    assert item.postponement is not None and item.postponement.startswith("Vanwege")
    assert (item.question_docs, item.notice_docs) == (("q",), ("n",))
    late = one(question, notice, today=D(2025, 1, 2))
    assert (late.status, late.days_overdue, late.postponed_on) == (QuestionStatus.OVERDUE, 7, D(2024, 12, 5))


def test_a_postponement_naming_a_date_is_due_on_that_date() -> None:
    notice = doc(
        "n",
        DocumentKind.POSTPONEMENT,
        "2024Z1",
        date=D(2024, 12, 5),
        postponement="De vragen (ingezonden 1 november 2024) worden voor 15 januari 2025 beantwoord.",
    )
    item = one(notice)
    assert (item.status, item.due) == (QuestionStatus.POSTPONED, D(2025, 1, 15))


def test_a_notice_that_the_questions_were_answered_by_letter_counts_as_the_answer() -> None:
    notice = doc(
        "n",
        DocumentKind.POSTPONEMENT,
        "2024Z1",
        date=D(2024, 6, 7),
        submitted=D(2024, 5, 30),
        postponement="De vragen (ingezonden 30 mei 2024) zijn beantwoord middels een brief op 7 juni 2024.",
    )
    item = one(notice)
    assert (item.status, item.answered_on, item.days_to_answer) == (QuestionStatus.ANSWERED, D(2024, 6, 7), 8)


def test_the_answer_settles_the_set_whatever_came_before() -> None:
    question = doc("q", DocumentKind.WRITTEN_QUESTIONS, "2024Z1", date=D(2024, 10, 1), submitted=D(2024, 10, 1))
    notice = doc("n", DocumentKind.POSTPONEMENT, "2024Z1", date=D(2024, 10, 20), postponement="Uitstel.")
    answer = doc(
        "a",
        DocumentKind.WRITTEN_ANSWERS,
        "2024Z1",
        date=D(2024, 11, 12),
        submitted=D(2024, 10, 1),
        received=D(2024, 11, 12),
    )
    item = one(question, notice, answer)
    assert (item.status, item.answered_on, item.answered_by) == (
        QuestionStatus.ANSWERED,
        D(2024, 11, 12),
        "Minister Heinen (Financiën)",
    )
    assert (item.due, item.days_to_answer, item.doc_ids) == (None, 42, ("q", "n", "a"))


def test_synced_documents_are_grouped_by_the_sources_zaak_and_soort() -> None:
    question = doc(
        "kv", DocumentKind.PROSE, "2024Z9", date=D(2024, 12, 1), source_soort="Schriftelijke vragen"
    )  # the text's layout was not recognised, the source's Soort still says what it is
    answer = doc(
        "ah",
        DocumentKind.WRITTEN_ANSWERS,
        "2024Z9",
        date=D(2024, 12, 18),
        received=D(2024, 12, 18),
        source_soort="Antwoord schriftelijke vragen (nader)",
    )
    item = one(question, answer)
    assert (item.key, item.status, item.submitted, item.days_to_answer) == (
        "2024Z9",
        QuestionStatus.ANSWERED,
        D(2024, 12, 1),
        17,
    )


def test_other_kinds_of_document_are_no_question_sets() -> None:
    sets = question_sets([doc("lijst", DocumentKind.QA_LIST, None, date=D(2024, 1, 1))], TODAY, 21)
    assert sets == []


def test_filters_order_and_counts() -> None:
    documents = [
        doc("late", DocumentKind.WRITTEN_QUESTIONS, "Z1", date=D(2024, 10, 1), submitted=D(2024, 10, 1)),
        doc(
            "later",
            DocumentKind.WRITTEN_QUESTIONS,
            "Z2",
            date=D(2024, 9, 1),
            submitted=D(2024, 9, 1),
            addressee="de minister van Defensie",
            questioners=("Bakker (VVD)", "Smit (CDA)"),
        ),
        doc("fresh", DocumentKind.WRITTEN_QUESTIONS, "Z3", date=D(2024, 12, 15), submitted=D(2024, 12, 15)),
        doc(
            "done",
            DocumentKind.WRITTEN_ANSWERS,
            "Z4",
            date=D(2024, 12, 1),
            submitted=D(2024, 11, 1),
            received=D(2024, 12, 1),
        ),
    ]
    sets = question_sets(documents, TODAY, 21)
    assert [item.key for item in backlog_order(sets)] == ["Z2", "Z1", "Z3", "Z4"]  # longest overdue first
    counts = count(sets)
    assert counts.by_status == {"open": 1, "postponed": 0, "overdue": 2, "answered": 1}
    assert counts.by_addressee["Minister van Defensie"] == {"open": 0, "postponed": 0, "overdue": 1, "answered": 0}
    assert counts.by_addressee["Minister van Financiën"]["overdue"] == 1
    assert counts.by_party["CDA"] == {"open": 1, "postponed": 0, "overdue": 2, "answered": 1}
    by_vvd = QuestionFilter(party="vvd")
    assert [item.key for item in sets if by_vvd.admits(item)] == ["Z2"]
    in_december = QuestionFilter(submitted_from=D(2024, 12, 1), submitted_to=D(2024, 12, 31))
    assert [item.key for item in sets if in_december.admits(item)] == ["Z3"]
    defensie = QuestionFilter(addressee="DEFENSIE", status=QuestionStatus.OVERDUE)
    assert [item.key for item in sets if defensie.admits(item)] == ["Z2"]


def test_answer_times_per_addressee_with_median_and_spread() -> None:
    answers = [
        doc(
            f"a{n}",
            DocumentKind.WRITTEN_ANSWERS,
            f"Z{n}",
            date=D(2024, 12, 1),
            submitted=D(2024, 12, 1) - datetime.timedelta(days=days),
            received=D(2024, 12, 1),
        )
        for n, days in enumerate((10, 20, 30, 40))
    ]
    old = doc(
        "old", DocumentKind.WRITTEN_ANSWERS, "Z9", date=D(2022, 1, 1), submitted=D(2021, 1, 1), received=D(2022, 1, 1)
    )
    rows = answer_times(question_sets([*answers, old], TODAY, 21), since=D(2024, 1, 1))
    assert len(rows) == 1
    row = rows[0]
    assert (row.addressee, row.answers, row.median, row.minimum, row.maximum) == (
        "Minister van Financiën",
        4,
        25.0,
        10,
        40,
    )
    assert (row.p25, row.p75) == (17.5, 32.5)


def test_addressees_are_spelled_one_way() -> None:
    assert normalise_addressee("de  minister van Buitenlandse Zaken") == "Minister van Buitenlandse Zaken"
    assert normalise_addressee(None) is None


def test_a_notice_that_promises_an_answer_is_a_postponement_not_an_answer() -> None:
    notice = doc(
        "n",
        DocumentKind.POSTPONEMENT,
        "2024Z1",
        date=D(2024, 12, 5),
        postponement="Ik verwacht dat de vragen voor 15 januari 2025 zijn beantwoord.",
    )
    item = one(notice)
    assert (item.status, item.due, item.answered_on) == (QuestionStatus.POSTPONED, D(2025, 1, 15), None)


def test_a_joint_answer_settles_every_set_it_answers() -> None:
    first = doc("q1", DocumentKind.WRITTEN_QUESTIONS, "2024Z1", date=D(2024, 10, 1), submitted=D(2024, 10, 1))
    second = doc("q2", DocumentKind.WRITTEN_QUESTIONS, "2024Z2", date=D(2024, 10, 2), submitted=D(2024, 10, 2))
    joint = doc("a", DocumentKind.WRITTEN_ANSWERS, "2024Z1", date=D(2024, 11, 1), received=D(2024, 11, 1))
    joint = joint.model_copy(
        update={
            "source": SourceRecord(
                tk_id="guid-a", soort="Antwoord schriftelijke vragen", zaak_nummers=("2024Z1", "2024Z2")
            )
        }
    )
    sets = {item.key: item for item in question_sets([first, second, joint], TODAY, 21)}
    assert {key: item.status for key, item in sets.items()} == {
        "2024Z1": QuestionStatus.ANSWERED,
        "2024Z2": QuestionStatus.ANSWERED,
    }
