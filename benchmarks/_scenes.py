"""Scenes shared by the benchmarks (run them as `python benchmarks/bench_<area>.py`)."""

from __future__ import annotations

from pathlib import Path

from agentscene import load_scene
from agentscene.scene import Scene

ROOT = Path(__file__).resolve().parents[1]


def thirty_objects() -> Scene:
    """The first 30 objects of the open-office fixture (supports outside the cut set to floor)."""
    office = load_scene(ROOT / "tests" / "data" / "scenes" / "office_open.json")
    keep = office.objects[:30]
    ids = {o.id for o in keep}
    keep = [o if o.support in ("floor", "wall", "ceiling") or o.support in ids else o.model_copy(update={"support": "floor"}) for o in keep]
    return office.with_objects(keep)
