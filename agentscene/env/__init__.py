"""RL environment for GRPO: `SceneEnv`, wrappers, `check_env`, task rows, trainer adapters.

The core (`SceneEnv`, `EnvConfig`, `SceneTask`, wrappers, `check_env`) needs only the light
dependencies. Trainer adapters import their trainer lazily: `agentscene.env.trl`,
`agentscene.env.verl`, `agentscene.env.ms_swift`.
"""

from agentscene.env.check import EnvCheckError, check_env
from agentscene.env.env import EnvConfig, EnvStateError, SceneEnv
from agentscene.env.wrappers import (
    HistoryWindow,
    ImageObservation,
    ObservationWrapper,
    TransformReward,
    Wrapper,
    action_message,
    render_batch,
    reset_batch,
    step_batch,
)
from agentscene.tasks import (
    AGENT_NAME,
    DATA_SOURCE,
    ROW_FORMATS,
    SceneTask,
    TaskError,
    build_rows,
    empty_room,
    read_prompt_files,
    task_from_row,
    task_row,
    write_jsonl,
)
from agentscene.tools.actions import ParsedAction, parse_action

__all__ = [
    "AGENT_NAME", "DATA_SOURCE", "ROW_FORMATS", "EnvCheckError", "EnvConfig", "HistoryWindow", "ImageObservation",
    "ObservationWrapper", "TransformReward", "Wrapper", "action_message", "check_env", "EnvStateError", "ParsedAction", "SceneEnv", "SceneTask",
    "TaskError", "build_rows", "empty_room", "parse_action", "read_prompt_files", "task_from_row", "task_row",
    "write_jsonl", "render_batch", "reset_batch", "step_batch",
]
