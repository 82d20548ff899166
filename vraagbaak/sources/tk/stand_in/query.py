"""The slice of the OData v4 query language the fake TK service understands, and nothing more.

`$filter`: comparisons (`eq ne gt ge lt le`) of a known `Document` property with a literal (string,
DateTimeOffset, GUID, number, true/false/null), `startswith(Prop,'text')`, `not`, `and`, `or` and
parentheses, with OData's precedence. `$orderby`: known properties, `asc`/`desc`. `$expand`: the
navigation properties of `Document` and `Zaak`, nested with `($expand=...)`. Anything else is a
`QueryError`, which the fake answers with HTTP 400 and an OData error body, as the real service does
for queries it cannot run: a client bug must show up in the tests, not be silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

Entity = dict[str, Any]
Predicate = Callable[[Entity], bool]

#: Property -> its EDM type, as documented on opendata.tweedekamer.nl/documentatie/document.
PROPERTIES = {
    "Id": "Edm.Guid",
    "Soort": "Edm.String",
    "DocumentNummer": "Edm.String",
    "Titel": "Edm.String",
    "Onderwerp": "Edm.String",
    "Vergaderjaar": "Edm.String",
    "Verwijderd": "Edm.Boolean",
    "ApiGewijzigdOp": "Edm.DateTimeOffset",
    "GewijzigdOp": "Edm.DateTimeOffset",
    "Datum": "Edm.DateTimeOffset",
}
#: Entity type -> its navigation properties the fake can expand.
NAVIGATION = {"Document": {"Zaak", "DocumentVersie", "DocumentActor"}, "Zaak": {"ZaakActor"}}
NAV_TARGET = {"Zaak": "Zaak", "DocumentVersie": "DocumentVersie", "DocumentActor": "DocumentActor"}
COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}

TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2}))
    | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<punct>[(),])
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


class QueryError(ValueError):
    """A query option the fake (and, as far as documented, the real service) cannot run."""


def parse_datetime(text: str) -> datetime:
    """OData DateTimeOffset text to a datetime; 7 fractional digits are cut to 6, as Python keeps them."""
    return datetime.fromisoformat(text)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        if not text[position:].strip():
            break
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise QueryError(f"Syntax error at position {position} in '{text}'.")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _either(first: Predicate, second: Predicate) -> Predicate:
    return lambda entity: first(entity) or second(entity)


def _both(first: Predicate, second: Predicate) -> Predicate:
    return lambda entity: first(entity) and second(entity)


class _FilterParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise QueryError(f"Syntax error: expected {value or 'a token'} in '{self.text}'.")
        self.at += 1
        return token

    def parse(self) -> Predicate:
        predicate = self.or_()
        if self.peek() is not None:
            raise QueryError(f"Syntax error: unexpected '{self.peek()[1]}' in '{self.text}'.")  # type: ignore[index]
        return predicate

    def or_(self) -> Predicate:
        left = self.and_()
        while self.peek() == ("word", "or"):
            self.take()
            left = _either(left, self.and_())
        return left

    def and_(self) -> Predicate:
        left = self.unary()
        while self.peek() == ("word", "and"):
            self.take()
            left = _both(left, self.unary())
        return left

    def unary(self) -> Predicate:
        if self.peek() == ("word", "not"):
            self.take()
            inner = self.unary()
            return lambda e: not inner(e)
        if self.peek() == ("punct", "("):
            self.take("(")
            inner = self.or_()
            self.take(")")
            return inner
        return self.primary()

    def primary(self) -> Predicate:
        kind, word = self.take()
        if kind != "word":
            raise QueryError(f"Syntax error: '{word}' where a property or function was expected.")
        if word == "startswith":
            self.take("(")
            prop = self.property()
            self.take(",")
            kind, literal = self.take()
            self.take(")")
            if PROPERTIES[prop] != "Edm.String" or kind != "string":
                raise QueryError(f"No function signature for the function with name 'startswith' on {prop}.")
            prefix = literal[1:-1].replace("''", "'")
            return lambda e: isinstance(e.get(prop), str) and e[prop].startswith(prefix)
        if self.peek() == ("punct", "("):
            raise QueryError(f"An unknown function with name '{word}' was found.")
        prop = self._known(word)
        _, op = self.take()
        if op not in COMPARISONS:
            raise QueryError(f"Syntax error: '{op}' is not a comparison operator.")
        value = self.literal(prop)
        return _comparison(prop, op, value)

    def property(self) -> str:
        kind, word = self.take()
        if kind != "word":
            raise QueryError(f"Syntax error: '{word}' where a property was expected.")
        return self._known(word)

    @staticmethod
    def _known(word: str) -> str:
        if word not in PROPERTIES:
            raise QueryError(f"Could not find a property named '{word}' on type 'TK.DA.GGM.OData.Document'.")
        return word

    def literal(self, prop: str) -> Any:
        kind, text = self.take()
        edm = PROPERTIES[prop]
        if kind == "word" and text == "null":
            return None
        expected = {
            "Edm.String": "string",
            "Edm.Guid": "guid",
            "Edm.DateTimeOffset": "datetime",
            "Edm.Boolean": "word",
        }[edm]
        if kind != expected or (edm == "Edm.Boolean" and text not in ("true", "false")):
            raise QueryError(
                f"A binary operator with incompatible types was detected. Found operand types '{edm}' and '{kind}'."
            )
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "datetime":
            return parse_datetime(text)
        if kind == "guid":
            return text.lower()
        return text == "true"


def _comparison(prop: str, op: str, value: Any) -> Predicate:
    edm = PROPERTIES[prop]
    if op not in ("eq", "ne") and edm in ("Edm.Guid", "Edm.Boolean"):
        raise QueryError(f"The binary operator {op} is not defined for the types '{edm}' and '{edm}'.")

    def read(entity: Entity) -> Any:
        raw = entity.get(prop)
        if raw is None:
            return None
        if edm == "Edm.DateTimeOffset":
            return parse_datetime(raw)
        return raw.lower() if edm == "Edm.Guid" else raw

    def test(entity: Entity) -> bool:
        left = read(entity)
        if op == "eq":
            return left == value
        if op == "ne":
            return left != value
        if left is None or value is None:
            return False
        return {"gt": left > value, "ge": left >= value, "lt": left < value, "le": left <= value}[op]

    return test


def parse_filter(text: str) -> Predicate:
    """A predicate for `$filter=text`; QueryError for anything outside the supported slice."""
    return _FilterParser(text).parse()


def parse_orderby(text: str) -> list[tuple[str, bool]]:
    """`$orderby` as [(property, descending)]."""
    terms = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise QueryError(f"Syntax error in $orderby '{text}'.")
        terms.append((_FilterParser._known(words[0]), len(words) == 2 and words[1] == "desc"))
    return terms


def parse_expand(text: str, entity_type: str = "Document") -> dict[str, dict[str, Any]]:
    """`$expand` as a tree {navigation: nested tree}; only `$expand` is allowed inside parentheses."""
    tree: dict[str, dict[str, Any]] = {}
    for item in _split_top_level(text):
        name, _, rest = item.partition("(")
        name = name.strip()
        if name not in NAVIGATION.get(entity_type, set()):
            raise QueryError(f"Could not find a property named '{name}' on type 'TK.DA.GGM.OData.{entity_type}'.")
        nested: dict[str, Any] = {}
        if rest:
            if not rest.endswith(")"):
                raise QueryError(f"Syntax error in $expand '{text}'.")
            option, _, value = rest[:-1].partition("=")
            if option.strip() != "$expand":
                raise QueryError(f"The fake supports only $expand inside $expand, not '{option.strip()}'.")
            nested = parse_expand(value, NAV_TARGET.get(name, name))
        tree[name] = nested
    return tree


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise QueryError(f"Syntax error in $expand '{text}'.")
        current += char
    if depth or not (current.strip() or parts):
        raise QueryError(f"Syntax error in $expand '{text}'.")
    return [*parts, current]
