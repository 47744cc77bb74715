"""HTML reports of real runs and a real batch: self-contained markup, exact tables and charts, escaping,
bad input, and the pages as headless Chromium draws them (images decoded, charts painted, no scripts)."""

from __future__ import annotations

import io
import json
import math
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from typer.testing import CliRunner

from agentscene.batch import BatchConfig, run_batch
from agentscene.cli import app
from agentscene.generate import GenerateConfig
from agentscene.report import ReportError, load_run, svg, write_report
from agentscene.viewer.devtools import Browser, find_chromium

HOSTILE = 'a bedroom with a bed <script>alert("x")</script> & a "desk"'


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    p = _Tags()
    p.feed(html)
    return p.tags


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    suite = root / "suite.txt"
    suite.write_text("a living room with a sofa, a coffee table and a tv stand\n" + HOSTILE + "\n", "utf-8")
    out = root / "batch"
    summary = run_batch(BatchConfig(prompts=suite, out=out, workers=2), GenerateConfig(prompt="(batch)", turns=4))
    assert summary.counts == {"ok": 2}
    return out


@pytest.fixture(scope="module")
def run_dir(batch_dir) -> Path:
    return next(p for p in sorted(batch_dir.iterdir()) if p.name.startswith("000-"))


@pytest.fixture(scope="module")
def browser():
    if find_chromium() is None:
        pytest.skip("needs Debian's chromium package")
    b = Browser(width=1280, height=1600)
    yield b
    b.close()


def test_run_report_is_self_contained_and_matches_the_run(run_dir, tmp_path):
    page = write_report(run_dir, tmp_path / "run.html")
    html = page.read_text("utf-8")
    tags = _tags(html)
    assert not [t for t, _ in tags if t in ("script", "link", "iframe", "object")]
    images = [a["src"] for t, a in tags if t == "img"]
    assert images and all(src.startswith(("data:image/png;base64,", "data:image/jpeg;base64,")) for src in images)
    assert not [a for t, a in tags for k in ("src", "href") if str(a.get(k, "")).startswith(("http:", "https:", "//"))]
    turns = sorted((run_dir / "turns").glob("turn_*.json"))
    run = load_run(run_dir)
    assert [t.turn for t in run.turns] == list(range(len(turns)))
    # one table row and one section per turn; the final renders (top, diagonal) plus one merged render per turn
    assert html.count('<details class="turn"') == len(turns)
    assert len(images) == 2 + len(turns)
    # four charts, each series with one point per turn, values as recorded
    svgs = [t for t, _ in tags if t == "svg"]
    assert len(svgs) == 4
    objects_line = next(a for t, a in tags if t == "polyline" and a.get("data-series") == "objects")
    assert len(objects_line["points"].split()) == len(turns)
    for rec in turns:
        data = json.loads(rec.read_text())
        assert f"objects, turn {data['turn']}: {len(data['scene']['objects'])}</title>" in html
        for call in data["tool_calls"]:
            assert f"<code>{call['name']}</code>" in html
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert f"terminated after {metrics['turns']} turn(s)" in html or f"max_turns after {metrics['turns']} turn(s)" in html


