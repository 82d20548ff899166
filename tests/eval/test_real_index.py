"""The runner on the real seed index with the real model: honest floors, real snippets, HTTP agreement.

Floors are the figures measured on the test split (eval/README.md) minus a margin, so a change that
makes retrieval clearly worse fails here.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from vraagbaak.cli.main import main
from vraagbaak.eval.dataset import load_questions, select_split
from vraagbaak.eval.judging import Retrieved, is_hit
from vraagbaak.eval.runner import VARIANTS, HttpSearcher, InProcessSearcher, run_evaluation
from vraagbaak.retrieval.retriever import Retriever

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PARAPHRASES = REPO / "eval" / "data" / "paraphrases.jsonl"
CROSSREF = REPO / "eval" / "data" / "heldout_crossref.jsonl"


def test_every_gold_resolves_in_the_real_index(retriever: Retriever) -> None:
    """Prose passages are cut by model tokens in the index; every snippet must still lie inside one unit."""
    units = [Retrieved(u.unit_id, u.doc_id, u.number, u.text) for u in retriever.content.units]
    for path in (PARAPHRASES, CROSSREF):
        missing = [f"{q.id}: {g}" for q in load_questions(path) for g in q.gold if not any(is_hit(g, u) for u in units)]
        assert missing == []


# Measured on the paraphrase test split (60 questions). Untuned fusion (1, 1, 1, rrf_k 60): hybrid
# recall@10 0.867, mrr@10 0.746; dense recall@10 0.850; lexical recall@10 0.800. Tuned defaults
# (0.1, 1, 0.25, rrf_k 10): hybrid recall@10 0.983, mrr@10 0.853. Floors sit about 0.07 below.
FLOORS = {
    "hybrid": {"recall@10": 0.91, "mrr@10": 0.78},
    "dense": {"recall@10": 0.78},
    "lexical": {"recall@10": 0.73},
}


def test_test_split_figures_stay_above_the_measured_floor(retriever: Retriever) -> None:
    questions = select_split(load_questions(PARAPHRASES), "test")
    hybrid, dense, lexical = run_evaluation(questions, InProcessSearcher(retriever), ["hybrid", "dense", "lexical"])
    print({r.variant: r.metrics() for r in (hybrid, dense, lexical)})
    assert hybrid.metrics()["recall@10"] >= FLOORS["hybrid"]["recall@10"]
    assert hybrid.metrics()["mrr@10"] >= FLOORS["hybrid"]["mrr@10"]
    assert dense.metrics()["recall@10"] >= FLOORS["dense"]["recall@10"]
    assert lexical.metrics()["recall@10"] >= FLOORS["lexical"]["recall@10"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def service_url(retriever: Retriever, seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app under uvicorn in a thread, sharing the session's retriever (no second model load)."""
    import uvicorn

    from vraagbaak.service.app import create_app
    from vraagbaak.service.settings import ServiceSettings

    root = tmp_path_factory.mktemp("eval-service")
    settings = ServiceSettings(index_dir=seed_index, data_dir=root / "data", model_cache=root / "models")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, retriever=retriever), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.should_exit = True
            raise AssertionError("the service did not become ready within 60 s")
        time.sleep(0.1)
    yield url
    server.should_exit = True
    thread.join(timeout=20)


def test_url_and_in_process_give_identical_results(retriever: Retriever, service_url: str) -> None:
    questions = load_questions(PARAPHRASES)
    modes = ["hybrid", "dense", "lexical"]
    local = run_evaluation(questions, InProcessSearcher(retriever), modes)
    remote = run_evaluation(questions, HttpSearcher(service_url), modes)
    for a, b in zip(local, remote, strict=True):
        assert [q.ranking for q in a.questions] == [q.ranking for q in b.questions], a.variant
        assert a.metrics() == b.metrics()


def test_url_run_hides_excluded_units(service_url: str) -> None:
    (result,) = run_evaluation(load_questions(CROSSREF), HttpSearcher(service_url), ["hybrid"])
    excluded = {q.id: set(q.exclude) for q in load_questions(CROSSREF)}
    assert all(not excluded[q.id] & set(q.ranking) and len(q.ranking) == 10 for q in result.questions)


def test_run_command_all_modes_in_process_writes_every_variant(
    seed_index: Path, model_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VRAAGBAAK_MODEL_CACHE", str(model_cache))
    out = tmp_path / "figures.json"
    report = tmp_path / "report.md"
    code = main(
        [
            "eval",
            "run",
            "--questions",
            str(PARAPHRASES),
            "--mode",
            "all",
            "--split",
            "all",
            "--index",
            str(seed_index),
            "--json",
            str(out),
            "--markdown",
            str(report),
        ]
    )
    assert code == 0
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert set(figures["variants"]) == set(VARIANTS)  # modes, baselines and alternative fusions
    assert figures["variants"]["hybrid"]["count"] == len(load_questions(PARAPHRASES))
    assert "## Per kind" in report.read_text(encoding="utf-8")


def test_run_command_over_url_prints_the_table(service_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "run", "--questions", str(CROSSREF), "--url", service_url, "--split", "dev"]) == 0
    output = capsys.readouterr().out
    assert f"against {service_url}" in output and "hybrid / crossref" in output
