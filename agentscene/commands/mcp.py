"""CLI commands `agentscene mcp` (an MCP server over stdio or HTTP) and `agentscene view` (live browser viewer)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from agentscene.commands import fail


def mcp(
    transport: Annotated[str, typer.Option(help="stdio (for MCP client configs) or http (streamable HTTP at /mcp).")] = "stdio",
    port: Annotated[int, typer.Option(help="HTTP port.")] = 8766,
    host: Annotated[str, typer.Option(help="HTTP bind address; keep 127.0.0.1 unless you mean to expose it.")] = "127.0.0.1",
    scene: Annotated[Path | None, typer.Option(help="Scene file a new session starts from (else an empty 5 x 4 m room).")] = None,
    workdir: Annotated[Path, typer.Option(help="The only directory clients can read and write; sessions autosave in WORKDIR/sessions/.")] = Path("agentscene-mcp"),
    session: Annotated[str, typer.Option(help="stdio session name; a restarted server with the same name resumes its scene.")] = "default",
    renderer: Annotated[str, typer.Option(help="Renderer for the render tool.")] = "raster",
) -> None:
    """Serve the scene tools to any MCP client (Claude Desktop, IDE agents, agent SDKs)."""
    import anyio
    from pydantic import ValidationError

    from agentscene.formats import SceneFormatError, describe_validation_error, load_scene
    from agentscene.mcpserver import MCPSettings, SessionBusy, serve

    if transport not in ("stdio", "http"):
        raise fail(f"--transport must be stdio or http, got {transport!r}")
    mode: Literal["stdio", "http"] = "stdio" if transport == "stdio" else "http"
    if scene is not None:
        try:
            load_scene(scene)
        except SceneFormatError as e:
            raise fail(str(e)) from None
    try:
        settings = MCPSettings(workdir=workdir.resolve(), scene=scene.resolve() if scene else None, transport=mode,
                               host=host, port=port, session=session, renderer=renderer)
    except ValidationError as e:
        raise fail("; ".join(describe_validation_error(e))) from None
    settings.workdir.mkdir(parents=True, exist_ok=True)
    if mode == "http":
        typer.echo(f"agentscene MCP server on http://{host}:{port}/mcp (workdir {settings.workdir})", err=True)
    try:
        anyio.run(serve, settings)
    except SessionBusy as e:
        raise fail(str(e)) from None
    except ImportError as e:
        raise fail(str(e)) from None
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


def view(
    target: Annotated[Path, typer.Argument(help="A scene file, a run directory (with turns/), or an MCP session directory.")],
    port: Annotated[int, typer.Option(help="Port of the viewer page.")] = 8765,
    host: Annotated[str, typer.Option(help="Bind address; 127.0.0.1 keeps the page on this machine.")] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open the page in the default browser.")] = False,
    screenshot: Annotated[Path | None, typer.Option(help="Write a PNG of the page (headless Chromium) and exit instead of serving.")] = None,
    window: Annotated[str, typer.Option(help="--screenshot: the page's size in pixels, WIDTHxHEIGHT.")] = "1200x800",
) -> None:
    """Show a scene or a run in 3D in the browser; the page follows changes live."""
    from agentscene.viewer import PortInUseError, ViewerSettings, ViewerTargetError, run_viewer
    from agentscene.viewer import screenshot as take_screenshot

    width, sep, height = window.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit() and 64 <= int(width) <= 8192 and 64 <= int(height) <= 8192):
        raise fail(f"--window {window!r} must look like 1200x800 (64 to 8192 pixels each)")
    try:
        settings = ViewerSettings(target=target.resolve(), host=host, port=port)
        if screenshot is not None:
            written = take_screenshot(settings, screenshot, width=int(width), height=int(height))
            typer.echo(f"wrote {written}")
            return
        run_viewer(settings, open_browser=open_browser)
    except (ViewerTargetError, PortInUseError) as e:
        raise fail(str(e)) from None
    except (ImportError, FileNotFoundError) as e:  # a missing extra; no chromium for --screenshot
        raise fail(str(e)) from None
    except (RuntimeError, TimeoutError) as e:  # the page did not draw in time
        raise fail(f"no screenshot: {e}") from None
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.command(name="mcp")(mcp)
    app.command(name="view")(view)
