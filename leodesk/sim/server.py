"""HTTP plumbing: the threaded loopback server, fault injection, latency and recording."""

from __future__ import annotations

import contextlib
import fnmatch
import io
import json
import select
import socket
import struct
import sys
import threading
import time
import traceback
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import images
from .api import API_PREFIX, CDN_PREFIX, S3_PREFIX, Response, SimApi
from .config import SimConfig
from .faults import (
    DEFAULT_NULL_FIELDS,
    REPLACING_KINDS,
    Fault,
    FaultSet,
    apply_nulls,
    apply_unknown_enums,
    apply_upscale_misspelled,
    make_fault,
    parse_faults,
    retry_after_text,
)
from .state import LCM_PATHS, SimState


@dataclass(frozen=True)
class RecordedRequest:
    """One request the simulator received (API, CDN, S3 or anything else).

    ``path`` is relative to ``/api/rest/v1`` for API calls (``/generations/abc``) and the full
    path otherwise (``/cdn/...``, ``/s3/...``). ``status`` is the response status once handled
    (0 while in flight or when the connection was reset, 499 when the client hung up during a
    ``slow`` fault before the operation ran). ``form_fields`` lists the multipart field names in
    order for S3 POSTs.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any
    time: float
    status: int = 0
    form_fields: list[str] | None = None


_HTML = {
    502: ("502 Bad Gateway", "502 Bad Gateway"),
    503: ("503 Service Temporarily Unavailable", "503 Service Temporarily Unavailable"),
    504: ("504 Gateway Time-out", "504 Gateway Time-out"),
}


#: The page a captive portal or a misconfigured CDN answers with, status 200.
_PORTAL_HTML = (
    b'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
    b"<title>Sign in to Wi-Fi</title></head>\n<body>\n<h1>Welcome to Airport Free Wi-Fi</h1>\n"
    b"<p>Please accept the terms of use to continue browsing.</p>\n"
    b'<form method="post" action="/login"><button type="submit">Accept and connect</button>'
    b"</form>\n</body>\n</html>\n"
)


def fault_response(fault: Fault) -> Response:
    """The response a replacing fault (an error status, ``html200``, ``bomb``) sends."""
    if fault.kind == "html200":
        return Response(200, _PORTAL_HTML, {"Content-Type": "text/html; charset=utf-8"})
    if fault.kind == "bomb":
        return Response(200, images.bomb_png(), {"Content-Type": "image/png"})
    status = int(fault.kind)
    if status == 429:
        retry = retry_after_text(fault.params.get("retry_after", 1))
        return Response.of_json(
            429,
            {"error": "Too Many Requests", "path": "$", "code": "rate-limited"},
            {"Retry-After": retry},
        )
    if status == 500:
        return Response.of_json(500, {"error": "internal error", "path": "$", "code": "unexpected"})
    title, heading = _HTML[status]
    html = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{heading}</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode()
    headers = {"Content-Type": "text/html"}
    if status == 503 and "retry_after" in fault.params:
        headers["Retry-After"] = retry_after_text(fault.params["retry_after"])
    return Response(status, html, headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sim: SimServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError | OSError | ValueError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # buffered: status line, headers and body leave in one send
    server_version = "leodesk-sim"
    sys_version = ""
    server: _Server
    _rec_ref: tuple[int, int] = (-1, -1)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in one write, and without Nagle's delay (40 ms per response
        # with delayed ACKs on loopback otherwise).
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.sim._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.sim._track(self.connection, False)

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_GET
    do_DELETE = do_GET
    do_PUT = do_GET
    do_PATCH = do_GET
    do_HEAD = do_GET
    do_OPTIONS = do_GET

    # ------------------------------------------------------------------ request parts

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        sim = self.server.sim
        method = self.command.upper()
        split = urlsplit(self.path)
        path = split.path or "/"
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            area, rec_path = "api", path[len(API_PREFIX) :] or "/"
        elif path.startswith(CDN_PREFIX):
            area, rec_path = "cdn", path
        elif path.startswith(S3_PREFIX):
            area, rec_path = "s3", path
        else:
            area, rec_path = "other", path
        parsed: Any = None
        if body and area != "s3":
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                parsed = None
        record = RecordedRequest(method, rec_path, query, headers, body, parsed, time.time())
        index = sim._record(record)
        self._rec_ref = index
        status = 0
        form_fields: list[str] | None = None
        try:
            status, form_fields = self._process(area, method, rec_path, query, headers, body)
        except Exception:
            traceback.print_exc()
            status = self._send(
                method,
                Response.of_json(
                    500, {"error": "internal error", "path": "$", "code": "unexpected"}
                ),
            )
        finally:
            sim._record_done(index, status, form_fields)

    # ------------------------------------------------------------------ processing

    def _process(
        self,
        area: str,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[int, list[str] | None]:
        sim = self.server.sim
        fired = sim._faults.pick(method, path)
        error = next((f for f in fired if f.kind in REPLACING_KINDS), None)
        slow = next((f for f in fired if f.kind == "slow"), None)
        reset = next((f for f in fired if f.kind == "reset"), None)
        silent = next((f for f in fired if f.kind == "silent"), None)
        truncated = next((f for f in fired if f.kind == "truncated"), None)
        short = next((f for f in fired if f.kind == "short_length"), None)
        malformed = next((f for f in fired if f.kind == "malformed_json"), None)
        transforms = [f for f in fired if f.kind in ("nulls", "unknown_enum", "upscale_misspelled")]
        latency = sim.config.latency_ms / 1000.0 if area == "api" else 0.0

        if (
            slow is not None
            and not slow.commit
            and (sim._sleep(float(slow.params.get("delay", 1.0))) or self._peer_closed())
        ):
            self.close_connection = True
            return 499, None
        if reset is not None and not reset.commit:
            self._reset()
            return 0, None
        if silent is not None and not silent.commit:
            self._hold_silent(silent)
            return 0, None
        if error is not None and not error.commit:
            sim._sleep(latency)
            return self._send(method, fault_response(error)), None

        resp = self._perform(area, method, path, query, headers, body)
        if area == "api" and method == "POST" and path in LCM_PATHS and resp.status == 200:
            sim._sleep(sim.config.lcm_latency)  # the time an LCM answer takes to compute

        if transforms and resp.json is not None and resp.status == 200 and area == "api":
            data = resp.json
            for f in transforms:
                if f.kind == "nulls":
                    data = apply_nulls(data, f.params.get("fields") or DEFAULT_NULL_FIELDS)
                elif f.kind == "unknown_enum":
                    data = apply_unknown_enums(data, f.params.get("fields"), f.params.get("value"))
                else:
                    data = apply_upscale_misspelled(data)
            new = Response.of_json(resp.status, data, resp.headers)
            new.op_id, resp = resp.op_id, new
        if slow is not None and slow.commit:
            sim._sleep(float(slow.params.get("delay", 1.0)))
        sim._sleep(latency)
        if reset is not None:
            self._reset()
            return 0, resp.form_fields
        if silent is not None:
            self._hold_silent(silent)
            return 0, resp.form_fields
        if error is not None:
            sent = self._send(method, fault_response(error), form_fields=resp.form_fields)
            return sent, resp.form_fields
        if truncated is not None:
            fraction = float(truncated.params.get("fraction", 0.5))
            return self._send(method, resp, cut=fraction), resp.form_fields
        if short is not None:
            fraction = float(short.params.get("fraction", 0.5))
            body = resp.body[: int(len(resp.body) * fraction)]
            resp = Response(resp.status, body, resp.headers, None, resp.op_id, resp.form_fields)
        if malformed is not None and resp.body:
            cut = resp.body[: max(1, len(resp.body) * 2 // 3)] + b"<!-- upstream error -->"
            resp = Response(resp.status, cut, resp.headers, None, resp.op_id, resp.form_fields)
        return self._send(method, resp), resp.form_fields

    def _perform(
        self,
        area: str,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
    ) -> Response:
        api = self.server.sim._api
        if area == "api":
            return api.handle_api(method, path, query, headers, body)
        if area == "cdn":
            return api.handle_cdn(method, path)
        if area == "s3":
            return api.handle_s3(method, path, headers, body)
        return Response.of_json(
            404, {"error": "resource does not exist", "path": "$", "code": "not-found"}
        )

    # ------------------------------------------------------------------ writing

    def _send(
        self,
        method: str,
        resp: Response,
        *,
        cut: float | None = None,
        form_fields: list[str] | None = None,
    ) -> int:
        body = resp.body
        # Final status goes into the record before the client can see the response.
        fields = form_fields if form_fields is not None else resp.form_fields
        self.server.sim._record_done(self._rec_ref, resp.status, fields)
        try:
            self.send_response(resp.status)
            for key, value in resp.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            if cut is not None:
                self.send_header("Connection", "close")
                self.close_connection = True
            payload = b"" if method == "HEAD" else body
            if cut is not None:
                payload = payload[: int(len(payload) * cut)]
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
        return resp.status

    def _hold_silent(self, fault: Fault) -> None:
        """Send nothing; keep the connection open until the client hangs up, ``max`` seconds
        pass or the server stops, then close it."""
        self.close_connection = True
        sim = self.server.sim
        deadline = time.monotonic() + float(fault.params.get("max", 120.0))
        while time.monotonic() < deadline and not self._peer_closed():
            if sim._sleep(min(0.05, max(0.0, deadline - time.monotonic()))):
                break

    def _reset(self) -> None:
        """Close the connection with a TCP RST and no response."""
        self.close_connection = True
        linger = struct.pack("ii", 1, 0)
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        for f in (self.rfile, self.wfile):
            with contextlib.suppress(OSError):
                f.close()
        with contextlib.suppress(OSError):
            self.connection.close()
        self.rfile = io.BytesIO()
        self.wfile = io.BytesIO()

    def _peer_closed(self) -> bool:
        """True when the client has closed its side (it gave up waiting)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return bool(self.connection.recv(1, socket.MSG_PEEK) == b"")
        except OSError:
            return True


