"""CLI options that several commands share, defined once (name, help, parsing)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

#: --assets-option KEY=VALUE (repeatable): settings of the asset backend (generate, batch, export, render)
AssetsOption = Annotated[list[str] | None, typer.Option(
    "--assets-option", help="Asset backend setting KEY=VALUE, e.g. root=/data/3D-FUTURE-model (repeatable).")]


def parse_assets_options(items: list[str] | None) -> dict[str, str]:
    """`["root=/data", "k=v"]` -> `{"root": "/data", "k": "v"}`; a malformed item is a ValueError."""
    settings: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--assets-option {item!r} must look like KEY=VALUE")
        settings[key.strip()] = value
    return settings


def with_parameters(*parameters: inspect.Parameter) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a command typer parameters declared elsewhere (built from a config model), where it is defined.

    The command's own named parameters come first; `parameters` arrive in its `**options`."""
    def declare(command: Callable[..., Any]) -> Callable[..., Any]:
        own = [p for p in inspect.signature(command, eval_str=True).parameters.values()
               if p.kind is not inspect.Parameter.VAR_KEYWORD]
        command.__signature__ = inspect.Signature([*own, *parameters])  # type: ignore[attr-defined]
        return command

    return declare
