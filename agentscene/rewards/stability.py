"""Physical stability: does the scene stay put when gravity acts on it? (SceneSmith's protocol)

The scene is built in MuJoCo through the MJCF exporter (`mjcf_root(dynamic=True)`): floor and
walls static, objects on the floor or on other objects free bodies with category masses and
friction, wall- and ceiling-mounted items fixed, collision shapes the convex hulls of each
mesh's parts. After `duration` simulated seconds an object is stable when it moved at most
`max_displacement` and turned at most `max_rotation`. Objects that interpenetrate at the start
(deeper than the contact tolerance) would be blown apart by the solver: each such pair is
reported as not simulable and its free objects are held in place for the run. MuJoCo is
deterministic, so the same scene gives the same report.

    from agentscene.rewards import evaluate
    report = evaluate(scene, stability=True, mesh_provider=provider)
    report.stability.stable_ratio, report.stability.unstable[0].feedback
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agentscene.rewards.geometry import scene_geometry
from agentscene.rewards.tolerances import Tolerances

if TYPE_CHECKING:
    from agentscene.meshes import MeshProvider
    from agentscene.rewards.geometry import SceneGeometry
    from agentscene.scene import Scene

Motion = Literal["fell", "tipped over", "slid", "turned", "was pushed up", "not simulable"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StabilitySettings(_Model):
    """How long to settle and what counts as staying put (SceneSmith: 2 s, 1 cm, 0.1 rad)."""

    duration: float = Field(2.0, gt=0, le=30, description="simulated seconds")
    timestep: float = Field(0.005, gt=0, le=0.02, description="MuJoCo time step (s); implicitfast integrator")
    decompose: bool = Field(False, description="split one-piece non-convex meshes (dataset assets) with V-HACD instead of "
                            "using their hull; about a second per new mesh (cached); procedural meshes need no splitting")
    solver_iterations: int = Field(20, ge=1, le=1000, description="MuJoCo constraint-solver iterations per step (resting contacts converge in a few)")
    max_displacement: float = Field(0.01, ge=0, description="an object that moved more than this is unstable (m)")
    max_rotation: float = Field(0.1, ge=0, description="an object that turned more than this is unstable (rad)")
    fall_height: float = Field(0.05, gt=0, description="an unstable object that dropped more than this fell (m)")
    max_speed: float = Field(50.0, gt=0, description="a body faster than this means the solver blew up: the run stops (m/s)")


class ObjectMotion(_Model):
    id: str
    displacement: float = Field(description="how far its bottom centre moved (m)")
    rotation: float = Field(description="angle of its net rotation (rad)")
    tilt: float = Field(description="angle between its up axis before and after (rad)")
    drop: float = Field(description="how far its bottom centre went down (m; negative: up)")
    stable: bool


class UnstableObject(_Model):
    id: str
    what: Motion
    displacement: float
    rotation: float
    reason: str = Field(description="the likely cause, e.g. 'it stands on the edge of rug_1'")
    feedback: str = Field(description="'<id> <what>: <reason>' with what to change")


class NotSimulable(_Model):
    a: str
    b: str = Field(description="an object id, 'floor' or 'wall'")
    depth: float = Field(description="how deep their collision shapes interpenetrate at the start (m)")
    message: str


class StabilityReport(_Model):
    """What happened to each free object during the settle."""

    stable_ratio: float = Field(description="share (0-1) of simulated objects that stayed put; 1.0 without any")
    n_simulated: int = Field(description="objects on the floor or on other objects (wall and ceiling items are fixed)")
    n_stable: int
    unstable: list[UnstableObject] = Field(default_factory=list)
    not_simulable: list[NotSimulable] = Field(default_factory=list)
    objects: list[ObjectMotion] = Field(default_factory=list)
    duration: float
    blew_up: bool = Field(False, description="the solver diverged and the run stopped early")
    warnings: list[str] = Field(default_factory=list)


def _mujoco():
    try:
        import mujoco
    except ImportError as e:
        raise ImportError("stability needs MuJoCo: pip install 'agentscene[mujoco]'") from e
    return mujoco


def _angle(q: np.ndarray) -> float:
    """Rotation angle of a unit quaternion [w, x, y, z]."""
    return float(2.0 * math.atan2(np.linalg.norm(q[1:]), abs(q[0])))


def _quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    w1, x1, y1, z1 = a
    w2, x2, y2, z2 = b
    return np.array([w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2, w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
                     w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2, w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2])


class _Sim:
    """A compiled model with the map from bodies and geoms to object ids."""

    def __init__(self, parts, fixed: set[str], settings: StabilitySettings, covering_height: float, cache: dict | None):
        import xml.etree.ElementTree as ET

        from agentscene.exporters.mjcf import body_names, is_free, mjcf_root

        mujoco = _mujoco()
        self.mujoco = mujoco
        root = mjcf_root(parts, dynamic=True, visual=False, fixed=fixed, timestep=settings.timestep,
                         covering_height=covering_height, solver_iterations=settings.solver_iterations, cache=cache,
                         decompose=settings.decompose)
        self.model = mujoco.MjModel.from_xml_string(ET.tostring(root, encoding="unicode"))
        self.data = mujoco.MjData(self.model)
        names = body_names(parts)
        self.body_of = {oid: self.model.body(name).id for oid, name in names.items()}
        self.object_of_body = {b: oid for oid, b in self.body_of.items()}
        self.free = [om.obj.id for om in parts.objects if is_free(om.obj) and om.obj.id not in fixed]
        mujoco.mj_forward(self.model, self.data)

    def owner(self, geom: int) -> str:
        body = int(self.model.geom_bodyid[geom])
        if body in self.object_of_body:
            return self.object_of_body[body]
        return "floor" if self.model.geom(geom).name == "floor" else "wall"

    def penetrations(self, depth: float) -> list[tuple[str, str, float]]:
        """(a, b, depth) of every pair touching a free object whose shapes overlap deeper than `depth`, deepest per pair."""
        free = set(self.free)
        worst: dict[tuple[str, str], float] = {}
        for i in range(self.data.ncon):
            c = self.data.contact[i]
            if -c.dist <= depth:
                continue
            a, b = self.owner(int(c.geom1)), self.owner(int(c.geom2))
            if a == b or not (a in free or b in free):
                continue
            key = (a, b) if b in ("floor", "wall") or (a not in ("floor", "wall") and a < b) else (b, a)
            worst[key] = max(worst.get(key, 0.0), float(-c.dist))
        return [(a, b, d) for (a, b), d in sorted(worst.items(), key=lambda kv: (-kv[1], kv[0]))]

    def touching(self) -> dict[str, set[str]]:
        """object id -> what its shapes touch now."""
        out: dict[str, set[str]] = {}
        for i in range(self.data.ncon):
            c = self.data.contact[i]
            if c.dist > 0.002:
                continue
            a, b = self.owner(int(c.geom1)), self.owner(int(c.geom2))
            if a != b:
                out.setdefault(a, set()).add(b)
                out.setdefault(b, set()).add(a)
        return out

    def poses(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {oid: (self.data.xpos[b].copy(), self.data.xquat[b].copy()) for oid, b in self.body_of.items()}

    def run(self, settings: StabilitySettings) -> bool:
        """Step for `duration`; False when the solver blew up (and the run stopped)."""
        steps = max(1, round(settings.duration / settings.timestep))
        chunk = 50
        done = 0
        while done < steps:
            n = min(chunk, steps - done)
            self.mujoco.mj_step(self.model, self.data, nstep=n)
            done += n
            speed = np.abs(self.data.qvel)
            if not np.all(np.isfinite(speed)) or (speed.size and float(speed.max()) > settings.max_speed):
                return False
        return True


def stability_report(scene: Scene, *, mesh_provider: MeshProvider | None = None, settings: StabilitySettings | None = None,
                     tolerances: Tolerances | None = None, geometry: SceneGeometry | None = None) -> StabilityReport:
    """Settle the scene in MuJoCo and report who moved. Needs `pip install 'agentscene[mujoco]'`."""
    from agentscene.exporters.parts import export_scene_parts

    settings = settings or StabilitySettings()
    tol = tolerances or Tolerances()
    parts = export_scene_parts(scene, mesh_provider, walls=False)
    warnings = list(parts.warnings)
    geo = geometry.update(scene) if geometry is not None else scene_geometry(scene, mesh_provider, tolerances=tol)
    cache = geo.shapes.fcl_cache  # the session's shape cache keeps each mesh's convex parts too
    sim = _Sim(parts, set(), settings, tol.step_height, cache)
    deep = sim.penetrations(tol.contact_depth)
    not_simulable = []
    if deep:
        held = {x for a, b, _ in deep for x in (a, b) if x in sim.free}
        for a, b, d in deep:
            not_simulable.append(NotSimulable(a=a, b=b, depth=d, message=(
                f"{a} and {b} interpenetrate by {100 * d:.0f} cm: not simulable until separated; "
                f"move {a if a in held else b} apart first")))
        sim = _Sim(parts, held, settings, tol.step_height, cache)
    start = sim.poses()
    touching = sim.touching()
    ok = sim.run(settings)
    if not ok:
        warnings.append("the simulation diverged and was stopped early; the motions are those at that moment")
    end = sim.poses()
    motions = {}
    for oid in sim.free:
        (p0, q0), (p1, q1) = start[oid], end[oid]
        rel = _quat_mul(q1, q0 * np.array([1, -1, -1, -1]))
        up0 = _up(q0)
        up1 = _up(q1)
        tilt = float(math.acos(float(np.clip(up0 @ up1, -1.0, 1.0))))
        disp = float(np.linalg.norm(p1 - p0))
        rot = _angle(rel)
        if not (math.isfinite(disp) and math.isfinite(rot)):
            disp, rot, tilt = math.inf, math.inf, math.inf
        motions[oid] = ObjectMotion(id=oid, displacement=disp, rotation=rot, tilt=tilt, drop=float(p0[2] - p1[2]),
                                    stable=disp <= settings.max_displacement and rot <= settings.max_rotation)
    held_ids = {x for n in not_simulable for x in (n.a, n.b)} & {om.obj.id for om in parts.objects}
    unstable = []
    order = [o.id for o in scene.objects]
    what_of = {oid: _what(m, settings) for oid, m in motions.items() if not m.stable}
    for oid in order:
        if oid in held_ids and scene.objects[order.index(oid)].support not in ("wall", "ceiling"):
            pair = next(n for n in not_simulable if oid in (n.a, n.b))
            other = pair.b if pair.a == oid else pair.a
            unstable.append(UnstableObject(id=oid, what="not simulable", displacement=0.0, rotation=0.0,
                                           reason=f"it interpenetrates {other} by {100 * pair.depth:.0f} cm",
                                           feedback=f"{oid} is not simulable: it interpenetrates {other} by "
                                                    f"{100 * pair.depth:.0f} cm; separate them"))
        elif oid in what_of:
            m = motions[oid]
            reason, action = _reason(oid, what_of, geo, tol, touching)
            unstable.append(UnstableObject(id=oid, what=what_of[oid], displacement=m.displacement, rotation=m.rotation,
                                           reason=reason, feedback=f"{oid} {what_of[oid]}: {reason}; {action}"))
    n_sim = len(sim.free) + len(held_ids & {o.id for o in scene.objects if o.support not in ("wall", "ceiling")})
    n_stable = sum(1 for m in motions.values() if m.stable)
    return StabilityReport(
        stable_ratio=n_stable / n_sim if n_sim else 1.0, n_simulated=n_sim, n_stable=n_stable, unstable=unstable,
        not_simulable=not_simulable, objects=[motions[o] for o in order if o in motions], duration=settings.duration,
        blew_up=not ok, warnings=warnings,
    )


def _up(q: np.ndarray) -> np.ndarray:
    w, x, y, z = q
    return np.array([2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)])


def _what(m: ObjectMotion, s: StabilitySettings) -> Motion:
    if m.drop > s.fall_height:
        return "fell"
    if m.tilt > s.max_rotation:
        return "tipped over"
    if m.rotation > s.max_rotation:
        return "turned"
    if m.drop < -s.max_displacement:
        return "was pushed up"
    return "slid"


def _covering(g, tol: Tolerances) -> bool:
    """A rug or mat: on the floor and no taller than a step (the walkable-floor metric's rule)."""
    return g.top - max(g.bottom, 0.0) <= tol.step_height and g.bottom <= tol.step_height


def _reason(oid: str, what_of: dict[str, Motion], geo: SceneGeometry, tol: Tolerances,
            touching: dict[str, set[str]]) -> tuple[str, str]:
    """(why it moved, what to change) from the scene's geometry at the start."""
    g = geo.by_id[oid]
    support = g.obj.support
    base = geo.by_id.get(support)
    if base is not None and support in what_of:
        return f"it rests on {support}, which {what_of[support]}", f"make {support} stable first"
    if base is not None:
        gap = g.bottom - base.top
        if gap > tol.support_tolerance:
            return f"it starts {100 * gap:.0f} cm above {support}", f"lower it onto {support}"
        fp = g.polygon()
        area = fp.area
        if area > 1e-9:
            off = 1.0 - fp.intersection(base.polygon()).area / area
            if off > 0.2 and _covering(base, tol):
                return f"it stands on the edge of {support} ({100 * off:.0f}% of its base is off it)", \
                    f"move it fully onto {support} or off it"
            if off > 0.2:
                return f"{100 * off:.0f}% of its base overhangs the edge of {support}", f"move it fully onto {support}"
    elif support == "floor" and g.bottom > tol.support_tolerance:
        return f"it starts {100 * g.bottom:.0f} cm above the floor", "lower it onto the floor"
    fp = g.polygon()
    for other in geo.objects:
        if other.id == oid or other.obj.support in ("wall", "ceiling"):
            continue
        if _covering(other, tol) and fp.intersects(other.polygon()) and not other.polygon().buffer(1e-6).contains(fp):
            return f"it stands on the edge of {other.id}", f"move it fully onto {other.id} or off it"
    pushers = sorted(x for x in touching.get(oid, ()) if x in what_of or x not in ("floor", "wall"))
    pushers = [x for x in pushers if x != support]
    if pushers:
        return f"it is pressed against {pushers[0]}", f"leave a gap between it and {pushers[0]}"
    w, h, d = g.obj.size
    if h > 3 * min(w, d):
        return "it is tall on a narrow base", "widen its base or stand it against a wall"
    return "it does not rest flat on its support", "check its height and what is under it"
