"""Loop speed. Prints JSON.

Targets: `agentscene generate` offline, a 10-object bedroom, raster renderer, 5 turns: <= 10 s wall
(measured as a fresh process, imports included); loop overhead per turn, excluding the model and
rendering: <= 20 ms (median over a 20-turn scripted episode on a 10-object scene, run directory
writes and physics evaluation included).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROMPT = "a bedroom with only a bed, two nightstands, a wardrobe, a dresser, a rug, two table lamps, a ceiling lamp and a painting"


def generate_wall(out: Path) -> dict:
    cmd = [sys.executable, "-m", "agentscene.cli", "generate", PROMPT, "--turns", "5", "--renderer", "raster",
           "--out", str(out), "--name", "bench"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"generate failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    metrics = json.loads((out / "bench" / "metrics.json").read_text())
    turns = [json.loads(p.read_text()) for p in sorted((out / "bench" / "turns").glob("turn_*.json"))]
    return {
        "generate_wall_s": round(wall, 3),
        "generate_in_loop_s": metrics["wall_s"],
        "objects": metrics["n_objects"],
        "turns": metrics["turns"],
        "stop_reason": metrics["stop_reason"],
        "collision_rate": metrics["metrics"]["collision_rate"],
        "render_s_per_turn_median": round(statistics.median(t["timings"]["render_s"] for t in turns), 4),
        "target_generate_wall_s": 10.0,
    }


def loop_overhead(out: Path) -> dict:
    from agentscene.agents.chat_agent import ChatAgent
    from agentscene.agents.planner.planner import Planner
    from agentscene.loop import LoopConfig, run_episode
    from agentscene.testing import ScriptedModel
    from agentscene.tools import apply_tool_calls

    planner = Planner(seed=0)
    scene = planner.create_scene(PROMPT)
    for _ in range(4):
        step = planner.step(PROMPT, scene)
        scene = apply_tool_calls(scene, step.calls).scene
    lamp = next(o for o in scene.objects if o.category == "nightstand")
    x, y, z = lamp.position
    replies = [[("move_object", {"object_id": lamp.id, "position": [x, y, z + (0.001 if k % 2 else 0.0)]})] for k in range(20)]
    model = ScriptedModel(replies, default=[("terminate", {"reason": "done"})], vision=False)
    ep = run_episode(scene, ChatAgent(model), config=LoopConfig(max_turns=20, rollback=False), prompt=PROMPT,
                     run_dir=out / "overhead")
    per_turn = [(t.timings["total_s"] - t.timings.get("agent_s", 0.0) - t.timings.get("render_s", 0.0)
                 + t.timings.get("write_s", 0.0)) * 1000 for t in ep.turns[1:]]
    no_eval = [v - t.timings.get("eval_s", 0.0) * 1000 for v, t in zip(per_turn, ep.turns[1:], strict=True)]
    return {
        "overhead_objects": len(ep.scene.objects),
        "overhead_turns": len(per_turn),
        "overhead_ms_per_turn_median": round(statistics.median(per_turn), 2),
        "overhead_ms_per_turn_max": round(max(per_turn), 2),
        "overhead_ms_per_turn_without_physics_median": round(statistics.median(no_eval), 2),
        "target_overhead_ms": 20.0,
    }


def main() -> None:
    out = Path(tempfile.mkdtemp(prefix="bench_loop_"))
    try:
        result = {**generate_wall(out), **loop_overhead(out)}
    finally:
        shutil.rmtree(out, ignore_errors=True)
    result["meets_targets"] = (result["generate_wall_s"] <= result["target_generate_wall_s"]
                               and result["overhead_ms_per_turn_median"] <= result["target_overhead_ms"])
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
