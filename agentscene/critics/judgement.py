"""The judge's answer: four 0-10 scores, the findings behind them, and what was skipped.

`Judgement.terms()` maps the scores onto SceneReVis' final-turn judge terms in [-1, 1]
(rationality, requirement_match, scene_graph); `feedback_text()` is what an agent reads.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from agentscene.critics.rules import AXES, RULES_BY_ID

#: the final-turn reward terms a judge fills, and the scores each is made of (the lowest counts:
#: a scene graph is as good as the worse of its relations and its access)
JUDGE_TERMS: dict[str, tuple[str, ...]] = {
    "rationality": ("rationality",),
    "requirement_match": ("requirement_match",),
    "scene_graph": ("spatial_layout", "accessibility"),
}


def score_to_term(score: float) -> float:
    """A 0-10 judge score as a reward term in [-1, 1] (5 -> 0), as SceneReVis' judge scale maps."""
    return max(-1.0, min(1.0, (float(score) - 5.0) / 5.0))


def judge_terms(scores: Mapping[str, float]) -> dict[str, float]:
    """The judge reward terms that these 0-10 scores can fill (a VLM critic's three axes fill two)."""
    out = {}
    for term, parts in JUDGE_TERMS.items():
        vals = [float(scores[p]) for p in parts if p in scores]
        if vals and len(vals) == len(parts):
            out[term] = score_to_term(min(vals))
    return out


class Finding(BaseModel):
    """One broken rule: which rule, which objects, what to do about it."""

    model_config = ConfigDict(frozen=True)

    rule: str
    objects: tuple[str, ...] = ()
    message: str
    penalty: float = Field(ge=0, description="points this finding takes off its axis before the rule's cap")

    @property
    def axis(self) -> str:
        return RULES_BY_ID[self.rule].axis


class Judgement(BaseModel):
    """Scores on SceneReVis' 0-10 scale, the findings that lowered them, and what could not be judged."""

    model_config = ConfigDict(frozen=True)

    scores: dict[str, float]
    findings: list[Finding] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list, description="what was not judged, and why")

    def terms(self) -> dict[str, float]:
        """rationality, requirement_match and scene_graph in [-1, 1], for rewards.score(judge=...)."""
        return judge_terms(self.scores)

    def feedback_text(self, top_k: int = 8, *, scores: bool = True) -> str:
        """The scores (unless `scores=False`) and the worst findings, one sentence each, for an agent to act on."""
        head = "Judge: " + ", ".join(f"{a} {self.scores[a]:g}/10" for a in AXES) + ". " if scores else ""
        if not self.findings:
            return f"{head}No layout problems found."
        worst = sorted(self.findings, key=lambda f: -f.penalty)[:top_k]
        lines = [f"{head}Layout problems:"]
        lines += [f"- {f.message}" for f in worst]  # no capitals: messages may start with an object id
        if len(self.findings) > top_k:
            lines.append(f"- ... and {len(self.findings) - top_k} more")
        return "\n".join(lines)
