"""The MCP server itself: the SDK's low-level `Server` wired to sessions and the tool runner.

The low-level server is used (not MCPServer's decorators) so the tool schemas are exactly the
ones `strict_json_schema` generates, byte for byte the chat-completions contract.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from agentscene.formats import dump_scene
from agentscene.mcpserver.service import Outcome, ToolRunner
from agentscene.mcpserver.session import SessionStore
from agentscene.mcpserver.settings import MCPSettings
from agentscene.mcpserver.tool_specs import all_tool_specs
from agentscene.protocol import mcp_instructions

SCENE_URI = "scene://current"
SERVER_NAME = "agentscene"
_HTTP_SESSION_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}$")

SessionKey = Callable[[Any], "str | None"]


def _require_mcp() -> None:
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise ImportError("the MCP server needs the mcp package: pip install 'agentscene[mcp]'") from None


def fixed_session(key: str) -> SessionKey:
    """stdio: one process serves one client, so every call belongs to the same session."""
    return lambda ctx: key


def http_session(ctx: Any) -> str | None:
    """Streamable HTTP: the transport's Mcp-Session-Id names the session (absent on stateless requests)."""
    request = ctx.request
    if request is None:
        return None
    value = request.headers.get("mcp-session-id")
    if value is None or not _HTTP_SESSION_RE.match(value):
        return None
    return "http-" + value


def _tool_result(outcome: Outcome) -> Any:
    import mcp_types as types

    content: list[Any] = [types.TextContent(type="text", text=outcome.text)]
    if outcome.image_png is not None:
        content.append(types.ImageContent(type="image", data=outcome.image_base64(), mime_type="image/png"))
    return types.CallToolResult(content=content, structured_content=outcome.data, is_error=not outcome.ok)


def _tools() -> list[Any]:
    import mcp_types as types

    return [
        types.Tool(
            name=spec.name,
            description=spec.description,
            input_schema=spec.input_schema(),
            annotations=types.ToolAnnotations(read_only_hint=spec.read_only, destructive_hint=spec.destructive,
                                              idempotent_hint=spec.read_only, open_world_hint=False),
        )
        for spec in all_tool_specs()
    ]


NO_SESSION = (
    "this request carries no MCP session, and the server keeps one scene per session: connect with the "
    "initialize handshake (the SDK's default 'auto' mode does this against this server) so the transport "
    "assigns an Mcp-Session-Id"
)


def build_server(settings: MCPSettings, store: SessionStore, runner: ToolRunner, session_key: SessionKey,
                 *, handshake_only: bool = False) -> Any:
    """An `mcp.server.Server` serving the scene tools and the `scene://current` resource.

    `handshake_only` makes `server/discover` advertise only handshake-era protocol versions, so
    HTTP clients negotiate a stateful session (the 2026-07-28 era has no sessions to keep a scene in).
    """
    _require_mcp()
    import mcp_types as types
    from mcp.server import Server
    from mcp.shared.exceptions import MCPError
    from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

    tools = _tools()

    async def list_tools(ctx: Any, params: Any) -> Any:
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Any, params: Any) -> Any:
        key = session_key(ctx)
        if key is None:
            return _tool_result(Outcome.refuse("no_session", NO_SESSION))
        outcome = await runner.call(store.get(key), params.name, params.arguments)
        return _tool_result(outcome)

    async def list_resources(ctx: Any, params: Any) -> Any:
        return types.ListResourcesResult(resources=[types.Resource(
            uri=SCENE_URI, name="current_scene", title="Current scene",
            description="The scene this session is editing, as native agentscene JSON.", mime_type="application/json",
        )])

    async def read_resource(ctx: Any, params: Any) -> Any:
        if str(params.uri) != SCENE_URI:
            raise MCPError(types.INVALID_PARAMS, f"unknown resource {str(params.uri)[:200]!r}; the only resource is {SCENE_URI}")
        key = session_key(ctx)
        if key is None:
            raise MCPError(types.INVALID_PARAMS, NO_SESSION)
        text = json.dumps(dump_scene(store.get(key).scene, "native"), ensure_ascii=False)
        return types.ReadResourceResult(contents=[types.TextResourceContents(uri=SCENE_URI, mime_type="application/json", text=text)])

    from agentscene import __version__

    instructions = mcp_instructions()  # what the server tells clients about the tools (agentscene.protocol owns the text)
    server = Server(SERVER_NAME, version=__version__, title="agentscene scene editor", instructions=instructions,
                    on_list_tools=list_tools, on_call_tool=call_tool,
                    on_list_resources=list_resources, on_read_resource=read_resource)

    if handshake_only:
        async def discover(ctx: Any, params: Any) -> Any:
            return types.DiscoverResult(supported_versions=list(HANDSHAKE_PROTOCOL_VERSIONS),
                                        capabilities=server.get_capabilities(), instructions=instructions)

        server.add_request_handler("server/discover", types.RequestParams, discover)
    return server
