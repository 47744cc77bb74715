"""`agentscene generate "PROMPT"`: one prompt to a rendered, evaluated scene in outputs/<name>/."""

from __future__ import annotations

import inspect
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import typer
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from agentscene.commands.options import AssetsOption, parse_assets_options, with_parameters
from agentscene.generate_config import GenerateConfig

#: the GenerateConfig fields `agentscene generate` takes, in --help order (the others keep their defaults).
#: Each option is derived from its field: name `--field-name`, the field's default and its description as help;
#: a bool is `--x/--no-x` when on by default, else the flag `--x`.
OPTION_FIELDS = ("prompt", "name", "agent", "provider", "model", "base_url", "api_key", "mode", "renderer", "assets",
                 "assets_settings", "turns", "physics_feedback", "vlm_feedback", "critic", "physics_optimization",
                 "rollback", "seed", "resume", "out", "timeout_s", "max_retries")

#: CLI option names whose GenerateConfig field is spelled differently
RENAMED = {"timeout": "timeout_s", "retries": "max_retries", "assets_option": "assets_settings"}

#: where an option differs from what its field gives (CLI-only facts)
_CLI_ONLY: dict[str, dict[str, Any]] = {
    # unset: openai-compatible when a model setting is given, else offline (GenerateConfig decides)
    "agent": {"default": None, "show_default": False},
    "provider": {"show_default": False},
    "api_key": {"show_default": False},
}


def _cli_type(annotation: Any) -> Any:
    """A field's type as typer reads it: a choice (Literal) or a secret is text; validation stays with pydantic."""
    origin = get_origin(annotation)
    if origin is Literal or annotation is SecretStr:
        return str
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _cli_type(args[0]) | None
    return annotation


def _parameter(field: str) -> inspect.Parameter:
    """The typer parameter of one GenerateConfig field."""
    info: FieldInfo = GenerateConfig.model_fields[field]
    name = {f: n for n, f in RENAMED.items()}.get(field, field)
    keyword = inspect.Parameter.KEYWORD_ONLY
    if field == "prompt":
        return inspect.Parameter(name, keyword, annotation=Annotated[str, typer.Argument(help=info.description)])
    if field == "assets_settings":
        return inspect.Parameter(name, keyword, annotation=AssetsOption, default=None)
    extra = dict(_CLI_ONLY.get(field, {}))
    default = extra.pop("default", info.default)
    decls = ()
    if info.annotation is bool:
        flag = "--" + name.replace("_", "-")
        decls = (f"{flag}/--no-{flag[2:]}",) if info.default else (flag,)
    option = typer.Option(*decls, help=info.description, **extra)
    return inspect.Parameter(name, keyword, annotation=Annotated[_cli_type(info.annotation), option], default=default)


#: `agentscene generate`'s parameters, derived from GenerateConfig (`agentscene batch` takes most of them too)
GENERATE_PARAMETERS = tuple(_parameter(f) for f in OPTION_FIELDS)


def config_from_options(options: dict[str, Any]):
    """`agentscene generate` option values -> GenerateConfig (shared with `agentscene batch`).

    Raises ValueError for a malformed value (pydantic's ValidationError is one); a CLI option
    with no GenerateConfig field is our bug and raises RuntimeError."""
    data: dict[str, Any] = {}
    for name, value in options.items():
        field = RENAMED.get(name, name)
        if field not in GenerateConfig.model_fields:
            raise RuntimeError(f"generate option {name!r} has no GenerateConfig field; update RENAMED in {__name__}")
        data[field] = parse_assets_options(value) if field == "assets_settings" else value
    return GenerateConfig(**data)


def config_problems(error: Exception) -> str:
    """A GenerateConfig error as one line in the CLI's words: `--turns: ...`, not `turns: Value error, ...`."""
    from pydantic import ValidationError

    from agentscene.formats.errors import describe_validation_error

    if not isinstance(error, ValidationError):
        return str(error)
    options = {field: name for name, field in RENAMED.items()}

    def flag(loc: tuple[Any, ...]) -> str:
        if not loc or loc[0] == "prompt":
            return ""
        return "--" + options.get(str(loc[0]), str(loc[0])).replace("_", "-")

    return "; ".join(describe_validation_error(error, where=flag, show_input=False))


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.command("generate")(generate_command)


@with_parameters(*GENERATE_PARAMETERS)
def generate_command(**options: Any) -> None:
    """Generate a scene: create a room, furnish and revise it over several turns, render and evaluate it."""
    from rich.console import Console

    from agentscene.agents.client import ProviderError
    from agentscene.assets import AssetError, MissingExtraError
    from agentscene.commands import fail
    from agentscene.commands.generate_view import Progress, interrupted_message, print_summary
    from agentscene.generate import RunExistsError, generate
    from agentscene.renderers import RendererUnavailableError

    console = Console()
    try:
        config = config_from_options(options)
    except ValueError as e:  # pydantic's ValidationError is one
        raise fail(config_problems(e)) from None
    progress = Progress(console, config)
    try:
        summary = generate(config, on_turn=progress.turn, on_start=progress.start, on_brief=progress.brief)
    except (RunExistsError, FileNotFoundError, ValueError, ProviderError, RendererUnavailableError, MissingExtraError,
            AssetError) as e:
        raise fail(str(e)) from None
    except KeyboardInterrupt:
        progress.stop()
        console.print(interrupted_message(config, progress.run_dir), highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    progress.stop()
    print_summary(console, summary)
    if not summary.finished:
        raise typer.Exit(2)