class SimServer:
    """A simulated Leonardo.Ai Production API on ``127.0.0.1``.

    ``SimServer(cfg).start()`` binds and serves on a daemon thread; ``stop()`` shuts it down.
    Usable as a context manager.
    """

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.state = SimState(self.config)
        self._faults = FaultSet(self.config.seed)
        for fault in parse_faults(self.config.faults):
            self._faults.add(fault)
        self._api = SimApi(self.state, self.config.api_key)
        self._records: list[RecordedRequest] = []
        self._records_lock = threading.Lock()
        self._records_epoch = 0
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._saver: threading.Thread | None = None
        self._saver_stop = threading.Event()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SimServer:
        """Bind ``127.0.0.1:<port>`` and serve in a daemon thread; returns self."""
        if self._httpd is not None:
            return self
        port = int(self.config.port)
        httpd: _Server | None = None
        if port == 0 and self.state.saved_port:
            # A kept account is served on its earlier port when free, so the URLs it handed
            # out (images, uploads) still work.
            with contextlib.suppress(OSError):
                httpd = _Server(("127.0.0.1", self.state.saved_port), _Handler)
        if httpd is None:
            httpd = _Server(("127.0.0.1", port), _Handler)
        httpd.sim = self
        self._httpd = httpd
        self._stop.clear()
        self.state.origin = self.origin
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.01},
            daemon=True,
            name=f"leodesk-sim:{self.port}",
        )
        self._thread.start()
        if self.config.state_dir and (self.state.kept or self.state.reopen_store()):
            # Written at once: the account (and the port its URLs name) is on disk before a
            # client sees any of its ids.
            self.state.save()
            self._saver_stop.clear()
            self._saver = threading.Thread(
                target=self._save_loop, daemon=True, name=f"leodesk-sim-save:{self.port}"
            )
            self._saver.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections and join the server thread."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stop.set()
        httpd.shutdown()
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        saver, self._saver = self._saver, None
        if saver is not None:
            self._saver_stop.set()
            saver.join(timeout=30)
        if self.config.state_dir:
            self.state.save()
            self.state.close_store()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._httpd is None:
            raise RuntimeError("SimServer is not started")
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/api/rest/v1``."""
        return self.origin + API_PREFIX

    @property
    def user_id(self) -> str:
        """The account's user id."""
        return self.state.user_id

    @property
    def api_key(self) -> str:
        """The accepted bearer key."""
        return self.config.api_key

    # ------------------------------------------------------------------ recording

    def _record(self, rec: RecordedRequest) -> tuple[int, int]:
        with self._records_lock:
            self._records.append(rec)
            return self._records_epoch, len(self._records) - 1

    def _record_done(
        self, ref: tuple[int, int], status: int, form_fields: list[str] | None
    ) -> None:
        epoch, index = ref
        with self._records_lock:
            if epoch == self._records_epoch and index < len(self._records):
                self._records[index] = replace(
                    self._records[index], status=status, form_fields=form_fields
                )

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (a snapshot), oldest first."""
        with self._records_lock:
            return list(self._records)

    def clear_requests(self) -> None:
        """Forget the recorded requests (requests in flight are not recorded afterwards)."""
        with self._records_lock:
            self._records.clear()
            self._records_epoch += 1

    def count(self, method: str, path_glob: str) -> int:
        """How many requests matched ``method`` (or ``*``) and ``path_glob`` (fnmatch)."""
        method = method.upper()
        return sum(
            1
            for r in self.requests
            if (method == "*" or r.method == method) and fnmatch.fnmatchcase(r.path, path_glob)
        )

    # ------------------------------------------------------------------ faults and jobs

    def add_fault(
        self,
        method: str,
        path_glob: str,
        kind: str,
        *,
        probability: float = 1.0,
        times: int | None = None,
        **params: Any,
    ) -> Fault:
        """Add a fault rule (see the grammar in :mod:`leodesk.sim`); returns it."""
        return self._faults.add(
            make_fault(method, path_glob, kind, probability=probability, times=times, **params)
        )

    def add_faults(self, spec: str) -> list[Fault]:
        """Add rules written in the ``--faults`` grammar."""
        return [self._faults.add(f) for f in parse_faults(spec)]

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        """The active fault rules (with their ``fired`` counters)."""
        return self._faults.rules

    def complete_all(self) -> int:
        """Finish every pending job now (FAILED for fail words); returns how many."""
        return self.state.complete_all()

    def save(self) -> bool:
        """Write the account to ``state_dir`` now if it changed; True when written."""
        return self.state.save()

    # ------------------------------------------------------------------ internals

    def _save_loop(self) -> None:
        interval = max(0.05, float(self.config.save_interval_s))
        while not self._saver_stop.wait(interval):
            self.state.save()

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless stopping; True when the server is stopping."""
        if seconds <= 0:
            return self._stop.is_set()
        return self._stop.wait(seconds)

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._conns_lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)
