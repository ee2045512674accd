"""A small HTTP/1.1 client on asyncio streams, keep-alive connections to one
address: cheap enough per request that one Python process can offer a few
thousand requests a second (an HTTP library with a cookie jar and redirects
costs several times more, and the generator shares the box with the store)."""

from __future__ import annotations

import asyncio
import time
from collections import deque

from bench.capacity.shoppers import Request, Response

# A connection idle this long is closed rather than reused: the edge closes
# those idle for 10 s (HAProxy's timeout http-keep-alive), and a request sent
# on one it has just closed gets no answer.
IDLE_SECONDS = 5.0


class Unanswered(ConnectionError):
    """The connection closed before a byte of the answer came."""


class Pool:
    """Connections to ``host:port``, at most ``size`` open at once; a request
    that finds none idle opens one, or waits for one (the wait counts in its
    time, as it would for a browser)."""

    def __init__(self, host: str, port: int, size: int = 2000, timeout=15.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        # (reader, writer, when it became idle), the most recent last.
        self.idle: deque[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = (
            deque()
        )
        self.slots = asyncio.Semaphore(size)
        self.opened = 0
        self.closed = False

    async def send(self, request: Request) -> Response:
        async with self.slots:
            if self.closed:
                raise ConnectionError("the pool is closed")
            for attempt in (0, 1):
                # A retry opens a connection: the others idle beside the one
                # that failed may be closing too (a proxy reloading closes
                # all of its idle ones at once).
                conn = None if attempt else self._reuse()
                fresh = conn is None
                if conn is None:
                    conn = await asyncio.wait_for(
                        asyncio.open_connection(self.host, self.port), self.timeout
                    )
                    self.opened += 1
                try:
                    # A timer, not the task per request wait_for makes: the
                    # generator's CPU is the store's box's too.
                    async with asyncio.timeout(self.timeout):
                        response, keep = await self._exchange(conn, request)
                except (ConnectionError, asyncio.IncompleteReadError) as error:
                    conn[1].close()
                    # A kept-alive connection the server had closed: once more
                    # on a new one, as browsers do; a POST only if no byte of
                    # an answer came (the server closed it idle, unread).
                    unread = isinstance(error, Unanswered)
                    if fresh or attempt or (request.method != "GET" and not unread):
                        raise ConnectionError(str(error)) from error
                    continue
                except BaseException:
                    conn[1].close()
                    raise
                if keep:
                    self.idle.append((*conn, time.monotonic()))
                else:
                    conn[1].close()
                return response
        raise AssertionError("unreachable")

    def _reuse(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The most recently idle connection; if it has been idle too long,
        so have the others, and all are closed."""
        if not self.idle:
            return None
        reader, writer, since = self.idle.pop()
        if time.monotonic() - since < IDLE_SECONDS:
            return reader, writer
        writer.close()
        while self.idle:
            self.idle.pop()[1].close()
        return None

    async def _exchange(self, conn, request: Request) -> tuple[Response, bool]:
        reader, writer = conn
        head = [
            f"{request.method} {request.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
        ]
        head += [f"{name}: {value}" for name, value in request.headers.items()]
        if request.body is not None:
            head.append(f"Content-Length: {len(request.body)}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if request.body:
            writer.write(request.body)
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as error:
            if error.partial:
                raise
            raise Unanswered("closed before answering") from error
        except ConnectionResetError as error:
            raise Unanswered(str(error)) from error
        status_line, *lines = raw.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines:
            if ":" in line:
                name, value = line.split(":", 1)
                name = name.strip().lower()
                value = value.strip()
                headers[name] = (
                    f"{headers[name]}\n{value}" if name in headers else value
                )
        keep = headers.get("connection", "").lower() != "close"
        if request.method == "HEAD" or status in (204, 304) or status < 200:
            body = b""
        elif "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            body = b"".join(parts)
        else:
            body, keep = await reader.read(), False
        return Response(status, headers, body), keep

    def close(self) -> None:
        """Every request still waiting for a connection fails at once, one
        after the other as each slot frees (cancelling tens of thousands of
        waiters instead costs time quadratic in their number)."""
        self.closed = True
        while self.idle:
            self.idle.pop()[1].close()
