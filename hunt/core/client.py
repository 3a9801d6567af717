"""Who the client is: one answer for throttles, login lockouts and the stored address hash.

`X-Forwarded-For` is trusted only as far as settings.NUM_PROXIES says: with 0 (the default) it is ignored and
the client is REMOTE_ADDR; with N, the client is the address the outermost of our N proxies saw, i.e. the
N-th entry from the right (entries further left are whatever the client chose to send).
"""

import hashlib
import ipaddress
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest

if TYPE_CHECKING:
    from rest_framework.request import Request


def _valid(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def client_ip(request: "HttpRequest | Request") -> str:
    """The client's address as throttles count it and the stored hash records it ("" when unknown)."""
    meta = request.META
    remote = _valid(str(meta.get("REMOTE_ADDR", "")).strip())
    proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    forwarded = str(meta.get("HTTP_X_FORWARDED_FOR", ""))
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    return _valid(hops[-min(proxies, len(hops))]) or remote


def client_ip_hash(ip: str) -> str:
    """The salted SHA-256 of an address from `client_ip`, as classifications store it ("" for none)."""
    if not ip:
        return ""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest()
