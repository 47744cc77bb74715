"""TRL adapter: the tool schema TRL derives from SceneToolEnv, and a real GRPO step on CPU.

The GRPO step runs TRL's own GRPOTrainer with a tiny randomly initialised Qwen3 model and a
byte-level BPE tokenizer trained here, with Qwen3's chat template as shipped by TRL (so TRL
recognises it and parses `<tool_call>` blocks exactly as for a real Qwen3). An untrained model
does not write tool calls, so the tokenizer carries one added token per call body (its JSON) and
generation biases `<tool_call>`, a body, `</tool_call>`, end of turn (`sequence_bias`): the rollout
really goes through TRL's parser, tool loop, our env and `get_reward`, and the test checks all of it.
The tags must be generated as their own token ids, as a real Qwen3 does: recent transformers
(5.25 here) parses the generated ids and defuses a control token spelled inside another token.
"""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("trl")
pytest.importorskip("tokenizers")

from agentscene.env import EnvConfig, build_rows  # noqa: E402
from agentscene.env.trl import OVER, SceneToolEnv, env_reward, environment_factory  # noqa: E402


def _trainer_importable() -> str | None:
    """Why GRPOTrainer cannot be imported here, for the one known environment mismatch (else None)."""
    import numpy

    try:
        import pyarrow
    except ImportError as e:
        if "NumPy 2.0" in str(e):
            return (f"pyarrow needs NumPy 2 but numpy {numpy.__version__} is installed (bpy pins numpy<2): "
                    "install 'pyarrow<26' (the [rl] extra should pin it)")
        raise
    del pyarrow
    return None


BED_CALL = {"name": "add_object", "arguments": {"description": "oak double bed", "position": [2.0, 0.0, 2.0],
                                                "yaw": 0.0, "size": [1.6, 1.0, 2.0]}}
BAD_CALL = {"name": "remove_object", "arguments": {"object_id": "ghost_9"}}
PROMPTS = ["a cozy bedroom with a bed and two nightstands", "a small office with a desk and a bookshelf"]


def test_public_methods_are_exactly_the_scene_tools():
    import inspect

    from agentscene.tools import tool_names

    public = {n for n, _ in inspect.getmembers(SceneToolEnv, predicate=inspect.isfunction) if not n.startswith("_")}
    assert public - {"reset", "get_reward"} == set(tool_names())


def test_trl_tool_schemas_are_typed_and_documented():
    from transformers.utils import get_json_schema

    env = SceneToolEnv()
    schema = get_json_schema(env.add_object)["function"]
    props = schema["parameters"]["properties"]
    assert schema["parameters"]["required"] == ["description", "position", "yaw", "size"]
    assert props["position"] == {"type": "array", "items": {"type": "number"}, "description": props["position"]["description"]}
    assert props["category"].get("nullable") is True
    # derived from the strict schemas, not written beside them: the same descriptions, word for word
    from agentscene.tools import tool_names, tool_schemas

    for strict in tool_schemas(tool_names()):
        name = strict["function"]["name"]
        s = get_json_schema(getattr(env, name))["function"]
        assert s["description"] == strict["function"]["description"]
        want = {k: v["description"] for k, v in strict["function"]["parameters"]["properties"].items()}
        assert {k: v["description"] for k, v in s["parameters"]["properties"].items()} == want


def test_reset_from_row_and_tool_calls_step_the_env():
    row = build_rows(PROMPTS[:1], "trl")[0]
    env = SceneToolEnv(EnvConfig(max_turns=3))
    assert env.reset(**row) is None  # the row's prompt already holds the opening message
    out = env.add_object(**BED_CALL["arguments"])
    assert "Added bed_1" in out and "<current_scene>" in out
    assert "Error (unknown_object)" in env.move_object("ghost_1", [1.0, 0.0, 1.0])
    assert "Error (invalid_arguments)" in env.rotate_object("bed_1", float("nan"))
    assert env._env.turn == 3 and env._env.done  # max_turns reached
    assert env.remove_object("bed_1") == OVER
    reward = env.get_reward()
    assert math.isfinite(reward) and reward == env._env.episode_reward()
    # a task-only row gets the opening observation appended to the prompt
    env2 = SceneToolEnv()
    opening = env2.reset(task=row["task"])
    assert opening is not None and opening.startswith("<user_requirement>a cozy bedroom")


def test_get_reward_finishes_an_unterminated_episode_and_pool_reuse_is_isolated():
    rows = build_rows(PROMPTS, "trl")
    a, b = SceneToolEnv(), SceneToolEnv()
    a.reset(**rows[0])
    b.reset(**rows[0])
    a.add_object(**BED_CALL["arguments"])
    assert len(a._env.scene.objects) == 1 and len(b._env.scene.objects) == 0
    r = a.get_reward()
    assert a._env.done and len(a._env.rewards) == 2 and r == a.get_reward()  # finishing twice scores once
    a.reset(**rows[1])  # pooled instances are reset, not rebuilt
    assert a._env.scene.objects == () and a._env.rewards == [] and "office" in a._env.task.prompt
    assert env_reward(environments=[a, b]) == [a.get_reward(), b.get_reward()]
    with pytest.raises(ValueError, match="environments"):
        env_reward()


