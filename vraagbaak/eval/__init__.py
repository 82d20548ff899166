"""Evaluation of retrieval quality on held-out questions, and benchmarks."""
