"""How `agentscene ... --help` reads: plain text that wraps at any terminal width.

Typer's rich panels cut long option names and help with an ellipsis on narrow terminals
(`--continue-on-e…`) and tag every option with its Python type (`<bool>`, `<str>`). These classes
keep click's plain layout, which wraps, and write click-style metavars: `--out PATH`, no tag on
flags, `PROMPTS` rather than `{prompts}` in the usage line. `use_plain_help(app)` applies them to
every command of an app and its sub-apps.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup
from typer.models import DefaultPlaceholder

#: typer's type labels -> the metavar words click users know
_METAVARS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "int range": "INTEGER",
             "float range": "NUMBER", "list[str]": "TEXT", "list[path]": "PATH", "list[int]": "INTEGER"}


def _metavar(param: Any, ctx: typer.Context) -> str:
    label = param.display_type(ctx).strip("<>")  # type: ignore[attr-defined]
    if "|" in label:  # a choice
        return f"[{label}]"
    return _METAVARS.get(label, label.upper())


def _prepare(command: Any, ctx: typer.Context) -> None:
    """Give every value option a click-style metavar (flags get none) and arguments their upper-case name."""
    for param in command.params:
        if param.metavar is not None:
            continue
        if isinstance(param, TyperArgument):
            param.metavar = (param.name or "arg").upper()
        elif not getattr(param, "is_flag", False) and not getattr(param, "count", False):
            param.metavar = _metavar(param, ctx)


def _usage_pieces(command: Any, ctx: typer.Context) -> list[str]:
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if isinstance(param, TyperArgument):
            name = (param.metavar or (param.name or "arg").upper()).removesuffix("...")
            name = name if param.required else f"[{name}]"
            pieces.append(name + ("..." if param.nargs != 1 else ""))
    return pieces


def _write_arguments_and_options(command: Any, ctx: typer.Context, formatter: Any) -> None:
    args: list[tuple[str, str]] = []
    opts: list[tuple[str, str]] = []
    for param in command.get_params(ctx):
        if isinstance(param, TyperArgument):
            if param.hidden:
                continue
            name = (param.metavar or (param.name or "arg").upper()).removesuffix("...") + ("..." if param.nargs != 1 else "")
            args.append((name, (param.help or "") + ("  [required]" if param.required else "")))
        else:
            record = param.get_help_record(ctx)
            if record is not None:
                opts.append(record)
    if args:
        with formatter.section("Arguments"):
            formatter.write_dl(args)
    if opts:
        with formatter.section("Options"):
            formatter.write_dl(opts)


class PlainHelpCommand(TyperCommand):
    """A command whose help is click's wrapping plain text with click-style metavars."""

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:
        _prepare(self, ctx)
        super().format_help(ctx, formatter)

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        _prepare(self, ctx)
        return _usage_pieces(self, ctx)

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        _write_arguments_and_options(self, ctx, formatter)


class PlainHelpGroup(TyperGroup):
    """A group (the app, `assets`, `data`, `rl`) with the same plain help."""

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        _prepare(self, ctx)
        return [*_usage_pieces(self, ctx), "COMMAND", "[ARGS]..."]

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        _prepare(self, ctx)
        _write_arguments_and_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:
        """Each command with its whole first paragraph (click cuts it at 45 characters with '...')."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def use_plain_help(app: typer.Typer) -> None:
    """Make every command of `app` (and of its sub-apps) print the plain, wrapping help."""
    app.rich_markup_mode = None
    if _unset(app.info.cls, TyperGroup):
        app.info.cls = PlainHelpGroup
    for info in app.registered_commands:
        if _unset(info.cls, TyperCommand):
            info.cls = PlainHelpCommand
    for group in app.registered_groups:
        if group.typer_instance is not None:
            use_plain_help(group.typer_instance)
        if _unset(group.cls, TyperGroup):
            group.cls = PlainHelpGroup


def _unset(cls: Any, default: type) -> bool:
    """True when a command's class is typer's own (typer wraps unset values in DefaultPlaceholder)."""
    return isinstance(cls, DefaultPlaceholder) or cls in (None, default)
