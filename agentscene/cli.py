"""The `agentscene` command.

Core commands live here; each feature area registers its own commands from a module in
`agentscene/commands/` (listed in COMMAND_MODULES), so this file stays small and imports stay
light: heavy libraries are imported inside the commands that use them.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from agentscene.commands import console, err_console, esc, fail  # noqa: F401 - fail is re-exported
from agentscene.commands.help_format import PlainHelpGroup, use_plain_help

#: (module, class) of the bad-input errors that end in one line; read from sys.modules so that a command
#: which never loads the scene formats (`assets find`, every `--help`) does not import them to start
_INPUT_ERRORS = (("agentscene.formats.errors", "SceneFormatError"), ("agentscene.limits", "InputLimitError"))


def _is_input_error(error: BaseException) -> bool:
    """Whether `error` is bad input; a module never imported cannot have raised its error class."""
    classes = tuple(getattr(sys.modules[m], name) for m, name in _INPUT_ERRORS if m in sys.modules)
    return isinstance(error, classes)


class _Commands(PlainHelpGroup):
    """The command group: bad input that surfaces as an exception (a path that is a directory, a
    file that cannot be read or written, input over a limit) ends in one line, never a traceback.
    Bugs (any other exception) still raise with their traceback."""

    def invoke(self, ctx: typer.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except ValueError as e:  # SceneFormatError and InputLimitError are ValueErrors
            if _is_input_error(e):
                raise fail(str(e)) from None
            raise
        except OSError as e:
            where = f"{e.filename}: " if getattr(e, "filename", None) else ""
            raise fail(f"{where}{e.strerror}" if e.strerror else str(e)) from None


app = typer.Typer(
    cls=_Commands,
    name="agentscene",
    help="Agents build and revise 3D indoor scenes through typed tool calls.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Modules that add commands: each has `register(app)`.
COMMAND_MODULES = (
    "agentscene.commands.eval",
    "agentscene.commands.judge",
    "agentscene.commands.assets",
    "agentscene.commands.render",
    "agentscene.commands.generate",
    "agentscene.commands.rl",
    "agentscene.commands.batch",
    "agentscene.commands.report",
    "agentscene.commands.export",
    "agentscene.commands.data",
    "agentscene.commands.mcp",
)



def _version(value: bool) -> None:
    if value:
        from agentscene import __version__

        console.print(f"agentscene {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """agentscene: render -> evaluate -> revise 3D indoor scenes with LLM/VLM agents."""


@app.command()
def validate(
    scenes: Annotated[list[Path], typer.Argument(help="Scene files (native, SceneReVis or ReSpace JSON).")],
    dialect: Annotated[str, typer.Option(help="Input dialect, or auto to detect.")] = "auto",
) -> None:
    """Check scene files; print each problem; exit 1 if any file is invalid."""
    from agentscene.formats import SceneFormatError, load_scene

    bad = 0
    for path in scenes:
        try:
            scene = load_scene(path, dialect=dialect)
        except SceneFormatError as e:
            bad += 1
            err_console.print(f"[red]✗[/] {esc(path)}: {esc(e.message)}", highlight=False)
            for problem in e.problems if e.problems != [e.message] else []:
                err_console.print(f"    - {esc(problem)}", highlight=False)
            continue
        console.print(
            f"[green]✓[/] {esc(path)}: {esc(scene.room.room_type)}, {scene.room.area:.1f} m², "
            f"{len(scene.objects)} objects", highlight=False,
        )
    if bad:
        raise typer.Exit(1)


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="Input scene file.")],
    target: Annotated[Path, typer.Argument(help="Output path.")],
    to: Annotated[str, typer.Option("--to", help="Output dialect: native, scenerevis, scenerevis-grouped, respace.")] = "native",
    from_: Annotated[str, typer.Option("--from", help="Input dialect, or auto to detect.")] = "auto",
) -> None:
    """Convert a scene between native JSON and the SceneReVis / ReSpace dialects."""
    from agentscene.formats import SceneFormatError, dump_scene, load_scene

    try:
        scene = load_scene(source, dialect=from_)
        data = dump_scene(scene, to)
    except SceneFormatError as e:
        raise fail(str(e)) from None
    except ValueError as e:  # unknown dialect names
        raise fail(str(e)) from None
    from agentscene.fileio import atomic_write_json

    atomic_write_json(target, data)
    console.print(f"wrote {esc(target)} ({esc(to)}, {len(scene.objects)} objects)", highlight=False)


@app.command()
def schema(out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None) -> None:
    """Print the JSON Schema of native scene files."""
    from agentscene.formats.native import scene_json_schema

    text = json.dumps(scene_json_schema(), indent=2)
    if out:
        from agentscene.fileio import atomic_write_text

        atomic_write_text(out, text + "\n")
    else:
        typer.echo(text)


@app.command()
def tools() -> None:
    """Print the strict function schemas of the scene tools (the chat-completions `tools=` list)."""
    from agentscene.tools import tool_schemas

    typer.echo(json.dumps(tool_schemas(), indent=2))


@app.command()
def dialects() -> None:
    """List the scene dialects this installation reads and writes."""
    from agentscene.formats import dialect_names, get_dialect

    for name in dialect_names():
        d = get_dialect(name)
        mode = "read/write" if d.dump else "read"
        console.print(esc(f"{name:22} {mode:10} {d.description}"), highlight=False)


def _register_commands() -> None:
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(app)


_register_commands()
use_plain_help(app)


def main() -> None:
    app(prog_name="agentscene")


# used by `python -m agentscene.cli`
if __name__ == "__main__":
    main()
