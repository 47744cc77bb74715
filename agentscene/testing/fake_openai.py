"""A fake OpenAI-compatible chat-completions server on 127.0.0.1, for end-to-end tests.

It speaks `POST /v1/chat/completions` (text and tool-call answers, usage with a cost) and
`GET /v1/models`, and replays a script of `FakeReply` items, each of which can also be a fault:
an HTTP status (429 with Retry-After, 500, 401, ...), a hang past the client's timeout, tool
calls with malformed JSON arguments, or a 200 answer with no choices. Every request body and
its headers are recorded for assertions.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class FakeReply:
    """One scripted answer (or fault) of the fake server."""

    kind: str  # text | tool_calls | status | hang | empty
    content: str | None = None
    calls: tuple[tuple[str, str], ...] = ()  # (name, raw JSON arguments)
    status: int = 200
    body: dict[str, Any] | None = None
    retry_after: float | None = None
    seconds: float = 0.0
    cost: float | None = None
    usage: tuple[int, int] | None = None

    @staticmethod
    def text(content: str, cost: float | None = None) -> FakeReply:
        return FakeReply("text", content=content, cost=cost)

    @staticmethod
    def tool_calls(calls: list[tuple[str, dict[str, Any] | str]], content: str | None = None,
                   cost: float | None = None) -> FakeReply:
        raw = tuple((name, args if isinstance(args, str) else json.dumps(args)) for name, args in calls)
        return FakeReply("tool_calls", content=content, calls=raw, cost=cost)

    @staticmethod
    def malformed_tool_call(name: str = "add_object", raw_arguments: str = '{"description": "bed", "position": [1, 0,') -> FakeReply:
        return FakeReply("tool_calls", calls=((name, raw_arguments),))

    @staticmethod
    def error(status: int, message: str = "simulated failure", retry_after: float | None = None) -> FakeReply:
        return FakeReply("status", status=status, body={"error": {"message": message, "type": "fake", "code": status}},
                         retry_after=retry_after)

    @staticmethod
    def hang(seconds: float) -> FakeReply:
        return FakeReply("hang", seconds=seconds)

    @staticmethod
    def empty_choice() -> FakeReply:
        return FakeReply("empty")


TERMINATE = FakeReply.tool_calls([("terminate", {"reason": "done"})])


@dataclass
class _State:
    script: list[FakeReply]
    default: FakeReply | None
    responder: Callable[[dict[str, Any]], FakeReply] | None
    model: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    server_version = "fake-openai/1"
    state: _State  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        return None  # keep test output quiet

    def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): nothing to deliver

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, {"object": "list", "data": [{"id": self.state.model, "object": "model", "owned_by": "fake"}]})
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            self._send(400, {"error": {"message": "request body is not JSON"}})
            return
        st = self.state
        with st.lock:
            st.requests.append(body)
            st.headers.append({k.lower(): v for k, v in self.headers.items()})
            if st.script:
                reply = st.script.pop(0)
            elif st.responder is not None:
                reply = st.responder(body)
            elif st.default is not None:
                reply = st.default
            else:
                reply = FakeReply.error(500, "the fake server's script is exhausted")
        self._answer(reply, body)

    def _answer(self, reply: FakeReply, body: dict[str, Any]) -> None:
        if reply.kind == "hang":
            self.state.stopping.wait(reply.seconds)
            self._send(504, {"error": {"message": "hung"}})
            return
        if reply.kind == "status":
            headers = {"Retry-After": f"{reply.retry_after:g}"} if reply.retry_after is not None else None
            self._send(reply.status, reply.body or {}, headers)
            return
        prompt_tokens = reply.usage[0] if reply.usage else max(1, len(json.dumps(body.get("messages", []))) // 4)
        completion_tokens = reply.usage[1] if reply.usage else 12
        usage: dict[str, Any] = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                                 "total_tokens": prompt_tokens + completion_tokens}
        if reply.cost is not None:
            usage["cost"] = reply.cost
        payload: dict[str, Any] = {
            "id": f"chatcmpl-fake-{len(self.state.requests)}",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", self.state.model),
            "usage": usage,
            "choices": [],
        }
        if reply.kind != "empty":
            message: dict[str, Any] = {"role": "assistant", "content": reply.content}
            finish = "stop"
            if reply.calls:
                message["tool_calls"] = [
                    {"id": f"call_{i + 1}", "type": "function", "function": {"name": name, "arguments": args}}
                    for i, (name, args) in enumerate(reply.calls)
                ]
                finish = "tool_calls"
            payload["choices"] = [{"index": 0, "message": message, "finish_reason": finish}]
        self._send(200, payload)


class FakeOpenAIServer:
    """Run with `with FakeOpenAIServer([...]) as server:`; point clients at `server.base_url`."""

    def __init__(self, script: list[FakeReply] | None = None, *, default: FakeReply | None = None,
                 responder: Callable[[dict[str, Any]], FakeReply] | None = None, model: str = "fake-model"):
        self.state = _State(script=list(script or []), default=default, responder=responder, model=model)
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.state.requests

    @property
    def headers(self) -> list[dict[str, str]]:
        return self.state.headers

    def push(self, *replies: FakeReply) -> None:
        """Append replies to the script."""
        with self.state.lock:
            self.state.script.extend(replies)

    def start(self) -> FakeOpenAIServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.state.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
