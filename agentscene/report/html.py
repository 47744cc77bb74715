"""HTML building blocks for reports: the page shell with inline CSS, escaped tables, and images
either embedded as data URLs (one self-contained file) or copied into a folder beside the page.

Everything that comes from a run (prompts, model replies, tool arguments) is escaped here, so a
prompt like `<script>` shows as text and never runs.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterable
from html import escape
from pathlib import Path

from agentscene.fileio import atomic_write_bytes

CSS = """
:root { --fg: #1d232a; --muted: #66707a; --line: #dde2e6; --ok: #2f7d4a; --bad: #b3261e; --warn: #a86b00; --bg2: #f5f7f8; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg);
       margin: 0 auto; padding: 24px; max-width: 1280px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 8px; }
.muted { color: var(--muted); } .ok { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); }
table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--bg2); font-weight: 600; } td.num, th.num { text-align: right; }
.kv td:first-child { color: var(--muted); white-space: nowrap; }
.renders { display: flex; flex-wrap: wrap; gap: 12px; } .renders figure { margin: 0; }
.renders img { max-width: 100%; width: 480px; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { background: #fff; border: 1px solid var(--line); }
.chart .grid { stroke: #eceff1; } .chart .axis { stroke: #9aa4ab; } .chart .guide { stroke: #b3261e; stroke-dasharray: 5 4; }
.chart text { font: 11px system-ui, sans-serif; fill: var(--muted); } .chart .chart-title { font-weight: 600; fill: var(--fg); font-size: 12px; }
.chart .guide-label { fill: #b3261e; }
details.turn { border: 1px solid var(--line); border-radius: 6px; margin: 10px 0; padding: 8px 12px; }
details.turn > summary { cursor: pointer; font-weight: 600; }
.turn-body { display: flex; gap: 16px; flex-wrap: wrap; margin-top: 8px; } .turn-body > div { flex: 1 1 420px; min-width: 0; }
.turn-body img { width: 100%; max-width: 560px; border: 1px solid var(--line); }
pre, code { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
pre { background: var(--bg2); padding: 8px; white-space: pre-wrap; word-break: break-word; margin: 4px 0 8px; max-height: 320px; overflow: auto; }
td code { white-space: pre-wrap; word-break: break-word; }
table.calls td:nth-child(2) code { white-space: nowrap; }
.badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 12px; background: var(--bg2); }
.badge.ok { background: #e3f3e8; } .badge.bad { background: #fbe4e2; } .badge.warn { background: #fbf0da; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 14px; }
.card { border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
.card img { width: 100%; display: block; background: var(--bg2); } .card .body { padding: 8px 10px; font-size: 13px; }
.card .noimg { height: 120px; display: flex; align-items: center; justify-content: center; background: var(--bg2); color: var(--muted); }
a { color: #1f5fa8; }
"""


def esc(value: object) -> str:
    return escape("" if value is None else str(value))


def page(title: str, body: str) -> str:
    """A complete HTML document: inline CSS, no scripts, no external resources."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="generator" content="agentscene report"><title>{esc(title)}</title>'
            f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n")


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], *, numeric: Iterable[int] = (), cls: str = "") -> str:
    """A table of already-escaped cell HTML; `numeric` columns are right-aligned."""
    num = set(numeric)
    head = "".join(f'<th class="num">{h}</th>' if i in num else f"<th>{h}</th>" for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in num else f"<td>{c}</td>" for i, c in enumerate(row))
                   + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def kv_table(pairs: Iterable[tuple[str, str]]) -> str:
    return '<table class="kv"><tbody>' + "".join(f"<tr><td>{esc(k)}</td><td>{v}</td></tr>" for k, v in pairs) + "</tbody></table>"


def num(value: float | int | None, digits: int = 2, unit: str = "") -> str:
    if value is None:
        return '<span class="muted">–</span>'
    if isinstance(value, int) or float(value).is_integer() and digits == 0:
        return f"{int(value)}{unit}"
    return f"{float(value):.{digits}f}{unit}"


class ImageStore:
    """Turns image files into <img src> values for one page: data URLs, or copies in `<page>_files/`."""

    def __init__(self, page_path: Path, *, copy: bool = False):
        self.page_path = page_path
        self.copy = copy
        self.folder = page_path.with_name(page_path.stem + "_files")
        self._names: dict[Path, str] = {}

    def src(self, image: Path, *, max_width: int | None = None) -> str | None:
        """The src for `image` (None when the file is missing or not an image); downscaled to `max_width` px if given."""
        image = Path(image)
        if not image.is_file():
            return None
        data, suffix = self._bytes(image, max_width)
        if data is None:
            return None
        if not self.copy:
            mime = "image/jpeg" if suffix == ".jpg" else "image/png"
            return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        self.folder.mkdir(parents=True, exist_ok=True)
        key = image.resolve()
        name = self._names.get(key)
        if name is None:
            name = f"{len(self._names):04d}-{image.stem}{suffix}"
            self._names[key] = name
            # atomic, never through a pipe or device node, never out of the page's folder
            atomic_write_bytes(self.folder / name, data, within=self.folder)
        return os.path.relpath(self.folder / name, self.page_path.parent)

    @staticmethod
    def _bytes(image: Path, max_width: int | None) -> tuple[bytes | None, str]:
        from PIL import Image, UnidentifiedImageError

        try:
            if max_width is None and image.suffix.lower() == ".png":
                with Image.open(image) as im:
                    im.verify()  # a damaged file is left out rather than shown broken
                return image.read_bytes(), ".png"
            with Image.open(image) as im:
                im = im.convert("RGB")
                if max_width is not None and im.width > max_width:
                    im = im.resize((max_width, max(1, round(im.height * max_width / im.width))), Image.LANCZOS)
                buf = io.BytesIO()
                im.save(buf, "JPEG", quality=82, optimize=True)
        except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):  # PIL's damaged-file errors
            return None, ""
        return buf.getvalue(), ".jpg"
