"""Serving the MCP server over streamable HTTP (uvicorn), bounded in sessions, bodies and connections."""

from __future__ import annotations

import json
from typing import Any

from agentscene.limits import DEFAULT_LIMITS, InputLimitError, Limits, loads_json
from agentscene.mcpserver.settings import MCPSettings
from agentscene.mcpserver.stdio import INVALID_REQUEST, PARSE_ERROR, peek_id

MCP_PATH = "/mcp"


def http_app(server: Any, settings: MCPSettings) -> Any:
    """The Starlette app: the MCP endpoint at /mcp, DNS-rebinding protection on for loopback hosts,
    behind a guard that answers what the SDK could not (see GuardedBodies)."""
    app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        json_response=True,  # one JSON body per call: the tools send no progress or log notifications
        host=settings.host,
        max_request_body_size=settings.max_message_bytes,
        max_sessions=settings.max_http_sessions,
    )
    return GuardedBodies(app, settings.max_message_bytes)


class GuardedBodies:
    """ASGI middleware: a POSTed JSON body that is too deep, holds huge integers, NaN or lone
    surrogates is answered with a JSON-RPC error (400, carrying the request id when it can be read)
    before the SDK parses it; bodies past the size cap get 413. Anything else passes unchanged."""

    def __init__(self, app: Any, max_bytes: int, limits: Limits = DEFAULT_LIMITS):
        self.app = app
        self.max_bytes = max_bytes
        self.limits = limits

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        chunks, total, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_bytes:
                await _error(send, 413, peek_id(b"".join(chunks) + chunk), INVALID_REQUEST,
                             f"the message is larger than the {self.max_bytes}-byte limit")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            loads_json(body, self.limits, what="the message")
        except InputLimitError as e:
            await _error(send, 400, peek_id(body), PARSE_ERROR, f"Parse error: {e}")
            return
        except ValueError:
            pass  # not JSON at all: the SDK answers that itself
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _error(send: Any, status: int, request_id: Any, code: int, message: str) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def run_http(server: Any, settings: MCPSettings, *, ready: Any = None) -> None:
    """Serve until cancelled. `ready`, if given, is called with the bound port once listening."""
    import uvicorn

    config = uvicorn.Config(
        http_app(server, settings), host=settings.host, port=settings.port, log_level="warning",
        limit_concurrency=settings.http_concurrency, timeout_keep_alive=30, lifespan="on", timeout_graceful_shutdown=2,
    )
    userver = uvicorn.Server(config)
    if ready is None:
        await userver.serve()
        return
    import anyio

    async with anyio.create_task_group() as tg:
        tg.start_soon(userver.serve)
        while not userver.started:
            await anyio.sleep(0.02)
        port = userver.servers[0].sockets[0].getsockname()[1]
        ready(port)
