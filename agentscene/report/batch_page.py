"""The report of a batch: aggregate metrics, status counts, a table of every prompt and a gallery of
final renders linking to each episode's own report."""

from __future__ import annotations

import os
from pathlib import Path

from agentscene.batch.summary import FAILED, BatchSummary, EpisodeRow, describe_workers
from agentscene.report.html import ImageStore, esc, kv_table, num, page, table

STATUS_KIND = {"ok": "ok", "skipped": "", "pending": "", "running": "warn", "interrupted": "warn"} | {s: "bad" for s in FAILED}


#: gallery thumbnails: one view, wide enough to read object shapes and ids
THUMB_VIEW, THUMB_WIDTH = "diagonal", 480


def last_render(run_dir: Path, view: str = "merged") -> Path | None:
    """The run's last rendered turn's image of `view` (merged: the views side by side), else its merged image."""
    for name in dict.fromkeys((view, "merged")):
        renders = sorted(run_dir.glob(f"renders/turn_*_{name}.png")) if run_dir.is_dir() else []
        if renders:
            return renders[-1]
    return None


def _badge(status: str) -> str:
    return f'<span class="badge {STATUS_KIND.get(status, "")}">{esc(status)}</span>'


#: the episodes table's judge column: the offline judge's scores (0-10) averaged over its axes
JUDGE_COLUMN = "judge mean (0–10)"


def _judge_mean(row: EpisodeRow) -> float | None:
    scores = row.metrics.judge if row.metrics else {}
    return sum(scores.values()) / len(scores) if scores else None


def aggregate_table(summary: BatchSummary) -> str:
    a = summary.aggregate
    counts = " ".join(f"{_badge(k)} {v}" for k, v in sorted(summary.counts.items()))
    pairs = [
        ("prompts", f"{a.n_selected} from {esc(summary.prompts_file)} ({esc(summary.indices)})"),
        ("status", counts),
        ("mean collision rate", num(a.mean_collision_rate, 2, "%")),
        ("mean out-of-bounds rate", num(a.mean_oob_rate, 2, "%")),
        ("PBL valid (≤ 0.1 m³)", num(a.pbl_valid_pct, 1, "%") + f' <span class="muted">(mean PBL {num(a.mean_pbl, 3)} m³)</span>'),
        ("clean scenes", num(a.clean_pct, 1, "%")),
        ("mean score (rewards.score)", num(a.mean_score, 3)),
        ("objects per scene", num(a.mean_objects, 1)),
        ("turns per episode", num(a.mean_turns, 1)),
        ("episode time", num(a.mean_episode_s, 2, " s") + f' <span class="muted">(batch wall {num(summary.wall_s, 1)} s, '
                                                           f'on {esc(describe_workers(summary))})</span>'),
    ]
    if a.judge:
        pairs.append(("offline judge (0–10), mean", ", ".join(f"{esc(k)} {num(v, 2)}" for k, v in a.judge.items())))
    if a.critic:
        pairs.append(("per-turn critic, mean", ", ".join(f"{esc(k)} {num(v, 2)}" for k, v in a.critic.items())))
    if a.total_tokens or a.total_cost_usd:
        pairs.append(("usage", f"{a.total_tokens} tokens" + (f", ${a.total_cost_usd:.4f}" if a.total_cost_usd else "")))
    cfg = summary.config
    pairs.append(("settings", ", ".join(f"{k} {esc(cfg.get(k))}" for k in ("agent", "model", "mode", "renderer", "assets", "turns", "seed")
                                        if cfg.get(k) is not None)))
    return kv_table(pairs)


def episodes_table(summary: BatchSummary, links: dict[int, str]) -> str:
    rows = []
    for r in summary.episodes:
        m = r.metrics
        label = esc(r.prompt)
        if r.index in links:
            label = f'<a href="{esc(links[r.index])}">{label}</a>'
        rows.append([
            str(r.index), label, _badge(r.status), num(m.n_objects if m else None, 0),
            num(m.collision_rate if m else None, 1), num(m.oob_rate if m else None, 1), num(m.pbl if m else None, 3),
            ("–" if m is None else '<span class="ok">yes</span>' if m.pbl_valid else '<span class="bad">no</span>'),
            num(m.score if m else None, 3), num(_judge_mean(r), 2), num(r.wall_s, 1), f'<span class="bad">{esc(r.error)}</span>' if r.error and r.status != "ok" else "",
        ])
    return table(["#", "prompt", "status", "objects", "collision %", "OOB %", "PBL m³", "valid", "score", JUDGE_COLUMN, "time s", "error"],
                 rows, numeric=(0, 3, 4, 5, 6, 8, 9, 10), cls="episodes")


def gallery(summary: BatchSummary, batch_dir: Path, images: ImageStore, links: dict[int, str]) -> str:
    cards = []
    for r in summary.episodes:
        if r.status == "skipped" and r.metrics is None:
            continue
        render = last_render(batch_dir / r.name, THUMB_VIEW)
        src = images.src(render, max_width=THUMB_WIDTH) if render else None
        pic = f'<img src="{src}" alt="{esc(r.prompt)}">' if src else '<div class="noimg">no render</div>'
        if r.index in links:
            pic = f'<a href="{esc(links[r.index])}">{pic}</a>'
        m = r.metrics
        facts = (f"{m.n_objects} objects · coll {m.collision_rate:.1f}% · OOB {m.oob_rate:.1f}% · PBL {m.pbl:.3f}" if m else "")
        cards.append(f'<div class="card">{pic}<div class="body"><b>#{r.index}</b> {_badge(r.status)}<br>{esc(r.prompt)}'
                     f'<br><span class="muted">{esc(facts)}</span></div></div>')
    return f'<div class="gallery">{"".join(cards)}</div>' if cards else '<p class="muted">No episodes yet.</p>'


def episode_links(summary: BatchSummary, batch_dir: Path, page_path: Path, report_name: str) -> dict[int, str]:
    """index -> link to the episode's report, for episodes that have one."""
    out = {}
    for r in summary.episodes:
        target = batch_dir / r.name / report_name
        if target.is_file():
            out[r.index] = os.path.relpath(target, page_path.parent)
    return out


def batch_page(summary: BatchSummary, batch_dir: Path, images: ImageStore, links: dict[int, str]) -> str:
    title = f"{batch_dir.name}: batch of {len(summary.episodes)} prompts"
    body = (f"<h1>{esc(title)}</h1><p class=\"muted\">{esc(summary.prompts_file)} · started {esc(summary.started_at)} · "
            f"updated {esc(summary.updated_at)}{'' if summary.finished else ' · not finished'}</p>"
            f"<h2>Aggregate</h2>{aggregate_table(summary)}"
            f"<h2>Gallery</h2>{gallery(summary, batch_dir, images, links)}"
            f"<h2>Episodes</h2>{episodes_table(summary, links)}"
            f'<p class="muted">{esc(JUDGE_COLUMN)}: the offline judge\'s scores (rationality, spatial layout, '
            "accessibility; 0–10, higher is better) averaged over its axes. PBL: volume outside the room plus "
            "overlaps; valid at ≤ 0.1 m³.</p>")
    return page(f"agentscene batch report: {batch_dir.name}", body)
