"""The serving process imports only what serving needs (issue 29): no torch, Ray, PDF or Word readers."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("torch", "ray", "pypdfium2", "docx", "sentence_transformers", "transformers", "langchain_text_splitters")

PROBE = f"""
import json, sys
from vraagbaak.cli.main import main  # what `vraagbaak serve` imports before uvicorn starts the app
from vraagbaak.service.app import create_app
from vraagbaak.service.settings import ServiceSettings
create_app(ServiceSettings())
print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))
"""


def test_serving_imports_leave_out_the_heavy_modules() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
