"""Running question files against an index (in-process) or a running service (`--url`).

A *variant* is what one ranking is produced by: the three search modes and,
in-process only, two single-signal baselines made by zeroing RRF weights
(`dense-question`: stored questions only; `dense-answer`: answer parts only)
and hybrid searches under other fusions (`ALTERNATIVES`), so `--mode all`
shows every fusion tried side by side.
Leave-one-out: a question's `exclude` ids are hidden inside retrieval
in-process (`Retriever.search_encoded(..., exclude=...)`); the API has no such filter, so over
HTTP k + len(exclude) results are fetched and the excluded ones dropped
client-side. Without `exclude` both paths give identical rankings; with it the
HTTP figures can differ slightly, because an excluded unit still takes a rank
in each signal before fusion.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from vraagbaak.errors import VraagbaakError
from vraagbaak.eval.dataset import EvalQuestion
from vraagbaak.eval.judging import Retrieved, judge, relevant_keys
from vraagbaak.eval.metrics import compute_metrics, document_metrics, first_hit_rank, percentile
from vraagbaak.retrieval.grouping import GROUP_UNITS, DocumentGroup, candidates_for_documents, group_by_document
from vraagbaak.retrieval.query import MAX_K
from vraagbaak.retrieval.request import SearchMode
from vraagbaak.retrieval.retriever import FusionConfig, Retriever
from vraagbaak.units import Unit

if TYPE_CHECKING:
    import httpx
    import numpy as np

logger = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "lexical")
BASELINES = ("dense-question", "dense-answer")
ALTERNATIVES: dict[str, dict[str, object]] = {
    "hybrid-rrf": {"method": "rrf", "focus_weight": 0.0},
    "hybrid-minmax": {"normalisation": "minmax", "sibling_weight": 0.1},
    "hybrid-no-siblings": {"sibling_weight": 0.0},
    "hybrid-no-focus": {"focus_weight": 0.0},
}
"""Hybrid searches under another fusion than the running one (in-process only): the weighted RRF
default before issue 16 (whole-question vector), min-max instead of z-score scaling (its sibling
weight scaled to the narrower range), no sibling bonus, no focus on the asking sentences."""
GROUPED = ("hybrid-grouped", "hybrid-grouped-plain")
"""Hybrid search grouped by document (retrieval/grouping.py), `k` documents each with its best units;
`-plain` without the context of bare answers ("Ja.", "Zie het antwoord op vraag 4"). The unit ranking they
are judged on is the documents' shown units in turn, each document's by relevance."""
VARIANTS = MODES + BASELINES + tuple(ALTERNATIVES) + GROUPED
HTTP_VARIANTS = (*MODES, "hybrid-grouped")


class EvalRunError(VraagbaakError):
    """The evaluation could not run as asked (unknown variant, unreachable service, bad response)."""


class Searcher(Protocol):
    """Returns at most k units for a question under one variant, its `exclude` ids left out."""

    target: str
    variants: tuple[str, ...]

    def search(self, question: EvalQuestion, variant: str, k: int) -> tuple[list[Retrieved], float]:
        """The ranking and the seconds it took."""
        ...


def baseline_fusion(variant: str, base: FusionConfig) -> FusionConfig:
    """The fusion that makes a dense search use one signal only, or an alternative hybrid fusion."""
    if variant == "dense-question":
        return base.model_copy(update={"method": "rrf", "question_weight": 1.0, "answer_weight": 0.0})
    if variant == "dense-answer":
        return base.model_copy(update={"method": "rrf", "question_weight": 0.0, "answer_weight": 1.0})
    if variant in ALTERNATIVES:
        return base.model_copy(update=ALTERNATIVES[variant])
    raise EvalRunError(f"{variant!r} is not a baseline; choose one of {', '.join(BASELINES + tuple(ALTERNATIVES))}")


class InProcessSearcher:
    """Searches a loaded Retriever; query vectors are computed once per question and reused across variants."""

    variants: tuple[str, ...] = VARIANTS

    def __init__(self, retriever: Retriever, target: str = "in-process", group_units: int = GROUP_UNITS) -> None:
        self.retriever = retriever
        self.target = target
        self.group_units = group_units
        self._vectors: dict[tuple[str, float], tuple[np.ndarray, float]] = {}
        self._by_fusion: dict[FusionConfig, Retriever] = {retriever.fusion: retriever}

    def with_fusion(self, fusion: FusionConfig) -> Retriever:
        """A Retriever over the same loaded index with other fusion weights (no re-embedding)."""
        if fusion not in self._by_fusion:
            self._by_fusion[fusion] = Retriever(self.retriever.content, self.retriever.encoder, fusion)
        return self._by_fusion[fusion]

    def _vector(self, text: str, retriever: Retriever) -> tuple[np.ndarray, float]:
        key = (text, retriever.fusion.focus_weight)  # the only fusion setting that changes the query vector
        if key not in self._vectors:
            started = time.perf_counter()
            vector = retriever.encode([text])[0]
            self._vectors[key] = (vector, time.perf_counter() - started)
        return self._vectors[key]

    def search(self, question: EvalQuestion, variant: str, k: int) -> tuple[list[Retrieved], float]:
        return self.search_with(question, variant, k, self.retriever.fusion)

    def search_with(
        self, question: EvalQuestion, variant: str, k: int, fusion: FusionConfig
    ) -> tuple[list[Retrieved], float]:
        """Search under `fusion`; the latency counts encoding (once per question) plus ranking."""
        if variant not in VARIANTS:
            raise EvalRunError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")
        mode = SearchMode.DENSE if variant in BASELINES else SearchMode(variant.split("-")[0])
        plain = variant in MODES or variant in GROUPED
        retriever = self.with_fusion(fusion if plain else baseline_fusion(variant, fusion))
        vector, encode_seconds = (
            (None, 0.0) if mode is SearchMode.LEXICAL else self._vector(question.question, retriever)
        )
        started = time.perf_counter()
        if variant in GROUPED:
            found = candidates_for_documents(retriever, question.question, vector, k, exclude=question.exclude)
            groups = group_by_document(
                retriever,
                found,
                k,
                self.group_units,
                with_context=variant == "hybrid-grouped",
                hidden=question.exclude,
            )
            units = flatten_groups(groups)
        else:
            units = [
                hit.unit
                for hit in retriever.search_encoded(question.question, vector, k, mode, exclude=question.exclude)
            ]
        seconds = encode_seconds + time.perf_counter() - started
        return [_retrieved(unit) for unit in units], seconds


def _retrieved(unit: Unit) -> Retrieved:
    return Retrieved(unit.unit_id, unit.doc_id, unit.number, unit.text, unit.question_numbers)


def flatten_groups(groups: Sequence[DocumentGroup]) -> list[Unit]:
    """The shown units of each document in turn: by relevance, each bare answer followed by its context.

    Context from another document is left out, so that every document's units stay together and the
    document ranking is the order of first appearance (`document_ranking`)."""
    units: list[Unit] = []
    for group in groups:
        doc_id = group.document.doc_id
        matched = sorted((s for s in group.units if s.context_for is None), key=lambda s: s.relevance_rank or 0)
        for shown in matched:
            units.append(shown.unit)
            units += [c.unit for c in group.units if c.context_for == shown.unit.unit_id and c.unit.doc_id == doc_id]
    return units


class HttpSearcher:
    """`POST {url}/v1/search` against a running service; exclusion happens client-side (see module doc)."""

    variants: tuple[str, ...] = HTTP_VARIANTS

    def __init__(self, url: str, client: httpx.Client | None = None, timeout: float = 60.0) -> None:
        import httpx

        self.target = url.rstrip("/")
        self._client = client or httpx.Client(timeout=timeout)

    def search(self, question: EvalQuestion, variant: str, k: int) -> tuple[list[Retrieved], float]:
        import httpx

        if variant not in HTTP_VARIANTS:
            raise EvalRunError(
                f"variant {variant!r} needs other fusion weights than the service's and runs in-process only; "
                f"over --url choose one of {', '.join(HTTP_VARIANTS)}"
            )
        asked = min(k + len(question.exclude), MAX_K)
        if asked < k + len(question.exclude):
            logger.warning(
                "%s: the API returns at most %d results; after exclusion fewer than %d may remain",
                question.id,
                MAX_K,
                k,
            )
        grouped = variant == "hybrid-grouped"
        body = {"question": question.question, "k": asked, "mode": variant.split("-")[0], "filters": {}}
        if grouped:
            body["group"] = "document"
        started = time.perf_counter()
        try:
            response = self._client.post(f"{self.target}/v1/search", json=body)
        except httpx.HTTPError as error:
            raise EvalRunError(f"cannot reach {self.target}/v1/search: {error}") from error
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise EvalRunError(
                f"{self.target}/v1/search answered {response.status_code} for question {question.id}: "
                f"{response.text[:300]}"
            )
        try:
            payload = response.json()
            results = _flatten_response(payload) if grouped else payload["results"]
            ranking = [
                Retrieved.from_parts(
                    r["unit_id"],
                    r["doc_id"],
                    r["number"],
                    r["question"],
                    r["answer"],
                    tuple(r["citation"].get("question_numbers", ())),
                )
                for r in results
            ]
        except (ValueError, KeyError, TypeError) as error:
            raise EvalRunError(f"unexpected response from {self.target}/v1/search: {error!r}") from error
        hidden = set(question.exclude)
        kept = [unit for unit in ranking if unit.unit_id not in hidden]
        return (kept if grouped else kept[:k]), seconds  # grouped: k counts documents, not units

    def close(self) -> None:
        self._client.close()


def _flatten_response(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """A grouped response's units in the order `flatten_groups` gives in-process."""
    flat: list[dict[str, Any]] = []
    for document in payload["documents"]:
        units = document["units"]
        matched = sorted((u for u in units if u["context_for"] is None), key=lambda u: u["relevance_rank"] or 0)
        for unit in matched:
            flat.append(unit)
            flat += [c for c in units if c["context_for"] == unit["unit_id"] and c["doc_id"] == document["doc_id"]]
    return flat


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class QuestionResult:
    id: str
    kind: str
    lang: str
    split: str
    ranking: list[str]
    judged: list[str]
    relevant: set[str]
    first_hit: int | None
    latency_ms: float
    documents: list[str] = field(default_factory=list)
    """Document ids in order of first appearance in `ranking`."""
    gold_documents: set[str] = field(default_factory=set)
    first_shown_hit: bool | None = None
    """Grouped variants, when a gold document is first: whether its shown units hold a gold unit."""


