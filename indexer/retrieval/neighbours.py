"""Prose context: a passage lifted by how well its neighbouring passages match.

A policy note's passages are cut by length and layout, not by subject: the
sentence that answers a question often sits one passage after the one that
introduces the subject ("Een regionale focus blijft daarom gehandhaafd." /
"Sahel, Hoorn van Afrika en MENA ..."), or a page break cut it in two. So a
passage gets a share of the fused score of its best-matching neighbour (the
passage before or after it in the same document), measured above the
candidates' lowest score. Q&A units are left alone: the unit next to one is a
sibling question with an answer of its own, not its context. The share was
chosen on the dev split (docs/retrieval.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from indexer.units import Unit


class PassageNeighbours:
    """For every prose passage, the rows of the passages right before and after it in its document."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self._neighbours: dict[int, tuple[int, ...]] = {}
        previous: tuple[str, int] | None = None  # (doc_id, row) of the last prose passage seen
        for row, unit in enumerate(units):
            if unit.question:
                previous = None  # a Q&A unit between two passages separates them
                continue
            if previous is not None and previous[0] == unit.doc_id:
                before = previous[1]
                self._neighbours[before] = (*self._neighbours.get(before, ()), row)
                self._neighbours[row] = (before,)
            previous = (unit.doc_id, row)

    def neighbours(self, row: int) -> tuple[int, ...]:
        return self._neighbours.get(row, ())

    def lift(self, fused: Mapping[int, float], weight: float) -> dict[int, float]:
        """Each passage's score plus `weight` x its best neighbour's score above the lowest candidate's.

        A neighbour that is no candidate counts as the lowest candidate, i.e. adds nothing.
        """
        if not fused or not weight:
            return dict(fused)
        floor = min(fused.values())
        lifted = dict(fused)
        for row, score in fused.items():
            near = [fused.get(other, floor) - floor for other in self._neighbours.get(row, ())]
            if near:
                lifted[row] = score + weight * max(near)
        return lifted
