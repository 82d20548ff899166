"""Synthetic corpora with the shape of the real one, for the scale section.

Vectors: each is a Dirichlet-weighted sum of `parts` real seed embeddings
(2 to 4, drawn uniformly) plus isotropic Gaussian noise of total norm about
`noise`, renormalised to unit length. It keeps the real vectors' anisotropy
(they all live in the same narrow cone of the e5 space) and their clusters,
which uniform random vectors would not, and exact neighbours stay
ambiguous enough for recall to mean something.

Text: words drawn from the seeds' own word frequencies, with unit lengths
drawn from the seed units' lengths, so BM25 sees a realistic vocabulary,
term-frequency skew and length spread.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence

import numpy as np

_WORD = re.compile(r"\S+")

VECTOR_RECIPE = (
    "each vector = Dirichlet(1)-weighted sum of 2-4 distinct-draw real seed embeddings "
    "+ Gaussian noise N(0, (noise/sqrt(d))^2) per dimension, renormalised to unit length"
)


def synthetic_vectors(
    base: np.ndarray,
    count: int,
    *,
    parts: tuple[int, int] = (2, 4),
    noise: float = 0.25,
    seed: int = 0,
    chunk: int = 65_536,
) -> np.ndarray:
    """`count` unit-norm float32 rows built from the rows of `base` (see the module docstring)."""
    if base.ndim != 2 or len(base) == 0:
        raise ValueError(f"base must be a non-empty 2-D array, got shape {base.shape}")
    low, high = parts
    if not 1 <= low <= high:
        raise ValueError(f"parts must satisfy 1 <= low <= high, got {parts}")
    rng = np.random.default_rng(seed)
    base = np.ascontiguousarray(base, dtype=np.float32)
    dimension = base.shape[1]
    out = np.empty((count, dimension), np.float32)
    for start in range(0, count, chunk):
        size = min(chunk, count - start)
        picks = rng.integers(0, len(base), (size, high))
        weights = rng.dirichlet(np.ones(high), size).astype(np.float32)
        used = rng.integers(low, high + 1, size)
        weights[np.arange(high)[None, :] >= used[:, None]] = 0.0  # keep only the first `used` parts
        weights /= weights.sum(axis=1, keepdims=True)
        block = np.einsum("np,npd->nd", weights, base[picks], dtype=np.float32)
        block += rng.standard_normal((size, dimension), dtype=np.float32) * np.float32(noise / np.sqrt(dimension))
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + size] = block
    return out


def word_distribution(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The words of `texts` (whitespace-split, as written) and their relative frequencies."""
    counts = Counter(word for text in texts for word in _WORD.findall(text))
    if not counts:
        raise ValueError("no words in the texts")
    words = np.array(list(counts), dtype=object)
    frequencies = np.array(list(counts.values()), dtype=np.float64)
    return words, frequencies / frequencies.sum()


def synthetic_texts(texts: Sequence[str], count: int, *, seed: int = 0, chunk: int = 20_000) -> Iterator[str]:
    """`count` texts whose words follow the word frequencies of `texts` and whose lengths follow theirs."""
    words, probabilities = word_distribution(texts)
    lengths = np.array([max(1, len(_WORD.findall(text))) for text in texts])
    rng = np.random.default_rng(seed)
    for start in range(0, count, chunk):
        size = min(chunk, count - start)
        sizes = rng.choice(lengths, size)
        drawn = words[rng.choice(len(words), int(sizes.sum()), p=probabilities)]
        ends = np.cumsum(sizes)
        begin = 0
        for end in ends.tolist():
            yield " ".join(drawn[begin:end])
            begin = end
