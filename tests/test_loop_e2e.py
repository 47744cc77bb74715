"""End to end through the real `openai` SDK and a fake OpenAI-compatible server on 127.0.0.1,
in native tool-calling mode and in the text protocol, with the raster renderer."""

from __future__ import annotations

import json

import pytest

from agentscene.agents.chat_agent import ChatAgent, ChatAgentConfig
from agentscene.agents.client import get_client
from agentscene.agents.offline_client import OfflineClient
from agentscene.loop import LoopConfig, run_episode
from agentscene.run_dir import RunDirectory
from agentscene.testing import FakeOpenAIServer, FakeReply


def planner_responder(body: dict) -> FakeReply:
    """The fake provider answers like the offline planner would, in the request's protocol."""
    resp = OfflineClient(seed=1).complete(body["messages"], tools=body.get("tools"))
    if resp.tool_calls:
        return FakeReply.tool_calls([(c.name, c.arguments) for c in resp.tool_calls], content=resp.content, cost=0.001)
    return FakeReply.text(resp.content or "", cost=0.001)


def agent_for(server: FakeOpenAIServer, mode: str) -> ChatAgent:
    client = get_client("openai-compatible", provider="vllm", base_url=server.base_url, model="fake-vlm",
                        retry_initial_s=0.0, retry_max_s=0.01, max_retries=2, timeout_s=5.0)
    return ChatAgent(client, ChatAgentConfig(mode=mode))


@pytest.fixture(scope="module")
def raster():
    from agentscene.renderers import get_renderer

    r = get_renderer("raster")
    yield r
    r.close()


@pytest.mark.parametrize("mode", ["native", "text"])
def test_episode_through_the_sdk(tmp_path, raster, mode):
    with FakeOpenAIServer(responder=planner_responder) as server:
        server.push(FakeReply.error(429, retry_after=0), FakeReply.empty_choice())  # transient faults first
        rd = RunDirectory(tmp_path / mode)
        ep = run_episode("a cozy bedroom", agent_for(server, mode), renderer=raster, config=LoopConfig(max_turns=5), run_dir=rd)
    assert ep.stop_reason == "terminated"
    assert ep.evaluation.clean and len(ep.scene.objects) >= 8
    assert ep.usage.cost_usd == pytest.approx(0.001 * ep.usage.calls) and ep.usage.total_tokens > 0
    bodies = [b for b in server.requests if b.get("messages")]
    if mode == "native":
        assert all(b.get("tools") for b in bodies)
        assert any(m["role"] == "tool" for m in bodies[-1]["messages"])
    else:
        assert not any(b.get("tools") for b in bodies)
        assert "<tool_calls>" in (ep.turns[1].reply or "")
    # the current render is attached as a data URL; older ones are replaced by a note
    last_user = [m for m in bodies[-1]["messages"] if m["role"] == "user"][-1]
    assert any(p.get("type") == "image_url" and p["image_url"]["url"].startswith("data:image/png;base64,")
               for p in last_user["content"])
    # the run directory is complete
    for name in ("scene.json", "scene_scenerevis.json", "metrics.json", "conversation.jsonl"):
        assert (rd.root / name).exists()
    for turn in ep.turns:
        for view in ("top", "diagonal", "merged"):
            assert (rd.renders_dir / f"turn_{turn.turn:02d}_{view}.png").exists()
    convo = [json.loads(line) for line in (rd.root / "conversation.jsonl").read_text().splitlines()]
    images = [p for m in convo if isinstance(m.get("content"), list) for p in m["content"] if p.get("type") == "image"]
    assert images and all(p["path"].startswith("renders/") for p in images)  # images by path, not bytes
    assert "base64" not in (rd.root / "conversation.jsonl").read_text()


def test_provider_down_mid_run_then_resume(tmp_path):
    rd = RunDirectory(tmp_path / "run")
    with FakeOpenAIServer(responder=planner_responder) as server:
        agent = agent_for(server, "native")
        server.push(FakeReply.tool_calls([("add_object", {"description": "bed", "position": [2, 0, 1.5], "yaw": 0,
                                                          "size": [1.6, 1.0, 2.0], "category": None, "support": None})]))
        server.push(*[FakeReply.error(503)] * 3)
        ep = run_episode("a bedroom", agent, config=LoopConfig(max_turns=6), run_dir=rd)
        assert ep.stop_reason == "provider_unavailable" and len(rd.read_turns()) == 2
        ep2 = run_episode("a bedroom", agent_for(server, "native"), config=LoopConfig(max_turns=6), run_dir=rd)
    assert ep2.stop_reason == "terminated" and ep2.turns[1].scene.objects[0].id == "bed_1"
    assert ep2.evaluation.clean


def test_hanging_provider_times_out_and_stops(tmp_path):
    with FakeOpenAIServer(default=FakeReply.hang(5)) as server:
        client = get_client("openai-compatible", provider="vllm", base_url=server.base_url, model="m",
                            retry_initial_s=0.0, max_retries=1, timeout_s=0.3)
        ep = run_episode("a bedroom", ChatAgent(client), config=LoopConfig(max_turns=3), run_dir=tmp_path / "r")
    assert ep.stop_reason == "provider_unavailable" and "Timeout" in ep.error
