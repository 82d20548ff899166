"""A downloaded document file, and the check that it is one: the bytes decide, not the headers.

The source's `ContentType` has been known to disagree with the file (TK open data issue #15), and an
outage can answer 200 with an HTML page. So a file counts as a document only when its bytes are a PDF,
a DOCX (a ZIP holding `word/document.xml`) or, when declared as plain text, clean UTF-8 text.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from dataclasses import dataclass
from email.message import Message
from pathlib import PurePosixPath, PureWindowsPath

from vraagbaak.sources.tk.errors import NotADocumentError

logger = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain; charset=utf-8"
TEXT_DECLARED = ("text/plain", "text/markdown")
PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls


@dataclass(frozen=True)
class Resource:
    """A document's file: the bytes, what they are (sniffed), and the name the server gave, if any."""

    data: bytes
    content_type: str
    filename: str | None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def filename_from_disposition(header: str | None) -> str | None:
    """The file name from `Content-Disposition` (`filename=` or RFC 2231 `filename*=`), without any path."""
    if not header:
        return None
    message = Message()
    message["content-disposition"] = header
    name = message.get_filename()
    if not name:
        return None
    name = PureWindowsPath(PurePosixPath(name).name).name.strip()
    return name or None


def _looks_like_markup(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in start[:512]


def sniff_document(data: bytes, declared_type: str | None, where: str) -> str:
    """The MIME type of `data` if it is a PDF, DOCX or plain text; NotADocumentError naming `where` if not."""
    declared = (declared_type or "").split(";")[0].strip().lower()
    if not data:
        raise NotADocumentError(f"{where}: the file is empty (declared {declared or 'no type'})")
    if PDF_MAGIC in data[:1024]:
        kind = PDF
    elif data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                is_docx = "word/document.xml" in archive.namelist()
        except zipfile.BadZipFile as e:
            raise NotADocumentError(f"{where}: a damaged ZIP archive, not a readable DOCX ({e})") from e
        if not is_docx:
            raise NotADocumentError(f"{where}: a ZIP archive that is not a Word document (declared {declared})")
        kind = DOCX
    elif data.startswith(OLE2_MAGIC):
        raise NotADocumentError(f"{where}: a legacy Office (.doc/.xls) file, which is not read (declared {declared})")
    elif _looks_like_markup(data[:1024]):
        raise NotADocumentError(f"{where}: an HTML/XML page, not a document (declared {declared or 'no type'})")
    elif declared in TEXT_DECLARED and b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise NotADocumentError(f"{where}: declared {declared} but not UTF-8 text ({e.reason})") from e
        kind = TEXT
    else:
        head = data[:8].hex()
        raise NotADocumentError(f"{where}: not a PDF, DOCX or text file (declared {declared}, starts {head})")
    if declared and declared != kind.split(";")[0] and declared != "application/octet-stream":
        logger.info("%s: declared %s but the bytes are %s; kept as %s", where, declared, kind, kind)
    return kind
