"""Dutch analysis for BM25: case, accents, stopwords, stems."""

from __future__ import annotations

import numpy as np

from vraagbaak.store.lexical import LexicalIndex
from vraagbaak.text.analysis import analyze


def test_analysis_folds_case_and_accents_and_drops_stopwords() -> None:
    assert analyze("De Ëxport van ÉÉN land") == analyze("de export van een land") == ["export", "land"]


def test_analysis_stems_dutch_inflections_to_one_term() -> None:
    assert analyze("verzekeringen") == analyze("verzekering")
    assert analyze("handelspartners") == analyze("handelspartner")


def test_bm25_ranks_the_unit_with_the_rare_term_first_and_respects_the_mask() -> None:
    texts = ["export naar Duitsland", "export naar België", "visserij en kotters", "kotters in de haven"]
    index = LexicalIndex.build(texts)
    scores = index.scores("kotters Duitsland")
    assert int(np.argmax(scores)) in (0, 2, 3) and scores[1] == 0
    mask = np.array([False, True, True, False])
    masked = index.scores("kotters", mask)
    assert masked[3] == 0 and masked[2] > 0


def test_unknown_terms_score_zero_everywhere() -> None:
    index = LexicalIndex.build(["export naar Duitsland"])
    assert index.scores("qwertyuiop").tolist() == [0.0]
