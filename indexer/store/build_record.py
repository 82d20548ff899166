"""Recording in a generation's manifest how its vectors were computed (engine, workers, devices).

`build_index` writes the manifest without this; the CLI adds it right after,
under the writer lock, by atomically replacing `manifest.json` in the
generation it just wrote. `manifest.json` is not among the checksummed
files, and a reader sees either the old or the new one whole.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from pathlib import Path

from indexer.store.generations import current_generation, writer_lock
from indexer.store.manifest import MANIFEST, BuildInfo, read_manifest

logger = logging.getLogger(__name__)


def record_build(index_dir: Path, generation: str, build: BuildInfo) -> bool:
    """Add `build` to the manifest of `generation`; False (and nothing written) if another is current by now."""
    with writer_lock(index_dir):
        if current_generation(index_dir) != generation:
            logger.warning("generation %s is no longer current; its build record is not written", generation)
            return False
        folder = index_dir / generation
        manifest = read_manifest(folder).model_copy(update={"build": build})
        temporary = folder / f".{MANIFEST}.{secrets.token_hex(4)}"
        with temporary.open("w", encoding="utf-8") as out:
            out.write(manifest.model_dump_json(indent=2))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / MANIFEST)
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return True


def local_build_info(device: str) -> BuildInfo:
    """The build record of a single-process build on this machine."""
    return BuildInfo(engine="local", workers=1, devices=[f"{socket.gethostname()} {device}"])
