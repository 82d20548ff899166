"""`TkOData`: the Tweede Kamer's OData v4 API as sync needs it, pages of documents and their files.

Sync reads `iter_pages` and stores a checkpoint after each page: the page's `max_api_gewijzigd_op`
(resume with `since=` that value; the filter is inclusive) or, more exactly, the page's `next_link`
(resume with `start_link=`; the server's `$skiptoken` is a keyset cursor). Files come from
`fetch_resource` / `fetch_resources`, checked to be documents. Endpoint, paging, fields and the resource
link follow https://opendata.tweedekamer.nl/documentatie/odata-api; see NOTES_odata.md.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

import httpx

from vraagbaak.sources.tk.errors import SourceError, SourceResponseError
from vraagbaak.sources.tk.http import RateLimiter, RetryingHttp, RetryPolicy, describe
from vraagbaak.sources.tk.query import ENTITY_SET, document_query, encode_query, matches_soort
from vraagbaak.sources.tk.records import TkDocument
from vraagbaak.sources.tk.resource import Resource, filename_from_disposition, sniff_document

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/"
DEFAULT_USER_AGENT = "vraagbaak-sync/0.1 (Tweede Kamer open data; python-httpx)"
DEFAULT_MAX_RESOURCE_BYTES = 64 * 1024 * 1024


class TkPage(NamedTuple):
    """One server page: its documents, the link to the next page (None at the end), its highest timestamp.

    `max_api_gewijzigd_op` covers every entity on the page, also those dropped by the client-side kind
    check, so a checkpoint taken from it never makes sync read the page again for nothing.
    """

    documents: tuple[TkDocument, ...]
    next_link: str | None
    max_api_gewijzigd_op: datetime | None


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class TkOData:
    """A client for `Document` deltas and files; safe to share between threads; close it (or use `with`)."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout_s: float = 60.0,
        max_retries: int = 5,
        requests_per_second: float | None = 4.0,
        user_agent: str = DEFAULT_USER_AGENT,
        max_resource_bytes: int = DEFAULT_MAX_RESOURCE_BYTES,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 60.0,
        retry_after_max_s: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        jitter: Callable[[], float] = random.random,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if max_retries < 0 or timeout_s <= 0 or max_resource_bytes <= 0:
            raise ValueError(
                f"need max_retries >= 0, timeout_s > 0, max_resource_bytes > 0; got {max_retries}, "
                f"{timeout_s}, {max_resource_bytes}"
            )
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.max_resource_bytes = max_resource_bytes
        policy = RetryPolicy(max_retries, backoff_base_s, backoff_max_s, retry_after_max_s)
        self._http = RetryingHttp(
            timeout_s=timeout_s,
            policy=policy,
            limiter=RateLimiter(requests_per_second, clock, sleep),
            user_agent=user_agent,
            sleep=sleep,
            now=now,
            jitter=jitter,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TkOData:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- documents -------------------------------------------------------------------------------------

    def iter_pages(
        self,
        soorten: Sequence[str],
        since: datetime | None = None,
        prefix_match: bool = True,
        *,
        start_link: str | None = None,
    ) -> Iterator[TkPage]:
        """Pages of documents of the given kinds (and all deletions) changed at or after `since`, oldest first.

        With `start_link` (a `next_link` kept from an earlier run) reading resumes exactly there and
        `since` is not used: the link carries the whole query.
        """
        url: str | None
        if start_link is not None:
            url = self._same_origin(start_link, start_link)
        else:
            query = encode_query(document_query(soorten, since, prefix_match))
            url = f"{urljoin(self.base_url, ENTITY_SET)}?{query}"
        seen: set[str] = set()
        while url is not None:
            if url in seen:
                raise SourceResponseError(
                    f"{describe(url)}: the service sent this page's link again; paging would loop"
                )
            seen.add(url)
            payload = self._http.get_json(url)
            page = self._read_page(payload, url, soorten, prefix_match)
            yield page
            url = page.next_link

    def iter_documents(
        self, soorten: Sequence[str], since: datetime | None = None, prefix_match: bool = True
    ) -> Iterator[TkDocument]:
        """The documents of `iter_pages`, one by one, for callers that do not checkpoint per page."""
        for page in self.iter_pages(soorten, since, prefix_match):
            yield from page.documents

    def _read_page(self, payload: dict[str, Any], url: str, soorten: Sequence[str], prefix_match: bool) -> TkPage:
        where = describe(url)
        entities = payload.get("value")
        if not isinstance(entities, list):
            raise SourceResponseError(f"{where}: no 'value' list in the response")
        documents: list[TkDocument] = []
        newest: datetime | None = None
        for entity in entities:
            if not isinstance(entity, dict):
                raise SourceResponseError(f"{where}: an entity that is not a JSON object")
            try:
                document = TkDocument.from_odata(entity)
            except ValueError as e:
                raise SourceResponseError(f"{where}: {e}") from e
            if document.api_gewijzigd_op is not None:
                stamp = _utc(document.api_gewijzigd_op)
                newest = stamp if newest is None or stamp > newest else newest
            if document.verwijderd or matches_soort(document.soort, soorten, prefix_match):
                documents.append(document)
            else:
                logger.debug("%s: %s has soort %r, not asked for; skipped", where, document.id, document.soort)
        next_link = payload.get("@odata.nextLink")
        if next_link is not None and not isinstance(next_link, str):
            raise SourceResponseError(f"{where}: @odata.nextLink is not a string: {next_link!r}")
        if next_link is not None:
            next_link = self._same_origin(urljoin(url, next_link), where)
        logger.info("%s: %d documents (%d entities), next: %s", where, len(documents), len(entities), bool(next_link))
        return TkPage(tuple(documents), next_link, newest)

    def _same_origin(self, link: str, where: str) -> str:
        """Follow links only to the configured service: a link elsewhere is a protocol error, not a redirect."""
        base, target = urlsplit(self.base_url), urlsplit(link)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc) or not target.path.startswith(base.path):
            raise SourceResponseError(f"{where}: a page link outside {self.base_url}: {link}")
        return link

    # -- files -----------------------------------------------------------------------------------------

    def resource_url(self, document_id: str) -> str:
        """`Document(<id>)/resource`, the documented download link; the id must be a GUID."""
        try:
            guid = uuid.UUID(str(document_id))
        except ValueError as e:
            raise ValueError(f"document_id must be a GUID, got {document_id!r}") from e
        return urljoin(self.base_url, f"{ENTITY_SET}({guid})/resource")

    def fetch_resource(self, document_id: str, *, max_bytes: int | None = None) -> Resource:
        """The document's file, checked to be a PDF, DOCX or text (NotADocumentError otherwise)."""
        url = self.resource_url(document_id)
        data, headers = self._http.get_bytes(url, max_bytes or self.max_resource_bytes)
        kind = sniff_document(data, headers.get("content-type"), url)
        return Resource(data, kind, filename_from_disposition(headers.get("content-disposition")))

    def fetch_resources(
        self, document_ids: Iterable[str], *, max_workers: int = 4
    ) -> Iterator[tuple[str, Resource | SourceError]]:
        """Files for many documents on a small thread pool, in input order; a failure is yielded, not raised.

        At most `2 * max_workers` downloads are in flight or waiting, so memory stays bounded; the shared
        rate limit still spaces the requests.
        """
        window: deque[tuple[str, Future[Resource]]] = deque()
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="tk-resource") as pool:
            for document_id in document_ids:
                window.append((document_id, pool.submit(self.fetch_resource, document_id)))
                if len(window) >= 2 * max_workers:
                    yield self._settle(*window.popleft())
            while window:
                yield self._settle(*window.popleft())

    @staticmethod
    def _settle(document_id: str, future: Future[Resource]) -> tuple[str, Resource | SourceError]:
        try:
            return document_id, future.result()
        except SourceError as e:
            return document_id, e
