"""`vraagbaak bench --sections sync` on tiny sizes: every code path runs, the figures add up (no timing asserts)."""

from __future__ import annotations

from pathlib import Path

from vraagbaak.sources.sync.bench import corpus_files, format_sync, run_sync_bench

REPO = Path(__file__).resolve().parents[2]
REALDOCS = REPO.parent / "shared" / "realdocs" / "docs"


def test_the_sync_section_measures_each_size_in_its_own_process(tmp_path: Path) -> None:
    assert REALDOCS.is_dir(), "../shared/realdocs must be beside the checkout"
    assert all(kind == "application/pdf" for _, kind in corpus_files([REPO / "seeds", REALDOCS]))

    results = run_sync_bench([REPO / "seeds", REALDOCS], tmp_path / "models", sizes=(3, 6), embed_documents=0)

    assert [(run["documents"], run["encoder"]) for run in results["runs"]] == [(3, "hash"), (6, "hash")]
    for run in results["runs"]:
        assert (run["indexed"], run["failed"], run["rates"]["documents"]) == (run["documents"], 0, run["documents"])
        assert run["units"] > 0 and run["peak_rss_mib"] > 0 and run["rates"]["fetch_parse_docs_per_s"] > 0
    assert results["estimate"]["record_documents_assumed"] == 150_000
    assert results["estimate"]["seconds_per_document"]["embed_s"] is None  # no model run, no embedding figure
    shown = format_sync(results)
    assert "6 docs,  hash encoder" in shown and "peak RSS 6 / 3 docs" in shown


def test_text_files_stand_in_where_a_folder_has_no_pdf() -> None:
    files = corpus_files([REPO / "seeds"])
    assert len(files) == 5 and {kind for _, kind in files} == {"text/plain; charset=utf-8"}
