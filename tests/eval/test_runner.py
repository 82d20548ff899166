"""The runner on a tiny FakeEncoder index: in-process and over HTTP, exclusion, baselines, reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.fakes import FakeEncoder, qa_document
from vraagbaak.cli.main import main
from vraagbaak.eval.dataset import parse_questions
from vraagbaak.eval.report import format_markdown, format_table, results_document
from vraagbaak.eval.runner import (
    ALTERNATIVES,
    VARIANTS,
    EvalRunError,
    HttpSearcher,
    InProcessSearcher,
    baseline_fusion,
    resolve_variants,
    run_evaluation,
)
from vraagbaak.retrieval.retriever import Retriever
from vraagbaak.service.app import create_app
from vraagbaak.service.settings import ServiceSettings
from vraagbaak.store.builder import build_index

PAIRS = [
    ("Hoeveel windmolens komen er op zee?", "Er komen 200 windmolens op zee bij."),
    ("Wat kost de warmtepomp subsidie?", "De subsidie voor een warmtepomp is 3000 euro."),
    ("Welke landen bezoekt de handelsmissie?", "De handelsmissie bezoekt India en Indonesië."),
    ("Hoeveel windmolens staan er op land?", "Op land staan 2500 windmolens."),
]
QUESTIONS = [
    {"id": "wind", "lang": "nl", "kind": "paraphrase", "question": "windmolens op zee", "gold": [{"doc": "e", "q": 1}]},
    {
        "id": "pomp",
        "lang": "nl",
        "kind": "paraphrase",
        "question": "warmtepomp subsidie",
        "gold": [{"doc": "e", "q": 2}],
    },
    {
        "id": "missie",
        "lang": "en",
        "kind": "crosslingual",
        "question": "handelsmissie India",
        "gold": [{"doc": "e", "q": None, "snippet": "bezoekt INDIA en Indonesië"}],
    },
    {
        "id": "loo",
        "lang": "nl",
        "kind": "crossref",
        "question": "Hoeveel windmolens komen er op zee?",
        "gold": [{"doc": "e", "q": 4}],
        "exclude": ["e:1"],
    },
]


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    encoder = FakeEncoder()
    index_dir = tmp_path_factory.mktemp("eval-fake-index")
    build_index([qa_document("e", PAIRS)], encoder, index_dir)
    return Retriever.load(index_dir, encoder)


@pytest.fixture(scope="module")
def questions() -> list:
    return parse_questions([json.dumps(q) for q in QUESTIONS])


@pytest.fixture
def http(retriever: Retriever, tmp_path: Path) -> HttpSearcher:
    settings = ServiceSettings(index_dir=tmp_path / "unused", data_dir=tmp_path / "data", batch_wait_ms=0.0)
    client = TestClient(create_app(settings, retriever=retriever))
    client.__enter__()
    yield HttpSearcher("http://testserver", client=client)
    client.__exit__(None, None, None)


def test_in_process_run_finds_the_golds(retriever: Retriever, questions: list) -> None:
    (hybrid,) = run_evaluation(questions, InProcessSearcher(retriever), ["hybrid"], k=3)
    first_hits = {q.id: q.first_hit for q in hybrid.questions}
    assert first_hits == {"wind": 1, "pomp": 1, "missie": 1, "loo": 1}
    assert hybrid.metrics()["recall@1"] == 1.0
    assert hybrid.groups("lang") == {
        "en": {"count": 1, **hybrid.metrics("lang", "en")},
        "nl": {"count": 3, **hybrid.metrics("lang", "nl")},
    }


def test_excluded_units_are_hidden_in_process(retriever: Retriever, questions: list) -> None:
    results = run_evaluation(questions, InProcessSearcher(retriever), ["hybrid", "dense", "lexical"], k=4)
    for result in results:
        loo = next(q for q in result.questions if q.id == "loo")
        assert "e:1" not in loo.ranking
        assert loo.ranking[0] == "e:4"  # the other windmill question, once its own unit is gone


def test_http_and_in_process_give_identical_rankings(retriever: Retriever, questions: list, http: HttpSearcher) -> None:
    local = run_evaluation(questions, InProcessSearcher(retriever), ["hybrid", "dense", "lexical"], k=3)
    remote = run_evaluation(questions, http, ["hybrid", "dense", "lexical"], k=3)
    for a, b in zip(local, remote, strict=True):
        assert [q.ranking for q in a.questions] == [q.ranking for q in b.questions]
        assert a.metrics() == b.metrics()


def test_http_drops_excluded_units_client_side(http: HttpSearcher, questions: list) -> None:
    loo = next(q for q in questions if q.id == "loo")
    ranking, _ = http.search(loo, "hybrid", 3)
    assert len(ranking) == 3
    assert "e:1" not in [unit.unit_id for unit in ranking]


def test_baselines_run_in_process_only(retriever: Retriever, questions: list, http: HttpSearcher) -> None:
    assert resolve_variants("all", InProcessSearcher(retriever)) == [
        "hybrid",
        "dense",
        "lexical",
        "dense-question",
        "dense-answer",
        "hybrid-rrf",
        "hybrid-minmax",
        "hybrid-no-siblings",
        "hybrid-no-focus",
        "hybrid-grouped",
        "hybrid-grouped-plain",
    ]
    assert resolve_variants("all", http) == ["hybrid", "dense", "lexical", "hybrid-grouped"]
    with pytest.raises(EvalRunError, match="runs in-process only"):
        http.search(questions[0], "dense-answer", 3)
    with pytest.raises(EvalRunError, match="runs in-process only"):
        http.search(questions[0], "hybrid-rrf", 3)
    with pytest.raises(EvalRunError, match="not available"):
        resolve_variants("dense-question", http)
    (question_only,) = run_evaluation(questions[:1], InProcessSearcher(retriever), ["dense-question"], k=3)
    assert question_only.questions[0].first_hit == 1


def test_unreachable_service_is_a_clear_error(questions: list) -> None:
    searcher = HttpSearcher("http://127.0.0.1:9", timeout=2)
    with pytest.raises(EvalRunError, match=r"cannot reach http://127\.0\.0\.1:9/v1/search"):
        searcher.search(questions[0], "hybrid", 3)


def test_reports_show_counts_metrics_and_latency(retriever: Retriever, questions: list) -> None:
    results = run_evaluation(questions, InProcessSearcher(retriever), ["hybrid", "lexical"], k=10)
    table = format_table(results)
    assert "recall@10" in table and "mrr@10" in table and "ndcg@10" in table and "p95 ms" in table
    assert "hybrid / crossref" in table and "lexical / en" in table
    markdown = format_markdown(results, {"split": "all"}, plot="plot.png")
    assert "| hybrid | 4 |" in markdown and "![recall@k per variant](plot.png)" in markdown
    document = results_document(results, {"split": "all"})
    assert document["variants"]["hybrid"]["count"] == 4
    assert document["variants"]["hybrid"]["by_kind"]["crossref"]["count"] == 1
    assert set(document["variants"]["hybrid"]["latency_ms"]) == {"p50", "p95"}
    assert document["variants"]["lexical"]["questions"][0]["ranking"][0] == "e:1"


def test_plot_is_written_as_a_png(retriever: Retriever, questions: list, tmp_path: Path) -> None:
    from vraagbaak.eval.report import write_plot

    results = run_evaluation(questions, InProcessSearcher(retriever), ["hybrid", "lexical"], k=5)
    write_plot(results, tmp_path / "recall.png")
    assert (tmp_path / "recall.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_command_reports_bad_question_files_by_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(QUESTIONS[0]) + "\n{oops\n", encoding="utf-8")
    assert main(["eval", "run", "--questions", str(bad), "--index", str(tmp_path / "none")]) == 1
    assert "line 2: not valid JSON" in capsys.readouterr().err


def test_run_command_refuses_unknown_modes() -> None:
    assert main(["eval", "run", "--questions", "x.jsonl", "--mode", "best"]) == 2


def test_cli_mode_choices_are_the_runner_variants() -> None:
    from vraagbaak.cli.commands.eval import MODE_CHOICES

    assert MODE_CHOICES == VARIANTS


def test_alternative_fusions_rank_with_their_own_settings(retriever: Retriever, questions: list) -> None:
    searcher = InProcessSearcher(retriever)
    for variant in ALTERNATIVES:
        ranking, _ = searcher.search(questions[0], variant, 3)
        used = searcher.with_fusion(baseline_fusion(variant, retriever.fusion)).fusion
        assert used.model_dump() == retriever.fusion.model_copy(update=ALTERNATIVES[variant]).model_dump()
        assert ranking[0].unit_id == "e:1"  # a plain paraphrase: every fusion finds it first
    assert searcher.with_fusion(baseline_fusion("hybrid-rrf", retriever.fusion)).fusion.method == "rrf"


def test_grouped_variant_reports_documents_and_agrees_over_http(
    retriever: Retriever, questions: list, http: HttpSearcher
) -> None:
    plain = [q for q in questions if not q.exclude]
    (local,) = run_evaluation(plain, InProcessSearcher(retriever), ["hybrid-grouped"], k=3)
    (remote,) = run_evaluation(plain, http, ["hybrid-grouped"], k=3)
    assert [q.ranking for q in local.questions] == [q.ranking for q in remote.questions]
    # One document holds every unit: it is first for every question, with the gold among its shown units.
    figures = local.document_metrics()
    assert figures == {"doc_recall@1": 1.0, "doc_mrr@3": 1.0, "gold_shown": 1.0, "gold_shown_n": 3.0}
    assert all(q.documents == ["e"] for q in local.questions)
    assert (
        "gold_shown" not in run_evaluation(plain, InProcessSearcher(retriever), ["hybrid"], k=3)[0].document_metrics()
    )
    assert "## By document" in format_markdown([local], {"k": 3})
