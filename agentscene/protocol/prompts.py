"""The fixed texts of the conversation: system prompts, the create-scene request, MCP instructions.

Templates live in agentscene/prompts/*.md; the tool list of the text protocol is generated from
`tool_schemas()`, so a new or changed tool shows up in every prompt at once.
"""

from __future__ import annotations

import string
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from agentscene.protocol.chat import Message

ReplyProtocol = Literal["tools", "text"]
PROTOCOLS: tuple[str, ...] = ("tools", "text")


def load_prompt(name: str, **values: Any) -> str:
    """A template from agentscene/prompts/ with `$name` placeholders filled in."""
    text = resources.files("agentscene").joinpath("prompts", name).read_text(encoding="utf-8")
    return string.Template(text).safe_substitute({k: str(v) for k, v in values.items()})


def _shared() -> dict[str, str]:
    """The paragraphs every agent-facing prompt shares (one place per fact): conventions and layout rules."""
    return {"conventions": load_prompt("conventions.md").rstrip("\n"), "layout_rules": load_prompt("layout_rules.md").rstrip("\n")}


def _type_of(prop: dict[str, Any]) -> str:
    if "anyOf" in prop:
        kinds = [_type_of(p) for p in prop["anyOf"]]
        return " | ".join(k for k in kinds if k != "null") + (" | null" if "null" in kinds else "")
    kind = prop.get("type", "any")
    if kind == "array":
        n = prop.get("minItems")
        inner = _type_of(prop.get("items", {}))
        return f"[{inner} x{n}]" if n is not None and n == prop.get("maxItems") else f"[{inner}, ...]"
    return str(kind)


def tool_list() -> str:
    """One line per tool, generated from the strict schemas: name(arg: type, ...): description."""
    from agentscene.tools import tool_schemas

    lines = []
    for schema in tool_schemas():
        fn = schema["function"]
        props = fn["parameters"]["properties"]
        args = ", ".join(f"{name}: {_type_of(p)}" for name, p in props.items())
        lines.append(f"- {fn['name']}({args}): {fn['description']}")
    return "\n".join(lines)


def check_protocol(protocol: str) -> ReplyProtocol:
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown reply protocol {protocol!r}; choose 'tools' (native tool calls) or 'text' (tagged replies)")
    return protocol  # type: ignore[return-value]


@lru_cache(maxsize=4)
def system_prompt(protocol: ReplyProtocol = "tools") -> str:
    """The system prompt: native tool calling ("tools") or SceneReVis' tagged text protocol ("text")."""
    if check_protocol(protocol) == "tools":
        return load_prompt("system_native.md", **_shared()).rstrip("\n")
    return load_prompt("system_text.md", tools=tool_list(), **_shared()).rstrip("\n")


def system_message(protocol: ReplyProtocol = "tools", override: str | None = None) -> Message:
    return {"role": "system", "content": override if override is not None else system_prompt(protocol)}


def create_scene_message(prompt: str) -> Message:
    """Turn 0 of the text protocol: ask for the empty room as a <create_scene> block."""
    return {"role": "user", "content": load_prompt("create_scene.md", prompt=prompt).rstrip("\n")}


def mcp_instructions() -> str:
    """What the MCP server tells a client about the scene tools (the shared rules of the system prompt)."""
    return load_prompt("mcp_instructions.md", **_shared()).rstrip("\n")
