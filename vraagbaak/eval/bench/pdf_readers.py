"""The PDF library comparison behind docs/pdf-readers.md (needs the dev extras), rerun with:

    .venv/bin/python -m vraagbaak.eval.bench.pdf_readers --docs ../shared/realdocs/docs

It prints one table: text quality on the development PDFs (word sets against the words at least
three of the five extractions agree on, glued words, lines no two other readers produce,
lines broken after a raised footnote marker, footnote lines, garbage glyphs, question/answer
order), speed in pages per second and peak memory of a child process. What the choice rests on
(our reader breaks no line, has no garbage, keeps the label order, glues no more words than any
other) is a test: tests/core/test_readers_benchmark.py.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

SPEED_ROUNDS = 5
SPEED_ROUND_SECONDS = 1.0
MEMORY_REPEATS = 5
CONSENSUS = 3
OURS = "vraagbaak (pypdfium2 + lines)"


def extract_vraagbaak(raw: bytes) -> list[str]:
    """Our reader (pypdfium2 + rebuilt lines), furniture put back so every reader sees the same page."""
    from vraagbaak.parsing.readers.pdf import read_pdf

    extracted = read_pdf(raw, "benchmark.pdf")
    pages = extracted.text.split("\n\f\n")
    pages[-1] += "\n" + "\n".join(extracted.furniture)
    return pages


def extract_pypdfium2(raw: bytes) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(raw)
    try:
        return [document[i].get_textpage().get_text_range().replace("\r\n", "\n") for i in range(len(document))]
    finally:
        document.close()


def extract_pdfplumber(raw: bytes) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(raw)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def extract_pdfminer(raw: bytes) -> list[str]:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(raw)).rstrip("\f").split("\f")


def extract_pypdf(raw: bytes) -> list[str]:
    import pypdf

    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(raw)).pages]


READERS: dict[str, Callable[[bytes], list[str]]] = {
    OURS: extract_vraagbaak,
    "pypdfium2 get_text_range": extract_pypdfium2,
    "pdfplumber": extract_pdfplumber,
    "pdfminer.six": extract_pdfminer,
    "pypdf": extract_pypdf,
}
_WORD = re.compile(r"[^\W\d_]{2,}")
_HYPHEN_BREAK = re.compile(r"-\n(?=[a-zà-ÿ])")
_FOOTNOTE_LINE = re.compile(r"^\d{1,2} ?(?:https?://|[A-Z«])", re.MULTILINE)
_BROKEN_LINE = re.compile(r"^[.,;:]", re.MULTILINE)
# Unmapped glyphs: "(cid:129)", private-use code points, control characters ("\x81" for a bullet).
_GARBAGE = re.compile(r"[\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_LABEL = re.compile(r"^(Vraag|Antwoord) (\d+)", re.MULTILINE)


def words(text: str) -> set[str]:
    text = _HYPHEN_BREAK.sub("", text.replace("\ufffe", "-\n"))
    return set(_WORD.findall(text.lower()))


def lines(text: str) -> set[str]:
    """Lines as the layout sets them, spaces collapsed: a merged or split line is an odd one out."""
    text = text.replace("\ufffe", "-\n")
    return {" ".join(line.split()) for line in text.split("\n") if line.strip()}


def glued(word: str, vocabulary: set[str]) -> bool:
    return any(word[:i] in vocabulary and word[i:] in vocabulary for i in range(2, len(word) - 1))


def labels_in_order(text: str) -> bool:
    """Every "Vraag k" / "Antwoord k" label comes in document order: k never goes down."""
    numbers = [int(m.group(2)) for m in _LABEL.finditer(text)]
    return numbers == sorted(numbers)


def quality(pdfs: Sequence[Path]) -> dict[str, Counter[str]]:
    """Per reader, the text-quality counts over `pdfs` (see docs/pdf-readers.md for each column)."""
    results: dict[str, Counter[str]] = {name: Counter() for name in READERS}
    for path in pdfs:
        raw = path.read_bytes()
        texts = {name: "\n".join(read(raw)) for name, read in READERS.items()}
        word_sets = {name: words(text) for name, text in texts.items()}
        votes = Counter(word for found in word_sets.values() for word in found)
        consensus = {word for word, count in votes.items() if count >= CONSENSUS}
        line_sets = {name: lines(text) for name, text in texts.items()}
        line_votes = Counter(line for found in line_sets.values() for line in found)
        usual_lines = {line for line, count in line_votes.items() if count >= CONSENSUS}
        for name, text in texts.items():
            found = word_sets[name]
            others = set().union(*(s for n, s in word_sets.items() if n != name))
            row = results[name]
            row["missing"] += len(consensus - found)
            row["extra"] += len(found - consensus)
            row["glued"] += sum(1 for w in found - consensus - others if glued(w, consensus))
            row["odd lines"] += len(line_sets[name] - usual_lines)
            row["broken lines"] += len(_BROKEN_LINE.findall(text))
            row["footnote lines"] += len(_FOOTNOTE_LINE.findall(text))
            row["garbage"] += text.count("(cid:") + sum(1 for c in text if _GARBAGE.match(c))
            row["order ok"] += labels_in_order(text)
    return results


def pages_per_second(read: Callable[[bytes], list[str]], pdfs: Sequence[Path]) -> float:
    """The best of several timed rounds: other work on a shared machine only ever slows a round."""
    raws = [path.read_bytes() for path in pdfs]
    read(raws[0])  # imports and first-call set-up are not speed
    best = 0.0
    for _ in range(SPEED_ROUNDS):
        pages = 0
        started = time.perf_counter()
        while time.perf_counter() - started < SPEED_ROUND_SECONDS:
            for raw in raws:
                pages += len(read(raw))
        best = max(best, pages / (time.perf_counter() - started))
    return best


def memory_mb(name: str, pdfs: Sequence[Path]) -> tuple[float, float]:
    """Peak RSS growth of a fresh child, in MB: (import and first file, after all repeats)."""
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from vraagbaak.eval.bench.pdf_readers import READERS, MEMORY_REPEATS\n"
        "def rss():  # VmHWM: this process's peak since exec (ru_maxrss would count the forking parent)\n"
        "    status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
        "    return int(status.split()[0]) / 1024\n"
        "read = READERS[sys.argv[1]]\n"
        "raws = [Path(p).read_bytes() for p in sys.argv[2:]]\n"
        "start = rss()\n"
        "read(raws[0])\n"
        "first = rss()\n"
        "for _ in range(MEMORY_REPEATS):\n"
        "    for raw in raws:\n"
        "        read(raw)\n"
        "print(json.dumps([first - start, rss() - start]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, name, *map(str, pdfs)], capture_output=True, timeout=600, check=True, text=True
    )
    first, peak = json.loads(out.stdout)
    return first, peak


def compare(pdfs: Sequence[Path]) -> str:
    """The comparison table of docs/pdf-readers.md, as Markdown."""
    page_total = sum(len(extract_pypdfium2(p.read_bytes())) for p in pdfs)
    results = quality(pdfs)
    columns = ["missing", "extra", "glued", "odd lines", "broken lines", "footnote lines", "garbage", "order ok"]
    out = [f"{len(pdfs)} PDFs, {page_total} pages; words agreed by >= {CONSENSUS} of {len(READERS)} readers", ""]
    out.append("| reader | " + " | ".join(columns) + " | pages/s | RSS growth MB (first file / peak) |")
    out.append("|---" * (len(columns) + 3) + "|")
    for name, read in READERS.items():
        speed = pages_per_second(read, pdfs)
        first, peak = memory_mb(name, pdfs)
        cells = [str(results[name][c]) for c in columns[:-1]] + [f"{results[name]['order ok']}/{len(pdfs)}"]
        out.append(f"| {name} | " + " | ".join(cells) + f" | {speed:.0f} | {first:.0f} / {peak:.0f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--docs", type=Path, default=Path("../shared/realdocs/docs"), help="folder of the development PDFs"
    )
    args = parser.parse_args(argv)
    pdfs = sorted(args.docs.glob("*original.pdf"))
    if not pdfs:
        parser.error(f"no *original.pdf in {args.docs}")
    print(compare(pdfs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
