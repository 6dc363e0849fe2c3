"""An HTTP server on the loopback interface that receives webhooks, for tests: standard
library only (`http.server` in a thread). It answers 500 to its first `fail` requests and 204
to the others, and keeps every request whole (headers and body bytes)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    url: str
    fail: int = 0
    requests: list[Received] = field(default_factory=list)


@contextmanager
def webhook_receiver(*, fail: int = 0) -> Iterator[Receiver]:
    lock = threading.Lock()
    receiver = Receiver(url="", fail=fail)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                status = 500 if receiver.fail > 0 else 204
                receiver.fail -= 1
                receiver.requests.append(Received(self.path, dict(self.headers.items()),
                                                  body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
