"""`agentscene generate "PROMPT"`: one prompt to a rendered, evaluated scene in outputs/<name>/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from agentscene.commands.options import AssetsOption, parse_assets_options

#: CLI option names whose GenerateConfig field is spelled differently
RENAMED = {"timeout": "timeout_s", "retries": "max_retries"}


def config_from_options(options: dict[str, Any]):
    """`agentscene generate` option values -> GenerateConfig (shared with `agentscene batch`).

    Raises ValueError for a malformed value (pydantic's ValidationError is one); a CLI option
    with no GenerateConfig field is our bug and raises RuntimeError."""
    from agentscene.generate import GenerateConfig

    data: dict[str, Any] = {}
    for name, value in options.items():
        if name == "assets_option":
            data["assets_settings"] = parse_assets_options(value)
            continue
        field = RENAMED.get(name, name)
        if field not in GenerateConfig.model_fields:
            raise RuntimeError(f"generate option {name!r} has no GenerateConfig field; update RENAMED in {__name__}")
        data[field] = value
    return GenerateConfig(**data)


def config_problems(error: Exception) -> str:
    """A GenerateConfig error as one line in the CLI's words: `--turns: ...`, not `turns: Value error, ...`."""
    from pydantic import ValidationError

    if not isinstance(error, ValidationError):
        return str(error)
    options = {field: name for name, field in RENAMED.items()} | {"assets_settings": "assets_option"}
    problems = []
    for err in error.errors(include_url=False):
        msg = err["msg"].removeprefix("Value error, ")
        loc = [str(x) for x in err["loc"]]
        if loc:
            msg = f"--{options.get(loc[0], loc[0]).replace('_', '-')}: {msg}" if loc[0] != "prompt" else msg
        problems.append(msg)
    return "; ".join(problems)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.command("generate")(generate_command)


def generate_command(
    prompt: Annotated[str, typer.Argument(help="What to build, e.g. 'a cozy bedroom with two nightstands'.")],
    name: Annotated[str | None, typer.Option(help="Run directory name under --out (default: from the prompt).")] = None,
    agent: Annotated[str | None, typer.Option(help="offline (no key, no network) or openai-compatible. Default: openai-compatible when --provider, --model, --base-url or --api-key is given, else offline.", show_default=False)] = None,
    provider: Annotated[str | None, typer.Option(help="openrouter, vllm or openai; implies --agent openai-compatible. Default: openrouter.", show_default=False)] = None,
    model: Annotated[str | None, typer.Option(help="Model id (default: the provider's; vllm: the served model); implies --agent openai-compatible.")] = None,
    base_url: Annotated[str | None, typer.Option(help="Override the provider's base URL; implies --agent openai-compatible.")] = None,
    api_key: Annotated[str | None, typer.Option(help="API key (default: OPENROUTER_API_KEY / OPENAI_API_KEY).", show_default=False)] = None,
    mode: Annotated[str, typer.Option(help="native (tool calling) or text (SceneReVis tags).")] = "native",
    renderer: Annotated[str, typer.Option(help="raster (fast, CPU), blender, or none (no images).")] = "raster",
    assets: Annotated[str, typer.Option(help="procedural, 3d-future, objaverse or sam3d.")] = "procedural",
    assets_option: AssetsOption = None,
    turns: Annotated[int, typer.Option(help="Most editing turns after the room is created.")] = 5,
    physics_feedback: Annotated[bool, typer.Option("--physics-feedback/--no-physics-feedback", help="Tell the agent about collisions and out-of-bounds objects.")] = True,
    vlm_feedback: Annotated[bool, typer.Option("--vlm-feedback", help="A critic scores each turn's render; its feedback goes to the agent.")] = False,
    critic: Annotated[str, typer.Option(help="auto, rule (offline) or vlm (the agent's model as judge).")] = "auto",
    physics_optimization: Annotated[bool, typer.Option("--physics-optimization", help="Push objects apart and inside after each turn.")] = False,
    rollback: Annotated[bool, typer.Option("--rollback/--no-rollback", help="Undo a turn that makes the physics worse.")] = True,
    seed: Annotated[int, typer.Option(help="Seed: same seed + offline agent gives the same scene.")] = 0,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run from its last completed turn.")] = False,
    out: Annotated[Path, typer.Option(help="Parent directory of run directories.")] = Path("outputs"),
    timeout: Annotated[float, typer.Option(help="Seconds before a model call times out.")] = 120.0,
    retries: Annotated[int, typer.Option(help="Retries of a failed model call (429, 5xx, timeouts).")] = 4,
) -> None:
    """Generate a scene: create a room, furnish and revise it over several turns, render and evaluate it."""
    options = dict(locals())
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
