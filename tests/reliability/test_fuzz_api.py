"""Property-based fuzzing of the whole HTTP API from its own OpenAPI schema (schemathesis).

Every route, admin ones included (with the key), on a small keyword-encoder
index: no 5xx, every response conforms to the documented schema and status
codes. Bounded by example count and a deadline per case.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fakes import FakeEncoder
from tests.service.conftest import API_KEY, build_fake_index
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.app import create_app
from vraagbaak.service.settings import ServiceSettings

EXAMPLES_PER_ROUTE = 250


def _app(root: Path):  # type: ignore[no-untyped-def]
    index_dir = root / "index"
    build_fake_index(index_dir, FakeEncoder())
    settings_ = ServiceSettings(
        index_dir=index_dir, data_dir=root / "data", model_cache=root / "models", api_key=API_KEY, batch_wait_ms=0.0
    )
    return create_app(settings_, retriever=Retriever.load(index_dir, FakeEncoder()))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    application = _app(tmp_path_factory.mktemp("fuzz"))
    with TestClient(application):  # runs the lifespan once
        yield application


@pytest.fixture(scope="module")
def api_schema(app):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/openapi.json", app)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_api_never_fails_and_always_matches_its_schema(api_schema) -> None:  # type: ignore[no-untyped-def]
    """Schemathesis' pytest plugin does not run under pytest 9, so each operation gets its own hypothesis run."""
    calls: dict[str, int] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        calls[operation.label] = 0

        label = operation.label

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_ROUTE, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
        )
        def fuzz(case: schemathesis.Case) -> None:
            case.headers = {**(case.headers or {}), "X-API-Key": API_KEY}
            calls[label] += 1  # noqa: B023  (fuzz runs inside this iteration)
            case.call_and_validate(checks=CHECKS)

        try:
            fuzz()
        except Exception as error:
            raise AssertionError(f"{operation.label}: {error}") from error
    print("\n" + "\n".join(f"{count:>5}  {label}" for label, count in calls.items()))
    assert len(calls) >= 10
    # Routes with inputs get a few hundred cases; a route without parameters has few distinct requests.
    assert all(count >= 200 for label, count in calls.items() if "{" in label or label.startswith("POST"))
