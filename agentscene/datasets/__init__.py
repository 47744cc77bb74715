"""Training records from scenes: instruction -> tool-call pairs, 3D QA, multi-view renders.

    from agentscene.datasets import DatasetSettings, build_records, load_sources
    sources, problems = load_sources(["tests/data/scenes"])
    build_records(sources, "out/records.jsonl", DatasetSettings(tasks=("actions", "qa"), limit=1000))

The record shape and conventions are documented in docs/datasets.md and builder.py.
"""

from agentscene.datasets.actions import TEMPLATES, ActionPair, synthesize_actions, verify
from agentscene.datasets.builder import (
    BuildSummary,
    DatasetSettings,
    SceneSource,
    build_records,
    build_view_records,
    load_sources,
    scene_files,
)
from agentscene.datasets.qa import QUESTIONS, QAPair, bearing_side, synthesize_qa
from agentscene.datasets.spatial import SceneIndex, edit_problems
from agentscene.datasets.views import geom, render_views, view_cameras

__all__ = [
    "QUESTIONS", "TEMPLATES", "ActionPair", "BuildSummary", "DatasetSettings", "QAPair", "SceneIndex", "SceneSource",
    "bearing_side", "build_records", "build_view_records", "edit_problems", "geom", "load_sources", "render_views",
    "scene_files", "synthesize_actions", "synthesize_qa", "verify", "view_cameras",
]
