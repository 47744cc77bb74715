"""The Blender side of the blender backend: runs in its own process, imports bpy, renders on request.

Run as `python -P path/to/blender_worker.py`; it imports nothing from agentscene (only the
standard library, bpy and numpy), so it can run under another environment's interpreter.
A separate process keeps Blender's crashes (and its global state) out of the caller, and lets
one warm Blender serve many renders. Protocol: one JSON object per line on stdin, one JSON reply per line on the
original stdout; everything Blender itself prints goes to stderr (the caller's log file).
Geometry arrives as an .npz file already in Blender's z-up coordinates, with unlit linear
colours per face; images leave as PNG files at paths the caller chose.

Requests:
    {"op": "ping"}
    {"op": "render", "geometry": path, "parts": [{"name", "kind", "views": [view, ...] | null}], "cameras": [...],
     "outputs": {view: png path} (empty: render nothing, e.g. only save the .blend), "engine": "workbench" | "cycles", "samples": n,
     "denoise": bool, "threads": n, "background": [r, g, b], "blend": path | null}
    {"op": "quit"}
Replies: {"ok": true, ...} or {"ok": false, "error": message, "traceback": text}.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from typing import Any

COLOR_ATTRIBUTE = "agentscene_color"


def _protocol_stream():
    """Keep the real stdout for replies and point fd 1 at stderr, so Blender's prints cannot corrupt them."""
    reply_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(reply_fd, "w", buffering=1, encoding="utf-8")


def _clear_data(bpy) -> None:
    for collection in (bpy.data.objects, bpy.data.meshes, bpy.data.materials, bpy.data.cameras, bpy.data.lights):
        for block in list(collection):
            collection.remove(block)


def _material(bpy):
    """One material for everything: base colour from the per-corner colour attribute."""
    mat = bpy.data.materials.new("agentscene_color")
    mat.use_nodes = True
    nodes = mat.node_tree.nodes
    bsdf = next(n for n in nodes if n.type == "BSDF_PRINCIPLED")
    bsdf.inputs["Roughness"].default_value = 0.75
    attr = nodes.new("ShaderNodeAttribute")
    attr.attribute_name = COLOR_ATTRIBUTE
    mat.node_tree.links.new(attr.outputs["Color"], bsdf.inputs["Base Color"])
    return mat


def _build_meshes(bpy, np, geometry_path: str, parts: list[dict[str, Any]], material) -> None:
    data = np.load(geometry_path)
    vertices, faces, colors = data["vertices"], data["faces"], data["colors"]
    v_off, f_off = data["vertex_offsets"], data["face_offsets"]
    scene = bpy.context.scene
    for k, part in enumerate(parts):
        v = vertices[v_off[k] : v_off[k + 1]]
        f = faces[f_off[k] : f_off[k + 1]]
        c = colors[f_off[k] : f_off[k + 1]]
        mesh = bpy.data.meshes.new(part["name"])
        mesh.vertices.add(len(v))
        mesh.vertices.foreach_set("co", v.astype(np.float32).ravel())
        mesh.loops.add(3 * len(f))
        mesh.loops.foreach_set("vertex_index", f.astype(np.int32).ravel())
        mesh.polygons.add(len(f))
        mesh.polygons.foreach_set("loop_start", np.arange(0, 3 * len(f), 3, dtype=np.int32))
        mesh.update(calc_edges=True)
        attr = mesh.color_attributes.new(COLOR_ATTRIBUTE, "FLOAT_COLOR", "CORNER")
        rgba = np.concatenate([c, np.ones((len(c), 1), np.float32)], axis=1)
        attr.data.foreach_set("color", np.repeat(rgba, 3, axis=0).astype(np.float32).ravel())
        # validate() drops faces Blender cannot hold (repeated vertices) instead of crashing later.
        mesh.validate(clean_customdata=False)
        mesh.color_attributes.active_color = mesh.color_attributes[COLOR_ATTRIBUTE]
        mesh.color_attributes.render_color_index = mesh.color_attributes.active_color_index
        mesh.materials.append(material)
        obj = bpy.data.objects.new(part["name"], mesh)
        obj["agentscene_kind"] = part["kind"]
        if part.get("views") is not None:  # shown only in these views (tall walls, ceiling items)
            obj["agentscene_views"] = ",".join(part["views"])
        scene.collection.objects.link(obj)


def _cameras(bpy, mathutils, cameras: list[dict[str, Any]]) -> dict[str, Any]:
    scene = bpy.context.scene
    out = {}
    for spec in cameras:
        data = bpy.data.cameras.new(spec["name"])
        data.type = spec["type"]
        data.sensor_fit = spec["sensor_fit"]
        data.sensor_width = spec["sensor_width"]
        data.sensor_height = spec["sensor_width"]
        if spec["type"] == "ORTHO":
            data.ortho_scale = spec["ortho_scale"]
        else:
            data.lens_unit = "MILLIMETERS"
            data.lens = spec["lens"]
        data.shift_x, data.shift_y = spec["shift_x"], spec["shift_y"]
        data.clip_start, data.clip_end = spec["clip_start"], spec["clip_end"]
        obj = bpy.data.objects.new(spec["name"], data)
        obj.matrix_world = mathutils.Matrix(spec["matrix_world"])
        scene.collection.objects.link(obj)
        out[spec["name"]] = (obj, spec)
    return out


