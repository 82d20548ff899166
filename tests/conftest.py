"""Session-wide fixtures: the real bundled model, materialised once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.embedding import ResolvedModel, SentenceTransformerEncoder
from indexer.settings import BUNDLED_MODEL

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from indexer.bundled_model.materialize import materialize_bundled_model

    return materialize_bundled_model(tmp_path_factory.mktemp("model-cache")).path


@pytest.fixture(scope="session")
def encoder(model_dir: Path) -> SentenceTransformerEncoder:
    """The real default encoder. Session-scoped and never mutated."""
    from indexer.bundled_model.materialize import bundled_source_path, file_sha256

    resolved = ResolvedModel(BUNDLED_MODEL, str(model_dir), file_sha256(bundled_source_path()))
    return SentenceTransformerEncoder(resolved)
