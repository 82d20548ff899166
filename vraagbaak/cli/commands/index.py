"""`vraagbaak index build|add|remove|info`: write and describe the index directory."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from vraagbaak.cli.commands.parse import DOCUMENTS_HELP, print_unrecognised_layouts
from vraagbaak.settings import Settings

if TYPE_CHECKING:
    from vraagbaak.model.encoder import Encoder
    from vraagbaak.store.builder import BuildReport
    from vraagbaak.units import ParsedDocument

logger = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("index", help="build, update or describe the index")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser("build", help="index documents from scratch (default: the seeds folder)")
    build.add_argument("paths", nargs="*", type=Path, help=DOCUMENTS_HELP)
    build.add_argument("--out", type=Path, default=None, help="index directory (default: VRAAGBAAK_INDEX_DIR)")
    build.add_argument(
        "--ray",
        nargs="?",
        const="",
        default=None,
        metavar="ADDRESS",
        help="embed on Ray: the cluster at ADDRESS (host:6379, ray://host:10001, auto), or a local Ray without one; "
        "write it as --ray=ADDRESS or after the document paths",
    )
    build.add_argument(
        "--ray-workers", type=int, default=None, help="Ray actors, one model each (default: one per GPU, else per CPU)"
    )
    build.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="where passages are encoded: auto = CUDA where visible (on Ray: where the cluster has GPUs), else CPU",
    )
    build.set_defaults(handler=run_build)
    add = actions.add_parser("add", help="add or replace documents without re-embedding the rest")
    add.add_argument("paths", nargs="+", type=Path, help=DOCUMENTS_HELP)
    add.add_argument("--index", type=Path, default=None, help="index directory (default: VRAAGBAAK_INDEX_DIR)")
    add.set_defaults(handler=run_add)
    remove = actions.add_parser("remove", help="remove documents by id")
    remove.add_argument("doc_ids", nargs="+", metavar="DOC_ID")
    remove.add_argument("--index", type=Path, default=None)
    remove.set_defaults(handler=run_remove)
    info = actions.add_parser("info", help="what the index holds and what built it")
    info.add_argument("--index", type=Path, default=None)
    info.add_argument("--json", action="store_true", help="print the manifest as JSON")
    info.set_defaults(handler=run_info)


def _parse(paths: list[Path], encoder: Encoder, settings: Settings) -> list[ParsedDocument]:
    """Every file in the parse worker, passages measured by the encoder's tokenizer; bad files are skipped."""
    from vraagbaak.errors import VraagbaakError
    from vraagbaak.model.tokens import length_function_for
    from vraagbaak.parsing import parse_paths
    from vraagbaak.parsing.isolation import ParseLimits

    limits = ParseLimits.from_settings(settings)
    parsed, failures = parse_paths(paths, length_function=length_function_for(encoder), limits=limits)
    if not parsed:
        reasons = "; ".join(reason for _, reason in failures) or "no .pdf, .docx, .md or .txt files found"
        raise VraagbaakError(f"nothing to index in {', '.join(map(str, paths))}: {reasons}")
    return parsed


def _summary(verb: str, report: BuildReport, index_dir: Path) -> None:
    print(
        f"{verb} {index_dir}: {report.documents} documents, {report.units} units, {report.vectors} vectors; "
        f"embedded {report.embedded} passages in {report.seconds:.1f} s ({report.passages_per_second:.1f} passages/s)"
    )
    for label in ("added", "replaced", "unchanged", "removed"):
        if ids := getattr(report, label):
            print(f"  {label}: {', '.join(ids)}")


