"""USD (.usd binary crate, .usda text, .usdc) through usd-core's `pxr`.

Layout: /World (default prim, y up, metres) with /World/Room/{floor,walls,windows} in world space
and one Xform per object under /World/Objects, posed by a single matrix op, holding a Mesh with
per-face displayColor (linear, as USD expects) and the object's id, category, description and
size as `agentscene:*` attributes. Prim names are the ids made into valid identifiers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from agentscene.exporters.base import ExportError, atomic_target, missing_extra
from agentscene.exporters.parts import ExportScene
from agentscene.palette import srgb_to_linear


def _pxr():
    try:
        from pxr import Gf, Sdf, Usd, UsdGeom, Vt
    except ImportError:
        raise missing_extra("usd-core", "usd") from None
    return Gf, Sdf, Usd, UsdGeom, Vt


def _mesh(stage, path: str, vertices: np.ndarray, faces: np.ndarray, colors: np.ndarray):
    Gf, Sdf, Usd, UsdGeom, Vt = _pxr()
    mesh = UsdGeom.Mesh.Define(stage, path)
    mesh.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(np.asarray(vertices, np.float32)))
    mesh.CreateFaceVertexCountsAttr(Vt.IntArray.FromNumpy(np.full(len(faces), 3, np.int32)))
    mesh.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(np.asarray(faces, np.int32).reshape(-1)))
    lo, hi = np.asarray(vertices).min(axis=0), np.asarray(vertices).max(axis=0)
    mesh.CreateExtentAttr(Vt.Vec3fArray([Gf.Vec3f(*map(float, lo)), Gf.Vec3f(*map(float, hi))]))
    mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
    mesh.CreateDoubleSidedAttr(True)
    linear = srgb_to_linear(np.asarray(colors, float) / 255.0).astype(np.float32)
    primvar = mesh.CreateDisplayColorPrimvar(UsdGeom.Tokens.uniform)
    primvar.Set(Vt.Vec3fArray.FromNumpy(linear))
    return mesh


class UsdExporter:
    name = "usd"
    suffix = ".usd"
    description = "Universal Scene Description (.usd/.usdc binary, .usda text) with per-face colours (usd-core)"

    def export(self, parts: ExportScene, path: Path, **settings: Any) -> Path:
        Gf, Sdf, Usd, UsdGeom, Vt = _pxr()
        from pxr import Tf

        if path.suffix.lower() not in (".usd", ".usda", ".usdc"):
            raise ExportError(f"USD output must end in .usd, .usda or .usdc, not {path.suffix!r}")
        stage = Usd.Stage.CreateInMemory()
        UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.y)
        UsdGeom.SetStageMetersPerUnit(stage, 1.0)
        world = UsdGeom.Xform.Define(stage, "/World")
        stage.SetDefaultPrim(world.GetPrim())
        room = parts.scene.room
        world.GetPrim().SetCustomDataByKey("agentscene:room_type", room.room_type)
        UsdGeom.Scope.Define(stage, "/World/Room")
        for part in parts.room:
            _mesh(stage, f"/World/Room/{Tf.MakeValidIdentifier(part.name)}", part.vertices, part.faces, part.face_colors)
        UsdGeom.Scope.Define(stage, "/World/Objects")
        used: set[str] = set()
        for om in parts.objects:
            obj = om.obj
            name = Tf.MakeValidIdentifier(obj.id)
            while name in used:
                name += "_"
            used.add(name)
            xform = UsdGeom.Xform.Define(stage, f"/World/Objects/{name}")
            xform.AddTransformOp().Set(Gf.Matrix4d(om.pose.T.tolist()))  # USD multiplies row vectors: transpose
            prim = xform.GetPrim()
            for key, value, kind in (("id", obj.id, Sdf.ValueTypeNames.String),
                                     ("category", obj.category, Sdf.ValueTypeNames.String),
                                     ("description", obj.description, Sdf.ValueTypeNames.String),
                                     ("support", obj.support, Sdf.ValueTypeNames.String)):
                prim.CreateAttribute(f"agentscene:{key}", kind, custom=True).Set(value)
            prim.CreateAttribute("agentscene:size", Sdf.ValueTypeNames.Float3, custom=True).Set(Gf.Vec3f(*obj.size))
            _mesh(stage, f"/World/Objects/{name}/mesh", om.vertices, om.faces, om.face_colors)
        with atomic_target(path) as tmp:
            if not stage.GetRootLayer().Export(str(tmp)):
                raise OSError(f"USD could not write {path}")
        return path
