"""Monitors: saved searches whose Atom feed lists close matches in documents added after saving."""
