"""`vraagbaak model materialize|info`: the bundled embedding model."""

from __future__ import annotations

import argparse
import json
import time

from vraagbaak.settings import BUNDLED_MODEL, Settings


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("model", help="materialise or describe the embedding model")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    materialize = actions.add_parser("materialize", help="write the bundled model as a sentence-transformers folder")
    materialize.set_defaults(handler=run_materialize)
    info = actions.add_parser("info", help="path, dimension, max tokens, prompts and source hash")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=run_info)


def run_materialize(args: argparse.Namespace, settings: Settings) -> int:
    from vraagbaak.model.bundled.materialize import materialize_bundled_model

    if settings.model != BUNDLED_MODEL:
        print(f"the configured model is {settings.model!r}, not the bundled one; nothing to materialise")
        return 0
    result = materialize_bundled_model(settings.model_cache)
    verb = "materialised" if result.created else "already materialised"
    print(f"{verb}: {result.path} ({result.seconds:.1f} s, source sha256 {result.source_sha256[:16]})")
    return 0


def run_info(args: argparse.Namespace, settings: Settings) -> int:
    from vraagbaak.model.sentence_transformers_encoder import load_encoder

    started = time.perf_counter()
    encoder = load_encoder(settings.model, settings.model_cache)
    info = {
        "model": encoder.model_id,
        "path": encoder.path,
        "dimension": encoder.dimension,
        "max_tokens": encoder.max_tokens,
        "prompts": encoder.prompts,
        "source_hash": encoder.model_hash,
        "load_seconds": round(time.perf_counter() - started, 2),
    }
    if args.json:
        print(json.dumps(info, indent=2, ensure_ascii=False))
    else:
        for key, value in info.items():
            print(f"{key:>12}: {value}")
    return 0
