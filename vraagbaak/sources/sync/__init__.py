"""Sync: the Tweede Kamer open data into the index, with checkpoints, resumable after any crash."""
