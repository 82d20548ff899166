"""Building and updating an index: parsed documents in, a new generation on disk.

`build_index` (build.py) starts from nothing. `add_documents` and
`remove_documents` (update.py) start from the current generation and do work in
proportion to the change, where the libraries allow it:

- only new units are embedded, and only their text is analysed for BM25;
- an exact index's vectors are rows of a plain matrix (`vector_rows`): the next
  generation's file is the kept rows copied from the previous one in blocks,
  then the new ones, so an update from disk loads no vectors at all; an
  approximate index (IVF, HNSW) is changed in place in FAISS, and IVF keeps its
  centroids until it drifts past its retraining limits
  (`vector_index.update_vector_index`, recorded in the manifest);
- units and their term counts live in parts of whole documents
  (`manifest.PartInfo`, parts.py). A part the change does not touch is
  hard-linked into the new generation with its recorded checksum; a part that
  loses a document is rewritten from its verified bytes (no text is parsed or
  analysed); the new documents make a new part; small parts at the tail are
  merged like the digits of a binary counter, so an index holds few parts and a
  unit is rewritten a logarithmic number of times over its life;
- the vector map is filtered and appended, vector ids keep counting up from
  the manifest's `next_vector_id` and are never reused.

Proportional to the whole index still: the vectors file, the small vector map
and the document list are written (the vectors copied, not loaded) and hashed
whole on every change, and an approximate index is serialised whole by FAISS;
every BM25 score depends on the number of units and their mean length, so the
score array is recomputed from the term counts in memory when an index is
loaded (vectorised; no text read). Given the serving generation in memory
(`current`), an update reads nothing of the old generation but the parts it
rewrites and the vectors it copies, and hands the new generation back in
memory (`BuildReport.content`), so the service swaps to it without loading it
again. Without it (sync, `vraagbaak index add`), an update holds the batch, the
document records and the vector map, never the index.
Every write goes through `generations.write_generation`, so it is atomic.
"""

from __future__ import annotations

from vraagbaak.store.builder.build import BuildReport, build_index
from vraagbaak.store.builder.update import add_documents, remove_documents

__all__ = ["BuildReport", "add_documents", "build_index", "remove_documents"]
