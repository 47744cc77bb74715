#!/usr/bin/env bash
# GRPO on agentscene with verl (>= 0.9): multi-turn tool rollouts through the agentscene_agent loop.
#   pip install verl agentscene        # in verl's own environment (it needs numpy 2)
#   agentscene rl dataset prompts/*.txt --out train.jsonl --format verl
#   bash examples/verl/run_grpo.sh Qwen/Qwen3-4B train.jsonl
set -euo pipefail
MODEL=${1:?model path or hub id}
DATA=${2:?rows from agentscene rl dataset --format verl}
CONF=$(python -c "import agentscene.env.verl as v; print(v.DATA)")
REWARD=$(python -c "import agentscene.env.verl.reward as r; print(r.__file__)")

python -m verl.trainer.main_ppo \
  algorithm.adv_estimator=grpo \
  data.train_files="$DATA" data.val_files="$DATA" \
  data.return_raw_chat=True data.max_prompt_length=4096 data.max_response_length=8192 \
  data.train_batch_size=32 \
  actor_rollout_ref.model.path="$MODEL" \
  actor_rollout_ref.actor.optim.lr=1e-6 \
  actor_rollout_ref.actor.ppo_mini_batch_size=16 \
  actor_rollout_ref.rollout.name=vllm actor_rollout_ref.rollout.mode=async actor_rollout_ref.rollout.n=8 \
  actor_rollout_ref.rollout.multi_turn.enable=True \
  actor_rollout_ref.rollout.multi_turn.format=hermes \
  actor_rollout_ref.rollout.multi_turn.max_assistant_turns=8 \
  actor_rollout_ref.rollout.multi_turn.max_tool_response_length=4096 \
  actor_rollout_ref.rollout.multi_turn.tool_config_path="$CONF/tool_config.yaml" \
  actor_rollout_ref.rollout.agent.agent_loop_config_path="$CONF/agent_loop.yaml" \
  actor_rollout_ref.rollout.agent.default_agent_loop=agentscene_agent \
  reward.custom_reward_function.path="$REWARD" \
  reward.custom_reward_function.name=compute_score \
  trainer.project_name=agentscene trainer.experiment_name=grpo-verl trainer.logger='["console"]' \
  trainer.n_gpus_per_node="${GPUS:-8}" trainer.nnodes=1 trainer.total_epochs=1
