"""Model clients against the fake OpenAI-compatible server (real openai SDK, real HTTP), the
registry, ScriptedModel, and the critics."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from agentscene.agents.client import (
    ChatResponse,
    ProviderError,
    ProviderUnavailable,
    Usage,
    client_names,
    get_client,
)
from agentscene.agents.critics import RuleCritic, VLMCritic
from agentscene.formats import load_scene
from agentscene.rewards import evaluate
from agentscene.testing import FakeOpenAIServer, FakeReply, ScriptedModel, ScriptExhausted

SCENES = Path(__file__).parent / "data" / "scenes"
USER = [{"role": "user", "content": "hello"}]


@pytest.fixture
def server():
    with FakeOpenAIServer() as s:
        yield s


def client_for(server, **kw):
    settings = {"provider": "vllm", "base_url": server.base_url, "retry_initial_s": 0.0, "retry_max_s": 0.01,
                "max_retries": 2, "timeout_s": 2.0, **kw}
    return get_client("openai-compatible", **settings)


def test_registry_names_and_unknown():
    assert {"offline", "openai-compatible", "scripted"} <= set(client_names())
    with pytest.raises(ValueError, match="unknown model client"):
        get_client("nope")


def test_tool_calls_usage_and_cost(server):
    server.push(FakeReply.tool_calls([("move_object", {"object_id": "bed_1", "position": [1, 0, 1]}),
                                      ("terminate", {"reason": "done"})], cost=0.0021))
    client = client_for(server, model="m1")
    resp = client.complete(USER, tools=[{"type": "function", "function": {"name": "terminate", "parameters": {}}}])
    assert [c.name for c in resp.tool_calls] == ["move_object", "terminate"]
    assert json.loads(resp.tool_calls[0].arguments) == {"object_id": "bed_1", "position": [1, 0, 1]}
    assert resp.usage.cost_usd == pytest.approx(0.0021) and resp.usage.prompt_tokens > 0 and resp.usage.calls == 1
    body = server.requests[-1]
    assert body["model"] == "m1" and body["tools"] and body["tool_choice"] == "auto" and body["parallel_tool_calls"] is True


def test_cost_from_prices_when_provider_reports_none(server):
    server.push(FakeReply.text("hi"))
    client = client_for(server, model="m", price_input_per_mtok=1.0, price_output_per_mtok=2.0)
    resp = client.complete(USER)
    assert resp.content == "hi"
    assert resp.usage.cost_usd == pytest.approx((resp.usage.prompt_tokens * 1 + resp.usage.completion_tokens * 2) / 1e6)


def test_vllm_model_is_asked_from_the_server(server):
    client = client_for(server)
    assert client.model == "fake-model"


def test_429_with_retry_after_then_success(server):
    server.push(FakeReply.error(429, retry_after=0), FakeReply.error(503), FakeReply.text("ok"))
    resp = client_for(server, model="m").complete(USER)
    assert resp.content == "ok" and len(server.requests) == 3


def test_5xx_past_retries_is_provider_unavailable(server):
    server.push(*[FakeReply.error(500)] * 3)
    with pytest.raises(ProviderUnavailable, match="3 attempts"):
        client_for(server, model="m").complete(USER)
    assert len(server.requests) == 3


def test_hang_past_timeout_is_retried_then_unavailable(server):
    server.push(FakeReply.hang(3), FakeReply.hang(3))
    start = time.perf_counter()
    with pytest.raises(ProviderUnavailable, match="Timeout"):
        client_for(server, model="m", timeout_s=0.3, max_retries=1).complete(USER)
    assert time.perf_counter() - start < 2.5


def test_empty_choice_is_retried(server):
    server.push(FakeReply.empty_choice(), FakeReply.text("second try"))
    assert client_for(server, model="m").complete(USER).content == "second try"


def test_auth_error_is_not_retried(server):
    server.push(FakeReply.error(401, "bad key"))
    with pytest.raises(ProviderError, match="401"):
        client_for(server, model="m").complete(USER)
    assert len(server.requests) == 1


def test_malformed_tool_call_json_passes_through_as_a_value(server):
    server.push(FakeReply.malformed_tool_call("add_object", '{"description": "bed", "position": [1, 0,'))
    resp = client_for(server, model="m").complete(USER, tools=[])
    assert resp.tool_calls[0].arguments_dict() is None  # the loop turns it into an invalid_json result


def test_api_key_from_env_is_sent_and_required(server, monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-test-123")
    server.push(FakeReply.text("x"))
    client = get_client("openai-compatible", provider="openrouter", base_url=server.base_url, model="m", max_retries=0)
    client.complete(USER)
    assert server.headers[-1]["authorization"] == "Bearer sk-or-test-123"
    monkeypatch.delenv("OPENROUTER_API_KEY")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ProviderError, match="OPENROUTER_API_KEY"):
        get_client("openai-compatible", provider="openrouter", base_url=server.base_url, model="m")
    assert "sk-or" not in repr(client.settings) and "api_key" not in client.settings.model_dump()


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError):
        get_client("openai-compatible", provider="nowhere")
    with pytest.raises(ValueError):
        get_client("openai-compatible", provider="vllm", timeout_s=-1)


def test_scripted_model_replays_and_records():
    model = ScriptedModel(["text", [("terminate", {"reason": "r"})], ProviderUnavailable("down")])
    assert model.complete(USER).content == "text"
    resp = model.complete(USER, tools=[{"x": 1}])
    assert resp.tool_calls[0].name == "terminate" and model.requests[1]["tools"] == [{"x": 1}]
    with pytest.raises(ProviderUnavailable):
        model.complete(USER)
    with pytest.raises(ScriptExhausted):
        model.complete(USER)
    assert get_client("scripted", replies=["a"]).complete(USER).content == "a"


def test_usage_adds_up():
    total = Usage(prompt_tokens=1, calls=1, cost_usd=0.5) + Usage(completion_tokens=2, calls=1)
    assert (total.prompt_tokens, total.completion_tokens, total.calls, total.cost_usd) == (1, 2, 2, 0.5)
    assert (Usage() + Usage()).cost_usd is None


# -- critics -------------------------------------------------------------------------------------


def test_rule_critic_clean_vs_problems():
    critic = RuleCritic()
    clean = load_scene(SCENES / "bedroom_basic.json")
    bad = load_scene(SCENES / "bedroom_problems.json")
    good = critic.critique(clean, evaluate(clean), "a bedroom")
    worse = critic.critique(bad, evaluate(bad), "a bedroom")
    assert set(good.scores) == {"rationality", "spatial_layout", "accessibility", "requirement_match"}
    assert worse.scores["rationality"] < good.scores["rationality"]
    assert worse.scores["spatial_layout"] < good.scores["spatial_layout"]
    assert "sticks out of the room" in worse.feedback and "collide" in worse.feedback


def test_rule_critic_caps_tiny_scenes():
    scene = load_scene(SCENES / "bathroom_small.json")  # 3 objects
    c = RuleCritic().critique(scene, evaluate(scene), "a bathroom")
    assert c.scores["rationality"] <= 6.0 and "3 objects" in c.feedback


def _png(tmp_path: Path) -> Path:
    from PIL import Image

    path = tmp_path / "merged.png"
    Image.new("RGB", (8, 4), "white").save(path)
    return path


def test_vlm_critic_reads_strict_json_and_applies_caps(tmp_path):
    scene = load_scene(SCENES / "bathroom_small.json")
    model = ScriptedModel([json.dumps({"rationality": 9, "spatial_layout": 7, "accessibility": 8, "feedback": "fine"})])
    c = VLMCritic(model).critique(scene, None, "a bathroom", _png(tmp_path))
    assert c.error is None and c.scores == {"rationality": 6.0, "spatial_layout": 7.0, "accessibility": 8.0}
    req = model.requests[0]
    assert req["response_format"]["json_schema"]["strict"] is True
    parts = req["messages"][0]["content"]
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert "4-15" in parts[0]["text"] and "WARNING" in parts[0]["text"]


@pytest.mark.parametrize("reply", ["not json", json.dumps({"rationality": 11, "spatial_layout": 1, "accessibility": 1, "feedback": ""}),
                                   json.dumps({"rationality": 5})])
def test_vlm_critic_bad_reply_is_an_error_value(tmp_path, reply):
    scene = load_scene(SCENES / "bedroom_basic.json")
    c = VLMCritic(ScriptedModel([reply])).critique(scene, None, "a bedroom", _png(tmp_path))
    assert c.error and not c.scores


def test_vlm_critic_needs_an_image():
    with pytest.raises(ValueError, match="render"):
        VLMCritic(ScriptedModel([])).critique(load_scene(SCENES / "bedroom_basic.json"), None, "x", None)


def test_chat_response_assistant_message():
    msg = ChatResponse(content=None).assistant_message()
    assert msg == {"role": "assistant", "content": ""}
