"""A guarded stdio transport: the SDK's stdio server fed through a bounded reader and writer.

The SDK reads stdin line by line without a size limit, silently drops lines that are not
valid JSON-RPC, and keeps reading while responses wait for a client that does not read
them. This wrapper answers malformed input with JSON-RPC errors (-32700 / -32600), caps the
size of one message, and stops reading once `max_in_flight` requests are unanswered, so a
client that never reads its responses costs bounded memory.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from contextlib import contextmanager
from typing import Any, BinaryIO

import anyio

from agentscene.limits import (
    DEFAULT_LIMITS,
    InputLimitError,
    Limits,
    first_unencodable,
    loads_json,
    repair_text,
)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600


#: Longest request id echoed back in an error (a longer one is answered with id null).
MAX_ID_CHARS = 256
_ID_RE = re.compile(rb'"id"\s*:\s*(-?\d{1,18}(?![\d.eE])|"(?:[^"\\\x00-\x1f]|\\.){0,256}")')


def _request_id(obj: Any) -> str | int | None:
    if isinstance(obj, dict):
        value = obj.get("id")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**18:
            return value
        if isinstance(value, str) and len(value) <= MAX_ID_CHARS and first_unencodable(value) < 0:
            return value
    return None


def peek_id(raw: bytes) -> str | int | None:
    """The request id of a message that cannot be parsed whole (too large, too deep): the first
    `"id": <number or string>` at the top level of the object, from its first 64 KiB, or None."""
    head = raw[: 1 << 16]
    for m in _ID_RE.finditer(head):
        before = head[: m.start()]
        if before.lstrip()[:1] != b"{":
            return None
        # at the top level: outside strings, one more '{' / '[' opened than closed
        depth, in_string, escaped = 0, False, False
        for byte in before:
            if in_string:
                if escaped:
                    escaped = False
                elif byte == 0x5C:
                    escaped = True
                elif byte == 0x22:
                    in_string = False
            elif byte == 0x22:
                in_string = True
            elif byte in (0x7B, 0x5B):
                depth += 1
            elif byte in (0x7D, 0x5D):
                depth -= 1
        if depth != 1 or in_string:
            continue
        try:
            value = json.loads(m.group(1))
        except ValueError:
            return None
        return _request_id({"id": value})
    return None


class _InFlight:
    """Requests read but not yet answered; the reader waits while there are too many."""

    def __init__(self, limit: int):
        self.limit = limit
        self.pending: Counter[Any] = Counter()
        self._room = anyio.Event()

    def add(self, request_id: Any) -> None:
        self.pending[request_id] += 1

    def done(self, request_id: Any) -> None:
        if self.pending.get(request_id, 0) > 0:
            self.pending[request_id] -= 1
            if not self.pending[request_id]:
                del self.pending[request_id]
            self._room.set()

    def __len__(self) -> int:
        return sum(self.pending.values())

    async def wait_for_room(self) -> None:
        while len(self) >= self.limit:
            self._room = anyio.Event()
            await self._room.wait()


class GuardedWriter:
    """The stdout the SDK writes to: one JSON message per write; responses free in-flight slots."""

    def __init__(self, out: BinaryIO, in_flight: _InFlight):
        self._out = out
        self._in_flight = in_flight
        self._lock = anyio.Lock()

    def _write_line(self, data: bytes) -> None:
        self._out.write(data)
        self._out.flush()

    async def write(self, text: str) -> None:
        text, _ = repair_text(text)  # a lone surrogate in a reply must not lose the reply (and its slot)
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        try:
            async with self._lock:
                await anyio.to_thread.run_sync(self._write_line, text.encode("utf-8"))
        finally:  # the slot is freed even when the client has gone and the write fails
            if isinstance(message, dict) and ("result" in message or "error" in message):
                request_id = _request_id(message)
                if request_id is not None:
                    self._in_flight.done(request_id)

    async def flush(self) -> None:
        """Each write already flushed its line."""

    async def error(self, request_id: str | int | None, code: int, message: str) -> None:
        reply = {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
        async with self._lock:
            await anyio.to_thread.run_sync(self._write_line, (json.dumps(reply) + "\n").encode("utf-8"))


class GuardedLines:
    """The stdin the SDK reads from: yields only well-formed JSON-RPC lines, answers the rest itself."""

    def __init__(self, source: BinaryIO, writer: GuardedWriter, in_flight: _InFlight, max_bytes: int,
                 limits: Limits = DEFAULT_LIMITS):
        self._source = source
        self._writer = writer
        self._in_flight = in_flight
        self._max = max_bytes
        self._limits = limits

    def __aiter__(self) -> GuardedLines:
        return self

    async def __anext__(self) -> str:
        from mcp_types import jsonrpc_message_adapter
        from pydantic import ValidationError

        while True:
            await self._in_flight.wait_for_room()
            raw = await anyio.to_thread.run_sync(self._source.readline, self._max + 1, abandon_on_cancel=True)
            if not raw:
                raise StopAsyncIteration
            if len(raw) > self._max and not raw.endswith(b"\n"):
                await self._skip_rest_of_line()
                await self._writer.error(peek_id(raw), INVALID_REQUEST, f"message is larger than the {self._max}-byte limit; it was discarded")
                continue
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
                obj = loads_json(text, self._limits, what="the message")
            except UnicodeDecodeError as e:
                await self._writer.error(None, PARSE_ERROR, f"Parse error: the line is not UTF-8 (byte {e.start})")
                continue
            except json.JSONDecodeError as e:
                await self._writer.error(None, PARSE_ERROR, f"Parse error: the line is not valid JSON ({e})")
                continue
            except InputLimitError as e:  # too deep, a huge integer, NaN, a lone surrogate: the SDK could not answer it
                await self._writer.error(peek_id(raw), PARSE_ERROR, f"Parse error: {e}")
                continue
            if isinstance(obj, list):
                await self._writer.error(None, INVALID_REQUEST, "Invalid Request: JSON-RPC batches are not supported; send one message per line")
                continue
            try:
                jsonrpc_message_adapter.validate_python(obj, by_name=False)
            except ValidationError:
                await self._writer.error(_request_id(obj), INVALID_REQUEST,
                                         "Invalid Request: expected a JSON-RPC 2.0 object with jsonrpc, method and id (or result/error)")
                continue
            request_id = _request_id(obj)
            if "method" in obj and request_id is not None:
                self._in_flight.add(request_id)
            elif obj.get("method") == "notifications/cancelled":
                params = obj.get("params")
                self._in_flight.done(_request_id({"id": params.get("requestId")}) if isinstance(params, dict) else None)
            return text

    async def _skip_rest_of_line(self) -> None:
        while True:
            chunk = await anyio.to_thread.run_sync(self._source.readline, 1 << 20, abandon_on_cancel=True)
            if not chunk or chunk.endswith(b"\n"):
                return


@contextmanager
def claimed_stdio():
    """Take fds 0/1 for the protocol; stray prints (from renderers, say) go to stderr instead of the wire."""
    in_fd, out_fd = os.dup(0), os.dup(1)
    saved_in, saved_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    try:
        with os.fdopen(in_fd, "rb", buffering=1 << 16) as source, os.fdopen(out_fd, "wb", buffering=1 << 16) as out:
            yield source, out
    finally:
        os.dup2(saved_in, 0)
        os.dup2(saved_out, 1)
        os.close(saved_in)
        os.close(saved_out)


async def run_stdio(server: Any, *, max_in_flight: int, max_message_bytes: int) -> None:
    """Serve one client over this process's stdin/stdout until stdin closes."""
    from mcp.server.stdio import stdio_server

    with claimed_stdio() as (source, out):
        in_flight = _InFlight(max_in_flight)
        writer = GuardedWriter(out, in_flight)
        lines = GuardedLines(source, writer, in_flight, max_message_bytes)
        async with stdio_server(stdin=lines, stdout=writer) as (read_stream, write_stream):  # type: ignore[arg-type]
            await server.run(read_stream, write_stream, server.create_initialization_options())
