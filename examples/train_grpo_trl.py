"""GRPO on agentscene with TRL: the model edits rooms through the scene tools, the env scores it.

    agentscene rl dataset prompts/*.txt --out train.jsonl --format trl
    python examples/train_grpo_trl.py --model Qwen/Qwen3-0.6B --data train.jsonl --out runs/grpo

Needs `pip install 'agentscene[rl]'` and a model your machine can load (a GPU for anything real;
add --use-vllm with a vLLM install for fast generation). TRL turns the public methods of
SceneToolEnv into tools, calls `reset(**row)` per rollout and adds `get_reward` as a reward.
"""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a chat model with tool calling, e.g. Qwen/Qwen3-0.6B")
    parser.add_argument("--data", required=True, help="rows from `agentscene rl dataset --format trl`")
    parser.add_argument("--out", default="runs/grpo-trl")
    parser.add_argument("--max-turns", type=int, default=8, help="tool calls per episode before truncation")
    parser.add_argument("--num-generations", type=int, default=8)
    parser.add_argument("--max-steps", type=int, default=500)
    parser.add_argument("--use-vllm", action="store_true")
    args = parser.parse_args()

    from datasets import load_dataset
    from trl import GRPOConfig, GRPOTrainer

    from agentscene.env import EnvConfig
    from agentscene.env.trl import environment_factory

    rows = load_dataset("json", data_files=args.data, split="train")
    config = GRPOConfig(
        output_dir=args.out, num_generations=args.num_generations, max_steps=args.max_steps,
        per_device_train_batch_size=args.num_generations, max_completion_length=4096,
        max_tool_calling_iterations=args.max_turns, learning_rate=1e-6, logging_steps=1,
        use_vllm=args.use_vllm, report_to=[],
    )
    # the scene JSON only when it changed keeps tool responses short; the final turn uses SceneReVis' terms
    env = EnvConfig(max_turns=args.max_turns, scene_in_observation="changed")
    trainer = GRPOTrainer(model=args.model, train_dataset=rows, environment_factory=environment_factory(env), args=config)
    trainer.train()
    trainer.save_model(args.out)


if __name__ == "__main__":
    main()
