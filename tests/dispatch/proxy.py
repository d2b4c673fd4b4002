"""A small HTTP proxy for fault tests: forwards to the real backend, and misbehaves on the requests we choose."""
import socket
import threading
import time
from collections import deque
from typing import Deque, List, Optional, Tuple

# What the proxy can do to one request:
#   pass        forward, relay the answer
#   drop        forward (the backend files it), then close the client's connection: the answer is lost
#   500         answer 500 without forwarding
#   500_after   forward, then answer 500 instead of the backend's answer
#   hang        forward, then keep the client waiting (until it gives up or the proxy is released)
#   429:<s>     answer 429 with Retry-After: <s>, without forwarding
#   garbage     answer 200 with a body that is not JSON, without forwarding
FAULTS = ("pass", "drop", "500", "500_after", "hang", "garbage")


class FaultProxy:
    """Listens on a free loopback port; one request per connection (it forces `Connection: close`)."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._plan: Deque[Tuple[str, str]] = deque()  # (method, fault) applied in order to matching requests
        self._always: Optional[Tuple[str, str]] = None
        self._lock = threading.Lock()
        self.released = threading.Event()
        self.log: List[Tuple[str, str, str]] = []  # (method, path, fault) of every request seen
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str = "/open311/v2") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fail_next(self, *faults: str, method: str = "POST") -> None:
        with self._lock:
            self._plan.extend((method, f) for f in faults)

    def fail_always(self, fault: Optional[str], method: str = "POST") -> None:
        with self._lock:
            self._always = (method, fault) if fault else None

    def count(self, method: str, fault: Optional[str] = None) -> int:
        return sum(1 for m, _, f in self.log if m == method and (fault is None or f == fault))

    def stop(self) -> None:
        self._closed = True
        self.released.set()
        self._listener.close()

    # --- internals --------------------------------------------------------------------------------

    def _choose(self, method: str) -> str:
        with self._lock:
            if self._plan and self._plan[0][0] == method:
                return self._plan.popleft()[1]
            if self._always and self._always[0] == method:
                return self._always[1]
        return "pass"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            try:
                request = _read_request(client)
            except OSError:
                return
            if request is None:
                return
            method, path = request.split(b" ", 2)[:2]
            method, path = method.decode(), path.decode()
            fault = self._choose(method)
            self.log.append((method, path, fault))
            try:
                self._act(client, request, fault)
            except OSError:
                pass

    def _act(self, client: socket.socket, request: bytes, fault: str) -> None:
        if fault == "500":
            client.sendall(_response(500, b'[{"code":500,"description":"injected failure"}]'))
        elif fault.startswith("429:"):
            client.sendall(_response(429, b'[{"code":429,"description":"slow down"}]', {"Retry-After": fault[4:]}))
        elif fault == "garbage":
            client.sendall(_response(200, b"<html>proxy error</html>", {"Content-Type": "text/html"}))
        else:
            answer = self._forward(request)
            if fault == "pass":
                client.sendall(answer)
            elif fault == "500_after":
                client.sendall(_response(500, b'[{"code":500,"description":"injected after filing"}]'))
            elif fault == "hang":
                self.released.wait(60)
            elif fault == "drop":
                # RST instead of FIN: the client sees the connection die with no answer at all.
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")

    def _forward(self, request: bytes) -> bytes:
        with socket.create_connection(self.upstream, timeout=30) as upstream:
            upstream.sendall(request)
            chunks = []
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)


def _read_request(sock: socket.socket) -> Optional[bytes]:
    """One whole HTTP request, rewritten to `Connection: close` so the backend ends the answer with EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    length = 0
    kept = [lines[0]]
    for line in lines[1:]:
        name = line.split(b":", 1)[0].strip().lower()
        if name == b"content-length":
            length = int(line.split(b":", 1)[1])
        if name in (b"connection", b"keep-alive"):
            continue
        kept.append(line)
    kept.append(b"Connection: close")
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    return b"\r\n".join(kept) + b"\r\n\r\n" + body


def _response(status: int, body: bytes, headers: Optional[dict] = None) -> bytes:
    reason = {200: "OK", 429: "Too Many Requests", 500: "Internal Server Error"}[status]
    fields = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close"}
    fields.update(headers or {})
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    return head.encode() + b"\r\n" + body


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.05) -> bool:
    """Poll until `predicate()` is true; a helper for conditions, never a timing assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
