"""Fine-tune the bundled model on an index's own units (issue 16's "model adapt"); it lost on dev.

Run by hand, then build an index with the result and evaluate it:

    python -m vraagbaak.eval.experiments.adapt_model --index /tmp/grown-index --out /tmp/adapted --recipe qa
    VRAAGBAAK_MODEL=/tmp/adapted vraagbaak index build seeds ../shared/realdocs/docs --out /tmp/grown-adapted
    vraagbaak eval run --questions ... --index /tmp/grown-adapted --split dev

Training sees only the units of the index (their questions, answers and
passages), never an evaluation question. The loss is in-batch softmax over
cosines x 20 (MultipleNegativesRanking), each anchor also against a sibling
from its own document as a hard negative. The word embeddings (96 M of the
model's 118 M parameters) stay frozen: the vocabulary is what overfits on a
few hundred pairs. Two recipes:

- `qa`: question -> its answer alone, lr 1e-5;
- `qa+ict`: question -> question + answer (as the index embeds it), a sentence of the answer -> the
  rest of the unit, and for prose an inverse cloze task (a sentence -> its passage without it), lr 3e-5.

Measured on the dev split (131 questions, seeds + real documents), 1 epoch, 128 tokens, 2 CPU cores
(~3-7 min of training): recall@1 0.786 with the bundled model (queries through sentence-transformers),
0.763 with `qa`, 0.733 with `qa+ict`; dense-answer alone 0.756 -> 0.718 / 0.725. Not kept.
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vraagbaak.units import Unit

logger = logging.getLogger(__name__)

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"«(])")
SCALE = 20.0


def training_examples(units: Sequence[Unit], recipe: str, rng: random.Random) -> list[tuple[str, str, str | None]]:
    """(anchor, positive, hard negative or None) with the model's prompts, from the units alone."""
    siblings: dict[str, list[Unit]] = {}
    for unit in units:
        if unit.answered and unit.question:
            siblings.setdefault(unit.doc_id, []).append(unit)
    examples: list[tuple[str, str, str | None]] = []
    for unit in units:
        if not unit.answered:
            continue
        sentences = [s for s in _SENTENCE.split(unit.answer) if len(s.split()) >= 8]
        if unit.question:
            others = [other for other in siblings.get(unit.doc_id, []) if other.unit_id != unit.unit_id]
            negative = rng.choice(others) if others else None
            if recipe == "qa":
                negative_answer = f"passage: {negative.answer}" if negative else None
                examples.append((f"query: {unit.question}", f"passage: {unit.answer}", negative_answer))
                continue
            negative_text = f"passage: {negative.question}\n{negative.answer}" if negative else None
            examples.append((f"query: {unit.question}", f"passage: {unit.question}\n{unit.answer}", negative_text))
            if sentences:
                sentence = rng.choice(sentences)
                rest = unit.answer.replace(sentence, " ")
                examples.append((f"query: {sentence}", f"passage: {unit.question}\n{rest}", negative_text))
        elif recipe == "qa+ict":
            for sentence in rng.sample(sentences, min(2, len(sentences))):
                rest = unit.answer.replace(sentence, " ")
                examples.append((f"query: {sentence}", f"passage: {unit.section or ''}\n{rest}", None))
    return examples


def adapt(index: Path, out: Path, recipe: str, epochs: float, lr: float, max_tokens: int, batch: int) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    from vraagbaak.model.bundled.materialize import materialize_bundled_model
    from vraagbaak.settings import Settings
    from vraagbaak.store.generations import load_index

    rng = random.Random(0)
    torch.manual_seed(0)
    examples = training_examples(list(load_index(index).units), recipe, rng)
    model = SentenceTransformer(str(materialize_bundled_model(Settings().model_cache).path), device="cpu")
    model.max_seq_length = max_tokens
    for name, parameter in model.named_parameters():
        parameter.requires_grad = "word_embeddings" not in name
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(parameters, lr=lr, weight_decay=0.01)
    steps = math.ceil(len(examples) / batch * epochs)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (steps - step) / steps)
    )

    def embed(texts: list[str]) -> torch.Tensor:
        return torch.nn.functional.normalize(model(model.tokenize(texts))["sentence_embedding"], dim=-1)

    logger.info("%d examples, %d steps of %d", len(examples), steps, batch)
    model.train()
    step, started = 0, time.perf_counter()
    while step < steps:
        rng.shuffle(examples)
        for start in range(0, len(examples), batch):
            if step >= steps:
                break
            chunk = examples[start : start + batch]
            anchors = embed([anchor for anchor, _, _ in chunk])
            candidates = embed([p for _, p, _ in chunk] + [n for _, _, n in chunk if n])
            loss = torch.nn.functional.cross_entropy(anchors @ candidates.T * SCALE, torch.arange(len(chunk)))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 10 == 0:
                logger.info("step %d/%d loss %.3f (%.0f s)", step, steps, loss.item(), time.perf_counter() - started)
    model.eval()
    model.max_seq_length = 512
    model.save(str(out))
    logger.info("saved %s after %.0f s", out, time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--recipe", choices=("qa", "qa+ict"), default="qa")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--lr", type=float, default=None, help="default: 1e-5 for qa, 3e-5 for qa+ict")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    lr = args.lr if args.lr is not None else (1e-5 if args.recipe == "qa" else 3e-5)
    adapt(args.index, args.out, args.recipe, args.epochs, lr, args.max_tokens, args.batch)


if __name__ == "__main__":
    main()
