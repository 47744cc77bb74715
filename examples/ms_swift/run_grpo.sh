#!/usr/bin/env bash
# GRPO on agentscene with ms-swift (4.x): the agentscene scheduler steps a SceneEnv per trajectory.
#   pip install ms-swift agentscene    # in ms-swift's own environment (it pins trl < 1)
#   agentscene rl dataset prompts/*.txt --out train.jsonl --format ms-swift --protocol text
#   bash examples/ms_swift/run_grpo.sh Qwen/Qwen2.5-VL-7B-Instruct train.jsonl
set -euo pipefail
MODEL=${1:?model path or hub id}
DATA=${2:?rows from agentscene rl dataset --format ms-swift}
PLUGIN=$(python -c "import agentscene.env.ms_swift as m; print(m.__file__)")

swift rlhf \
  --rlhf_type grpo \
  --model "$MODEL" \
  --dataset "$DATA" \
  --external_plugins "$PLUGIN" \
  --multi_turn_scheduler agentscene \
  --max_turns 8 \
  --reward_funcs agentscene \
  --use_vllm true --vllm_mode colocate \
  --num_generations 8 --per_device_train_batch_size 8 \
  --max_completion_length 4096 --learning_rate 1e-6 \
  --output_dir runs/grpo-ms-swift
