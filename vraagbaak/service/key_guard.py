"""A limit on wrong API keys per client address: past it, 429 with Retry-After until the minute is over.

Without it a key could be guessed at the speed of the server. While a client
is over the limit every keyed request from it is refused before the key is
compared, a right key too: otherwise a 429 for wrong keys and a 200 for the
right one would still answer each guess. The client is the connection's
address (behind a reverse proxy: the proxy's, unless uvicorn is told to trust
its X-Forwarded-For), so many clients behind one proxy share one allowance;
the admin key is for a few operators, not for the public.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

WINDOW_S = 60.0
MAX_CLIENTS = 10_000
"""Addresses remembered at once; the longest quiet ones are forgotten first, so memory stays bounded."""


class KeyGuard:
    """Wrong-key attempts per client in a sliding window of `window_s`; thread-safe."""

    def __init__(self, limit: int, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.get(client)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            del self._failures[client]
        return failures

    def retry_after(self, client: str) -> int | None:
        """Whole seconds until `client` may try a key again; None when it may now."""
        with self._lock:
            now = self._clock()
            failures = self._recent(client, now)
            if len(failures) < self.limit:
                return None
            return max(1, math.ceil(failures[-self.limit] + self.window_s - now))

    def failed(self, client: str) -> None:
        """Count one wrong key from `client`."""
        with self._lock:
            now = self._clock()
            failures = self._recent(client, now)
            failures.append(now)
            self._failures[client] = failures
            self._failures.move_to_end(client)
            while len(self._failures) > MAX_CLIENTS:
                self._failures.popitem(last=False)
