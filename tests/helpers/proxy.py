"""A misbehaving server for tests: a real HTTP proxy on loopback in front of the simulator.

It forwards every request to the simulator and can make the answers hostile the way a broken
or malicious service would: replace strings in JSON replies (an id becomes ``../../escape``;
requests naming the replacement are mapped back) and cut image bodies short while declaring
the cut length (a truncated JPEG that arrives "complete"). URLs in replies point at the proxy,
so image downloads and uploads go through it too.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, urlsplit

_HOP = {"host", "connection", "content-length", "transfer-encoding", "accept-encoding"}


@dataclass
class Cut:
    """Answer GETs whose path ends with ``suffix`` with the first ``fraction`` of the body
    (``Content-Length`` says that shorter length), at most ``times`` times (None: always)."""

    suffix: str
    fraction: float = 0.5
    times: int | None = None
    fired: int = 0


@dataclass
class HostileProxy:
    target: str  # the simulator's origin, http://127.0.0.1:PORT
    # real -> hostile: JSON strings equal to ``real`` become ``hostile`` in replies, and request
    # paths naming ``hostile`` are sent on naming ``real``
    replace: dict[str, str] = field(default_factory=dict)
    cuts: list[Cut] = field(default_factory=list)
    seen: list[tuple[str, str]] = field(default_factory=list)  # (method, path) as received
    on_json: Callable[[str], str] | None = None  # sees each JSON reply first
    _server: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def base_url(self, sim_base_url: str) -> str:
        return sim_base_url.replace(self.target, self.origin)

    def start(self) -> HostileProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                proxy._handle(self)

            do_GET = do_POST = do_DELETE = do_PUT = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def count(self, suffix: str) -> int:
        with self._lock:
            return sum(1 for _, path in self.seen if path.split("?")[0].endswith(suffix))

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path
        with self._lock:
            self.seen.append((h.command, path))
        for real, hostile in self.replace.items():
            path = path.replace(quote(hostile, safe=""), real).replace(hostile, real)
        length = int(h.headers.get("content-length") or 0)
        body = h.rfile.read(length) if length else None
        headers = {k: v for k, v in h.headers.items() if k.lower() not in _HOP}
        parts = urlsplit(self.target)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        try:
            conn.request(h.command, path, body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
            status = reply.status
            reply_headers = [(k, v) for k, v in reply.getheaders() if k.lower() not in _HOP]
        finally:
            conn.close()
        kind = dict((k.lower(), v) for k, v in reply_headers).get("content-type", "")
        if "json" in kind:
            text = data.decode("utf-8").replace(self.target, self.origin)
            if self.on_json is not None:
                text = self.on_json(text)  # may add to ``replace``
            for real, hostile in self.replace.items():
                # whole JSON strings only: URLs holding the id keep working
                text = text.replace(f'"{real}"', f'"{hostile}"')
            data = text.encode("utf-8")
        elif h.command == "GET" and status == 200:
            with self._lock:
                for cut in self.cuts:
                    if path.split("?")[0].endswith(cut.suffix) and (
                        cut.times is None or cut.fired < cut.times
                    ):
                        cut.fired += 1
                        data = data[: int(len(data) * cut.fraction)]
                        break
        h.send_response(status)
        for k, v in reply_headers:
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
