"""A small, faithful fake of the Tweede Kamer OData v4 service (`Document` and its files).

For the tests and `vraagbaak bench --sections sync`; `vraagbaak sync` itself never uses it.

A real HTTP/1.1 server on 127.0.0.1 (port 0) in a thread. What it does follows the service's
documentation (opendata.tweedekamer.nl/documentatie/odata-api, .../document) and its issue tracker
(github.com/TweedeKamerDerStaten-Generaal/OpenDataPortaal): base path `/OData/v4/2.0/`, server-driven
paging of 250 entities with `@odata.nextLink` carrying a keyset `$skiptoken` (issue #82), no nextLink
when `$top` asks for a page's worth or less (issue #70), `Document(<guid>)/resource` and its long form
`Document(<guid>)/TK.DA.GGM.OData.Resource()` for the file (issue #41), deleted entities kept with
`Verwijderd: true` as placeholders, OData error bodies `{"error": {"code", "message"}}` with HTTP 400 for
queries it cannot run. Where the documentation is silent the choice is written in NOTES_odata.md.

Tests mutate the data between runs (`add`, `change`, `delete`, `resend`), inject faults (`fail`), and
read `requests` to see what the client sent.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from vraagbaak.sources.tk.stand_in.entities import CET, SCALARS, odata_timestamp
from vraagbaak.sources.tk.stand_in.query import QueryError, parse_expand, parse_filter, parse_orderby
from vraagbaak.sources.tk.stand_in.results import decode_skiptoken, encode_skiptoken, odata_context, shape, sort_key

ROOT = "/OData/v4/2.0/"
COLLECTION = re.compile(r"^/OData/v4/2\.0/Document$")
RESOURCE = re.compile(r"^/OData/v4/2\.0/Document\(([0-9a-fA-F-]{36})\)/(?:resource|TK\.DA\.GGM\.OData\.Resource\(\))$")
JSON_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"
KNOWN_OPTIONS = {"$filter", "$orderby", "$top", "$skip", "$expand", "$count", "$skiptoken", "$format"}


@dataclass
class Fault:
    """One injected misbehaviour, used `times` times on requests whose path contains `path`."""

    kind: str  # "status" | "delay" | "truncated" | "garbage" | "html"
    times: int
    path: str = ""
    status: int = 500
    retry_after: str | None = None
    delay_s: float = 0.0


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    send_length: bool = True


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    params: dict[str, str]
    raw_query: str


@dataclass
class _File:
    data: bytes
    content_type: str
    filename: str | None
    send_length: bool


def _error(status: int, message: str, code: str = "") -> Reply:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return Reply(status, body, "application/json; odata.metadata=minimal; charset=utf-8")


class FakeTkOData:
    """The fake service; use as a context manager. `base_url` ends in `/OData/v4/2.0/`."""

    def __init__(self, page_size: int = 250, start: datetime | None = None) -> None:
        self.page_size = page_size
        self.requests: list[RecordedRequest] = []
        self._docs: dict[str, dict[str, Any]] = {}
        self._files: dict[str, _File] = {}
        self._faults: list[Fault] = []
        self._clock = start or datetime(2024, 3, 5, 9, 0, tzinfo=CET)
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-tk-odata", daemon=True
        )

    # -- lifecycle -------------------------------------------------------------------------------------

    def __enter__(self) -> FakeTkOData:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{ROOT}"

    # -- data set --------------------------------------------------------------------------------------

    def _tick(self) -> str:
        self._clock += timedelta(seconds=1, microseconds=1000)
        return odata_timestamp(self._clock)

    def add(self, entity: dict[str, Any], *, api_gewijzigd_op: str | None = None) -> str:
        """Publish a new entity (stamped now, or with the given ApiGewijzigdOp); returns its Id."""
        with self._lock:
            stamp = self._tick()
            entity = {**entity, "GewijzigdOp": stamp, "ApiGewijzigdOp": api_gewijzigd_op or stamp}
            self._docs[entity["Id"]] = entity
            return entity["Id"]

    def change(self, doc_id: str, **fields: Any) -> None:
        """The source edits fields; both timestamps move."""
        with self._lock:
            stamp = self._tick()
            self._docs[doc_id] = {**self._docs[doc_id], **fields, "GewijzigdOp": stamp, "ApiGewijzigdOp": stamp}

    def resend(self, doc_id: str) -> None:
        """A data fix re-emits the entity unchanged: only GewijzigdOp and ApiGewijzigdOp move (issue #127)."""
        self.change(doc_id)

    def delete(self, doc_id: str, *, placeholder: bool = True) -> None:
        """Verwijderd becomes true and the timestamps move; a placeholder keeps little more than its Id."""
        with self._lock:
            entity = self._docs[doc_id]
            if placeholder:
                entity = {k: None for k in SCALARS} | {"Id": doc_id, "Zaak": [], "DocumentVersie": []}
                entity["DocumentActor"] = []
            self._docs[doc_id] = {**entity, "Verwijderd": True}
            self.change(doc_id)

    def entity(self, doc_id: str) -> dict[str, Any]:
        with self._lock:
            return json.loads(json.dumps(self._docs[doc_id]))

    def set_file(
        self, doc_id: str, data: bytes, content_type: str, filename: str | None = None, *, send_length: bool = True
    ) -> None:
        """The file behind `Document(<id>)/resource`; `send_length=False` streams it without Content-Length."""
        with self._lock:
            self._files[doc_id] = _File(data, content_type, filename, send_length)

    # -- faults and records ----------------------------------------------------------------------------

    def fail(
        self,
        kind: str,
        times: int = 1,
        *,
        path: str = "",
        status: int = 500,
        retry_after: str | None = None,
        delay_s: float = 0.0,
    ) -> None:
        """Misbehave on the next `times` requests whose path contains `path`."""
        with self._lock:
            self._faults.append(Fault(kind, times, path, status, retry_after, delay_s))

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.path in path:
                    fault.times -= 1
                    return fault
            return None

    def collection_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if COLLECTION.match(r.path)]

    # -- routing ---------------------------------------------------------------------------------------

    def route(self, path: str, query: str) -> Reply:
        params = dict(parse_qsl(query, keep_blank_values=True))
        with self._lock:
            self.requests.append(RecordedRequest(path, params, query))
            if COLLECTION.match(path):
                return self._collection(path, params)
            match = RESOURCE.match(path)
            if match:
                return self._resource(match.group(1).lower())
        return _error(404, f"No HTTP resource was found that matches the request URI '{path}'.")

    def _resource(self, doc_id: str) -> Reply:
        if doc_id not in self._docs or doc_id not in self._files:
            return _error(404, f"Resource for Document({doc_id}) not found.")
        file = self._files[doc_id]
        headers = {"Content-Disposition": f'attachment; filename="{file.filename}"'} if file.filename else {}
        return Reply(200, file.data, file.content_type, headers, file.send_length)

    def _collection(self, path: str, params: dict[str, str]) -> Reply:
        try:
            return self._query(path, params)
        except QueryError as e:
            return _error(400, f"The query specified in the URI is not valid. {e}")

    def _query(self, path: str, params: dict[str, str]) -> Reply:
        unknown = sorted(k for k in params if k.startswith("$") and k not in KNOWN_OPTIONS)
        if unknown:
            raise QueryError(f"The query parameter '{unknown[0]}' is not supported.")
        rows = list(self._docs.values())
        if "$filter" in params:
            predicate = parse_filter(params["$filter"])
            rows = [row for row in rows if predicate(row)]
        order = parse_orderby(params["$orderby"]) if "$orderby" in params else []
        key = sort_key(order)
        rows.sort(key=key)
        total = len(rows)
        if "$skiptoken" in params:
            after = decode_skiptoken(params["$skiptoken"], order)
            rows = [row for row in rows if key(row) > key(after)]
        elif "$skip" in params:
            rows = rows[self._count(params["$skip"], "$skip") :]
        top = self._count(params["$top"], "$top") if "$top" in params else None
        limit = min(self.page_size, top) if top is not None else self.page_size
        page, more = rows[:limit], len(rows) > limit and (top is None or top > limit)
        expand = parse_expand(params["$expand"]) if "$expand" in params else {}
        body: dict[str, Any] = {"@odata.context": f"{self.base_url}$metadata#Document{odata_context(expand)}"}
        if params.get("$count") == "true":
            body["@odata.count"] = total
        body["value"] = [shape(row, expand) for row in page]
        if more and page:
            rest = {k: v for k, v in params.items() if k not in ("$skiptoken", "$skip")}
            if top is not None:
                rest["$top"] = str(top - limit)
            rest["$skiptoken"] = encode_skiptoken(page[-1], order)
            body["@odata.nextLink"] = f"{self.base_url}Document?{urlencode(rest, quote_via=quote, safe='$,()')}"
        return Reply(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), JSON_TYPE)

    @staticmethod
    def _count(value: str, option: str) -> int:
        if not value.isdigit():
            raise QueryError(f"Invalid value '{value}' for {option} query option found.")
        return int(value)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out and hung up is expected here, not an error worth a traceback."""


def _handler_for(fake: FakeTkOData) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read `fake.requests` instead."""

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            fault = fake._take_fault(url.path)
            reply = fake.route(url.path, url.query)
            if fault is not None and fault.kind == "delay":
                fake._closing.wait(fault.delay_s)
            if fault is not None and fault.kind == "status":
                reply = _error(fault.status, f"Injected HTTP {fault.status}.")
                if fault.retry_after is not None:
                    reply.headers["Retry-After"] = fault.retry_after
            elif fault is not None and fault.kind == "garbage":
                reply = Reply(200, reply.body[: len(reply.body) // 2], reply.content_type)
            elif fault is not None and fault.kind == "html":
                page = b"<!DOCTYPE html><html><body><h1>Service tijdelijk niet beschikbaar</h1></body></html>"
                reply = Reply(200, page, "text/html; charset=utf-8")
            self._write(reply, truncate=fault is not None and fault.kind == "truncated")

        def _write(self, reply: Reply, truncate: bool) -> None:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.send_length:
                self.send_header("Content-Length", str(len(reply.body)))
            if truncate or not reply.send_length:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            body = reply.body[: len(reply.body) // 2] if truncate else reply.body
            for start in range(0, len(body), 65536):
                self.wfile.write(body[start : start + 65536])

    return Handler