@dataclass
class VariantResult:
    variant: str
    k: int
    questions: list[QuestionResult] = field(default_factory=list)

    def metrics(self, attribute: str | None = None, value: str | None = None) -> dict[str, float]:
        """Over all questions, or over those whose `attribute` (kind, lang) equals `value`."""
        chosen = [q for q in self.questions if attribute is None or getattr(q, attribute) == value]
        ranked = {q.id: q.judged for q in chosen}
        relevant = {q.id: q.relevant for q in chosen}
        return compute_metrics(ranked, relevant, self.k)

    def document_metrics(self, attribute: str | None = None, value: str | None = None) -> dict[str, float]:
        """Document-level recall@1/5 and MRR; for grouped variants also `gold_shown`: of the questions
        whose first document is a gold one, the share whose shown units there include a gold unit."""
        chosen = [q for q in self.questions if attribute is None or getattr(q, attribute) == value]
        figures = document_metrics(
            {q.id: q.documents for q in chosen}, {q.id: q.gold_documents for q in chosen}, self.k
        )
        if self.variant in GROUPED:
            shown = [q.first_shown_hit for q in chosen if q.first_shown_hit is not None]
            figures["gold_shown"] = sum(shown) / len(shown) if shown else 0.0
            figures["gold_shown_n"] = float(len(shown))
        return figures

    def groups(self, attribute: str) -> dict[str, dict[str, Any]]:
        """Metrics per value of `kind` or `lang`, each with its count."""
        counts: dict[str, int] = defaultdict(int)
        for q in self.questions:
            counts[getattr(q, attribute)] += 1
        return {value: {"count": counts[value], **self.metrics(attribute, value)} for value in sorted(counts)}

    def latency(self) -> dict[str, float]:
        values = [q.latency_ms for q in self.questions]
        return {"p50": round(percentile(values, 0.5), 2), "p95": round(percentile(values, 0.95), 2)}

    def summary(self, per_question: bool = True) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "count": len(self.questions),
            "metrics": self.metrics(),
            "documents": self.document_metrics(),
            "by_kind": self.groups("kind"),
            "by_lang": self.groups("lang"),
            "latency_ms": self.latency(),
        }
        if per_question:
            summary["questions"] = [
                {
                    "id": q.id,
                    "kind": q.kind,
                    "lang": q.lang,
                    "split": q.split,
                    "first_hit": q.first_hit,
                    "ranking": q.ranking,
                    "latency_ms": round(q.latency_ms, 2),
                }
                for q in self.questions
            ]
        return summary


