"""SceneReVis import/export speed against the object count (target: linear; 10k objects in a few seconds).

Prints JSON. The baseline is the old id derivation, measured in the same run: for each object
it copied the growing scene and scanned every id for the next free number (O(n^2)); it is
timed at the smaller sizes only, because at 10k objects it takes minutes.
"""

from __future__ import annotations

import json
import math
import time

from agentscene.formats import dump_scene, load_scene
from agentscene.scene import Room, Scene, SceneObject

CATEGORIES = ("chair", "table", "lamp", "shelf", "plant")


def scene_of(n: int) -> Scene:
    side = math.ceil(math.sqrt(n))
    objects = tuple(
        SceneObject(id=f"{CATEGORIES[i % 5]}_{i // 5 + 1}", description=CATEGORIES[i % 5], category=CATEGORIES[i % 5],
                    size=(0.4, 0.8, 0.4), position=(0.5 + (i % side) * 0.5, 0.0, 0.5 + (i // side) * 0.5))
        for i in range(n)
    )
    edge = 0.5 * side + 1.0
    return Scene(room=Room(floor=((0.0, 0.0), (edge, 0.0), (edge, edge), (0.0, edge))), objects=objects)


def old_id_derivation(scene: Scene) -> list[str]:
    """What dump/load did per object before: copy the growing scene, scan all its ids."""
    shadow = Scene(room=scene.room)
    taken: list[SceneObject] = []
    out = []
    for obj in scene.objects:
        prefix = obj.category + "_"
        highest = 0
        for other in shadow.objects:
            if other.id.startswith(prefix) and other.id[len(prefix):].isdigit():
                highest = max(highest, int(other.id[len(prefix):]))
        out.append(f"{prefix}{highest + 1}")
        taken.append(obj)
        shadow = shadow.model_copy(update={"objects": tuple(taken)})
    return out


def best_of(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    result: dict[str, object] = {"dialect": "scenerevis", "sizes": {}}
    for n in (1000, 3000, 10000):
        scene = scene_of(n)
        data = dump_scene(scene, "scenerevis")
        row = {
            "dump_s": round(best_of(lambda s=scene: dump_scene(s, "scenerevis")), 4),
            "load_s": round(best_of(lambda d=data: load_scene(d)), 4),
        }
        if n <= 3000:
            # the old code ran this derivation twice (export and import) on top of the same work
            row["baseline_s"] = round(row["dump_s"] + row["load_s"] + 2 * best_of(lambda s=scene: old_id_derivation(s), 1), 4)
        result["sizes"][str(n)] = row
    sizes = result["sizes"]
    total = {n: r["dump_s"] + r["load_s"] for n, r in sizes.items()}
    result["growth_1k_to_10k"] = round(total["10000"] / total["1000"], 1)  # 10 when linear, 100 when quadratic
    result["speedup_vs_baseline_at_3k"] = round(sizes["3000"]["baseline_s"] / total["3000"], 1)
    result["meets_target"] = result["growth_1k_to_10k"] < 20 and total["10000"] < 10
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
