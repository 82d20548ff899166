"""The hit rule: number for Q&A golds, normalised snippet for prose golds; each gold credited once."""

from __future__ import annotations

from vraagbaak.eval.dataset import Gold
from vraagbaak.eval.judging import Retrieved, gold_key, is_hit, judge, normalise, relevant_keys


def _unit(unit_id: str, doc: str, number: int | None, text: str = "") -> Retrieved:
    return Retrieved(unit_id, doc, number, text)


def test_normalise_folds_case_width_and_punctuation() -> None:
    assert normalise("Het Britse  Target-Operating Model!") == "het britse target operating model"
    assert normalise("ﬁnanciering (€ 300 miljoen)") == "financiering 300 miljoen"  # NFKC unfolds the ligature
    assert normalise("STRAẞE") == "strasse"  # casefold, not lower
    assert normalise("2,5 miljoen") == "2 5 miljoen"


def test_numbered_gold_needs_same_document_and_number() -> None:
    gold = Gold(doc="002", q=15)
    assert is_hit(gold, _unit("002:15", "002", 15))
    assert not is_hit(gold, _unit("002:16", "002", 16))
    assert not is_hit(gold, _unit("001:15", "001", 15))


def test_numbered_gold_ignores_its_snippet() -> None:
    assert is_hit(Gold(doc="002", q=15, snippet="staat er niet in"), _unit("002:15", "002", 15, "iets anders"))


def test_snippet_gold_matches_after_normalisation() -> None:
    gold = Gold(doc="000", q=None, snippet="douaneregels (het Britse Target Operating Model)")
    text = "Er is geïnvesteerd in informatie over\nDOUANEREGELS – het Britse ‘Target-Operating-Model’ – en meer."
    assert is_hit(gold, _unit("000:p2", "000", None, text))
    assert not is_hit(gold, _unit("003:p2", "003", None, text))  # right text, wrong document
    assert not is_hit(gold, _unit("000:p3", "000", None, "douaneregels van Frankrijk"))


def test_snippet_may_span_question_and_answer() -> None:
    gold = Gold(doc="d", q=None, snippet="waarom niet? Omdat")
    assert is_hit(gold, Retrieved.from_parts("d:p1", "d", None, "En waarom niet?", "Omdat het niet kan."))


def test_each_gold_is_credited_once() -> None:
    golds = [Gold(doc="003", q=None, snippet="300 miljoen euro"), Gold(doc="002", q=7)]
    ranking = [
        _unit("003:p8", "003", None, "verhoogt het budget met 300 miljoen euro"),
        _unit("003:p108", "003", None, "verhoogd met 300 miljoen euro per jaar"),  # same gold again: not relevant
        _unit("002:7", "002", 7),
    ]
    assert judge(ranking, golds) == [gold_key(0), "003:p108", gold_key(1)]
    assert relevant_keys(golds) == {gold_key(0), gold_key(1)}


def test_a_shared_answer_hits_the_gold_of_each_question_it_answers() -> None:
    shared = Retrieved("d:4", "d", 4, "Vraag 4 en 5\nantwoord", (4, 5))
    assert is_hit(Gold(doc="d", q=5), shared)
    assert is_hit(Gold(doc="d", q=4), shared)
    assert not is_hit(Gold(doc="d", q=6), shared)