def _lights_and_world(bpy, mathutils, request: dict[str, Any]) -> None:
    scene = bpy.context.scene
    world = scene.world or bpy.data.worlds.new("World")
    scene.world = world
    bg = request["background"]
    world.color = bg  # Workbench background
    if request["engine"] == "cycles":
        # Camera rays see the background colour as is; everything else gets a dimmer sky.
        world.use_nodes = True
        tree = world.node_tree
        output = next(n for n in tree.nodes if n.type == "OUTPUT_WORLD")
        for node in [n for n in tree.nodes if n.name != output.name]:
            tree.nodes.remove(node)
        seen, sky = tree.nodes.new("ShaderNodeBackground"), tree.nodes.new("ShaderNodeBackground")
        seen.inputs["Color"].default_value = sky.inputs["Color"].default_value = (*bg, 1.0)
        seen.inputs["Strength"].default_value = 1.0
        sky.inputs["Strength"].default_value = 0.5
        path, mix = tree.nodes.new("ShaderNodeLightPath"), tree.nodes.new("ShaderNodeMixShader")
        tree.links.new(path.outputs["Is Camera Ray"], mix.inputs["Fac"])
        tree.links.new(sky.outputs["Background"], mix.inputs[1])
        tree.links.new(seen.outputs["Background"], mix.inputs[2])
        tree.links.new(mix.outputs["Shader"], output.inputs["Surface"])
        sun_data = bpy.data.lights.new("sun", "SUN")
        sun_data.energy = 2.2
        sun_data.angle = 0.2
        sun = bpy.data.objects.new("sun", sun_data)
        sun.rotation_euler = mathutils.Euler((0.6, 0.25, 0.5))
        scene.collection.objects.link(sun)


def _render_settings(bpy, request: dict[str, Any]) -> None:
    scene = bpy.context.scene
    render = scene.render
    render.resolution_percentage = 100
    render.pixel_aspect_x = render.pixel_aspect_y = 1.0
    render.film_transparent = False
    render.image_settings.file_format = "PNG"
    render.image_settings.color_mode = "RGB"
    render.image_settings.color_depth = "8"
    render.image_settings.compression = 15
    scene.view_settings.view_transform = "Standard"
    scene.view_settings.look = "None"
    scene.view_settings.exposure = 0.0
    scene.view_settings.gamma = 1.0
    scene.display_settings.display_device = "sRGB"
    if request["threads"]:
        render.threads_mode = "FIXED"
        render.threads = request["threads"]
    else:
        render.threads_mode = "AUTO"
    if request["engine"] == "cycles":
        render.engine = "CYCLES"
        scene.cycles.device = "CPU"
        scene.cycles.samples = request["samples"]
        scene.cycles.use_adaptive_sampling = True
        scene.cycles.use_denoising = request["denoise"]
        if request["denoise"]:
            scene.cycles.denoiser = "OPENIMAGEDENOISE"
        scene.cycles.max_bounces = 4
    else:
        render.engine = "BLENDER_WORKBENCH"
        shading = scene.display.shading
        shading.light = "STUDIO"
        shading.studio_light = request["studio_light"]
        shading.use_world_space_lighting = False
        shading.color_type = "VERTEX"
        shading.show_object_outline = False
        shading.show_specular_highlight = False
        scene.display.render_aa = request.get("aa", "8")


def _render(bpy, mathutils, np, request: dict[str, Any]) -> dict[str, Any]:
    start = time.perf_counter()
    _clear_data(bpy)
    _render_settings(bpy, request)
    _lights_and_world(bpy, mathutils, request)
    material = _material(bpy)
    _build_meshes(bpy, np, request["geometry"], request["parts"], material)
    cams = _cameras(bpy, mathutils, request["cameras"])
    built = time.perf_counter()
    scene = bpy.context.scene
    timings = {}
    for name, path in request["outputs"].items():
        obj, spec = cams[name]
        scene.camera = obj
        for part in scene.collection.objects:
            views = part.get("agentscene_views")
            if views is not None:
                part.hide_render = name not in views.split(",")
        scene.render.resolution_x, scene.render.resolution_y = spec["width"], spec["height"]
        scene.render.filepath = path
        t = time.perf_counter()
        bpy.ops.render.render(write_still=True)
        timings[name] = time.perf_counter() - t
        if not os.path.exists(path):
            raise RuntimeError(f"Blender finished rendering {name!r} but wrote no image at {path}")
    if not request["outputs"] and cams:  # nothing rendered: open the .blend on the first camera
        obj, spec = next(iter(cams.values()))
        scene.camera = obj
        scene.render.resolution_x, scene.render.resolution_y = spec["width"], spec["height"]
    if request.get("blend"):
        bpy.ops.wm.save_as_mainfile(filepath=request["blend"], copy=True, compress=True)
    return {"build_seconds": built - start, "render_seconds": timings, "seconds": time.perf_counter() - start}


def main() -> int:
    replies = _protocol_stream()

    def reply(message: dict[str, Any]) -> None:
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    try:
        import bpy
        import mathutils
        import numpy as np
    except ImportError as e:
        reply({"ok": False, "error": f"cannot import bpy: {e}; install it with: pip install 'agentscene[blender]'"})
        return 2
    bpy.ops.wm.read_factory_settings(use_empty=True)
    reply({"ok": True, "ready": True, "blender": bpy.app.version_string, "pid": os.getpid()})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        op = request.get("op")
        if op == "quit":
            reply({"ok": True})
            return 0
        if op == "ping":
            reply({"ok": True, "blender": bpy.app.version_string, "pid": os.getpid()})
            continue
        if op != "render":
            reply({"ok": False, "error": f"unknown op {op!r}"})
            continue
        try:
            result = _render(bpy, mathutils, np, request)
        except Exception as e:  # reported to the caller, which raises it there
            reply({"ok": False, "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()})
            continue
        reply({"ok": True, **result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
