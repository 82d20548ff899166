"""An Atom 1.0 feed (RFC 4287) written with the standard library's ElementTree.

ElementTree escapes text and attribute values itself, so a question with `<`
or `&` cannot break the XML; no feed library is needed for one fixed shape
(and none would be a smaller, better-kept dependency than the stdlib).
"""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from dataclasses import dataclass

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"


@dataclass(frozen=True)
class FeedEntry:
    entry_id: str  # an IRI, stable for the same unit
    title: str
    link: str  # absolute (VRAAGBAAK_PUBLIC_URL), or root-relative: readers resolve it against the feed
    updated: datetime.datetime
    summary: str
    content: str


@dataclass(frozen=True)
class Feed:
    feed_id: str
    title: str
    subtitle: str
    self_link: str
    updated: datetime.datetime
    entries: list[FeedEntry]


def _stamp(moment: datetime.datetime) -> str:
    """RFC 3339 with an explicit offset, as Atom's date constructs require."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
    element.text = _xml_safe(text)
    return element


def _xml_safe(text: str) -> str:
    """Drop the control characters XML 1.0 cannot carry at all (escaping does not help them)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or (ord(ch) >= 0x20 and not 0xFFFE <= ord(ch) <= 0xFFFF))


def render_feed(feed: Feed) -> bytes:
    ET.register_namespace("", ATOM_NS)
    root = ET.Element(f"{{{ATOM_NS}}}feed")
    _text(root, "id", feed.feed_id)
    _text(root, "title", feed.title)
    _text(root, "subtitle", feed.subtitle)
    _text(root, "updated", _stamp(feed.updated))
    ET.SubElement(root, f"{{{ATOM_NS}}}link", {"rel": "self", "type": ATOM_TYPE, "href": feed.self_link})
    author = ET.SubElement(root, f"{{{ATOM_NS}}}author")
    _text(author, "name", "Vraagbaak")
    _text(root, "generator", "Vraagbaak")
    for item in feed.entries:
        entry = ET.SubElement(root, f"{{{ATOM_NS}}}entry")
        _text(entry, "id", item.entry_id)
        _text(entry, "title", item.title)
        ET.SubElement(entry, f"{{{ATOM_NS}}}link", {"rel": "alternate", "href": item.link})
        _text(entry, "updated", _stamp(item.updated))
        _text(entry, "summary", item.summary, type="text")
        _text(entry, "content", item.content, type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
