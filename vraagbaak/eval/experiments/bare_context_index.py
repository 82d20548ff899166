"""Issue 31's index-time option: a bare answer's passage carries its neighbour's text. It lost on dev.

A unit whose answer is a bare "Ja."/"Nee." or a pointer ("Zie het antwoord op vraag 4") is shown, in a
grouped search, with the unit it leads into or points to (vraagbaak/retrieval/bare_answers.py). The other
way to read them together is at build time: append the companion's question and answer to the bare
unit's answer, so that its vectors and its BM25 text are about the pair. This builds such an index from
the same documents (the stored answer changes too, which is fine for measuring: Q&A golds are judged by
question number):

    python -m vraagbaak.eval.experiments.bare_context_index seeds ../shared/realdocs/docs --out /tmp/grown-bare
    vraagbaak eval run --questions ... --index /tmp/grown-bare --split dev --mode all

Measured in docs/retrieval.md ("Grouped by document"): no better on dev (MRR@10 0.853 -> 0.852, document
recall@1 0.969 -> 0.962) and worse on test (recall@1 0.744 -> 0.729), so it is not shipped; the page and
the API show the companion beside the bare answer instead.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from vraagbaak.retrieval.bare_answers import MAX_SHORT_CHARS, is_bare, is_pointer, named_numbers
from vraagbaak.units import ParsedDocument, Unit, qa_unit_id

logger = logging.getLogger(__name__)


def _companions(unit: Unit, units: list[Unit], position: int, by_id: dict[str, Unit]) -> list[Unit]:
    """As `bare_answers.companions`, over one parsed document (no Retriever yet)."""
    if not unit.answered or not unit.question or len(unit.answer) > MAX_SHORT_CHARS:
        return []
    if is_pointer(unit.answer):
        ids = list(unit.refs) or [qa_unit_id(unit.doc_id, int(n)) for n in named_numbers(unit.answer)]
        return [by_id[i] for i in ids if i in by_id and i != unit.unit_id and by_id[i].answered][:3]
    if is_bare(unit.answer) and position + 1 < len(units) and units[position + 1].answered:
        return [units[position + 1]]
    return []


def carry_context(document: ParsedDocument) -> tuple[ParsedDocument, int]:
    """The document with each bare answer followed by its companions' question and answer; how many changed."""
    units = list(document.units)
    by_id = {unit.unit_id: unit for unit in units}
    changed = 0
    out = []
    for position, unit in enumerate(units):
        found = _companions(unit, units, position, by_id)
        if found:
            extra = "\n\n".join(f"{c.question}\n{c.answer}" for c in found)
            unit = unit.model_copy(update={"answer": f"{unit.answer}\n\n{extra}"})
            changed += 1
        out.append(unit)
    return document.model_copy(update={"units": tuple(out)}), changed


def main(argv: list[str] | None = None) -> int:
    from vraagbaak.model.sentence_transformers_encoder import load_encoder
    from vraagbaak.parsing import parse_paths
    from vraagbaak.settings import Settings
    from vraagbaak.store.builder import build_index

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    settings = Settings()
    encoder = load_encoder(settings.model, settings.model_cache, batch_size=settings.encode_batch_size)
    parsed, _ = parse_paths(args.paths, length_function=encoder.count_tokens)
    carried = [carry_context(document) for document in parsed]
    logger.info("bare answers carrying their companion: %d", sum(n for _, n in carried))
    build_index([document for document, _ in carried], encoder, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
