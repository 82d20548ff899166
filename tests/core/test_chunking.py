"""What gets embedded: one chunk per field when it fits, token-bounded parts that carry the question."""

from __future__ import annotations

from vraagbaak.store.chunking import ChunkingConfig, VectorField, chunk_unit
from vraagbaak.text.windows import split_by_tokens
from vraagbaak.units import Unit


def words(text: str) -> int:
    return len(text.split())


def _unit(question: str, answer: str, section: str | None = None) -> Unit:
    return Unit(unit_id="d:1", doc_id="d", number=1, question=question, answer=answer, section=section)


def test_short_unit_gives_one_question_and_one_answer_vector() -> None:
    chunks = list(chunk_unit(_unit("Wat kost het?", "Het kost niets."), ChunkingConfig(), words))
    assert [(c.field, c.part) for c in chunks] == [(VectorField.QUESTION, 0), (VectorField.ANSWER, 0)]
    assert chunks[0].text == "Wat kost het?"
    assert chunks[1].text == "Wat kost het?\nHet kost niets."


def test_long_answer_is_split_within_the_window_and_every_part_carries_the_question() -> None:
    config = ChunkingConfig(window_tokens=100, overlap_tokens=10, question_budget_tokens=20, reserved_tokens=8)
    answer = " ".join(f"zin{i} woord woord woord woord." for i in range(120))
    chunks = [c for c in chunk_unit(_unit("Hoe zit het met de lange vraag?", answer), config, words)]
    parts = [c for c in chunks if c.field is VectorField.ANSWER]
    assert len(parts) > 5
    assert [c.part for c in parts] == list(range(len(parts)))
    assert all(c.text.startswith("Hoe zit het met de lange vraag?\n") for c in parts)
    assert all(words(c.text) <= 100 - 8 for c in parts)
    covered = " ".join(c.text.split("\n", 1)[1] for c in parts)
    assert "zin0 " in covered and "zin119 " in covered


def test_long_question_is_cut_to_its_budget_in_answer_parts() -> None:
    config = ChunkingConfig(question_budget_tokens=16)
    question = " ".join(["woord"] * 40) + "?"
    answer_chunk = next(c for c in chunk_unit(_unit(question, "Kort."), config, words) if c.field is VectorField.ANSWER)
    assert words(answer_chunk.text.split("\n")[0]) == 16


def test_prose_passage_carries_its_section_title() -> None:
    chunks = list(chunk_unit(_unit("", "Tekst van de passage.", section="Handelsbeleid"), ChunkingConfig(), words))
    assert [(c.field, c.text) for c in chunks] == [(VectorField.ANSWER, "Handelsbeleid\nTekst van de passage.")]


def test_questions_can_be_left_out() -> None:
    config = ChunkingConfig(embed_questions=False, answer_carries_question=False)
    chunks = list(chunk_unit(_unit("Vraag?", "Antwoord."), config, words))
    assert [(c.field, c.text) for c in chunks] == [(VectorField.ANSWER, "Antwoord.")]


def test_split_by_tokens_keeps_short_text_whole_and_drops_empty() -> None:
    assert split_by_tokens("  een twee  ", 5, 1, words) == ["een twee"]
    assert split_by_tokens("   ", 5, 1, words) == []
