"""Test doubles shipped with the package: scripted models and fake servers."""

from agentscene.testing.fake_assets import FakeAssetServer
from agentscene.testing.fake_openai import TERMINATE, FakeOpenAIServer, FakeReply
from agentscene.testing.scripted import ScriptedModel, ScriptExhausted, to_response

__all__ = ["TERMINATE", "FakeAssetServer", "FakeOpenAIServer", "FakeReply", "ScriptExhausted", "ScriptedModel", "to_response"]
