"""Where absolute links start: VRAAGBAAK_PUBLIC_URL, never a Host header a client may have forged.

A feed or an export is read by others than the client that asked for it, so
a link built from the request's Host header would let anyone put another
site's address into them. With the public URL set, every link starts with
it. Without it, the request's own address is used only when its host is a
loopback name (a developer's `make run`: a forged "127.0.0.1" points nobody
anywhere else), and links are relative (`/v1/...`) otherwise; a feed reader
resolves those against the feed's own address (RFC 4287 and xml:base rules).
"""

from __future__ import annotations

import ipaddress

from fastapi import Request

from vraagbaak.service.settings import ServiceSettings

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """True for `localhost`, 127.0.0.0/8 and ::1 (the name as in a Host header, without the port)."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def public_base(request: Request, settings: ServiceSettings) -> str:
    """The start of every absolute link, without a trailing slash; "" means root-relative links."""
    if settings.public_url is not None:
        return str(settings.public_url).rstrip("/")
    host = request.url.hostname or ""
    if is_loopback(host):
        return str(request.base_url).rstrip("/")
    return ""
