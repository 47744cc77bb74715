"""Agents: model clients (offline planner, OpenAI-compatible providers, scripted), the chat agent
that drives them, and critics.

    from agentscene.agents import ChatAgent, OfflineAgent, get_client
    agent = OfflineAgent(seed=0)                                          # the planner: no key, no network
    agent = ChatAgent(get_client("openai-compatible", provider="openrouter", model="openai/gpt-4o-mini"))

Heavy parts (the openai SDK, the planner) load when a client is built.
"""

from agentscene.agents.base import (
    Agent,
    AgentAction,
    CreateOutcome,
    Observation,
    action_from_message,
)
from agentscene.agents.chat_agent import ChatAgent, ChatAgentConfig
from agentscene.agents.client import (
    ChatResponse,
    ModelClient,
    ModelClientError,
    ProviderError,
    ProviderUnavailable,
    Usage,
    client_names,
    get_client,
    register_client,
)
from agentscene.agents.providers import PRESETS, ProviderPreset, provider_names
from agentscene.protocol import load_prompt

_CRITICS = ("Critic", "Critique", "RuleCritic", "VLMCritic")


def __getattr__(name: str):
    """The critics live in agentscene.critics, which imports the clients above: load them on first use."""
    if name in _CRITICS:
        import agentscene.critics

        return getattr(agentscene.critics, name)
    if name == "OfflineAgent":  # the planner loads only when asked for
        from agentscene.agents.offline_client import OfflineAgent

        return OfflineAgent
    raise AttributeError(f"module 'agentscene.agents' has no attribute {name!r}")


__all__ = [
    "PRESETS", "Agent", "AgentAction", "ChatAgent", "ChatAgentConfig", "ChatResponse", "CreateOutcome", "Critic",
    "Critique", "ModelClient", "ModelClientError", "Observation", "ProviderError", "ProviderPreset",
    "ProviderUnavailable", "RuleCritic", "Usage", "VLMCritic", "client_names", "get_client", "load_prompt",
    "provider_names", "register_client", "OfflineAgent", "action_from_message",
]

