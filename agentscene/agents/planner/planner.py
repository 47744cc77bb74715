"""The offline planner: from a prompt to a furnished, physically clean room, one turn at a time.

Stateless between turns: each turn it looks at the scene it is given and decides, in order,
1. fix physics problems (its own box checks plus what the evaluator reported);
2. add what the prompt and the room type's program still miss: major furniture first, then
   companions, rugs, lamps and decor in a second turn;
3. terminate when nothing is missing and nothing is wrong.
Every edit is a tool call; randomness comes only from a seeded generator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from agentscene.agents.planner.arrange import arrange_zones
from agentscene.agents.planner.layout import Layout, Placement
from agentscene.agents.planner.program import (
    ItemSpec,
    brief_area_range,
    build_program,
    choose_dimensions,
    make_room,
    zone_regions,
)
from agentscene.agents.planner.revise import plan_fixes
from agentscene.agents.planner.space import Problems, find_problems
from agentscene.brief import Brief, parse_brief
from agentscene.categories import SURFACES
from agentscene.scene import Scene
from agentscene.tools import apply_tool
from agentscene.tools.calls import ToolCall

ORIGIN = "agentscene.planner"


@dataclass
class PlannerStep:
    """One turn of the planner: its reasoning, a one-line conclusion and the calls."""

    think: str
    conclusion: str
    calls: list[ToolCall] = field(default_factory=list)

    @property
    def terminated(self) -> bool:
        return any(c.name == "terminate" for c in self.calls)


def _rng(seed: int, prompt: str, purpose: str) -> random.Random:
    return random.Random(f"{seed}|{purpose}|{prompt.strip().lower()}")


class Planner:
    """Deterministic for a given seed: the same prompt and scene give the same calls."""

    def __init__(self, seed: int = 0):
        self.seed = seed

    # -- turn 0 -------------------------------------------------------------------------------

    def program(self, brief: Brief, area: float, notes: list[str] | None = None, lean: bool = False) -> list[ItemSpec]:
        return build_program(brief, area, _rng(self.seed, brief.prompt, "program"), notes, lean=lean)

    def layout(self, scene: Scene, brief: Brief, purpose: str) -> Layout:
        regions = zone_regions(brief, scene.room) if scene.metadata.get("origin") == ORIGIN else None
        return Layout(scene, _rng(self.seed, brief.prompt, purpose), regions=regions)

    def create_scene(self, prompt: str) -> Scene:
        """An empty room for the prompt: the stated size, or one large enough that its program fits
        (checked by a trial layout). What a stated room cannot hold is noted in its metadata."""
        brief = parse_brief(prompt)
        lo, hi = brief_area_range(brief)
        first = self.program(brief, (lo + hi) / 2)
        best: tuple[int, Scene, list[str]] | None = None
        # a stated size is kept: when it cannot hold the defaults as well, the defaults go first (lean)
        attempts = [(0, False), (0, True)] if brief.size is not None else [(k, False) for k in range(4)]
        for attempt, lean in attempts:
            rng = _rng(self.seed, prompt, f"room{attempt}")
            width, depth = choose_dimensions(brief, first, rng, scale=1.0 + 0.12 * attempt)
            room = make_room(brief, width, depth, rng)
            meta = {"prompt": prompt, "seed": self.seed, "origin": ORIGIN, "room_type": brief.room_type}
            if lean:
                meta["planner_program"] = "lean"
            scene = Scene(room=room, metadata=meta)
            notes: list[str] = []
            items = self.program(brief, room.area, notes, lean=lean)
            layout = self.layout(scene, brief, "trial")
            arrange_zones(layout, items)
            lost = [item for item, _ in layout.skipped if item.explicit or not item.decor]
            if best is None or len(lost) < best[0]:
                best = (len(lost), scene, notes + _fit_notes(brief, room.area, lost))
            if not lost:
                break
        assert best is not None
        _, scene, notes = best
        if notes:
            scene = scene.model_copy(update={"metadata": {**scene.metadata, "planner_notes": notes}})
        return scene

    # -- later turns ----------------------------------------------------------------------------

    def missing(self, brief: Brief, scene: Scene) -> list[ItemSpec]:
        """Items of the program that the scene does not have yet."""
        lean = scene.metadata.get("planner_program") == "lean"
        if scene.metadata.get("origin") == ORIGIN:
            wanted = self.program(brief, scene.room.area, lean=lean)
        else:  # a scene we were given: add only what the prompt names
            wanted = [i for i in self.program(brief, scene.room.area) if i.explicit]
        have: dict[str, int] = {}
        for obj in scene.objects:
            have[obj.category] = have.get(obj.category, 0) + 1
        return [i for i in wanted if i.index >= have.get(i.category, 0)]

    def step(self, prompt: str, scene: Scene, reported: Problems | None = None) -> PlannerStep:
        brief = parse_brief(prompt)
        problems = find_problems(scene)
        if reported is not None:
            problems.collisions += [p for p in reported.collisions if p not in problems.collisions]
            problems.out_of_bounds += [i for i in reported.out_of_bounds if i not in problems.out_of_bounds]
        if problems:
            calls, notes = plan_fixes(scene, reported)
            if calls:
                what = []
                if problems.collisions:
                    what.append(f"{len(problems.collisions)} colliding pair(s)")
                if problems.out_of_bounds:
                    what.append(f"{len(problems.out_of_bounds)} object(s) outside the room")
                if problems.floating:
                    what.append(f"{len(problems.floating)} floating object(s)")
                return PlannerStep(think="The physics check shows " + ", ".join(what) + ". " + "; ".join(notes) + ".",
                                   conclusion="Fix the physics problems with the smallest moves.", calls=calls)

        missing = self.missing(brief, scene)
        if missing:
            layout = self.layout(scene, brief, f"layout{len(scene.objects)}")
            placements = arrange_zones(layout, missing)
            phase = min((p.phase for p in placements), default=None)
            chosen = [p for p in placements if p.phase == phase]
            if chosen:
                calls = self._add_calls(scene, chosen)
                names = ", ".join(sorted({p.item.category.replace("_", " ") for p in chosen}))
                skipped = [item for item, _ in layout.skipped if item.explicit or not item.decor]
                think = (f"A {brief.room_type.replace('_', ' ')} of {scene.room.area:.1f} m². "
                         f"{'Placing the major furniture' if phase == 1 else 'Adding companions, lighting and decor'}: {names}.")
                if skipped:
                    think += " No room for: " + ", ".join(sorted({i.category for i in skipped})) + "."
                return PlannerStep(think=think, conclusion=f"Add {len(calls)} object(s).", calls=calls)

        n = len(scene.objects)
        left = find_problems(scene)
        reason = f"{n} objects placed; " + ("no collisions, nothing outside the room." if not left
                                           else "remaining problems could not be fixed without removing requested objects.")
        return PlannerStep(think="Everything the prompt asks for is in place and the physics check is clean."
                           if not left else "Some problems remain but no edit improves them.",
                           conclusion="The scene is finished.",
                           calls=[ToolCall(name="terminate", arguments={"reason": reason}, id="call_1")])

    def _add_calls(self, scene: Scene, placements: list[Placement]) -> list[ToolCall]:
        ids: dict[str, str] = {o.id: o.id for o in scene.objects}
        calls: list[ToolCall] = []
        scratch = scene
        for p in placements:
            support = p.support if p.support in SURFACES else ids[p.support]
            args = {
                "description": p.item.description,
                "position": [round(v, 3) for v in p.position],
                "yaw": round(p.yaw, 2),
                "size": [round(v, 3) for v in p.item.size],
                "category": p.item.category,
                "support": support,
            }
            result = apply_tool(scratch, "add_object", args)
            if not result.ok:
                raise RuntimeError(f"the planner produced an invalid add_object call: {result.message}")
            scratch = result.scene
            ids[p.key] = result.object_id or ""
            calls.append(ToolCall(name="add_object", arguments=args, id=f"call_{len(calls) + 1}"))
        return calls


def _fit_notes(brief: Brief, area: float, lost: list[ItemSpec]) -> list[str]:
    if not lost:
        return []
    counts: dict[str, int] = {}
    for item in lost:
        counts[item.category] = counts.get(item.category, 0) + 1
    what = ", ".join(f"{n} {c.replace('_', ' ')}" for c, n in counts.items())
    if brief.size is not None:
        return [f"the stated {brief.size.phrase} room ({area:.1f} m²) cannot hold everything asked for: no room for {what}"]
    return [f"no room found for {what}"]
