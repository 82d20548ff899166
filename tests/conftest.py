"""Session-wide fixtures: the real bundled model and the seed index, each made once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from vraagbaak.model.encoder import ResolvedModel
from vraagbaak.model.sentence_transformers_encoder import SentenceTransformerEncoder
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.settings import BUNDLED_MODEL
from vraagbaak.units import ParsedDocument

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
REALDOCS = REPO.parent / "shared" / "realdocs" / "docs"
"""The real development documents (public government publications), in ../shared beside the checkout."""
MISSING_REALDOCS = (
    f"the development documents are missing: {REALDOCS} must hold them (../shared/realdocs/docs beside the "
    "checkout); tests that read them fail rather than skip"
)


def require_realdocs() -> Path:
    """The development documents' folder; a test that needs it fails, naming the folder, when it is missing."""
    if not REALDOCS.is_dir():
        pytest.fail(MISSING_REALDOCS, pytrace=False)
    return REALDOCS


@pytest.fixture(scope="session")
def realdocs() -> Path:
    """`require_realdocs()` as a fixture: `pytest.mark.usefixtures("realdocs")` marks a test that reads them."""
    return require_realdocs()


needs_realdocs = pytest.mark.usefixtures("realdocs")
"""Marks a test that reads the development documents: it fails when they are missing."""


def realdocs_files(pattern: str) -> list[Path]:
    """The development documents matching `pattern`, for parametrizing. Without the folder (or a match) one
    placeholder stands in, so that the test is still collected and fails on it instead of vanishing."""
    found = sorted(REALDOCS.glob(pattern)) if REALDOCS.is_dir() else []
    return found or [REALDOCS / pattern]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--soak-seconds", type=float, default=60.0, help="length of the soak test (default 60)")


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from vraagbaak.model.bundled.materialize import materialize_bundled_model

    return materialize_bundled_model(tmp_path_factory.mktemp("model-cache")).path


@pytest.fixture(scope="session")
def encoder(model_dir: Path) -> SentenceTransformerEncoder:
    """The real default encoder. Session-scoped and never mutated."""
    from vraagbaak.model.bundled.materialize import bundled_source_path, file_sha256

    resolved = ResolvedModel(BUNDLED_MODEL, str(model_dir), file_sha256(bundled_source_path()))
    return SentenceTransformerEncoder(resolved)


@pytest.fixture(scope="session")
def model_cache(model_dir: Path) -> Path:
    """The cache folder holding the materialised model: pass as VRAAGBAAK_MODEL_CACHE to subprocesses."""
    return model_dir.parent


@pytest.fixture(scope="session")
def seed_documents(encoder: SentenceTransformerEncoder) -> list[ParsedDocument]:
    from vraagbaak.parsing import parse_paths

    parsed, failures = parse_paths([SEEDS], length_function=encoder.count_tokens)
    assert failures == []
    return parsed


@pytest.fixture(scope="session")
def seed_index(
    tmp_path_factory: pytest.TempPathFactory, encoder: SentenceTransformerEncoder, seed_documents: list[ParsedDocument]
) -> Path:
    """The seed corpus indexed with the real model, built once (about a minute). Never mutate it: copy it."""
    from vraagbaak.store.builder import build_index

    index_dir = tmp_path_factory.mktemp("seed-index")
    build_index(seed_documents, encoder, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def retriever(seed_index: Path, encoder: SentenceTransformerEncoder) -> Retriever:
    from vraagbaak.retrieval.retriever import Retriever

    return Retriever.load(seed_index, encoder)
