"""Vraagbaak: find earlier government answers to Dutch parliamentary questions.

The core (parsing, model, store, retrieval, and the data model, settings and errors beside them) imports
nothing above it; `service`, `sources` and `eval` build on the core; `cli` dispatches to all of them.
"""
