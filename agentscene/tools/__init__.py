"""The seven scene tools: argument models, strict schemas, application, and the text protocol."""

from agentscene.tools.apply import MAX_OBJECTS, apply_call, apply_tool, apply_tool_calls
from agentscene.tools.arguments import (
    TOOLS,
    AddObject,
    MoveObject,
    RemoveObject,
    ReplaceObject,
    RotateObject,
    ScaleObject,
    Terminate,
    tool_names,
)
from agentscene.tools.calls import ErrorCode, ToolCall, ToolCallsResult, ToolResult, coerce_call
from agentscene.tools.schemas import strict_json_schema, tool_schemas
from agentscene.tools.text_protocol import FormatError, Repair, Reply, format_reply, parse_reply

__all__ = [
    "MAX_OBJECTS", "TOOLS", "AddObject", "ErrorCode", "FormatError", "MoveObject", "RemoveObject",
    "ReplaceObject", "Repair", "Reply", "RotateObject", "ScaleObject", "Terminate", "ToolCall", "ToolCallsResult",
    "ToolResult", "apply_call", "apply_tool", "apply_tool_calls", "coerce_call", "format_reply",
    "parse_reply", "strict_json_schema", "tool_names", "tool_schemas",
]
