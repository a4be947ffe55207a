"""The client address that per-client limits count against, decided in one place.

The rule:

1. With ALIGN_CLIENT_IP_META_KEY at its default, REMOTE_ADDR: the address of the connection's peer.
2. With it naming a header the reverse proxy overwrites (HTTP_X_REAL_IP): that header, when it holds exactly
   one IP address. Whitespace around it is ignored; a list ("a, b"), a port, an IPv6 zone ("fe80::1%eth0")
   or anything else that is not one address is not believed.
3. Otherwise — the header missing, empty or not believed — REMOTE_ADDR, with a warning logged once per
   process for each of those cases. Never an empty or made-up key: a request without the header would share
   one bucket with every other such request (one client could lock everyone out), and a fresh garbage value
   per request would be a fresh bucket per request (never limited). The warnings never contain an address.

Limits then count an IPv6 client by its /64 network, the block one subscriber is usually given, so it cannot
step through its own addresses; an IPv4-mapped IPv6 address counts as the IPv4 address it carries.
"""

import ipaddress
import logging
import threading

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# When not even the peer has an IP address (gunicorn on a Unix socket, with no proxy header), every client
# shares this one bucket: too strict rather than unlimited, and the warning says how to fix it.
UNKNOWN = "unknown"

_warned: set[str] = set()
_warned_lock = threading.Lock()


def client_address(request: HttpRequest) -> Address | None:
    """Return the address of the client that sent `request` by the rule above; None when neither the
    configured header nor REMOTE_ADDR holds one IP address."""
    key = settings.ALIGN_CLIENT_IP_META_KEY
    if key != "REMOTE_ADDR":
        value = request.META.get(key, "").strip()
        if not value:
            _warn_once(
                "missing",
                "ALIGN_CLIENT_IP_META_KEY is %s but a request came without that header; counting clients by "
                "REMOTE_ADDR. Align must be reachable only through the proxy that sets the header.",
                key,
            )
        elif (address := ip_parse(value)) is not None:
            return address
        else:
            _warn_once(
                "invalid",
                "ALIGN_CLIENT_IP_META_KEY is %s but a request's header is not one IP address; counting clients "
                "by REMOTE_ADDR. The proxy must overwrite the header with the peer's address, not append to it.",
                key,
            )
    address = ip_parse(request.META.get("REMOTE_ADDR", "").strip())
    if address is None:
        _warn_once(
            "no-peer",
            "A request's REMOTE_ADDR is not an IP address (a Unix socket?); every such client shares one "
            "guessing limit. Put a proxy that sets X-Real-IP in front and set ALIGN_CLIENT_IP_META_KEY.",
        )
    return address


def client_limit_key(request: HttpRequest) -> str:
    """Return what per-client limits count `request` under: its client's IPv4 address, the /64 network of its
    IPv6 address, or UNKNOWN."""
    address = client_address(request)
    if address is None:
        return UNKNOWN
    if address.version == 6:
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def ip_parse(text: str) -> Address | None:
    """Return the IP address `text` is exactly (IPv4-mapped IPv6 as IPv4), or None."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6:
        if address.scope_id is not None:  # "fe80::1%anything": endless spellings, and no proxy sends one
            return None
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
    return address


def _warn_once(case: str, message: str, *args) -> None:
    with _warned_lock:
        if case in _warned:
            return
        _warned.add(case)
    logger.warning(message, *args)
