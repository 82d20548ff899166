"""The campaign's short version (CI): every section runs with small numbers and every check holds.

The full run's command and figures are in docs/reliability.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.reliability.campaign import LEAK, main

pytestmark = pytest.mark.slow


def test_the_short_campaign_finds_nothing(tmp_path: Path) -> None:
    out = tmp_path / "campaign.json"
    arguments = ["--kill-trials", "5", "--fuzz-cases", "120", "--soak-clients", "4", "--soak-seconds", "6"]
    arguments += ["--window-seconds", "3", "--soak-sync-every", "1.5", "--max-minutes", "4", "--out", str(out)]
    if os.geteuid() != 0:
        arguments.append("--no-disk-full")  # mounting a tmpfs needs root (CI runs as root)
    code = main(arguments)
    report = json.loads(out.read_text())
    assert report["problems"] == [] and code == 0
    kills = report["kills"]
    assert kills["trials"] == 5 and kills["old"] + kills["new"] + kills["between"] == 5
    assert set(kills["per_operation"]) == {"build", "add", "remove", "upload", "sync"}
    assert all(kills["per_operation"][operation]["trials"] == 1 for operation in kills["per_operation"])
    synced = kills["sync_reference"]  # the sync trial's uninterrupted run really took documents from the source
    assert len(synced["units"]) > 2 and "indexed" in synced["states"].values()
    assert "failed" not in synced["states"].values()
    assert report["fuzz"]["operations"] >= 20 and report["fuzz"]["cases"] >= 100
    assert report["fuzz"]["server_errors"] == 0 and report["fuzz"]["leaks"] == []
    soak = report["soak"]
    assert soak["failed"] == 0 and soak["counts"]["searches"] > 0 and soak["counts"]["feeds"] > 0
    assert all(window["p99_ms"] > 0 for window in soak["windows"])
    loop = soak["sync_loop"]  # a sync ran into the served index while it was searched, and the server took it
    assert loop["runs"] >= 1 and loop["failed"] == [] and loop["served_synced_documents"] > 0
    if "disk_full" in report:
        for name in ("build", "add", "remove", "sync"):
            assert report["disk_full"][name]["old_index_loads"] and report["disk_full"][name]["left_behind"] == []
        assert report["disk_full"]["sync"]["committed_not_indexed"] == []


def test_the_leak_pattern_catches_what_it_should() -> None:
    for leaked in ("PdfiumError: x", "Traceback (most", 'File "/x.py"', "/tmp/abc", "zipfile.BadZipFile", "a.py"):
        assert LEAK.search(leaked), leaked
    for fine in ("value_error", "k: Input should be a valid integer", "doc.pdf: a corrupt PDF", "/v1/search"):
        assert LEAK.search(fine) is None, fine
