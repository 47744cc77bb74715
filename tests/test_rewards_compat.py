"""compat="scenerevis" reproduces SceneReVis' evaluation code, quirks included."""

from __future__ import annotations

import pytest

from agentscene.rewards import Tolerances, evaluate

from .test_rewards_common import box, rect, scene

PITCH = 0.05
VOXEL = PITCH ** 3


def small(objects):
    return scene(objects, floor=rect(3.0, 3.0), height=2.5)


TWO_CUBES = small([box("a_1", (1, 1, 1), (1.0, 0, 1.5)), box("b_1", (1, 1, 1), (1.5, 0, 1.5)),
                   box("c_1", (1, 1, 1), (3.0, 0, 0.6))])


def test_voxel_pbl_inflates_by_one_layer():
    r = evaluate(TWO_CUBES, compat="scenerevis")
    assert r.compat == "scenerevis"
    # A 1 m cube becomes 21 voxels per axis; two cubes 0.5 m apart share 11 x 21 x 21 of them.
    assert r.overlap_volume == pytest.approx(11 * 21 * 21 * VOXEL)
    assert abs(r.overlap_volume - 0.5) <= 1.05 * 1.05 * 0.55 - 0.5  # within one voxel layer of the truth
    assert r.pbl == pytest.approx(r.overlap_volume + 10 * 21 * 21 * VOXEL)  # c_1: half a cube outside, snapped
    exact = evaluate(TWO_CUBES)
    assert exact.pbl == pytest.approx(1.0) and r.pbl > exact.pbl


def test_myeval_collision_and_sampled_oob():
    r = evaluate(TWO_CUBES, compat="scenerevis")
    assert r.n_colliding_pairs == 1 and r.collision_rate == pytest.approx(200 / 3)
    pair = r.colliding_pairs[0]
    assert (pair.a, pair.b) == ("a_1", "b_1")
    assert pair.depth == pytest.approx(0.5, abs=1e-3)  # box meshes are about 1e-6 too small (their scaling)
    assert pair.direction[0] > 0.99
    assert [o.id for o in r.out_of_bounds] == ["c_1"]
    o = r.out_of_bounds[0]
    assert o.outside_fraction == pytest.approx(0.5, abs=0.08)  # 500 random samples
    assert o.volume == pytest.approx(o.outside_fraction * 1.0, rel=1e-4)  # mesh volume x sampled share
    assert r.oob_volume == pytest.approx(o.volume) and r.mean_oob_volume == pytest.approx(o.volume)


def test_compat_is_deterministic_for_a_seed():
    a = evaluate(TWO_CUBES, compat="scenerevis")
    assert evaluate(TWO_CUBES, compat="scenerevis") == a
    fractions = {evaluate(TWO_CUBES, compat="scenerevis", tolerances=Tolerances(seed=s)).out_of_bounds[0].outside_fraction
                 for s in range(4)}
    assert len(fractions) > 1  # their sampling noise, reproduced per seed
    assert any("seeded" in w for w in a.warnings)


def test_contact_tolerance_hides_thin_overlaps_that_voxels_count():
    s = small([box("table_1", (1, 0.7, 1), (1.5, 0, 1.5)), box("rug_1", (2, 0.008, 2), (1.5, 0, 1.5)),
               box("lamp_1", (0.3, 0.3, 0.3), (0.2, 0, 0.2))])
    r = evaluate(s, compat="scenerevis")
    assert r.n_colliding_pairs == 0
    assert r.overlap_volume >= 21 * 21 * VOXEL  # at least one full voxel layer under the table


def test_their_support_rule_quirks():
    s = small([
        box("bed_1", (1.4, 0.5, 2.0), (1.5, 0, 1.5), description="king size bed with wooden frame"),  # "frame" -> wall
        box("lamp_1", (0.4, 1.6, 0.4), (0.3, 0, 0.3), description="floor lamp"),  # "lamp" -> on a surface
        box("chair_1", (0.5, 0.9, 0.5), (2.5, 0, 2.5), description="wooden chair"),
    ])
    unsupported = {f.id for f in evaluate(s, compat="scenerevis").floating}
    assert unsupported == {"bed_1", "lamp_1"}
    assert evaluate(s).floating == []


def test_empty_and_single_object_scenes():
    assert evaluate(small([]), compat="scenerevis").pbl == 0.0
    one = evaluate(small([box("a_1", (1, 1, 1), (1.5, 0, 1.5))]), compat="scenerevis")
    assert one.n_colliding_pairs == 0 and one.pbl == pytest.approx(0.0, abs=2 * 21 * 21 * VOXEL)


def test_bad_input_in_compat_mode():
    floor = [(0, 0), (4, 0), (4, 2), (2, 2), (2, 4), (0, 4)]
    s = scene([box("poster_1", (1.0, 1e-6, 1.0), (1, 0.5, 1)), box("crate_1", (1, 1, 1), (1, 0, 1)),
               box("dust_1", (1e-5, 1e-5, 1e-5), (1, 0.2, 1)), box("far_1", (1, 1, 1), (10, 0, 10)),
               box("dup_1", (0.5, 0.5, 0.5), (1, 0, 3)), box("dup_2", (0.5, 0.5, 0.5), (1, 0, 3)),
               box("notch_1", (0.5, 0.5, 0.5), (3, 0, 3))], floor=floor)
    r = evaluate(s, compat="scenerevis")
    assert {o.id for o in r.out_of_bounds} == {"far_1", "notch_1"}  # the L's notch is outside
    assert ("dup_1", "dup_2") in {(p.a, p.b) for p in r.colliding_pairs}
    assert r.pbl >= 1.0 + 0.125 and all(v == v for v in r.headline().values())
