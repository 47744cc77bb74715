"""Attack suite, the viewer: only regular files whose real path lies inside the run folder are read or served (item 5)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from agentscene.formats import save_scene  # noqa: E402
from agentscene.scene import Room, Scene  # noqa: E402
from agentscene.viewer.app import create_app  # noqa: E402
from agentscene.viewer.settings import ViewerSettings  # noqa: E402
from agentscene.viewer.source import ViewTarget  # noqa: E402

SCENE = Scene(room=Room(floor=((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0))))
SECRET = b"\x89PNG secret key material"


def _run(tmp_path: Path) -> tuple[Path, Path]:
    run = tmp_path / "run"
    (run / "turns").mkdir(parents=True)
    (run / "renders").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(SECRET)
    save_scene(SCENE, outside / "scene.json")
    (outside / "turn.json").write_text(json.dumps({"turn": 0, "scene": SCENE.model_dump(mode="json"), "results": [{"message": "SECRET"}]}))
    return run, outside


def test_symlinks_out_of_the_run_folder_are_never_served(tmp_path):
    run, outside = _run(tmp_path)
    (run / "renders" / "turn_00_top.png").symlink_to(outside / "secret.png")
    (run / "renders" / "turn_01_top.png").symlink_to("/etc/passwd")
    (run / "renders" / "turn_02_top.png").symlink_to(run / "renders" / "turn_02_top.png")  # a loop
    os.mkfifo(run / "renders" / "turn_03_top.png")
    (run / "renders" / "turn_04_top.png").mkdir()
    (run / "turns" / "turn_00.json").symlink_to(outside / "turn.json")
    (run / "turns" / "turn_01.json").symlink_to(outside)
    os.mkfifo(run / "turns" / "turn_02.json")
    (run / "scene.json").symlink_to(outside / "scene.json")
    target = ViewTarget(run)
    for n in range(5):
        assert target.render_path(n, "top") is None
    for n in range(3):
        with pytest.raises(KeyError):
            target.read_turn(n)
    client = TestClient(create_app(ViewerSettings(target=run, physics=False)), base_url="http://127.0.0.1")
    for n in range(5):
        response = client.get(f"/api/render/{n}/top")
        assert response.status_code == 404 and SECRET not in response.content
    for n in range(3):
        response = client.get(f"/api/turn/{n}", timeout=5)
        assert response.status_code == 404 and b"SECRET" not in response.content
    state = client.get("/api/state").json()
    assert state["scene"] is None  # the linked scene.json is not read


def test_links_that_stay_inside_the_run_folder_still_work(tmp_path):
    run, _ = _run(tmp_path)
    (run / "renders" / "real.png").write_bytes(b"\x89PNG inside")
    (run / "renders" / "turn_00_top.png").symlink_to(run / "renders" / "real.png")
    save_scene(SCENE, run / "turns" / "scene_copy.json")
    (run / "turns" / "turn_00.json").write_text(json.dumps({"turn": 0, "scene": SCENE.model_dump(mode="json")}))
    client = TestClient(create_app(ViewerSettings(target=run, physics=False)), base_url="http://127.0.0.1")
    assert client.get("/api/render/0/top").content == b"\x89PNG inside"
    assert client.get("/api/turn/0").json()["scene"]["room"]["height"] == SCENE.room.height