def evaluate_variant(
    questions: Iterable[EvalQuestion],
    variant: str,
    k: int,
    search: Callable[[EvalQuestion, str, int], tuple[list[Retrieved], float]],
) -> VariantResult:
    result = VariantResult(variant, k)
    for question in questions:
        ranking, seconds = search(question, variant, k)
        judged = judge(ranking, question.gold)
        relevant = relevant_keys(question.gold)
        documents = list(dict.fromkeys(unit.doc_id for unit in ranking))
        gold_documents = {gold.doc for gold in question.gold}
        first_shown_hit = None
        if variant in GROUPED and documents and documents[0] in gold_documents:
            first = [unit for unit in ranking if unit.doc_id == documents[0]]
            first_shown_hit = bool(relevant & set(judge(first, question.gold)))
        result.questions.append(
            QuestionResult(
                id=question.id,
                kind=question.kind,
                lang=question.lang,
                split=question.assigned_split,
                ranking=[unit.unit_id for unit in ranking],
                judged=judged,
                relevant=relevant,
                first_hit=first_hit_rank(judged, relevant),
                latency_ms=seconds * 1000,
                documents=documents,
                gold_documents=gold_documents,
                first_shown_hit=first_shown_hit,
            )
        )
    return result


def resolve_variants(requested: str, searcher: Searcher) -> list[str]:
    """`all` means every variant the searcher supports; otherwise one name."""
    if requested == "all":
        return list(searcher.variants)
    if requested not in searcher.variants:
        raise EvalRunError(
            f"variant {requested!r} is not available against {searcher.target}; "
            f"choose one of {', '.join(searcher.variants)} or all"
        )
    return [requested]


def run_evaluation(
    questions: Sequence[EvalQuestion], searcher: Searcher, variants: Sequence[str], k: int = 10
) -> list[VariantResult]:
    if not 1 <= k <= MAX_K:
        raise EvalRunError(f"k must be between 1 and {MAX_K}, got {k}")
    results = []
    for variant in variants:
        started = time.perf_counter()
        results.append(evaluate_variant(questions, variant, k, searcher.search))
        logger.info("%s: %d questions in %.1f s", variant, len(questions), time.perf_counter() - started)
    return results
