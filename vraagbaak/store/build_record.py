"""The build record of a single-process build: which machine and device computed the vectors.

`build_index(..., build=...)` writes it into the generation's manifest; a Ray
build makes its own (`vraagbaak.store.ray_build`).
"""

from __future__ import annotations

import socket

from vraagbaak.store.manifest import BuildInfo


def local_build_info(device: str) -> BuildInfo:
    """The build record of a single-process build on this machine."""
    return BuildInfo(engine="local", workers=1, devices=[f"{socket.gethostname()} {device}"])
