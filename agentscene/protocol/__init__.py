"""The one agent conversation: system prompts, turn observations, tool results, chat layout.

Only this package renders what an agent reads. The loop, `SceneEnv` and its trainer adapters,
SFT export and the MCP server all go through it, so a model trained in `SceneEnv` sees at
deployment exactly what it saw in training.

    from agentscene import protocol
    protocol.system_prompt("tools")                      # or "text" (SceneReVis tags)
    obs = protocol.TurnObservation(prompt=..., turn=1, max_turns=5, scene=scene, scene_text=protocol.scene_json(scene))
    protocol.user_message(obs, "tools")                  # {"role": "user", "content": "<user_requirement>…"}
"""

from agentscene.protocol.chat import (
    chat_messages,
    image_data_url,
    message_text,
    tagged_json,
    tagged_text,
    to_provider,
)
from agentscene.protocol.observation import (
    INSTRUCTIONS,
    TurnObservation,
    critique_text,
    observation_text,
    observation_texts,
    physics_issues,
    rollback_note,
    user_message,
)
from agentscene.protocol.prompts import (
    PROTOCOLS,
    ReplyProtocol,
    check_protocol,
    create_scene_message,
    load_prompt,
    mcp_instructions,
    system_message,
    system_prompt,
    tool_list,
)
from agentscene.protocol.results import (
    NOT_APPLIED,
    apply_capped,
    assistant_message,
    call_record,
    result_record,
    result_text,
    results_block,
    tool_messages,
    with_call_ids,
)
from agentscene.protocol.scene_text import SceneJsonCache, room_summary, scene_json

__all__ = [
    "INSTRUCTIONS", "NOT_APPLIED", "PROTOCOLS", "ReplyProtocol", "SceneJsonCache", "TurnObservation", "apply_capped",
    "assistant_message", "call_record", "chat_messages", "check_protocol", "create_scene_message", "critique_text",
    "image_data_url", "load_prompt", "mcp_instructions", "message_text", "observation_text", "observation_texts", "physics_issues",
    "result_record", "result_text", "results_block", "rollback_note", "room_summary", "scene_json", "system_message",
    "system_prompt", "tagged_json", "tagged_text", "to_provider", "tool_list", "tool_messages", "user_message",
    "with_call_ids",
]
