"""apply_tool speed on a 30-object scene (target: median <= 50 us per move/rotate call).

Prints JSON. The baseline is the naive frozen-copy approach: re-validating the whole scene
(`Scene.model_validate`) on every edit, measured in the same run.
"""

from __future__ import annotations

import json
import random
import statistics
import time

from _scenes import thirty_objects

from agentscene.scene import Scene
from agentscene.tools import apply_tool, parse_reply


def timed(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter_ns()
        fn(i)
        out.append((time.perf_counter_ns() - t0) / 1000.0)
    return out


def summary(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {"median_us": round(statistics.median(s), 2), "p90_us": round(s[int(0.9 * len(s))], 2), "n": len(s)}


def main() -> None:
    scene = thirty_objects()
    assert len(scene.objects) == 30
    rng = random.Random(0)
    ids = scene.ids
    moves = [{"object_id": rng.choice(ids), "position": [rng.uniform(1, 9), 0.0, rng.uniform(1, 7)]} for _ in range(5000)]
    rotates = [{"object_id": rng.choice(ids), "yaw": rng.uniform(-180, 180)} for _ in range(5000)]
    move_json = [json.dumps(m) for m in moves]

    for i in range(300):  # warm up
        apply_tool(scene, "move_object", moves[i])

    move = timed(lambda i: apply_tool(scene, "move_object", moves[i]), 5000)
    move_str = timed(lambda i: apply_tool(scene, "move_object", move_json[i]), 5000)
    rotate = timed(lambda i: apply_tool(scene, "rotate_object", rotates[i]), 5000)
    unknown = timed(lambda i: apply_tool(scene, "move_object", {"object_id": "nope", "position": [1, 0, 1]}), 2000)

    def revalidate(i):
        r = apply_tool(scene, "move_object", moves[i])
        Scene.model_validate(r.scene.model_dump())

    baseline = timed(revalidate, 1000)
    text = '<think>x</think><tool_calls>[{"id": "t1", "name": "move_object", "arguments": {"object_id": "desk_1", "position": [1, 0, 2]}}]</tool_calls>'
    parse = timed(lambda i: parse_reply(text), 3000)

    result = {
        "benchmark": "apply_tool",
        "objects": 30,
        "move_object": summary(move),
        "move_object_json_string": summary(move_str),
        "rotate_object": summary(rotate),
        "unknown_object_error": summary(unknown),
        "parse_reply": summary(parse),
        "baseline_full_revalidation": summary(baseline),
        "speedup_vs_baseline": round(statistics.median(baseline) / statistics.median(move), 1),
        "target_median_us": 50,
        "meets_target": statistics.median(move) <= 50 and statistics.median(rotate) <= 50,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
