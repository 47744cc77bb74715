"""The report of one run: what was asked, the final renders and metrics, charts of the metrics over
turns, a per-turn table, and every turn's render, tool calls with their results, and feedback."""

from __future__ import annotations

import json
from typing import Any

from agentscene.limits import loads_json
from agentscene.report import svg
from agentscene.report.data import RunData, TurnData
from agentscene.report.html import ImageStore, esc, kv_table, num, page, table

#: per-turn metrics charted, with their unit label
CHARTS = (
    ("Collisions and out of bounds", "% of objects", (("collision rate", "collision_rate"), ("out of bounds", "oob_rate")), ()),
    ("Physical boundary loss (PBL)", "m³", (("PBL", "pbl"),), ((0.1, "valid ≤ 0.1"),)),
    ("Objects", "count", (("objects", "__n_objects"),), ()),
    ("Score (rewards.score)", "higher is better", (("score", "__score"),), ()),
)


def _value(turn: TurnData, key: str) -> float | None:
    if key == "__n_objects":
        return float(turn.n_objects)
    if key == "__score":
        return turn.score
    return turn.metrics.get(key)


def charts(run: RunData) -> str:
    out = []
    for title, unit, series, guides in CHARTS:
        lines = [svg.Series(name, [(float(t.turn), v) for t in run.turns if (v := _value(t, key)) is not None])
                 for name, key in series]
        if any(s.points for s in lines):
            out.append(svg.render(svg.Chart(title=title, series=lines, y_label=unit, guides=list(guides))))
    return f'<div class="charts">{"".join(out)}</div>' if out else '<p class="muted">No turns recorded yet.</p>'


def _badge(text: str, kind: str) -> str:
    return f'<span class="badge {kind}">{esc(text)}</span>'


def turn_table(run: RunData) -> str:
    rows = []
    for t in run.turns:
        m = t.metrics
        flags = []
        if t.rolled_back:
            flags.append(_badge("rolled back", "warn"))
        if t.format_error:
            flags.append(_badge("unusable reply", "bad"))
        if t.terminated:
            flags.append(_badge("terminated", "ok"))
        rows.append([
            f'<a href="#turn-{t.turn}">{t.turn}</a>', str(t.n_objects), str(len(t.tool_calls)), str(t.errors),
            num(m.get("collision_rate"), 1), num(m.get("oob_rate"), 1), num(m.get("pbl"), 3), num(t.score, 3),
            num(t.seconds, 2), " ".join(flags),
        ])
    return table(["turn", "objects", "calls", "errors", "collision %", "OOB %", "PBL m³", "score", "time s", ""], rows,
                 numeric=range(1, 9), cls="turns")


def _arguments(raw: Any) -> str:
    """Arguments as sent (a JSON string or an object), shown compactly; invalid JSON is shown as sent."""
    if isinstance(raw, str):
        try:
            raw = loads_json(raw)
        except ValueError:  # invalid JSON or over a limit
            return esc(raw)
    return esc(json.dumps(raw, ensure_ascii=False, separators=(", ", ": ")))


def calls_table(turn: TurnData) -> str:
    if not turn.tool_calls and not turn.results:
        return '<p class="muted">No tool calls.</p>'
    by_id = {r.get("call_id"): r for r in turn.results if r.get("call_id")}
    rows = []
    for i, call in enumerate(turn.tool_calls):
        result = by_id.get(call.get("id")) or (turn.results[i] if i < len(turn.results) else {})
        if result.get("ok"):
            outcome = f'<span class="ok">ok</span> {esc(result.get("message"))}'
        elif result:
            outcome = f'<span class="bad">{esc(result.get("error") or "error")}</span> {esc(result.get("message"))}'
        else:
            outcome = '<span class="muted">no result</span>'
        rows.append([str(i + 1), f"<code>{esc(call.get('name'))}</code>", f"<code>{_arguments(call.get('arguments'))}</code>", outcome])
    for j, result in enumerate(turn.results[len(turn.tool_calls):], start=len(turn.tool_calls)):  # results without a call
        rows.append([str(j + 1), f"<code>{esc(result.get('tool'))}</code>", "", f'<span class="bad">{esc(result.get("error"))}</span> '
                     f'{esc(result.get("message"))}'])
    return table(["#", "tool", "arguments", "result"], rows, cls="calls")


