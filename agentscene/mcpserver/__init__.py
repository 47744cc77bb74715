"""An MCP server for agentscene: any MCP client edits a scene through the typed scene tools.

`serve(settings)` runs it over stdio or streamable HTTP; `build_server` gives the SDK server
object for embedding. The `mcp` package is imported only when a server is built
(`pip install 'agentscene[mcp]'`).
"""

from __future__ import annotations

from agentscene.mcpserver.paths import PathRefused, confine
from agentscene.mcpserver.service import Outcome, ToolRunner
from agentscene.mcpserver.session import SceneSession, SessionBusy, SessionStore, default_scene
from agentscene.mcpserver.settings import MCPSettings
from agentscene.mcpserver.tool_specs import all_tool_specs


def build_server(settings: MCPSettings, store: SessionStore, runner: ToolRunner, *, http: bool = False):
    """The SDK `Server` for these settings: one fixed session over stdio, one per Mcp-Session-Id over HTTP."""
    from agentscene.mcpserver import server

    key = server.http_session if http else server.fixed_session(settings.session)
    return server.build_server(settings, store, runner, key, handshake_only=http)


async def serve(settings: MCPSettings, *, ready=None) -> None:
    """Run the server with the transport the settings name, until the client (stdio) or a signal (HTTP) ends it."""
    store = SessionStore(settings)
    runner = ToolRunner(settings)
    try:
        if settings.transport == "stdio":
            from agentscene.mcpserver.stdio import run_stdio

            store.lock(settings.session)
            store.get(settings.session)  # resume or start now, so the autosave exists before the first call
            await run_stdio(build_server(settings, store, runner), max_in_flight=settings.max_in_flight,
                            max_message_bytes=settings.max_message_bytes)
        else:
            from agentscene.mcpserver.http import run_http

            await run_http(build_server(settings, store, runner, http=True), settings, ready=ready)
    finally:
        runner.close()
        store.close()


__all__ = [
    "MCPSettings", "Outcome", "PathRefused", "SceneSession", "SessionBusy", "SessionStore", "ToolRunner",
    "all_tool_specs", "build_server", "confine", "default_scene", "serve",
]
