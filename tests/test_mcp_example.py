"""examples/mcp_openai_agent.py end to end: a scripted OpenAI-compatible server edits a room through MCP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mcp")

from agentscene.testing import FakeOpenAIServer, FakeReply  # noqa: E402
from agentscene.tools import tool_schemas  # noqa: E402

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "mcp_openai_agent.py"
BEDROOM = ROOT / "tests" / "data" / "scenes" / "bedroom_basic.json"


def test_an_openai_compatible_model_edits_a_room_through_mcp(tmp_path):
    script = [
        FakeReply.tool_calls([("add_object", {"description": "leather reading armchair", "position": [3.2, 0.0, 3.2], "yaw": 180,
                                              "size": [0.8, 0.9, 0.8], "category": "armchair", "support": None}),
                              ("add_object", {"description": "brass floor lamp", "position": [3.7, 0.0, 3.7], "yaw": 0,
                                              "size": [0.3, 1.6, 0.3], "category": None, "support": None})]),
        FakeReply.tool_calls([("move_object", {"object_id": "sofa_9", "position": [1, 0, 1]})]),   # a mistake the model reads
        FakeReply.malformed_tool_call("rotate_object", '{"object_id": "armchair_1", "yaw": '),    # broken JSON
        FakeReply.tool_calls([("rotate_object", {"object_id": "armchair_1", "yaw": 225}), ("evaluate", {})]),
        FakeReply.tool_calls([("terminate", {"reason": "reading corner added"})]),
    ]
    with FakeOpenAIServer(script) as fake:
        done = subprocess.run(
            [sys.executable, str(EXAMPLE), "Add a reading corner", "--base-url", fake.base_url, "--model", "fake-model",
             "--api-key-env", "FAKE_KEY", "--workdir", str(tmp_path), "--scene", str(BEDROOM), "--max-turns", "8"],
            env={**os.environ, "FAKE_KEY": "sk-test-not-a-secret"}, capture_output=True, text=True, timeout=120, cwd=ROOT,
        )
        requests = fake.requests
    assert done.returncode == 0, done.stderr
    assert len(requests) == 5  # the model was asked once per turn, and stopped after terminate
    offered = {t["function"]["name"]: t["function"]["parameters"] for t in requests[0]["tools"]}
    assert {s["function"]["name"]: s["function"]["parameters"] for s in tool_schemas()}.items() <= offered.items()
    tool_messages = [m["content"] for m in requests[-1]["messages"] if m["role"] == "tool"]
    assert tool_messages[0].startswith("Added armchair_1")
    assert tool_messages[2].startswith("Error (unknown_object)")
    assert tool_messages[3].startswith("Error (invalid_json)")
    assert tool_messages[4].startswith("Rotated armchair_1 to yaw -135")  # yaw normalised to (-180, 180]
    saved = json.loads((tmp_path / "sessions" / "default" / "scene.json").read_text())
    chair = next(o for o in saved["objects"] if o["id"] == "armchair_1")
    assert chair["yaw"] == -135 and any(o["category"] == "floor_lamp" for o in saved["objects"])
    assert "done: 8 objects" in done.stdout
    assert "sk-test-not-a-secret" not in done.stdout + done.stderr
