"""What each MCP tool does, independent of the MCP wire: a call in, an Outcome out.

Model mistakes (bad arguments, unknown ids, paths outside the workdir, missing optional
packages) come back as an Outcome with `ok=False`; the server turns those into tool results
with `isError`. Bugs in our code raise.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import anyio
from pydantic import BaseModel, ValidationError

from agentscene.fileio import UnsafePathError, atomic_write_json
from agentscene.formats import (
    SceneFormatError,
    describe_validation_error,
    dialect_names,
    dump_scene,
    get_dialect,
    load_scene,
    read_json_file,
)
from agentscene.mcpserver.paths import PathRefused, confine, relative_to_workdir
from agentscene.mcpserver.session import SESSIONS_DIR, SceneSession
from agentscene.mcpserver.settings import MCPSettings
from agentscene.mcpserver.tool_specs import SESSION_TOOLS, Export, LoadScene, NewScene, Render
from agentscene.protocol import result_text
from agentscene.scene import Room, Scene
from agentscene.tools import MAX_OBJECTS, TOOLS, apply_tool


@dataclass(frozen=True)
class Outcome:
    """The result of one tool call: text for the model, optional structured data and PNG image."""

    ok: bool
    text: str
    data: dict[str, Any] | None = None
    image_png: bytes | None = None
    error: str | None = None

    @classmethod
    def refuse(cls, code: str, message: str) -> Outcome:
        text = result_text({"ok": False, "error": code, "message": message})
        return cls(ok=False, text=text, error=code, data={"ok": False, "error": code, "message": message})

    def image_base64(self) -> str | None:
        return base64.b64encode(self.image_png).decode("ascii") if self.image_png is not None else None


_SESSION_MODELS: dict[str, type[BaseModel]] = {spec.name: spec.model for spec in SESSION_TOOLS}


class _BadArguments(Exception):
    def __init__(self, outcome: Outcome):
        super().__init__(outcome.text)
        self.outcome = outcome


def _parse(name: str, model: type[BaseModel], arguments: Any) -> Any:
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise _BadArguments(Outcome.refuse("invalid_arguments", f"arguments of {name} must be a JSON object, got {type(arguments).__name__}"))
    try:
        return model.model_validate(arguments)
    except ValidationError as e:
        problems = "; ".join(describe_validation_error(e, limit=5))
        signature = f"{name}(" + ", ".join(model.model_fields) + ")"
        raise _BadArguments(Outcome.refuse("invalid_arguments", f"{problems}. Expected {signature}")) from None


def _writable_dialects() -> list[str]:
    return [n for n in dialect_names() if get_dialect(n).dump is not None]


@dataclass
class ToolRunner:
    """Runs tool calls against sessions. Heavy work (evaluate, render, reading files) runs off the event loop."""

    settings: MCPSettings
    _renderer: Any = None
    _render_thread: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="agentscene-render"))

    async def call(self, session: SceneSession, name: str, arguments: Any) -> Outcome:
        if name in TOOLS:
            return self._edit(session, name, arguments)
        if name not in _SESSION_MODELS:
            known = ", ".join([*TOOLS, *_SESSION_MODELS])
            return Outcome.refuse("unknown_tool", f"unknown tool {str(name)[:64]!r}; the tools are {known}")
        try:
            args = _parse(name, _SESSION_MODELS[name], arguments)
        except _BadArguments as bad:
            return bad.outcome
        if name == "new_scene":
            return self._new_scene(session, args)
        if name == "load_scene":
            return await self._load_scene(session, args)
        if name == "get_scene":
            return self._get_scene(session)
        if name == "undo":
            return self._undo(session)
        if name == "export":
            return self._export(session, args)
        if name == "evaluate":
            scene = session.scene
            return await anyio.to_thread.run_sync(evaluate_scene, scene)
        if name == "render":
            return await self._render(session.scene, args)
        raise AssertionError(f"tool {name} has a model but no handler")

    def close(self) -> None:
        if self._renderer is not None:
            renderer, self._renderer = self._renderer, None
            self._render_thread.submit(renderer.close).result()
        self._render_thread.shutdown(wait=True)

    # -- scene edits ---------------------------------------------------------------------

    def _edit(self, session: SceneSession, name: str, arguments: Any) -> Outcome:
        if arguments is not None and not isinstance(arguments, dict):
            return Outcome.refuse("invalid_arguments", f"arguments of {name} must be a JSON object, got {type(arguments).__name__}")
        result = apply_tool(session.scene, name, arguments)
        summary = {"tool": result.tool, "ok": result.ok, "message": result.message, "error": result.error,
                   "object_id": result.object_id}
        if not result.ok:
            return Outcome.refuse(str(result.error), result.message)
        turn = None
        if result.scene is not session.scene:
            turn = session.commit(result.scene, tool=name, arguments=arguments, result=summary)
        data = {**summary, "n_objects": len(session.scene.objects), "turn": turn, "terminated": result.terminated}
        return Outcome(ok=True, text=result_text(summary), data=data)

    def _new_scene(self, session: SceneSession, args: NewScene) -> Outcome:
        try:
            room = Room(room_type=args.room_type, floor=tuple(tuple(p) for p in args.floor), height=args.height)
        except ValidationError as e:
            return Outcome.refuse("invalid_arguments", "; ".join(describe_validation_error(e, limit=5)))
        scene = Scene(room=room, metadata={"provenance": "agentscene mcp new_scene"})
        message = f"New empty {room.room_type}: {room.area:.1f} m² floor, {room.height:g} m high, {len(room.floor)} walls."
        turn = session.commit(scene, tool="new_scene", arguments=args.model_dump(), result={"tool": "new_scene", "ok": True, "message": message})
        return Outcome(ok=True, text=message, data={"ok": True, "turn": turn, "n_objects": 0})

    async def _load_scene(self, session: SceneSession, args: LoadScene) -> Outcome:
        try:
            path = confine(self.settings.workdir, args.path)
        except PathRefused as e:
            return Outcome.refuse("path_refused", str(e))
        shown = relative_to_workdir(self.settings.workdir, path)
        if not path.is_file():
            return Outcome.refuse("not_found", f"no scene file at {shown!r} in the workdir")
        size = path.stat().st_size
        if size > self.settings.max_scene_bytes:
            return Outcome.refuse("too_large", f"{shown} is {size} bytes, over the {self.settings.max_scene_bytes}-byte limit for scene files")
        try:
            scene = await anyio.to_thread.run_sync(_read_scene, path, self.settings.max_scene_bytes)
        except SceneFormatError as e:
            return Outcome.refuse("invalid_scene", f"{shown}: {e.message}" + ("; " + "; ".join(e.problems[:5]) if e.problems != [e.message] else ""))
        if len(scene.objects) > MAX_OBJECTS:
            return Outcome.refuse("too_large", f"{shown} has {len(scene.objects)} objects, over the {MAX_OBJECTS}-object limit")
        message = f"Loaded {shown}: {scene.room.room_type}, {len(scene.objects)} objects."
        turn = session.commit(scene, tool="load_scene", arguments={"path": args.path}, result={"tool": "load_scene", "ok": True, "message": message})
        return Outcome(ok=True, text=message, data={"ok": True, "turn": turn, "n_objects": len(scene.objects)})

    def _get_scene(self, session: SceneSession) -> Outcome:
        data = dump_scene(session.scene, "native")
        return Outcome(ok=True, text=json.dumps(data, ensure_ascii=False), data=data)

    def _undo(self, session: SceneSession) -> Outcome:
        if session.undo() is None:
            return Outcome.refuse("nothing_to_undo", "there is no earlier scene to go back to in this session")
        n = len(session.scene.objects)
        return Outcome(ok=True, text=f"Restored the previous scene ({n} objects).", data={"ok": True, "n_objects": n})

    def _export(self, session: SceneSession, args: Export) -> Outcome:
        from agentscene.exporters import ExportError, export_scene, exporter_info, exporter_names

        dialects, exporters = _writable_dialects(), exporter_names()
        fmt = args.format.strip().lower()
        if fmt not in dialects and fmt not in exporters:
            return Outcome.refuse("unknown_format", f"unknown export format {args.format[:64]!r}; the formats are "
                                  f"{', '.join(dialects + exporters)}")
        suffix = ".json" if fmt in dialects else exporter_info(fmt).suffix
        default = "exports/scene_0.json" if fmt == "scene-eval" else f"exports/scene_{fmt}{suffix}"  # SceneEval reads scene_<ID>
        raw = args.path if args.path is not None else default
        try:
            path = confine(self.settings.workdir, raw)
        except PathRefused as e:
            return Outcome.refuse("path_refused", str(e))
        if path.is_dir():
            return Outcome.refuse("path_refused", f"{raw!r} is a directory; give a file name")
        sessions = self.settings.workdir.resolve() / SESSIONS_DIR
        if path == sessions or sessions in path.parents:
            return Outcome.refuse("path_refused", f"{raw!r} is inside {SESSIONS_DIR}/, where sessions keep their own "
                                  "files; export somewhere else in the workdir, e.g. exports/scene.json")
        try:
            if fmt in dialects:
                atomic_write_json(path, dump_scene(session.scene, fmt), within=self.settings.workdir)
            else:
                export_scene(session.scene, fmt, path)
        except UnsafePathError as e:
            return Outcome.refuse("path_refused", str(e))
        except ExportError as e:  # a missing extra or a library that refused the scene
            return Outcome.refuse("export_failed", str(e))
        shown = relative_to_workdir(self.settings.workdir, path)
        return Outcome(ok=True, text=f"Wrote {shown} ({fmt}, {len(session.scene.objects)} objects).",
                       data={"ok": True, "path": shown, "format": fmt, "bytes": path.stat().st_size})

    # -- rendering -----------------------------------------------------------------------

    async def _render(self, scene: Scene, args: Render) -> Outcome:
        future = self._render_thread.submit(self._render_png, scene, args.view)
        return await asyncio.wrap_future(future)

    def _render_png(self, scene: Scene, view: str) -> Outcome:
        """Runs on the one render thread: GL contexts belong to the thread that made them."""
        if self._renderer is None:
            made = make_renderer(self.settings.renderer)
            if isinstance(made, Outcome):
                return made
            self._renderer = made
        views = ("top", "diagonal") if view == "merged" else (view,)
        result = self._renderer.render(scene, views=views, size=self.settings.render_size, overlays=True)
        image = result.merged if view == "merged" else result.images[view]
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return Outcome(ok=True, text=f"{view} view of the {scene.room.room_type} ({len(scene.objects)} objects), {image.width}x{image.height} px.",
                       image_png=buffer.getvalue(), data={"ok": True, "view": view, "width": image.width, "height": image.height})


def _read_scene(path: Any, max_bytes: int) -> Scene:
    return load_scene(read_json_file(path, max_bytes=max_bytes))


def make_renderer(name: str) -> Any:
    """A renderer from agentscene.renderers, or an Outcome saying why it cannot start (a missing extra)."""
    from agentscene.renderers import get_renderer

    try:
        return get_renderer(name)
    except ImportError as e:
        return Outcome.refuse("not_available", f"the {name} renderer cannot start: {e}")


def evaluate_scene(scene: Scene) -> Outcome:
    """The physics report and model-readable feedback."""
    from agentscene.rewards import evaluate as physics_evaluate
    from agentscene.rewards import feedback_text

    report = physics_evaluate(scene)
    headline = report.headline()
    text = feedback_text(report, scene) + "\n\nMetrics: " + json.dumps(headline)
    return Outcome(ok=True, text=text, data={"ok": True, "headline": headline, "report": report.model_dump(mode="json")})
