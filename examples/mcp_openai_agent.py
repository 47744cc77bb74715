"""An OpenAI-compatible model edits a room through agentscene's MCP server, end to end.

The script starts `agentscene mcp` over stdio with the official MCP client, hands the server's
tools to the model as function tools (the same strict schemas), runs each tool call the model
makes through MCP and feeds the results back, until the model calls `terminate` or the turn
budget runs out. Every edit is autosaved by the server in WORKDIR/sessions/default/.

    export OPENROUTER_API_KEY=...
    python examples/mcp_openai_agent.py "Add a reading corner with an armchair and a floor lamp" \
        --base-url https://openrouter.ai/api/v1 --model openai/gpt-4o-mini \
        --api-key-env OPENROUTER_API_KEY --scene tests/data/scenes/bedroom_basic.json

Then watch it live in another terminal: `agentscene view WORKDIR/sessions/default`. A second run
with the same WORKDIR resumes the saved scene (the server ignores --scene once a session exists).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from openai import AsyncOpenAI

SYSTEM = (
    "You are an interior designer editing a 3D room through tools. Units are metres, y is up and the floor "
    "is y = 0; position is the bottom centre of an object, size is [width, height, depth], yaw is degrees "
    "about the vertical axis (0 faces +z). Read the scene with get_scene, make your edits, check them with "
    "evaluate, fix what it reports, and call terminate when the room is done."
)


def openai_tools(mcp_tools: list[Any]) -> list[dict[str, Any]]:
    """MCP tool listings as chat-completions function tools (the schemas are already strict)."""
    return [{"type": "function", "function": {"name": t.name, "description": t.description or "",
                                              "parameters": t.input_schema, "strict": True}} for t in mcp_tools]


def result_text(result: Any) -> str:
    """What the model reads back: the tool's text, marked as an error when the server says so."""
    text = "\n".join(c.text for c in result.content if c.type == "text")
    return text if not result.is_error else text if text.startswith("Error") else f"Error: {text}"


async def run(args: argparse.Namespace) -> int:
    api_key = os.environ.get(args.api_key_env)
    if not api_key:
        print(f"set {args.api_key_env} to your API key (or pass --api-key-env NAME)", file=sys.stderr)
        return 2
    server_args = ["-m", "agentscene", "mcp", "--workdir", str(args.workdir)]
    if args.scene:
        server_args += ["--scene", str(args.scene)]
    model = AsyncOpenAI(base_url=args.base_url, api_key=api_key, timeout=args.timeout, max_retries=2)
    async with Client(StdioServerParameters(command=sys.executable, args=server_args)) as mcp:
        tools = openai_tools((await mcp.list_tools()).tools)
        scene = result_text(await mcp.call_tool("get_scene", {}))
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"{args.prompt}\n\nThe current scene:\n{scene}"},
        ]
        for turn in range(1, args.max_turns + 1):
            response = await model.chat.completions.create(model=args.model, messages=messages, tools=tools)
            if not response.choices:
                print(f"turn {turn}: the model returned no choice; stopping", file=sys.stderr)
                return 1
            message = response.choices[0].message
            calls = message.tool_calls or []
            messages.append({"role": "assistant", "content": message.content,
                             "tool_calls": [c.model_dump(exclude_none=True) for c in calls] or None})
            if not calls:
                print(f"turn {turn}: no tool call; the model said: {message.content!r}")
                break
            finished = False
            for call in calls:
                try:
                    arguments = json.loads(call.function.arguments or "{}")
                except json.JSONDecodeError as e:
                    reply = f"Error (invalid_json): the arguments are not valid JSON ({e}); send a JSON object"
                else:
                    if isinstance(arguments, dict):
                        result = await mcp.call_tool(call.function.name, arguments)
                        reply = result_text(result)
                        finished = finished or (call.function.name == "terminate" and not result.is_error)
                    else:
                        reply = f"Error (invalid_arguments): the arguments must be a JSON object, got {type(arguments).__name__}"
                print(f"turn {turn}: {call.function.name}({call.function.arguments}) -> {reply.splitlines()[0][:120]}")
                messages.append({"role": "tool", "tool_call_id": call.id, "content": reply})
            if finished:
                break
        final = json.loads(result_text(await mcp.call_tool("get_scene", {})))
    saved = Path(args.workdir) / "sessions" / "default" / "scene.json"
    print(f"done: {len(final['objects'])} objects; the scene is saved at {saved}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("prompt", help="what the model should do to the room")
    parser.add_argument("--base-url", default="https://openrouter.ai/api/v1", help="OpenAI-compatible endpoint")
    parser.add_argument("--model", default="openai/gpt-4o-mini")
    parser.add_argument("--api-key-env", default="OPENROUTER_API_KEY", help="environment variable holding the API key")
    parser.add_argument("--workdir", type=Path, default=Path("mcp-agent-run"), help="the MCP server's workdir")
    parser.add_argument("--scene", type=Path, default=None, help="scene file to start from (else an empty room)")
    parser.add_argument("--max-turns", type=int, default=12)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per model request")
    return anyio.run(run, parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
