"""OpenAI strict function schemas generated from the argument models (never hand-written)."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from agentscene.tools.arguments import TOOLS


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].split("/")[-1]
            return _inline_refs(copy.deepcopy(defs[name]), defs)
        return {k: _inline_refs(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def _strictify(node: Any) -> Any:
    """Strict mode: every object closed, every property required (optional ones are nullable)."""
    if isinstance(node, dict):
        # length limits stay in the validators: several providers' strict modes reject them
        node = {k: _strictify(v) for k, v in node.items() if k not in ("title", "default", "maxLength", "minLength")}
        if node.get("type") == "object":
            node["additionalProperties"] = False
            node["required"] = list(node.get("properties", {}))
        return node
    if isinstance(node, list):
        return [_strictify(v) for v in node]
    return node


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema in the form OpenAI's `strict: true` function calling accepts."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    schema = _inline_refs(schema, defs)
    schema.pop("description", None)
    return _strictify(schema)


def tool_schemas(names: list[str] | None = None) -> list[dict[str, Any]]:
    """The `tools=` list for chat completions: one strict function schema per tool."""
    out = []
    for name, (model, description) in TOOLS.items():
        if names is not None and name not in names:
            continue
        out.append(
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": description,
                    "strict": True,
                    "parameters": strict_json_schema(model),
                },
            }
        )
    if names is not None:
        unknown = set(names) - set(TOOLS)
        if unknown:
            raise ValueError(f"unknown tools {sorted(unknown)}; known: {', '.join(TOOLS)}")
    return out