def run_build(args: argparse.Namespace, settings: Settings) -> int:
    from vraagbaak.errors import VraagbaakError
    from vraagbaak.model.sentence_transformers_encoder import load_encoder
    from vraagbaak.store.build_record import local_build_info
    from vraagbaak.store.builder import build_index
    from vraagbaak.store.chunking import ChunkingConfig

    index_dir = args.out or settings.index_dir
    paths = args.paths or [settings.seeds_dir]
    if args.ray is not None:
        if args.ray and Path(args.ray).exists():
            raise VraagbaakError(
                f"--ray {args.ray}: that is a path, not a Ray address (host:6379, ray://host:10001 or auto); "
                "put the document paths before --ray, or write --ray=ADDRESS"
            )
        return _build_on_ray(args, settings, index_dir, paths)
    if args.ray_workers is not None:
        raise VraagbaakError("--ray-workers needs --ray")
    encoder = load_encoder(
        settings.model, settings.model_cache, batch_size=settings.encode_batch_size, device=args.device
    )
    parsed = _parse(paths, encoder, settings)
    chunking = ChunkingConfig(prose_window_tokens=settings.prose_window_tokens)
    report = build_index(
        parsed, encoder, index_dir, chunking=chunking, show_progress=True, build=local_build_info(encoder.device)
    )
    _summary("built", report, index_dir)
    print_unrecognised_layouts(parsed)
    return 0


def _build_on_ray(args: argparse.Namespace, settings: Settings, index_dir: Path, paths: list[Path]) -> int:
    from vraagbaak.model.ray_encoding import RayEncoder
    from vraagbaak.model.sentence_transformers_encoder import load_encoder
    from vraagbaak.store.chunking import ChunkingConfig
    from vraagbaak.store.ray_build import build_index_on_ray

    # The driver's model only counts tokens and names the model; the actors do the encoding.
    local = load_encoder(settings.model, settings.model_cache, batch_size=settings.encode_batch_size)
    with RayEncoder(
        local,
        settings.model_cache,
        address=args.ray or None,
        workers=args.ray_workers,
        device=args.device,
        batch_size=settings.encode_batch_size,
    ) as encoder:
        encoder.start()  # a bad address or too many workers fails before any parsing
        parsed = _parse(paths, local, settings)
        chunking = ChunkingConfig(prose_window_tokens=settings.prose_window_tokens)
        report = build_index_on_ray(parsed, encoder, index_dir, chunking=chunking, show_progress=True)
        _summary(f"built on Ray ({encoder.workers} workers, {', '.join(encoder.devices)})", report, index_dir)
    print_unrecognised_layouts(parsed)
    return 0


def run_add(args: argparse.Namespace, settings: Settings) -> int:
    from vraagbaak.model.sentence_transformers_encoder import load_encoder
    from vraagbaak.store.builder import add_documents
    from vraagbaak.store.generations import index_exists, read_index_manifest

    index_dir = args.index or settings.index_dir
    model = read_index_manifest(index_dir).model.model_id if index_exists(index_dir) else settings.model
    encoder = load_encoder(model, settings.model_cache, batch_size=settings.encode_batch_size)
    parsed = _parse(args.paths, encoder, settings)
    report = add_documents(parsed, encoder, index_dir, show_progress=True)
    _summary("updated", report, index_dir)
    print_unrecognised_layouts(parsed)
    return 0


def run_remove(args: argparse.Namespace, settings: Settings) -> int:
    from vraagbaak.store.builder import remove_documents

    index_dir = args.index or settings.index_dir
    report = remove_documents(args.doc_ids, index_dir)
    _summary("updated", report, index_dir)
    return 0


def run_info(args: argparse.Namespace, settings: Settings) -> int:
    from vraagbaak.store.generations import current_generation, read_index_manifest

    index_dir = args.index or settings.index_dir
    manifest = read_index_manifest(index_dir)
    if args.json:
        print(manifest.model_dump_json(indent=2))
        return 0
    counts = manifest.counts
    print(f"index       {index_dir} (generation {current_generation(index_dir)})")
    print(f"created     {manifest.created_at:%Y-%m-%d %H:%M:%S %Z}")
    model = manifest.model
    print(f"model       {model.model_id} ({model.dimension} dimensions, hash {model.model_hash[:16]})")
    print(f"faiss       {manifest.vector_index_kind}")
    if manifest.build is not None:
        build = manifest.build
        print(f"built       {build.engine}, {build.workers} worker(s) on {', '.join(build.devices)}")
    print(f"contents    {counts.documents} documents, {counts.units} units, {counts.vectors} vectors")
    for doc_id, digest in sorted(manifest.corpus.items()):
        print(f"  {doc_id}  sha256 {digest[:16]}")
    print(json.dumps({"chunking": manifest.chunking.model_dump()}, ensure_ascii=False))
    return 0
