"""URL reading against a local server only: private addresses refused unless allowed."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from parallax.ingest import Limits, read_inputs
from parallax.ingest.fetch import check_url, is_public
from parallax.model import Article, ReadError

BODY = (
    "Russian Foreign Minister Sergey Lavrov said military cooperation with Turkey will "
    "continue despite US sanctions, after talks with his Turkish counterpart in Sochi."
)
PAGE = (
    f"<html><head><title>Lavrov in Sochi</title></head><body><article><h1>Lavrov in Sochi</h1>"
    f"<p>{BODY}</p><p>{BODY}</p></article></body></html>"
).encode()
RSS = (
    "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
    f"<item><title>One</title><link>https://news.example.org/1</link><description>{BODY}"
    "</description></item></channel></rss>"
).encode()


class Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {
        "/page": (200, {"Content-Type": "text/html; charset=utf-8"}, PAGE),
        "/feed": (200, {"Content-Type": "application/rss+xml"}, RSS),
        "/redirect": (302, {"Location": "/page"}, b""),
        "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/big": (200, {"Content-Type": "text/plain"}, b"word " * 300_000),
    }

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(1)
        status, headers, body = self.routes.get(self.path, (404, {}, b"not here"))
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (size cap, timeout), as intended

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def read_one(url: str, **options: object) -> list[Article | ReadError]:
    return list(read_inputs([url], **options))  # type: ignore[arg-type]


def test_private_address_refused_by_default(server: str) -> None:
    [error] = read_one(f"{server}/page")
    assert isinstance(error, ReadError) and error.item == f"{server}/page"
    assert error.reason.startswith("refused: 127.0.0.1 resolves to non-public address 127.0.0.1")


def test_private_address_allowed_when_asked(server: str) -> None:
    [article] = read_one(f"{server}/redirect", allow_private=True)
    assert isinstance(article, Article)
    assert article.source == f"{server}/redirect"
    assert article.url == f"{server}/page"  # the URL after redirects
    assert article.title == "Lavrov in Sochi" and article.text.startswith("Russian Foreign")


def test_feed_by_content_type(server: str) -> None:
    [article] = read_one(f"{server}/feed", allow_private=True)
    assert isinstance(article, Article) and article.source_format == "rss"
    assert article.url == "https://news.example.org/1"


@pytest.mark.parametrize(
    ("path", "options", "reason"),
    [
        ("/missing", {}, "HTTP 404 Not Found"),
        ("/to-file", {}, "refused: unsupported URL scheme 'file'"),
        ("/loop", {}, "more than 5 redirects"),
        ("/big", {"limits": Limits(max_url_bytes=1024 * 1024)}, "response exceeds 1 MiB limit"),
        ("/slow", {"limits": Limits(url_timeout=0.3)}, "timed out after 0.3 s"),
    ],
)
def test_download_failures(server: str, path: str, options: dict, reason: str) -> None:
    [error] = read_one(f"{server}{path}", allow_private=True, **options)
    assert error == ReadError(f"{server}{path}", reason)


def test_every_resolved_address_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name with one public and one private address is refused (DNS can return both)."""

    def fake_getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(ValueError, match=r"non-public address 10\.1\.2\.3"):
        check_url("https://news.example.org/a", allow_private=False)
    check_url("https://news.example.org/a", allow_private=True)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata service
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("240.0.0.1", False),  # reserved
        ("224.0.0.1", False),  # multicast
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public