def test_bad_rows_are_reported_clearly():
    from agentscene.env import TaskError

    env = SceneToolEnv()
    with pytest.raises(TaskError, match="no task"):
        env.reset(prompt=[{"role": "user", "content": "hi"}])
    with pytest.raises(TaskError, match="not a valid agentscene task"):
        env.reset(task='{"prompt": 3}')
    assert env.add_object(**BED_CALL["arguments"]) == "Error: the episode has not started."


# -- a real GRPO step ------------------------------------------------------------------------


def _tokenizer(corpus: list[str], extra_tokens: list[str]):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    from trl.chat_template_utils import qwen3_chat_template

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=600, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(corpus, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    fast.add_tokens(["<tool_call>", "</tool_call>", "<think>", "</think>", "<tool_response>", "</tool_response>", *extra_tokens])
    fast.chat_template = qwen3_chat_template
    return fast


def _model(vocab_size: int, eos_id: int, pad_id: int):
    import torch
    from transformers import Qwen3Config, Qwen3ForCausalLM

    torch.manual_seed(0)
    config = Qwen3Config(vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, head_dim=8, max_position_embeddings=8192,
                         tie_word_embeddings=True, eos_token_id=eos_id, pad_token_id=pad_id, bos_token_id=None)
    return Qwen3ForCausalLM(config)


@pytest.mark.slow
def test_grpo_training_step_calls_the_scene_tools(tmp_path):
    why = _trainer_importable()
    if why:
        pytest.skip(why)
    import torch
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    # two call bodies as whole tokens, equally favoured: a valid add_object and a call on an unknown id. The tags
    # around them are generated as the `<tool_call>`/`</tool_call>` tokens, since the response parser reads token
    # ids and ignores a tag spelled inside another token (a single whole-call token parses as plain text)
    bodies = ["\n" + json.dumps(c) + "\n" for c in (BED_CALL, BAD_CALL)]
    rows = build_rows(PROMPTS, "trl")
    corpus = [m["content"] for r in rows for m in r["prompt"]] + [json.dumps(BED_CALL)] * 5
    tokenizer = _tokenizer(corpus, bodies)
    open_id, close_id, eos_id = tokenizer.convert_tokens_to_ids(["<tool_call>", "</tool_call>", "<|im_end|>"])
    body_ids = tokenizer.convert_tokens_to_ids(bodies)
    assert [tokenizer.decode([open_id, i, close_id]) for i in body_ids] == [f"<tool_call>{b}</tool_call>" for b in bodies]
    # each step's favoured token outbids the opening tag's standing bias; the opening tag wins the first step
    bias = {(open_id,): 40.0, **{(open_id, i): 80.0 for i in body_ids}, **{(i, close_id): 80.0 for i in body_ids},
            (close_id, eos_id): 80.0}
    model = _model(len(tokenizer), eos_id, tokenizer.pad_token_id)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}

    made: list[SceneToolEnv] = []
    # "mean": SceneReVis' own combination gives every 2-turn episode -1, which leaves GRPO nothing to learn from
    factory = environment_factory(EnvConfig(max_turns=4, scene_in_observation="never", trajectory="mean"))

    def tracked() -> SceneToolEnv:
        env = factory()
        made.append(env)
        return env

    args = GRPOConfig(
        output_dir=str(tmp_path), per_device_train_batch_size=4, num_generations=4, max_steps=1,
        max_completion_length=600, max_tool_calling_iterations=1, learning_rate=1e-2, logging_steps=1,
        report_to=[], save_strategy="no", use_cpu=True, bf16=False, seed=0, temperature=1.0,
        generation_kwargs={"sequence_bias": bias},
    )
    trainer = GRPOTrainer(model=model, processing_class=tokenizer, train_dataset=Dataset.from_list(rows[:1]),
                          environment_factory=tracked, args=args)
    trainer.train()

    used = [e for e in made if e._env.turn > 0]
    assert len(used) == 4, "every rollout should have called a tool"
    for env in used:
        assert env._env.done and len(env._env.rewards) == 2  # the tool step plus get_reward's final turn
        ok = env._env.history[1] is not env._env.history[0]
        assert [o.id for o in env._env.scene.objects] == (["bed_1"] if ok else [])  # each call reached its own env
    outcomes = {len(e._env.scene.objects) for e in used}
    assert outcomes == {0, 1}, "with this seed both calls are sampled"
    assert len({e._env.episode_reward() for e in used}) > 1
    logs = {k: v for entry in trainer.state.log_history for k, v in entry.items()}
    assert logs["tools/call_frequency"] > 0 and logs.get("tools/failure_frequency", 0.0) == 0.0
    expected = sum(e._env.episode_reward() for e in used) / len(used)
    assert logs["rewards/SceneToolEnv/mean"] == pytest.approx(expected, abs=1e-5)  # the reward came from the env
    assert trainer.state.global_step == 1
    changed = [n for n, p in model.named_parameters() if not torch.equal(p, before[n])]
    assert changed, "rewards differed within the group, so the GRPO step must change the weights"
