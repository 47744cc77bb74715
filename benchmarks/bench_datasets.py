"""Training-record synthesis speed (targets: 1,000 instruction/action records without images <= 5 s;
with 8 raster ring views + the top view per scene, records per second reported).

Prints JSON. Inputs: the 14 fixture scenes and the 3 RoomPlan captures in tests/data. Each
timing is one full `build_records` call (scene files and the JSONL written to a temp dir).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from agentscene.datasets import DatasetSettings, build_records, load_sources
from agentscene.formats import roomplan  # noqa: F401  (registers the dialect)

ROOT = Path(__file__).resolve().parents[1]


def timed(sources, settings: DatasetSettings) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        summary = build_records(sources, Path(tmp) / "records.jsonl", settings)
        seconds = time.perf_counter() - t0
        size = (Path(tmp) / "records.jsonl").stat().st_size
    return {"records": summary.records, "scenes": summary.scenes, "images": summary.images, "seconds": round(seconds, 3),
            "records_per_s": round(summary.records / seconds, 1), "jsonl_bytes": size}


def main() -> None:
    sources, problems = load_sources([ROOT / "tests" / "data" / "scenes", ROOT / "tests" / "data" / "roomplan"])
    assert not [p for p in problems if "expected.json" not in p], problems
    out: dict = {"scenes": len(sources), "objects": sum(len(s.scene.objects) for s in sources)}
    build_records(sources[:2], Path(tempfile.mkdtemp()) / "warm.jsonl", DatasetSettings(per_scene=5))  # imports, caches

    actions = timed(sources, DatasetSettings(tasks=("actions",), limit=1000, per_scene=1000, seed=0))
    actions["target_seconds"] = 5.0
    actions["ok"] = actions["records"] == 1000 and actions["seconds"] <= 5.0
    out["actions_1000_no_images"] = actions
    out["qa_1000_no_images"] = timed(sources, DatasetSettings(tasks=("qa",), limit=1000, per_scene=1000, seed=0))
    out["mixed_1000_no_images"] = timed(sources, DatasetSettings(tasks=("actions", "qa"), limit=1000, per_scene=1000, seed=0))
    out["actions_200_physics_verified"] = timed(sources, DatasetSettings(tasks=("actions",), limit=200, per_scene=200, verify="physics"))

    try:
        images = timed(sources, DatasetSettings(tasks=("actions",), per_scene=20, images=True, views=8, size=448, seed=0))
        images["views_per_scene"] = 9
        images["scenes_rendered_per_s"] = round(images["scenes"] / images["seconds"], 2)
        out["actions_with_8_raster_views_448"] = images
    except ImportError as e:  # the raster extra is missing
        out["actions_with_8_raster_views_448"] = {"skipped": str(e)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