def turn_section(run: RunData, turn: TurnData, images: ImageStore) -> str:
    merged = run.render_path(turn, "merged")
    src = images.src(merged, max_width=720) if merged else None
    image = (f'<img src="{src}" alt="turn {turn.turn} render">' if src
             else '<p class="muted">No render for this turn.</p>')
    parts = [calls_table(turn)]
    if turn.format_error:
        parts.append(f'<p class="bad">Unusable reply: {esc(turn.format_error)}</p>')
    if turn.rolled_back and turn.rejected_metrics:
        rm = turn.rejected_metrics
        parts.append(f'<p class="warn">Rolled back: the edits scored {num(rm.get("score"), 3)} '
                     f'(collision {num(rm.get("collision_rate"), 1)}%, OOB {num(rm.get("oob_rate"), 1)}%, PBL {num(rm.get("pbl"), 3)}).</p>')
    if turn.think:
        parts.append(f"<h3>Reasoning</h3><pre>{esc(turn.think)}</pre>")
    if turn.physics_feedback:
        parts.append(f"<h3>Physics feedback</h3><pre>{esc(turn.physics_feedback)}</pre>")
    crit = turn.critique
    if crit and crit.get("scores"):
        scores = ", ".join(f"{esc(k)} {num(v, 1)}" for k, v in crit["scores"].items())
        parts.append(f"<h3>Critic ({esc(crit.get('source'))})</h3><p>{scores}</p><pre>{esc(crit.get('feedback'))}</pre>")
    title = "Room created" if turn.turn == 0 else f"{len(turn.tool_calls)} tool call(s), {turn.errors} error(s)"
    m = turn.metrics
    return (f'<details class="turn" id="turn-{turn.turn}" open><summary>Turn {turn.turn}: {esc(title)} · {turn.n_objects} objects · '
            f'collision {num(m.get("collision_rate"), 1)}% · OOB {num(m.get("oob_rate"), 1)}% · PBL {num(m.get("pbl"), 3)}</summary>'
            f'<div class="turn-body"><div>{image}</div><div>{"".join(parts)}</div></div></details>')


def overview(run: RunData) -> str:
    cfg = run.spec.get("config", {})
    met = run.metrics
    final = met.get("metrics") or (run.turns[-1].metrics if run.turns else {})
    stop = met.get("stop_reason", "running" if run.turns else "not started")
    state = (_badge("finished", "ok") if met.get("finished") else _badge(str(stop), "warn" if stop in ("interrupted", "running") else "bad"))
    pbl = final.get("pbl")
    pairs = [
        ("status", f"{state} {esc(stop)} after {esc(met.get('turns', max(len(run.turns) - 1, 0)))} turn(s)"),
        ("objects", esc(met.get("n_objects", run.turns[-1].n_objects if run.turns else 0))),
        ("collision rate", num(final.get("collision_rate"), 1, "%")),
        ("out of bounds", num(final.get("oob_rate"), 1, "%")),
        ("PBL", f"{num(pbl, 3, ' m³')} " + ("" if pbl is None else _badge("valid", "ok") if pbl <= 0.1 else _badge("invalid", "bad"))),
        ("floating objects", num(final.get("n_floating"), 0)),
        ("walkable floor", num(None if final.get("walkable_ratio") is None else 100 * final["walkable_ratio"], 0, "%")),
    ]
    judge = (met.get("judge") or {}).get("scores") or {}
    if judge:
        pairs.append(("judge (rule)", ", ".join(f"{esc(k)} {num(v, 1)}" for k, v in judge.items())))
    findings = [f for f in (met.get("judge") or {}).get("findings") or [] if isinstance(f, dict)]
    if findings:  # the offline judge's findings (agentscene.critics), one sentence each
        items = "".join(f"<li>{esc(f.get('message', ''))} <small>({esc(f.get('rule', ''))})</small></li>" for f in findings[:12])
        more = f"<li>… and {len(findings) - 12} more</li>" if len(findings) > 12 else ""
        pairs.append(("judge findings", f"<ul>{items}{more}</ul>"))
    usage = met.get("usage") or {}
    if usage.get("total_tokens"):
        cost = usage.get("cost_usd")
        pairs.append(("usage", f"{esc(usage['total_tokens'])} tokens" + (f", ${cost:.4f}" if cost else "")))
    if met.get("wall_s") is not None:
        pairs.append(("wall time", num(met["wall_s"], 1, " s")))
    setting = [f"{k} {esc(cfg.get(k))}" for k in ("agent", "model", "mode", "renderer", "assets", "turns", "seed") if cfg.get(k) is not None]
    if run.spec.get("model"):
        setting.append(f"model id {esc(run.spec['model'])}")
    if setting:
        pairs.append(("settings", ", ".join(setting)))
    if met.get("error"):
        pairs.append(("error", f'<span class="bad">{esc(met["error"])}</span>'))
    return kv_table(pairs)


def run_body(run: RunData, images: ImageStore, *, back_link: str | None = None) -> str:
    last = run.turns[-1] if run.turns else None
    figures = []
    for view in ("top", "diagonal"):
        path = run.render_path(last, view)
        src = images.src(path) if path else None
        if src:
            figures.append(f'<figure><img src="{src}" alt="final {view} view"><figcaption>{view} view, turn {last.turn}</figcaption></figure>')
    back = f'<p><a href="{esc(back_link)}">← batch report</a></p>' if back_link else ""
    return (f"{back}<h1>{esc(run.prompt)}</h1><p class=\"muted\">{esc(run.root.name)}</p>"
            f"<h2>Result</h2>{overview(run)}"
            + (f'<div class="renders">{"".join(figures)}</div>' if figures else '<p class="muted">No renders (renderer none).</p>')
            + f"<h2>Metrics over turns</h2>{charts(run)}"
            f"<h2>Turns</h2>{turn_table(run)}"
            + "".join(turn_section(run, t, images) for t in run.turns))


def run_page(run: RunData, images: ImageStore, *, back_link: str | None = None) -> str:
    return page(f"agentscene report: {run.prompt}", run_body(run, images, back_link=back_link))
