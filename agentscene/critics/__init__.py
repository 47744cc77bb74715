"""Critics: the offline symbolic judge and the VLM critic.

    from agentscene import judge
    j = judge(scene, "a bedroom with two nightstands")
    j.scores        # rationality, spatial_layout, accessibility, requirement_match (0-10)
    j.findings      # rule, object ids, a sentence a model can act on
    j.terms()       # the final-turn reward's judge terms in [-1, 1]

`RuleCritic` is the judge as a `Critic`; `VLMCritic` asks a vision model and takes precedence
over the judge wherever it is configured. The rule table is agentscene.critics.rules.
"""

from __future__ import annotations

from typing import Any

from agentscene.critics.judge import judge, judge_json, room_caps
from agentscene.critics.judgement import JUDGE_TERMS, Finding, Judgement, judge_terms, score_to_term
from agentscene.critics.requirements import (
    RequiredObject,
    RequiredRelation,
    Requirements,
    requirements_from_prompt,
)
from agentscene.critics.rules import AXES, RULES, Rule

_LAZY = {  # these import the model clients, which import this package's users: load on first use
    "Critic": "agentscene.critics.base", "Critique": "agentscene.critics.base", "scene_facts": "agentscene.critics.base",
    "RuleCritic": "agentscene.critics.rule", "VLMCritic": "agentscene.critics.vlm",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'agentscene.critics' has no attribute {name!r}")


__all__ = [
    "AXES", "JUDGE_TERMS", "RULES", "Critic", "Critique", "Finding", "Judgement", "RequiredObject", "RequiredRelation",
    "Requirements", "Rule", "RuleCritic", "VLMCritic", "judge", "judge_json", "judge_terms", "requirements_from_prompt",
    "room_caps", "scene_facts", "score_to_term",
]
