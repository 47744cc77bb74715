"""CLI commands for RoomPlan import and training records: `agentscene data roomplan|views|actions|qa`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agentscene.commands import esc

if TYPE_CHECKING:
    from agentscene.datasets import BuildSummary, DatasetSettings, SceneSource

data_app = typer.Typer(
    name="data", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Scanned rooms in, training records out: RoomPlan import, multi-view, instruction/action and 3D QA records.",
)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.add_typer(data_app, name="data")


ScenesArg = Annotated[list[Path], typer.Argument(metavar="SCENES...", help="Scene files or directories of *.json (any dialect, RoomPlan captures too).")]
FromOpt = Annotated[str, typer.Option("--from", help="Input dialect (native, scenerevis, roomplan, ...), or auto to detect.")]
SeedOpt = Annotated[int, typer.Option(help="Seed: the same seed writes the same file.")]
LimitOpt = Annotated[int | None, typer.Option(min=1, help="Records in the whole file, at most.")]
PerSceneOpt = Annotated[int, typer.Option("--per-scene", min=1, help="Records per scene and task, at most.")]
ViewsOpt = Annotated[int, typer.Option(min=0, max=64, help="Ring views per scene (plus the top view).")]
SizeOpt = Annotated[int, typer.Option(min=16, max=4096, help="Image width and height in pixels.")]
RendererOpt = Annotated[str, typer.Option(help="Renderer for the views: raster or blender.")]
OverlaysOpt = Annotated[bool, typer.Option("--overlays/--no-overlays", help="Draw boxes, ids and the grid on the views.")]
EmbedOpt = Annotated[bool, typer.Option("--embed-scene", help="Inline each scene's JSON in its records instead of scenes/<id>.json.")]


def _sources(paths: list[Path], dialect: str) -> list[SceneSource]:
    from agentscene.commands import err_console, fail
    from agentscene.datasets import load_sources
    from agentscene.formats import roomplan  # noqa: F401  (registers the dialect until formats/__init__ does)

    try:
        sources, problems = load_sources(paths, dialect=dialect)
    except ValueError as e:  # unknown dialect name
        raise fail(str(e)) from None
    for problem in problems:
        err_console.print(f"[yellow]skipped:[/] {esc(problem)}", highlight=False)
    if not sources:
        raise fail("no readable scenes among the inputs")
    return sources


def _run(kind: str, sources: list[SceneSource], out: Path, settings: DatasetSettings) -> BuildSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from agentscene.commands import err_console, fail
    from agentscene.datasets import build_records, build_view_records
    from agentscene.renderers import RenderError, RendererUnavailableError

    if settings.images or kind == "views":
        from agentscene.renderers import renderer_names

        if settings.renderer not in renderer_names():
            raise fail(f"unknown renderer {settings.renderer!r}; known: {', '.join(renderer_names())}")
    build = build_view_records if kind == "views" else build_records
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[records]} records"), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(f"data {kind}", total=len(sources), records=0)
        done = 0

        def tick(scene_id: str, n: int) -> None:
            nonlocal done
            done += n
            bar.update(task, advance=1, records=done, description=f"data {kind}: {esc(scene_id)}")

        try:
            return build(sources, out, settings, progress=tick)
        except (RendererUnavailableError, RenderError) as e:
            raise fail(str(e)) from None


def _report(summary: BuildSummary, out: Path) -> None:
    from agentscene.commands import console

    tasks = ", ".join(f"{k} {v}" for k, v in sorted(summary.by_task.items()))
    console.print(f"wrote {esc(out)}: {summary.records} records from {summary.scenes} scenes ({esc(tasks or 'none')})"
                  + (f", {summary.images} images" if summary.images else ""), highlight=False)
    if summary.skipped:
        console.print(f"no records from: {esc(', '.join(summary.skipped))}", highlight=False)


@data_app.command("views")
def views_cmd(
    scenes: ScenesArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory: views.jsonl, images/<scene>/, scenes/.")] = Path("views"),
    views: ViewsOpt = 8,
    size: SizeOpt = 448,
    top: Annotated[bool, typer.Option("--top/--no-top", help="Add the orthographic top view.")] = True,
    renderer: RendererOpt = "raster",
    overlays: OverlaysOpt = False,
    seed: SeedOpt = 0,
    embed_scene: EmbedOpt = False,
    from_: FromOpt = "auto",
) -> None:
    """Render N views on a ring around each room plus the top view; one record per scene with K, R, t per view."""
    from agentscene.datasets import DatasetSettings

    settings = DatasetSettings(views=views, size=size, top=top, renderer=renderer, overlays=overlays, seed=seed, embed_scene=embed_scene)
    target = out / "views.jsonl"
    _report(_run("views", _sources(scenes, from_), target, settings), target)


def _records(scenes: list[Path], out: Path, tasks: tuple[str, ...], *, limit, seed, per_scene, images, views, size, renderer,
             overlays, verify, embed_scene, from_) -> None:
    from agentscene.datasets import DatasetSettings

    settings = DatasetSettings(tasks=tasks, limit=limit, seed=seed, per_scene=per_scene, images=images, views=views, size=size,
                               renderer=renderer, overlays=overlays, verify=verify, embed_scene=embed_scene)
    _report(_run(",".join(tasks), _sources(scenes, from_), out, settings), out)


@data_app.command("actions")
def actions_cmd(
    scenes: ScenesArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="JSONL file to write (images/ and scenes/ go beside it).")] = Path("records.jsonl"),
    limit: LimitOpt = None,
    seed: SeedOpt = 0,
    per_scene: PerSceneOpt = 50,
    images: Annotated[bool, typer.Option("--images/--no-images", help="Render views per scene and attach them to its records.")] = False,
    qa: Annotated[bool, typer.Option("--qa/--no-qa", help="Also write 3D question/answer records.")] = False,
    verify: Annotated[str, typer.Option(help="boxes (fast oriented-box check) or physics (the full evaluator).")] = "boxes",
    views: ViewsOpt = 8,
    size: SizeOpt = 448,
    renderer: RendererOpt = "raster",
    overlays: OverlaysOpt = False,
    embed_scene: EmbedOpt = False,
    from_: FromOpt = "auto",
) -> None:
    """Instruction -> tool-call records, each verified by applying the calls to the scene."""
    from agentscene.commands import fail

    if verify not in ("boxes", "physics"):
        raise fail(f"--verify must be boxes or physics, got {verify!r}")
    _records(scenes, out, ("actions", "qa") if qa else ("actions",), limit=limit, seed=seed, per_scene=per_scene, images=images,
             views=views, size=size, renderer=renderer, overlays=overlays, verify=verify, embed_scene=embed_scene, from_=from_)


@data_app.command("qa")
def qa_cmd(
    scenes: ScenesArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="JSONL file to write (images/ and scenes/ go beside it).")] = Path("qa.jsonl"),
    limit: LimitOpt = None,
    seed: SeedOpt = 0,
    per_scene: PerSceneOpt = 50,
    images: Annotated[bool, typer.Option("--images/--no-images", help="Render views per scene and attach them to its records.")] = False,
    views: ViewsOpt = 8,
    size: SizeOpt = 448,
    renderer: RendererOpt = "raster",
    overlays: OverlaysOpt = False,
    embed_scene: EmbedOpt = False,
    from_: FromOpt = "auto",
) -> None:
    """3D question/answer records with answers computed from the geometry."""
    _records(scenes, out, ("qa",), limit=limit, seed=seed, per_scene=per_scene, images=images, views=views, size=size,
             renderer=renderer, overlays=overlays, verify="boxes", embed_scene=embed_scene, from_=from_)


@data_app.command("roomplan")
def roomplan_cmd(
    capture: Annotated[Path, typer.Argument(metavar="CAPTURE", help="RoomPlan CapturedRoom JSON export.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Scene file to write.")] = Path("scene.json"),
    to: Annotated[str, typer.Option("--to", help="Output dialect: native, scenerevis, scenerevis-grouped, respace.")] = "native",
    align: Annotated[bool, typer.Option("--align/--no-align", help="Turn the room so its walls are axis aligned, floor bounds at the origin.")] = True,
    corner_tolerance: Annotated[float, typer.Option(min=0, help="Wall ends this close meet without a warning (m).")] = 0.15,
    max_gap: Annotated[float, typer.Option(min=0, help="Bridge gaps between walls up to this size (m).")] = 1.0,
    tilt_tolerance: Annotated[float, typer.Option(min=0, max=90, help="Reject objects tilted more than this (degrees).")] = 5.0,
    min_confidence: Annotated[str, typer.Option(help="Drop objects below this confidence: low, medium, high.")] = "low",
    room_type: Annotated[str | None, typer.Option(help="Room type; default: from the capture's sections.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 if the import had to warn about anything.")] = False,
) -> None:
    """Import an Apple RoomPlan capture; print what had to be fixed or dropped."""
    from pydantic import ValidationError

    from agentscene.commands import console, err_console, fail
    from agentscene.formats import SceneFormatError, dump_scene, read_json_file
    from agentscene.formats.errors import describe_validation_error
    from agentscene.formats.roomplan import RoomPlanSettings, read_roomplan

    try:
        settings = RoomPlanSettings(corner_tolerance=corner_tolerance, max_gap=max_gap, tilt_tolerance_deg=tilt_tolerance,
                                    align=align, min_confidence=min_confidence, room_type=room_type)
    except ValidationError as e:
        raise fail("; ".join(describe_validation_error(e))) from None
    try:
        result = read_roomplan(read_json_file(capture), settings)
        data = dump_scene(result.scene, to)
    except SceneFormatError as e:
        raise fail(f"{capture}: {e}" if e.source is None else str(e)) from None
    except ValueError as e:  # unknown output dialect
        raise fail(str(e)) from None
    from agentscene.fileio import atomic_write_json

    atomic_write_json(out, data)
    for w in result.warnings:
        err_console.print(f"[yellow]warning:[/] {esc(w.where)}: {esc(w.message)} [dim]({esc(w.code)})[/]", highlight=False)
    room = result.scene.room
    console.print(f"wrote {esc(out)}: {esc(room.room_type)}, {room.area:.1f} m², {len(room.floor)} walls, {len(room.openings)} openings, "
                  f"{len(result.scene.objects)} objects, {len(result.warnings)} warnings", highlight=False)
    if strict and result.warnings:
        raise typer.Exit(1)
