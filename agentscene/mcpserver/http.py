"""Serving the MCP server over streamable HTTP (uvicorn), bounded in sessions, bodies and connections."""

from __future__ import annotations

from typing import Any

from agentscene.mcpserver.settings import MCPSettings

MCP_PATH = "/mcp"


def http_app(server: Any, settings: MCPSettings) -> Any:
    """The Starlette app: the MCP endpoint at /mcp, DNS-rebinding protection on for loopback hosts."""
    return server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        json_response=True,  # one JSON body per call: the tools send no progress or log notifications
        host=settings.host,
        max_request_body_size=settings.max_message_bytes,
        max_sessions=settings.max_http_sessions,
    )


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
