"""Print the worked example of the agent protocol that docs/rl.md and docs/agents.md show.

    python scripts/protocol_example.py [tools|text]

One SceneEnv turn on a small task: the chat a model gets at turn 1 and at turn 2 (after adding a
bed and a call on an unknown id). tests/test_protocol_docs.py checks the docs hold this output.
"""

from __future__ import annotations

import json
import sys

from agentscene.env import EnvConfig, SceneEnv, SceneTask
from agentscene.scene import Room, Scene

ACTION = [
    {"name": "add_object", "arguments": {"description": "oak double bed", "position": [1.5, 0, 1.1], "yaw": 0,
                                         "size": [1.6, 1.0, 2.0], "category": "bed"}},
    {"name": "remove_object", "arguments": {"object_id": "lamp_9"}},
]


def example(reply_protocol: str = "tools") -> str:
    room = Room(room_type="bedroom", floor=((0, 0), (3, 0), (3, 3.2), (0, 3.2)), height=2.6)
    task = SceneTask(task_id="task_example", prompt="a bedroom with a bed", room_type="bedroom", key_objects=("bed",),
                     initial_scene=Scene(room=room))
    env = SceneEnv(EnvConfig(max_turns=4, protocol=reply_protocol))  # type: ignore[arg-type]
    env.reset(seed=0, options={"task": task})
    if reply_protocol == "text":
        from agentscene.tools import ToolCall, format_reply

        calls = [ToolCall(id=f"tool_{i + 1}", **c) for i, c in enumerate(ACTION)]
        *_, info = env.step(format_reply(think="The request names a bed; the room is empty.", conclusion="Add the bed.",
                                         tool_calls=calls))
    else:
        *_, info = env.step(ACTION)
    lines = ["[system] agentscene.protocol.system_prompt(" + repr(reply_protocol) + ")  (agentscene/prompts/system_*.md)"]
    for m in info["messages"][1:]:
        head = f"[{m['role']}" + (f" {m['tool_call_id']}" if m["role"] == "tool" else "") + "]"
        if m.get("tool_calls"):
            calls = [{"id": c["id"], "name": c["function"]["name"], "arguments": json.loads(c["function"]["arguments"])}
                     for c in m["tool_calls"]]
            head += " tool_calls: " + json.dumps(calls, ensure_ascii=False)
        lines.append(head)
        if m["content"]:
            lines.append(m["content"])
    return "\n".join(lines)


if __name__ == "__main__":
    print(example(sys.argv[1] if len(sys.argv) > 1 else "tools"))
