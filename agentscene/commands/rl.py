"""CLI commands for RL: task rows for the trainers, SFT data from run directories.

    agentscene rl dataset prompts/*.txt --out train.jsonl [--format trl|verl|ms-swift]
    agentscene rl export-sft outputs/*/ --format ms-swift|trl --out sft.jsonl
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentscene.commands import esc

rl_app = typer.Typer(name="rl", help="RL training data: task rows for GRPO trainers, SFT samples from runs.",
                     no_args_is_help=True)


@rl_app.command("dataset")
def dataset_command(
    prompt_files: Annotated[list[Path], typer.Argument(help="Text files with one prompt a line ('#' starts a comment).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="JSONL file to write.")],
    fmt: Annotated[str, typer.Option("--format", help="Row layout: trl, verl or ms-swift.")] = "trl",
    seed: Annotated[int, typer.Option(help="Seed of the empty rooms made for the prompts.")] = 0,
    scene: Annotated[Path | None, typer.Option(help="Start every task from this scene instead of an empty room.")] = None,
    protocol: Annotated[str, typer.Option(help="System prompt: tools (native tool calls) or text (tagged protocol).")] = "tools",
    scene_dialect: Annotated[str, typer.Option(help="Format of the scene JSON in the prompt (native, scenerevis).")] = "native",
    max_turns: Annotated[int, typer.Option(min=1, max=1000, help="Turns per episode, as the trainer's env runs them (the opening message counts them).")] = 10,
) -> None:
    """Build task rows (prompt, room type, key objects, initial room) for TRL, verl or ms-swift."""
    from agentscene.commands import console, fail
    from agentscene.tasks import (
        ROW_FORMATS,
        TaskError,
        build_rows,
        read_prompt_files,
        write_jsonl,
    )

    if fmt not in ROW_FORMATS:
        raise fail(f"unknown --format {fmt!r}; choose one of: {', '.join(ROW_FORMATS)}")
    if protocol not in ("tools", "text"):
        raise fail(f"unknown --protocol {protocol!r}; choose tools or text")
    initial = None
    if scene is not None:
        from agentscene.formats import SceneFormatError, load_scene

        try:
            initial = load_scene(scene)
        except SceneFormatError as e:
            raise fail(str(e)) from None
    try:
        prompts = list(read_prompt_files(prompt_files))
        if not prompts:
            raise fail("the prompt files hold no prompt")
        rows = build_rows(prompts, fmt, seed=seed, initial_scene=initial,  # type: ignore[arg-type]
                          reply_protocol=protocol, scene_dialect=scene_dialect, max_turns=max_turns)
    except TaskError as e:
        raise fail(str(e)) from None
    write_jsonl(rows, out)
    console.print(f"wrote {len(rows)} task row(s) ({esc(fmt)}) to {esc(out)}"
                  + (f"; {len(prompts) - len(rows)} duplicate prompt(s) skipped" if len(prompts) > len(rows) else ""), highlight=False)


@rl_app.command("export-sft")
def export_sft_command(
    runs: Annotated[list[Path], typer.Argument(help="Run directories (conversation.jsonl, turns/, renders/) or batch directories.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="JSONL file to write.")],
    fmt: Annotated[str, typer.Option("--format", help="Sample layout: ms-swift (SceneChain) or trl.")] = "ms-swift",
) -> None:
    """Turn run directories into multi-turn chat samples with images for supervised fine-tuning (image paths relative to the output file)."""
    from agentscene.commands import console, err_console, fail
    from agentscene.env.sft import SFT_FORMATS, export_sft
    from agentscene.tasks import write_jsonl

    if fmt not in SFT_FORMATS:
        raise fail(f"unknown --format {fmt!r}; choose one of: {', '.join(SFT_FORMATS)}")
    from agentscene.scene_inputs import run_dirs

    found, problems = run_dirs(runs)
    samples, unusable = export_sft(found, fmt, relative_to=out.parent)  # type: ignore[arg-type]
    problems += unusable
    for p in problems:
        err_console.print(f"[yellow]skipped:[/] {esc(p)}", highlight=False)
    if not samples:
        raise fail("no run could be exported")
    write_jsonl(samples, out)
    n_images = sum(len(s["images"]) for s in samples)
    skipped = f"; {len(problems)} run(s) skipped" if problems else ""
    console.print(f"wrote {len(samples)} sample(s) with {n_images} image(s) ({esc(fmt)}) to {esc(out)}{skipped}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.add_typer(rl_app, name="rl")
