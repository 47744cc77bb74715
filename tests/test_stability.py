"""Stability in MuJoCo: known-unstable set-ups are caught and explained, interpenetrating pairs are
reported instead of exploding, and every scene the offline planner builds (one prompt per room type,
no rendering) settles with at least 95 % of its objects in place."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mujoco")

from agentscene.agents.planner import Planner  # noqa: E402
from agentscene.assets import get_backend, mesh_provider  # noqa: E402
from agentscene.rewards import RewardConfig, evaluate, feedback_text, score  # noqa: E402
from agentscene.rewards.stability import StabilitySettings, stability_report  # noqa: E402
from agentscene.scene import Room, Scene, SceneObject  # noqa: E402
from agentscene.tools import apply_tool_calls  # noqa: E402

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"


@pytest.fixture(scope="module")
def provider():
    return mesh_provider(get_backend("procedural", embedder=None))


def room(w: float = 5.0, d: float = 4.0) -> Room:
    return Room(room_type="living_room", floor=((0, 0), (w, 0), (w, d), (0, d)), height=2.8)


def obj(oid, category, size, position, yaw=0.0, support="floor") -> SceneObject:
    return SceneObject(id=oid, category=category, description=category.replace("_", " "), size=size, position=position,
                       yaw=yaw, support=support)


def test_overhangs_floating_and_covering_edges_are_explained(provider):
    scene = Scene(room=room(), objects=(
        obj("desk_1", "desk", (1.4, 0.75, 0.7), (1.0, 0.0, 0.4)),
        obj("box_1", "basket", (0.4, 0.3, 0.4), (1.75, 0.75, 0.4), support="desk_1"),  # 3/4 of it past the desk's end
        obj("vase_1", "vase", (0.3, 0.5, 0.3), (4.3, 0.3, 3.2)),  # 30 cm in the air
        obj("rug_1", "rug", (1.6, 0.03, 1.2), (3.5, 0.0, 1.5)),  # a thick rug
        obj("cabinet_1", "cabinet", (0.8, 1.6, 0.3), (4.3, 0.03, 1.5), yaw=90, support="rug_1"),  # on the rug's edge
        obj("sofa_1", "sofa", (2.0, 0.85, 0.9), (2.5, 0.0, 3.4)),
        obj("painting_1", "painting", (0.9, 0.7, 0.04), (2.5, 1.5, 0.02), support="wall"),
    ))
    r = stability_report(scene, mesh_provider=provider)
    by_id = {u.id: u for u in r.unstable}
    assert set(by_id) == {"box_1", "vase_1", "cabinet_1"}, [u.feedback for u in r.unstable]
    assert by_id["box_1"].what in ("fell", "tipped over") and "overhangs the edge of desk_1" in by_id["box_1"].reason
    assert by_id["vase_1"].what == "fell" and "30 cm above the floor" in by_id["vase_1"].reason
    assert by_id["cabinet_1"].what == "tipped over" and by_id["cabinet_1"].reason.startswith("it stands on the edge of rug_1 (")
    assert by_id["cabinet_1"].feedback.startswith("cabinet_1 tipped over: it stands on the edge of rug_1 (")
    assert by_id["cabinet_1"].feedback.endswith("; move it fully onto rug_1 or off it")
    assert r.n_simulated == 6 and r.n_stable == 3 and r.stable_ratio == 0.5  # the painting is fixed, not simulated
    assert {m.id for m in r.objects} == {o.id for o in scene.objects if o.support != "wall"}
    sofa = next(m for m in r.objects if m.id == "sofa_1")
    assert sofa.stable and sofa.displacement <= 0.01 and sofa.rotation <= 0.1
    assert r == stability_report(scene, mesh_provider=provider)  # deterministic


def test_interpenetrating_pairs_are_not_simulable_and_the_rest_still_runs(provider):
    scene = Scene(room=room(), objects=(
        obj("bed_1", "bed", (1.6, 1.0, 2.1), (1.0, 0.0, 1.5)),
        obj("nightstand_1", "nightstand", (0.5, 0.55, 0.4), (1.7, 0.0, 1.5)),  # 35 cm inside the bed
        obj("wardrobe_1", "wardrobe", (1.2, 2.1, 0.6), (3.5, 0.0, 0.1)),  # 20 cm into the wall
        obj("chair_1", "chair", (0.5, 0.9, 0.5), (4.0, 0.0, 3.0)),
    ))
    r = stability_report(scene, mesh_provider=provider)
    pairs = {(n.a, n.b) for n in r.not_simulable}
    assert pairs == {("bed_1", "nightstand_1"), ("wardrobe_1", "wall")}
    assert all("not simulable until separated" in n.message for n in r.not_simulable)
    assert {u.id for u in r.unstable if u.what == "not simulable"} == {"bed_1", "nightstand_1", "wardrobe_1"}
    assert [m.id for m in r.objects] == ["chair_1"] and r.objects[0].stable
    assert r.stable_ratio == pytest.approx(0.25) and not r.blew_up


def test_evaluate_feedback_and_the_reward_term(provider):
    scene = Scene(room=room(), objects=(obj("vase_1", "vase", (0.3, 0.5, 0.3), (4.3, 0.3, 3.2)),
                                        obj("sofa_1", "sofa", (2.0, 0.85, 0.9), (2.5, 0.0, 3.4))))
    report = evaluate(scene, mesh_provider=provider, stability=True)
    assert report.stability is not None and report.stability.stable_ratio == 0.5
    assert report.headline()["stable_ratio"] == 0.5 and not report.ok
    assert "- Unstable: vase_1 fell: it starts 30 cm above the floor; lower it onto the floor." in feedback_text(report, scene)
    assert evaluate(scene, mesh_provider=provider).stability is None  # off by default
    cfg = RewardConfig(weights={"collision": 1.0, "stability": 1.0})
    breakdown = score(None, scene, config=cfg, mesh_provider=provider)
    assert breakdown["stability"].value == pytest.approx(0.0) and breakdown["stability"].source == "computed"  # 2·0.5 - 1
    assert "stability" not in RewardConfig().weights


def test_broken_meshes_fall_back_to_boxes_with_a_warning():
    import trimesh

    def broken(o):
        m = trimesh.creation.box(extents=(1, 1, 1))
        m.vertices[0] = [np.nan, 0, 0]
        return m

    scene = Scene(room=room(), objects=(obj("chair_1", "chair", (0.5, 0.9, 0.5), (2.0, 0.0, 2.0)),))
    r = stability_report(scene, mesh_provider=broken)
    assert r.stable_ratio == 1.0 and any("chair_1" in w and "box" in w for w in r.warnings)


def test_two_hundred_objects_finish(provider):
    objects = []
    for i in range(200):  # a 20 x 10 grid of stools and small tables, some stacked
        x, z = 0.5 + (i % 20) * 0.7, 0.5 + (i // 20) * 0.7
        objects.append(obj(f"stool_{i}", "stool", (0.4, 0.45, 0.4), (x, 0.0, z)))
    scene = Scene(room=room(14.5, 7.5), objects=tuple(objects))
    r = stability_report(scene, mesh_provider=None, settings=StabilitySettings(duration=1.0))
    assert r.n_simulated == 200 and r.stable_ratio == 1.0


def _furnish(prompt: str, turns: int = 8) -> Scene:
    planner = Planner(seed=0)
    scene = planner.create_scene(prompt)
    for _ in range(turns):
        step = planner.step(prompt, scene)
        scene = apply_tool_calls(scene, step.calls).scene
        if step.terminated:
            break
    return scene


def _first_prompts() -> list[str]:
    out = []
    for suite in sorted(PROMPTS.glob("*.txt")):
        lines = [ln.strip() for ln in suite.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        out.append(lines[0])
    return out


@pytest.mark.parametrize("prompt", _first_prompts())
def test_offline_suite_scenes_settle(prompt, provider):
    scene = _furnish(prompt)
    r = stability_report(scene, mesh_provider=provider)
    assert r.n_simulated >= 3 and r.stable_ratio >= 0.95, [u.feedback for u in r.unstable]
    assert not r.not_simulable and not r.blew_up


def test_mjcf_walls_leave_door_gaps_and_geoms_carry_category_friction(provider):
    import mujoco

    from agentscene.categories import category_info
    from agentscene.exporters.mjcf import mjcf_root, wall_segments
    from agentscene.exporters.parts import export_scene_parts
    from agentscene.scene import Opening

    r = room().model_copy(update={"openings": (Opening(kind="door", wall=0, offset=2.0, width=0.9, height=2.1),
                                               Opening(kind="window", wall=1, offset=2.0, width=1.0, height=1.0, sill=1.0))})
    segments = wall_segments(r, 0)
    assert segments == [(-0.1, 1.55, 0.0, 2.8), (1.55, 2.45, 2.1, 2.8), (2.45, 5.1, 0.0, 2.8)]  # lintel over the gap
    assert wall_segments(r, 1) == [(-0.1, 4.1, 0.0, 2.8)]  # windows keep the wall whole
    scene = Scene(room=r, objects=(obj("rug_1", "rug", (1.6, 0.01, 1.2), (2.5, 0.0, 2.0)),
                                   obj("sofa_1", "sofa", (2.0, 0.85, 0.9), (2.5, 0.0, 3.4))))
    import xml.etree.ElementTree as ET

    model = mujoco.MjModel.from_xml_string(ET.tostring(mjcf_root(export_scene_parts(scene, provider), dynamic=True), encoding="unicode"))
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    for oid, category in (("rug_1", "rug"), ("sofa_1", "sofa")):
        body = model.body(oid).id
        geoms = [g for g in range(model.ngeom) if model.geom_bodyid[g] == body and model.geom_contype[g]]
        assert geoms and all(model.geom_friction[g][0] == pytest.approx(category_info(category).friction) for g in geoms)
        assert all(model.geom_margin[g] == pytest.approx(0.001) for g in geoms)
    # nothing of the wall stands in the doorway below the lintel: a ray through it reaches outside
    geomid = np.zeros(1, np.int32)
    dist = mujoco.mj_ray(model, data, np.array([2.0, -0.5, 1.0]), np.array([0.0, 1.0, 0.0]), None, 1, -1, geomid)
    assert dist == -1 or dist > 0.6
    blocked = mujoco.mj_ray(model, data, np.array([3.5, -0.5, 1.0]), np.array([0.0, 1.0, 0.0]), None, 1, -1, geomid)
    assert 0 < blocked < 0.6 and model.geom(int(geomid[0])).name.startswith("wall_0")


def test_vhacd_splits_a_one_piece_ring_that_its_hull_would_fill(provider):
    pytest.importorskip("vhacdx")
    import trimesh

    ring = trimesh.creation.annulus(r_min=0.6, r_max=1.0, height=0.4, sections=48)  # > 200 faces: decomposed
    ring.apply_transform(trimesh.transformations.rotation_matrix(-np.pi / 2, [1, 0, 0]))  # axis up (+y)

    def meshes(o):
        return ring.copy() if o.id == "ring_1" else provider(o)

    scene = Scene(room=room(), objects=(obj("ring_1", "basket", (2.0, 0.4, 2.0), (2.5, 0.0, 2.0)),
                                        obj("stool_1", "stool", (0.4, 0.45, 0.4), (2.5, 0.0, 2.0))))  # in the hole
    hull = stability_report(scene, mesh_provider=meshes)
    assert {(n.a, n.b) for n in hull.not_simulable} == {("ring_1", "stool_1")}  # the ring's hull fills its hole
    split = stability_report(scene, mesh_provider=meshes, settings=StabilitySettings(decompose=True))
    assert not split.not_simulable and split.stable_ratio == 1.0
