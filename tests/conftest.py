from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SCENE_DIR = DATA / "scenes"


def fixture_paths() -> list[Path]:
    return sorted(SCENE_DIR.glob("*.json"))


def fixture_manifest() -> dict:
    return json.loads((DATA / "fixtures.json").read_text())


@pytest.fixture
def scene_dir() -> Path:
    return SCENE_DIR


@pytest.fixture
def bedroom():
    from agentscene import load_scene

    return load_scene(SCENE_DIR / "bedroom_basic.json")


@pytest.fixture
def office():
    from agentscene import load_scene

    return load_scene(SCENE_DIR / "office_open.json")
