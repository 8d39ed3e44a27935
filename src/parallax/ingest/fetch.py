"""Download one http(s) URL without letting it reach into the machine's own network.

Every hop of a redirect chain is resolved and refused when any address is private, loopback,
link-local, reserved or otherwise not public (unless allow_private), the body is streamed
under a byte cap and the whole download under one deadline.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .limits import Limits, format_size

MAX_REDIRECTS = 5
USER_AGENT = "parallax/0.1 (+news comparison; offline-first)"


@dataclass
class Download:
    body: bytes
    url: str  # after redirects
    content_type: str | None


def fetch(url: str, *, allow_private: bool, limits: Limits) -> Download:
    """GET the URL; raises ValueError with a one-line reason on any refusal or failure."""
    import httpx

    deadline = time.monotonic() + limits.url_timeout
    # trust_env=False: a proxy from the environment would resolve hosts behind our check.
    with httpx.Client(
        timeout=limits.url_timeout,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    ) as client:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            check_url(current, allow_private=allow_private)
            try:
                with client.stream("GET", current) as response:
                    if response.is_redirect:
                        current = urljoin(current, response.headers.get("location", ""))
                        continue
                    if response.status_code >= 400:
                        raise ValueError(f"HTTP {response.status_code} {response.reason_phrase}")
                    body = _read_capped(response, limits, deadline)
                    return Download(body, str(response.url), response.headers.get("content-type"))
            except httpx.TimeoutException as err:
                raise ValueError(f"timed out after {limits.url_timeout:g} s") from err
            except httpx.HTTPError as err:
                raise ValueError(f"download failed: {err}") from err
    raise ValueError(f"more than {MAX_REDIRECTS} redirects")


def _read_capped(response, limits: Limits, deadline: float) -> bytes:  # type: ignore[no-untyped-def]
    cap = limits.max_url_bytes
    too_big = f"response exceeds {format_size(cap)} limit"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise ValueError(too_big)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():  # decoded: the cap applies after Content-Encoding
        size += len(chunk)
        if size > cap:
            raise ValueError(too_big)
        if time.monotonic() > deadline:
            raise ValueError(f"timed out after {limits.url_timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse non-web schemes, and hosts with any non-public address unless allowed."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"refused: unsupported URL scheme {parts.scheme or '(none)'!r}")
    host = parts.hostname
    if not host:
        raise ValueError("invalid URL: no host")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as err:
        raise ValueError(f"cannot resolve host {host}") from err
    if allow_private:
        return
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not is_public(address):
            raise ValueError(
                f"refused: {host} resolves to non-public address {address} "
                "(private networks need allow_private)"
            )


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable unicast; IPv4-mapped IPv6 judged by its IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast
