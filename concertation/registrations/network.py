"""The client's network address, for the rate limits."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, proxies) -> bool:
    return any(address in network for network in proxies)


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, unless it is one of the TRUSTED_PROXIES: then the right-most
    X-Forwarded-For entry that no trusted proxy wrote. Entries further left were written by
    the client and can say anything, so they are never read: otherwise anyone could pick the
    address their attempts count against."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    address = _address(remote)
    if not proxies or address is None or not _trusted(address, proxies):
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a trusted proxy would not write this: keep the proxy's own address
        if not _trusted(address, proxies):
            return str(address)
    return remote
