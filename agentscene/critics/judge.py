"""`judge(scene, prompt)`: a deterministic, symbolic judge of a room's functional sense. No model.

In the spirit of SceneCritic (a rule evaluator over an ontology of object relations agrees with
people better than VLM judges): every rule of agentscene.critics.rules runs over the scene and
takes its points off one of SceneReVis' 0-10 axes. It never raises for a valid Scene: what it
cannot judge (no door, no prompt, an unknown category's mount height) goes to `skipped`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentscene.critics.checks import CHECKS, CheckContext, article
from agentscene.critics.index import JudgedScene
from agentscene.critics.judgement import Finding, Judgement
from agentscene.critics.requirements import requirements_from_prompt
from agentscene.critics.rules import AXES, RULES, RULES_BY_ID
from agentscene.rewards.tolerances import Tolerances

if TYPE_CHECKING:
    from agentscene.critics.requirements import Requirements
    from agentscene.rewards.report import EvalReport
    from agentscene.scene import Scene


def room_caps(scene: Scene) -> list[str]:
    """SceneReVis' judge caps: the room's area outside its type's range, too few objects."""
    from agentscene.agents.planner.program import area_range

    p = RULES_BY_ID["room_caps"].params
    out = []
    lo, hi = area_range(scene.room.room_type)
    area = scene.room.area
    if not lo <= area <= hi:
        out.append(f"the room's {area:.1f} m² is outside the expected {lo:g}-{hi:g} m² "
                   f"for {article(scene.room.room_type.replace('_', ' '))}")
    if len(scene.objects) < p["min_objects"]:
        out.append(f"only {len(scene.objects)} objects (at least {p['min_objects']:g} expected)")
    return out


def judge(scene: Scene, prompt: str | None = None, *, report: EvalReport | None = None,
          tolerances: Tolerances | None = None, requirements: Requirements | None = None) -> Judgement:
    """Score `scene` on rationality, spatial_layout, accessibility and requirement_match (0-10).

    `prompt` defaults to the scene's metadata["prompt"]; `requirements` overrides the prompt's
    reading. With a physics `report` its collisions, out-of-room and floating objects count too.
    """
    if prompt is None:
        meta = scene.metadata.get("prompt")
        prompt = meta if isinstance(meta, str) else None
    req = requirements
    ctx = CheckContext(JudgedScene(scene, tolerances or Tolerances()), report)
    if req is None and prompt and prompt.strip():
        req = requirements_from_prompt(prompt)
    ctx.requirements = req
    if req is None:
        ctx.skipped.append("requirement_match: no prompt, so only excluded and out-of-place objects are judged")
    if report is None:
        ctx.skipped.append("physics: no report given, so collisions, out-of-room and floating objects are not judged")
    lost: dict[str, float] = dict.fromkeys(AXES, 0.0)
    findings: list[Finding] = []
    for rule in RULES:
        check = CHECKS.get(rule.id)
        if check is None:
            continue
        found = list(check(ctx, rule))
        findings += found
        lost[rule.axis] += min(rule.cap, sum(f.penalty for f in found))
    scores = {a: round(max(0.0, min(10.0, 10.0 - lost[a])), 2) for a in AXES}
    cap = RULES_BY_ID["room_caps"]
    for problem in room_caps(scene):
        findings.append(Finding(rule=cap.id, message=cap.message.format(problem=problem), penalty=0.0))
        scores["rationality"] = min(scores["rationality"], cap.params["cap_to"])
    return Judgement(scores=scores, findings=findings, skipped=ctx.skipped)


def judge_json(j: Judgement) -> dict[str, Any]:
    """The judgement as plain JSON (metrics.json, --json): scores, terms, findings with axes."""
    return {
        "scores": j.scores, "terms": j.terms(),
        "findings": [{**f.model_dump(mode="json"), "axis": f.axis} for f in j.findings],
        "skipped": j.skipped,
    }