def test_hostile_prompt_text_is_escaped(batch_dir):
    hostile = next(p for p in batch_dir.iterdir() if p.name.startswith("001-"))
    html = write_report(hostile).read_text("utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; a &quot;desk&quot;" in html


def test_batch_report_has_gallery_aggregates_and_episode_pages(batch_dir):
    page = write_report(batch_dir)
    html = page.read_text("utf-8")
    summary = json.loads((batch_dir / "batch_summary.json").read_text())
    assert html.count('<div class="card">') == 2
    links = [a["href"] for t, a in _tags(html) if t == "a"]
    episode_pages = [h for h in links if h.endswith("report.html")]
    assert len(set(episode_pages)) == 2 and not any(h.startswith("/") for h in episode_pages)
    for href in episode_pages:
        assert (page.parent / href).is_file()
        back = [a["href"] for t, a in _tags((page.parent / href).read_text()) if t == "a"][0]
        assert (page.parent / href).parent.joinpath(back).resolve() == page.resolve()
    agg = summary["aggregate"]
    assert f"{agg['mean_objects']:.1f}" in html and f"{agg['pbl_valid_pct']:.1f}%" in html
    assert "<script>" not in html


def test_copied_images_mode_writes_files_beside_the_page(run_dir, tmp_path):
    page = write_report(run_dir, tmp_path / "copied.html", copy_images=True)
    srcs = [a["src"] for t, a in _tags(page.read_text()) if t == "img"]
    assert srcs and not any(s.startswith("data:") for s in srcs)
    for src in srcs:
        with Image.open(page.parent / src) as im:
            assert im.width >= 64


def _painted(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_reports_in_headless_chromium(batch_dir, run_dir, tmp_path, browser):
    run_page = write_report(run_dir, tmp_path / "run.html")
    copied = write_report(run_dir, tmp_path / "copied.html", copy_images=True)
    batch_page = write_report(batch_dir)
    for page, n_charts in ((run_page, 4), (copied, 4), (batch_page, 0)):
        browser.goto(page.as_uri())
        browser.wait_for("document.readyState === 'complete' && [...document.images].every(i => i.complete)")
        assert browser.evaluate("document.scripts.length") == 0
        assert browser.evaluate("[...document.images].every(i => i.naturalWidth > 0)") is True
        assert browser.evaluate("document.images.length") >= 2
        assert browser.evaluate("document.querySelectorAll('svg.chart polyline').length >= " + str(n_charts)) is True
        assert browser.console_errors() == []
        shot = _painted(browser.screenshot())
        assert shot.shape[0] >= 800 and shot.std() > 20  # a real page, not blank
    # the charts are painted: the collision series colour shows up inside the first chart's box
    browser.goto(run_page.as_uri())
    browser.wait_for("document.readyState === 'complete'")
    browser.evaluate("document.querySelector('svg.chart').scrollIntoView()")
    box = browser.evaluate("(() => { const r = document.querySelector('svg.chart').getBoundingClientRect();"
                           " return [r.left, r.top, r.right, r.bottom].map(Math.round); })()")
    shot = _painted(browser.screenshot())
    region = shot[max(box[1], 0):box[3], max(box[0], 0):box[2]]
    red = (abs(region[..., 0] - 0xD1) < 30) & (abs(region[..., 1] - 0x49) < 30) & (abs(region[..., 2] - 0x5B) < 30)
    assert red.sum() > 20
    # the hostile prompt's episode page runs no script either
    hostile = next(p for p in batch_dir.iterdir() if p.name.startswith("001-")) / "report.html"
    browser.goto(hostile.as_uri())
    browser.wait_for("document.readyState === 'complete'")
    assert browser.evaluate("document.scripts.length") == 0
    assert '<script>alert("x")</script>' in browser.evaluate("document.querySelector('h1').textContent")


def test_partial_runs_and_damaged_files(run_dir, tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(run_dir, partial)
    for name in ("metrics.json", "scene.json", "report.html"):
        (partial / name).unlink(missing_ok=True)
    html = write_report(partial).read_text()  # a run still going: turns only
    assert "running" in html and html.count('<details class="turn"') == len(list((partial / "turns").iterdir()))
    for png in (partial / "renders").glob("*_merged.png"):
        png.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    html = write_report(partial).read_text()
    assert "No render for this turn." in html  # damaged images are left out
    (partial / "turns" / "turn_01.json").write_text("{ not json")
    with pytest.raises(ReportError, match="turn_01.json is not valid JSON"):
        write_report(partial)
    (partial / "turns" / "turn_01.json").write_text("[1, 2]")
    with pytest.raises(ReportError, match="is not a turn record"):
        write_report(partial)
    with pytest.raises(ReportError, match="does not exist"):
        write_report(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportError, match="neither a run directory"):
        write_report(tmp_path / "empty")
    bad_batch = tmp_path / "bad_batch"
    bad_batch.mkdir()
    (bad_batch / "batch_summary.json").write_text('{"episodes": 3}')
    with pytest.raises(ReportError, match="not a batch summary"):
        write_report(bad_batch)
    result = CliRunner().invoke(app, ["report", str(bad_batch)])
    assert result.exit_code == 1 and "not a batch summary" in result.output and "Traceback" not in result.output


def test_report_without_renders(tmp_path):
    suite = tmp_path / "s.txt"
    suite.write_text("a study with a desk and a chair\n")
    run_batch(BatchConfig(prompts=suite, out=tmp_path / "b"), GenerateConfig(prompt="(batch)", renderer="none", turns=2))
    result = CliRunner().invoke(app, ["report", str(tmp_path / "b"), "--no-episodes"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "b" / "report.html").read_text()
    assert "no render" in html and not list((tmp_path / "b").glob("*/report.html"))


def test_nice_ticks():
    assert svg.nice_ticks(0, 1) == [0, 0.25, 0.5, 0.75, 1.0]
    assert svg.nice_ticks(0, 37) == [0, 10, 20, 30, 40]
    assert svg.nice_ticks(0, 0.0213) == [0, 0.01, 0.02, 0.03]
    assert svg.nice_ticks(-3, 12) == [-5, 0, 5, 10, 15]
    assert svg.nice_ticks(5, 5) == svg.nice_ticks(5, 6) == [5, 5.25, 5.5, 5.75, 6]


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
any_float = st.one_of(finite, st.just(math.nan), st.just(math.inf), st.just(-math.inf))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.tuples(any_float, any_float), max_size=12), min_size=1, max_size=3),
       st.text(max_size=20))
def test_any_series_renders_as_valid_svg(series, name):
    chart = svg.Chart(title=name, series=[svg.Series(f"{name}{i}", pts) for i, pts in enumerate(series)],
                      guides=[(0.1, "<guide & co>")])
    markup = svg.render(chart)
    root = ET.fromstring(markup)
    assert root.tag.endswith("svg") and "nan" not in markup.lower().replace(name.lower(), "") and "inf" not in markup.replace("info", "")


def test_judge_findings_are_listed_and_escaped(run_dir, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    metrics = json.loads((copy / "metrics.json").read_text())
    metrics["judge"] = {**(metrics.get("judge") or {}), "findings": [
        {"rule": "back_to_wall", "objects": ["bed_1"], "message": "bed_1 <b>faces</b> a wall: turn it round", "penalty": 4.0}]}
    (copy / "metrics.json").write_text(json.dumps(metrics))
    html = write_report(copy, tmp_path / "run.html").read_text("utf-8")
    assert "bed_1 &lt;b&gt;faces&lt;/b&gt; a wall: turn it round" in html and "back_to_wall" in html
