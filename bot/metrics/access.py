"""Who may read /metrics: loopback, the networks in HOANHAP_METRICS_NETWORKS, or the bearer of
HOANHAP_METRICS_TOKEN. Everyone else is told there is nothing here (404).

A request that came through a proxy is never "local": a reverse proxy on the same host connects from
127.0.0.1, so without this rule everything it forwards would pass as loopback. Its address counts
only when the proxy is a trusted one (HOANHAP_TRUSTED_PROXIES), which says who the client was.
"""

from __future__ import annotations

import hmac
from ipaddress import IPv4Address, IPv6Address, ip_address

from fastapi import Request

from bot.config import Settings
from bot.web.security import client_address

_FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        found = ip_address(text)
    except ValueError:
        return None
    # "::ffff:127.0.0.1" on a dual-stack socket is IPv4's loopback.
    if isinstance(found, IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _bearer_matches(request: Request, settings: Settings) -> bool:
    if settings.metrics_token is None or not settings.metrics_token.get_secret_value():
        return False
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = settings.metrics_token.get_secret_value()
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


def may_read_metrics(request: Request, settings: Settings) -> bool:
    if _bearer_matches(request, settings):
        return True
    proxies = settings.trusted_proxy_networks()
    peer = _address(request.client.host if request.client else "")
    if peer is None:
        return False
    from_trusted_proxy = any(peer in network for network in proxies)
    if not from_trusted_proxy and any(name in request.headers for name in _FORWARDING_HEADERS):
        return False
    client = _address(client_address(request, proxies)) if from_trusted_proxy else peer
    if client is None:
        return False
    return client.is_loopback or any(client in network for network in settings.metrics_network_list())
