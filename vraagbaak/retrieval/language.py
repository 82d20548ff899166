"""Is a question Dutch? A cheap, deterministic count of function words.

BM25 reads Dutch stems of Dutch text. An English question shares few terms
with it (names, numbers, a loanword), so its BM25 list is mostly noise; on the
dev split dense-only ranks English questions better than hybrid
(docs/retrieval.md). The fusion therefore gives a question that is clearly in
another language a smaller BM25 share (`FusionConfig.foreign_lexical_share`).

The rule counts the words of the question that are function words (articles,
pronouns, auxiliaries, question words, prepositions, conjunctions) of Dutch,
English, German and French. A word in two lists ("in", "is", "was", "of", "de",
"en", "die", "wie") counts for both, so it cannot tip the balance between them.
A question is foreign only on positive evidence: another language has more
function words in it than Dutch. A bare keyword query ("handelsbevordering
Soedan 2023") has none and stays Dutch, so BM25 keeps finding exact names and
numbers there. No model, no dictionary: a set lookup per word.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Language = Literal["nl", "en", "de", "fr"]


def _words_of(text: str) -> frozenset[str]:
    return frozenset(text.split())


_FUNCTION_WORDS: dict[Language, frozenset[str]] = {
    "nl": _words_of(
        """
        de het een en of van in op te is was zijn wordt worden werd werden heeft hebben had hadden
        kan kunnen kunt zal zullen zou zouden moet moeten mag mogen wil wilt willen gaat gaan ben bent
        dat dit deze die wat welke welk wie waar waarom hoe wanneer hoeveel
        niet geen ook nog wel al er daar hier nu toe dan als
        u uw ze zij hij we wij ik ons onze hun hen haar jullie men
        voor met naar bij uit tot aan om over onder door tussen tegen sinds zonder na tijdens binnen via
        maar omdat want dus toch indien waarbij waarvan waarop waarin waardoor waarmee
        zich zelf elk elke ieder iedere alle veel meer minder andere
        """
    ),
    "en": _words_of(
        """
        the a an of and or to for with from by at on in as into about than then over under between
        what which who whom whose where why how when whether
        is are was were be been being does do did done has have had having
        will would shall should can could may might must
        this that these those it its they them their there here not no any some all
        we our you your he his she her i me my us
        """
    ),
    "de": _words_of(
        """
        der die das dem den des ein eine einer eines einem und oder ist sind war waren wird werden wurde wurden
        nicht kein keine auch noch welche welcher welches warum wie wann wo wer was
        hat haben kann können soll sollte muss müssen sich für auf aus bei nach zum zur vom im mit in an
        ich sie wir ihr es er über unter zwischen gegen als dass
        """
    ),
    "fr": _words_of(
        """
        le la les un une des du de au aux et ou est sont été sera seront pas ne ni en
        que qui quoi quel quelle quels quelles pourquoi comment quand où combien
        pour avec dans sur par sans chez entre vers leur leurs ce cette ces il elle ils elles nous vous
        a ont peut peuvent doit doivent
        """
    ),
}

_WORD = re.compile(r"[^\W\d_]+")


def function_word_counts(text: str) -> dict[Language, int]:
    """How many words of `text` are function words of each language (a word may count for several)."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).casefold())
    return {language: sum(word in vocabulary for word in words) for language, vocabulary in _FUNCTION_WORDS.items()}


def query_language(text: str) -> Language:
    """Another language when its function words outnumber the Dutch ones, else Dutch.

    Ties, texts without function words, and mixed texts where Dutch leads are Dutch.
    """
    counts = function_word_counts(text)
    dutch = counts.pop("nl")
    language, most = max(counts.items(), key=lambda item: item[1])  # first of equals: en, de, fr
    return language if most > dutch else "nl"


def is_dutch(text: str) -> bool:
    return query_language(text) == "nl"
