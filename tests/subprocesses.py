"""Running child processes from tests so that a failure shows why.

A bare `CalledProcessError` says only "exit 1"; the child's stderr is what a
reader of a red CI run needs, so every test starts children through `run_checked`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from typing import Any

_TAIL = 4000


def describe_failure(command: Sequence[str], returncode: int, stderr: bytes | str | None) -> str:
    """One message naming the command, its exit status and the end of its stderr."""
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else (stderr or "")
    shown = " ".join(str(part) for part in command)[:300]
    return f"child process failed (exit {returncode}): {shown}\n--- stderr (last {_TAIL} chars) ---\n{text[-_TAIL:]}"


def run_checked(command: Sequence[str], *, timeout: float, **kwargs: Any) -> subprocess.CompletedProcess:
    """`subprocess.run` with captured output that fails the test with the child's stderr."""
    completed = subprocess.run(list(command), capture_output=True, timeout=timeout, check=False, **kwargs)
    if completed.returncode != 0:
        raise AssertionError(describe_failure(command, completed.returncode, completed.stderr))
    return completed
