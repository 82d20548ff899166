"""Parse speed: seconds per MB of `parse_text` as documents grow, on real-looking and hostile text.

Real-looking documents are cut from the seed corpus (and, when given, a
folder of more real documents): a list of questions, a written consultation,
prose, and answers to written questions ("Vraag 1" / "Antwoord 1"), each
repeated and shuffled block by block up to the size asked for, with the
question numbers renumbered so the numbering keeps going. The hostile shapes
are what an upload can be instead: PDF object syntax read as text, one very
long line, many short lines, many numbered or footnote-like lines, many
"Vraag N" / "Antwoord N" labels, many brackets.

Parsing must cost time in proportion to the input: the target is that
seconds per MB at the largest real-looking size stay within 2× of those at
the smallest.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

from vraagbaak.eval.bench.stats import Target

logger = logging.getLogger(__name__)

MB = 1_000_000
REAL_SHAPES = ("qa_list", "consultation", "prose", "answers")
HOSTILE_SHAPES = (
    "pdf_objects",
    "long_line",
    "short_lines",
    "numbered_lines",
    "footnote_lines",
    "vraag_antwoord",
    "brackets",
    "markers_in_line",
    "run_on_note",
    "page_footers",
    "space_runs",
    "digit_run",
)
FULL_SIZES = (100_000, MB, 10 * MB)
FULL_HOSTILE_SIZES = (MB, 3 * MB)
QUICK_SIZES = (100_000, MB)
QUICK_HOSTILE_SIZES = (MB,)
GROWTH_LIMIT = 2.0

_QA_START = re.compile(r"^\s*(\d{1,3})\s+(?=[A-ZÀ-Ý‘'\"“(])")
_PARTY = re.compile(r"^\s*(?:Inbreng|Vragen en opmerkingen)\b.*\bfractie\s*:?\s*$")
_SECTION_END = re.compile(r"^\s*[IVX]+\.\s+\S")
_QA_TITLE = re.compile(r"Lijst van vragen en antwoorden", re.IGNORECASE)
_QUESTIONS = re.compile(r"\b(?:Vraag|Vragen|Antwoord)\b")
_LABEL = re.compile(r"^(\s*(?:\*\*)?\s*(?:Vraag|Antwoord)\s+)(\d{1,3})\b", re.MULTILINE)
_WORDS = (
    "de",
    "minister",
    "heeft",
    "het",
    "kabinet",
    "vraag",
    "antwoord",
    "kamer",
    "beleid",
    "handel",
    "ontwikkeling",
    "samenwerking",
    "Nederland",
    "Europese",
    "Unie",
    "over",
    "van",
    "voor",
    "met",
    "een",
    "het",
    "in",
    "op",
    "te",
    "zijn",
    "wordt",
    "werden",
    "brief",
    "motie",
)


def _texts(folder: Path | None) -> list[str]:
    if folder is None or not folder.is_dir():
        return []
    return [path.read_text(encoding="utf-8", errors="replace") for path in sorted(folder.glob("*.txt"))]


class Corpus:
    """The real text the generators cut from: seed documents and, optionally, more real documents."""

    def __init__(self, seeds_dir: Path, realdocs_dir: Path | None = None) -> None:
        self.seeds = _texts(seeds_dir)
        self.real = _texts(realdocs_dir)
        if not self.seeds:
            raise ValueError(f"no seed documents (*.txt) in {seeds_dir}")

    @property
    def all(self) -> list[str]:
        return self.seeds + self.real


def _fill(
    head: str,
    blocks: Sequence[str],
    size: int,
    rng: random.Random | None,
    render: Callable[[str], str],
    tail: str = "",
) -> str:
    """`head`, rounds of `blocks` (shuffled when `rng` is given, each passed through `render`), then `tail`:
    `size` characters."""
    parts = [head]
    total = len(head) + len(tail)
    while total < size:
        order = list(blocks)
        if rng is not None:
            rng.shuffle(order)
        for block in order:
            text = render(block)
            parts.append(text)
            total += len(text)
            if total >= size:
                break
    return ("".join(parts) + tail)[:size] if tail else "".join(parts)[:size]


def _qa_blocks(text: str) -> tuple[str, list[str]]:
    """(head, question blocks) of a numbered list of questions, found by its sequential numbering."""
    lines = text.splitlines(keepends=True)
    starts: list[int] = []
    expected = 1
    for pos, line in enumerate(lines):
        m = _QA_START.match(line)
        # the next number (or one a little past it: a question the extraction garbled), asking within 8 lines
        if m and expected <= int(m.group(1)) <= expected + 3 and "?" in "".join(lines[pos : pos + 8]):
            starts.append(pos)
            expected = int(m.group(1)) + 1
    if not starts:
        return text, []
    bounds = [*starts, len(lines)]
    blocks = ["".join(lines[a:b]) for a, b in pairwise(bounds)]
    return "".join(lines[: starts[0]]), blocks


def qa_list(corpus: Corpus, size: int, rng: random.Random) -> str:
    """A "Lijst van vragen en antwoorden": its question blocks repeated, numbered on from 1."""
    found = [_qa_blocks(text) for text in corpus.all if _QA_TITLE.search(text[:2000])]
    found = [(head, blocks) for head, blocks in found if len(blocks) >= 3]
    if not found:
        raise ValueError("no list of numbered questions in the corpus")
    head = found[0][0]
    blocks = [block for _, bs in found for block in bs]
    counter = iter(range(1, 10**9))
    # In their own order: footnote markers and notes stay in sequence within a round, as in one list.

    def render(block: str) -> str:
        block = _QA_START.sub(lambda _m: f"{next(counter)} ", block, count=1)
        return block if block.endswith("\n") else block.rstrip(" ") + "\n"  # a document's last line

    return _fill(head, blocks, size, None, render)


def consultation(corpus: Corpus, size: int, rng: random.Random) -> str:
    """A written consultation: party sections (with their answers) shuffled between the document's head
    and its closing sections ("II. Reactie ...")."""
    for text in corpus.all:
        lines = text.splitlines(keepends=True)
        starts = [pos for pos, line in enumerate(lines) if _PARTY.match(line)]
        if len(starts) >= 2 and "Antwoord van" in text:
            end = next((pos for pos in range(starts[-1], len(lines)) if _SECTION_END.match(lines[pos])), len(lines))
            bounds = [*starts, end]
            blocks = ["".join(lines[a:b]) for a, b in pairwise(bounds)]
            head, tail = "".join(lines[: starts[0]]), "".join(lines[end:])
            return _fill(head, blocks, size, rng, lambda b: b, tail)
    raise ValueError("no written consultation in the corpus")


def prose(corpus: Corpus, size: int, rng: random.Random) -> str:
    """Prose: paragraphs of the documents that ask and answer nothing, shuffled."""
    texts = [text for text in corpus.all if not _QUESTIONS.search(text) and not _qa_blocks(text)[1]] or corpus.all
    paragraphs = [p + "\n\n" for text in texts for p in re.split(r"\n\s*\n", text) if p.strip()]
    return _fill("", paragraphs, size, rng, lambda b: b)


def answers(corpus: Corpus, size: int, rng: random.Random) -> str:
    """Answers to written questions: whole documents with "Vraag N" / "Antwoord N" labels numbered on."""
    docs = [text for text in corpus.all if len(_LABEL.findall(text)) >= 2] or corpus.all
    offset = 0

    def render(doc: str) -> str:
        nonlocal offset
        base = offset
        numbers = [int(m.group(2)) for m in _LABEL.finditer(doc)]
        offset += max(numbers, default=0)
        return _LABEL.sub(lambda m: f"{m.group(1)}{base + int(m.group(2))}", doc) + "\n"

    return _fill("", docs, size, rng, render)


def pdf_objects(size: int, rng: random.Random) -> str:
    """PDF object syntax read as text: dictionaries, references and content streams of numbers."""
    parts = ["%PDF-1.4\n"]
    total, n = len(parts[0]), 1
    while total < size:
        ops = "\n".join(
            f"{rng.uniform(0, 600):.3f} {rng.uniform(0, 800):.3f} Td ({rng.choice(_WORDS)}) Tj" for _ in range(40)
        )
        obj = (
            f"{n} 0 obj\n<<\n/Type /Page\n/Parent 1 0 R\n/Contents {n + 1} 0 R\n"
            f"/MediaBox [ 0 0 595 842 ]\n/Resources << /Font << /F1 {n + 2} 0 R >> >>\n>>\nendobj\n"
            f"{n + 1} 0 obj\n<< /Length {len(ops)} >>\nstream\nBT /F1 12 Tf\n{ops}\nET\nendstream\nendobj\n"
        )
        parts.append(obj)
        total += len(obj)
        n += 3
    return "".join(parts)[:size]


def long_line(corpus: Corpus, size: int, rng: random.Random) -> str:
    """One line: the corpus with every line break turned into a space."""
    return prose(corpus, size, rng).replace("\n", " ")


def short_lines(size: int, rng: random.Random) -> str:
    pieces = ("a", "1", "(", ")", "?", "-", "de", "Ja", "2.", "[x]", "nr", "•", "")
    return "\n".join(rng.choice(pieces) for _ in range(size // 2))[:size]


def numbered_lines(size: int, rng: random.Random) -> str:
    """ "12 Wat ...?" lines: runs in sequence, restarts and stray numbers."""
    lines, total, n = [], 0, 1
    while total < size:
        number = n if rng.random() < 0.8 else rng.randint(1, 999)
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 12)))
        line = f"{number} Wat {words}" + ("?" if rng.random() < 0.7 else "")
        lines.append(line)
        total += len(line) + 1
        n = n % 999 + 1
    return "\n".join(lines)[:size]


def footnote_lines(size: int, rng: random.Random) -> str:
    """Text citing footnotes ("handel.7") and footnote lines ("7 https://…"), in and out of sequence."""
    lines, total, n = [], 0, 1
    while total < size:
        words = " ".join(rng.choice(_WORDS) for _ in range(10))
        if rng.random() < 0.5:
            line = f"{words} handel.{n} en {rng.choice(_WORDS)}{n + 1} in 2022{n} {words}."
        else:
            number = n if rng.random() < 0.7 else rng.randint(1, 999)
            line = f"{number} https://www.rijksoverheid.nl/documenten/{rng.randint(1, 99999)}/{words.replace(' ', '-')}"
            n = n % 999 + 1
        if rng.random() < 0.2:
            line += "\n"
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines)[:size]


def vraag_antwoord(size: int, rng: random.Random) -> str:
    lines, total, n = [], 0, 1
    while total < size:
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 20)))
        block = f"Vraag {n}\n{words.capitalize()}?\nAntwoord {n}\n{words.capitalize()}.\n"
        if rng.random() < 0.1:
            block = f"Vraag {rng.randint(1, 999)}\nAntwoord\n"
        lines.append(block)
        total += len(block)
        n += 1
    return "".join(lines)[:size]


def brackets(size: int, rng: random.Random) -> str:
    """Brackets and parentheses: navigation-like runs, deep nesting, unclosed openers."""
    pieces = (
        "[overzicht] [activiteiten] [besluiten] ",
        "(((((((((( ",
        "[[[[[[[[[[ ",
        "]]]]]] )))))) ",
        "[" + "a" * 39 + "] ",
        "(zie vraag 3) ",
        "«[1]» ",
        "[n ] ",
    )
    parts, total = [], 0
    while total < size:
        piece = rng.choice(pieces) + ("\n" if rng.random() < 0.05 else "")
        parts.append(piece)
        total += len(piece)
    return "".join(parts)[:size]


def markers_in_line(size: int, rng: random.Random) -> str:
    """One line of words with footnote markers glued on, in sequence with gaps ("woord1 woord3 …")."""
    parts, total, n = [], 0, 1
    while total < size:
        part = f"{rng.choice(_WORDS)}{n}{rng.choice(('', '.', ',', ' nr. 4 De'))} "
        parts.append(part)
        total += len(part)
        n += rng.choice((1, 1, 2))
    return "".join(parts)[:size]


def run_on_note(size: int, rng: random.Random) -> str:
    """A cited footnote whose text runs on, unterminated, for the rest of the document."""
    head = "Dit is de tekst van het beleid.1\n\n1 https://www.rijksoverheid.nl/documenten\n"
    lines, total = [head], len(head)
    while total < size:
        line = " ".join(rng.choice(_WORDS) for _ in range(8)).lower() + "\n"
        lines.append(line)
        total += len(line)
    return "".join(lines)[:size]


def page_footers(size: int, rng: random.Random) -> str:
    """Every other line ends in a page footer "k/N" with one shared N."""
    lines, total = [], 0
    while total < size:
        line = f"{' '.join(rng.choice(_WORDS) for _ in range(6))} {rng.randint(1, 3)}/3\nGewone regel tekst\n"
        lines.append(line)
        total += len(line)
    return "".join(lines)[:size]


def space_runs(size: int, rng: random.Random) -> str:
    """Long runs of spaces after "?", a number, "1." and "↩" (regexes that backtrack through them)."""
    pieces = ("12 Wat is dit?", "1. noot", "Tabel 12", "3/4", "zie↩", "1 Foo")
    parts, total = [], 0
    while total < size:
        part = rng.choice(pieces) + " " * rng.randint(1_000, 50_000) + "x\n"
        parts.append(part)
        total += len(part)
    return "".join(parts)[:size]


def digit_run(size: int, rng: random.Random) -> str:
    """Digits without a break (a hex dump, a stream of numbers glued together)."""
    return "".join(rng.choice("0123456789") for _ in range(size))


def generate(shape: str, size: int, corpus: Corpus, seed: int = 0) -> str:
    """`size` characters of text of one shape (see REAL_SHAPES and HOSTILE_SHAPES), reproducible by `seed`."""
    rng = random.Random(f"{shape}:{seed}")
    with_corpus: dict[str, Callable[[Corpus, int, random.Random], str]] = {
        "qa_list": qa_list,
        "consultation": consultation,
        "prose": prose,
        "answers": answers,
        "long_line": long_line,
    }
    without: dict[str, Callable[[int, random.Random], str]] = {
        "pdf_objects": pdf_objects,
        "short_lines": short_lines,
        "numbered_lines": numbered_lines,
        "footnote_lines": footnote_lines,
        "vraag_antwoord": vraag_antwoord,
        "brackets": brackets,
        "markers_in_line": markers_in_line,
        "run_on_note": run_on_note,
        "page_footers": page_footers,
        "space_runs": space_runs,
        "digit_run": digit_run,
    }
    if shape in with_corpus:
        return with_corpus[shape](corpus, size, rng)
    if shape in without:
        return without[shape](size, rng)
    raise ValueError(f"unknown shape {shape!r}; choose from {', '.join(REAL_SHAPES + HOSTILE_SHAPES)}")


def time_parse(text: str, repeats: int) -> dict[str, Any]:
    """Best of `repeats` runs of `parse_text` on `text`, with the units and warnings it gave."""
    from vraagbaak.parsing import parse_text

    best = float("inf")
    parsed = None
    for _ in range(repeats):
        began = time.perf_counter()
        parsed = parse_text(text, "bench")
        best = min(best, time.perf_counter() - began)
    assert parsed is not None
    mb = len(text.encode("utf-8")) / MB
    return {
        "mb": round(mb, 3),
        "seconds": round(best, 4),
        "s_per_mb": round(best / mb, 4),
        "kind": parsed.document.kind.value,
        "units": len(parsed.units),
        "warnings": len(parsed.document.warnings),
    }


def _repeats(size: int) -> int:
    return 3 if size < 3 * MB else 2


def measure_parse_speed(
    seeds_dir: Path,
    realdocs_dir: Path | None = None,
    *,
    quick: bool = False,
    sizes: Iterable[int] | None = None,
    hostile_sizes: Iterable[int] | None = None,
    shapes: Iterable[str] = REAL_SHAPES,
    hostile: Iterable[str] = HOSTILE_SHAPES,
    repeats: int | None = None,
) -> dict[str, Any]:
    """The `parse` section of the bench: per shape and size, best-of timings and the growth ratio.

    Sizes are in characters (the text is nearly all ASCII, so about bytes); `quick` stops at 1 MB.
    """
    corpus = Corpus(seeds_dir, realdocs_dir)
    sizes = sorted(sizes or (QUICK_SIZES if quick else FULL_SIZES))
    hostile_sizes = sorted(hostile_sizes or (QUICK_HOSTILE_SIZES if quick else FULL_HOSTILE_SIZES))
    section: dict[str, Any] = {
        "sizes": sizes,
        "hostile_sizes": hostile_sizes,
        "sources": f"{len(corpus.seeds)} seed documents" + (f", {len(corpus.real)} more" if corpus.real else ""),
        "real": [],
        "hostile": [],
    }
    for shape in shapes:
        runs = []
        for size in sizes:
            logger.info("parse section: %s at %d bytes", shape, size)
            text = generate(shape, size, corpus)
            runs.append({"size": size, **time_parse(text, repeats or (2 if quick else _repeats(size)))})
        growth = runs[-1]["s_per_mb"] / runs[0]["s_per_mb"] if runs[0]["s_per_mb"] else None
        section["real"].append({"shape": shape, "runs": runs, "growth": round(growth, 2) if growth else None})
    for shape in hostile:
        runs = []
        for size in hostile_sizes:
            logger.info("parse section: %s at %d bytes", shape, size)
            text = generate(shape, size, corpus)
            runs.append({"size": size, **time_parse(text, repeats or (1 if quick else _repeats(size)))})
        section["hostile"].append({"shape": shape, "runs": runs})
    return section


def parse_target(results: dict[str, Any]) -> Target | None:
    """The growth target over the real-looking shapes (the worst of them); None without a parse section."""
    section = results.get("parse")
    if not section:
        return None
    sizes = section.get("sizes", [])
    rule = f"s/MB at the largest size ≤ {GROWTH_LIMIT:g} × s/MB at the smallest (real-looking text)"
    growth = [(entry["growth"], entry["shape"]) for entry in section.get("real", []) if entry.get("growth")]
    if len(sizes) < 2 or not growth:
        return Target("parse speed growth", rule, "-", None)
    worst, shape = max(growth)
    measured = f"{worst:.2f}× ({shape}, {sizes[-1] / MB:g} MB vs {sizes[0] / MB:g} MB)"
    return Target("parse speed growth", rule, measured, worst <= GROWTH_LIMIT)


def rows(section: dict[str, Any]) -> list[list[str]]:
    """Table rows: shape, size, seconds, s/MB, kind/units, growth."""
    out = []
    for group in ("real", "hostile"):
        for entry in section.get(group, []):
            for run in entry["runs"]:
                last = run is entry["runs"][-1]
                growth = f"{entry['growth']:.2f}×" if last and entry.get("growth") is not None else ""
                out.append([
                    entry["shape"], f"{run['size'] / MB:g} MB", f"{run['seconds']:.3f}", f"{run['s_per_mb']:.3f}",
                    f"{run['kind']}, {run['units']} units", growth,
                ])  # fmt: skip
    return out
