"""The run directory of one episode, written atomically so an interrupted run can resume:

    outputs/<name>/
      scene.json                 final scene (native)      scene_scenerevis.json  the same, SceneReVis flat
      turns/turn_XX.json         scene, tool calls, results, metrics of each turn (turn_00: the created room)
      renders/turn_XX_{top,diagonal,merged}.png
      conversation.jsonl         every message, images by path
      metrics.json               final metrics, judge scores, per-turn summary, usage, why it stopped
      spec_used.json             every setting, seed, versions, model (never a secret)
      run.log                    what happened, with secrets redacted
"""

from __future__ import annotations

import json
import logging
import re
import traceback
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agentscene.fileio import atomic_write_json, atomic_write_text, resolve_target
from agentscene.limits import read_json

_TURN_RE = re.compile(r"^turn_(\d{2,4})\.json$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


#: letters whose ASCII spelling is not their accent-stripped form ("gemütlich" -> "gemuetlich")
_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "œ": "oe", "å": "aa",
                          "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def transliterate(text: str) -> str:
    """ASCII letters for a name: German umlauts spelled out, other accents dropped ('café' -> 'cafe');
    scripts without a Latin spelling vanish (the caller falls back to a default name)."""
    spelled = text.lower().translate(_SPELLED)
    return unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode("ascii")


def slugify(text: str, limit: int = 48) -> str:
    """A directory name from a prompt: 'A cozy bedroom!' -> 'a-cozy-bedroom', 'gemütliches Zimmer' -> 'gemuetliches-zimmer'."""
    slug = re.sub(r"[^a-z0-9]+", "-", transliterate(text)).strip("-")[:limit].strip("-")
    return slug or "scene"


def check_name(name: str) -> str:
    if not _NAME_RE.match(name) or name in (".", ".."):
        raise ValueError(f"run name {name!r} must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return name


def secret_variants(secret: str) -> list[str]:
    """The forms a secret takes when a server echoes it: as is, URL-encoded, hex, and base64
    (standard and URL-safe, alone or at any of the three byte offsets inside a longer base64 text).
    Encoded forms are added only for secrets of 8 characters or more, so they cannot match by chance."""
    import base64
    import binascii
    from urllib.parse import quote, quote_plus

    if not secret:
        return []
    forms = {secret}
    if len(secret) >= 8:
        raw = secret.encode("utf-8", "surrogatepass")
        forms |= {quote(secret, safe=""), quote_plus(secret), binascii.hexlify(raw).decode()}
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.add(encode(raw).decode().rstrip("="))
            for offset in range(3):  # the characters that depend on the secret's bytes only
                text = encode(b"\0" * offset + raw).decode()
                first, last = -(-8 * offset // 6), 8 * (offset + len(raw)) // 6
                forms.add(text[first:last])
    return sorted((f for f in forms if f), key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret, in every encoding `secret_variants` knows, replaced by ***."""
    for secret in secrets:
        for form in secret_variants(secret):
            text = text.replace(form, "***")
    return text


class Redactor(logging.Filter):
    """Replaces every given secret (in any encoding) in log records, their tracebacks included, with ***."""

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg, record.args = redact(record.getMessage(), self.secrets), ()
            if record.exc_info and not record.exc_text:
                record.exc_text = "".join(traceback.format_exception(*record.exc_info))
            if record.exc_text:
                record.exc_text = redact(record.exc_text, self.secrets)
            if record.stack_info:
                record.stack_info = redact(record.stack_info, self.secrets)
        return True


class RunDirectory:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    # -- paths ------------------------------------------------------------------------------------

    @property
    def turns_dir(self) -> Path:
        return self.root / "turns"

    @property
    def renders_dir(self) -> Path:
        return self.root / "renders"

    def turn_path(self, turn: int) -> Path:
        return self.turns_dir / f"turn_{turn:02d}.json"

    @staticmethod
    def render_prefix(turn: int) -> str:
        return f"turn_{turn:02d}"

    def paths(self) -> dict[str, Path]:
        return {name: self.root / name for name in ("scene.json", "scene_scenerevis.json", "metrics.json",
                                                     "spec_used.json", "conversation.jsonl", "run.log")}

    def relative(self, path: Path) -> str:
        return str(Path(path).resolve().relative_to(self.root.resolve()))

    # -- writing -----------------------------------------------------------------------------------

    def create(self) -> RunDirectory:
        self.turns_dir.mkdir(parents=True, exist_ok=True)
        self.renders_dir.mkdir(parents=True, exist_ok=True)
        return self

    def write_turn(self, record: dict[str, Any]) -> Path:
        return atomic_write_json(self.turn_path(record["turn"]), record, within=self.root)

    def write_conversation(self, lines: list[dict[str, Any]]) -> Path:
        text = "".join(json.dumps(line, ensure_ascii=False, allow_nan=False) + "\n" for line in lines)
        return atomic_write_text(self.root / "conversation.jsonl", text, within=self.root)

    def write_json(self, name: str, data: Any) -> Path:
        return atomic_write_json(self.root / name, data, within=self.root)

    # -- reading (resume) --------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.root.exists()

    def read_spec(self) -> dict[str, Any] | None:
        path = self.root / "spec_used.json"
        return read_json(path) if path.exists() else None

    def read_turns(self) -> list[dict[str, Any]]:
        """Completed turns in order; a gap in the numbering is an error (files are written whole, in order)."""
        if not self.turns_dir.exists():
            return []
        found = sorted((int(m.group(1)), p) for p in self.turns_dir.iterdir() if (m := _TURN_RE.match(p.name)))
        turns = []
        for expected, (number, path) in enumerate(found):
            if number != expected:
                raise ValueError(f"{self.turns_dir}: turn {expected:02d} is missing but turn {number:02d} exists")
            turns.append(read_json(path))
        return turns

    # -- logging ---------------------------------------------------------------------------------

    @contextmanager
    def logging_to_file(self, secrets: Iterable[str] = (), level: int = logging.INFO) -> Iterator[logging.Logger]:
        """Send the `agentscene` loggers to run.log (appending, so a resumed run keeps its history)."""
        logger = logging.getLogger("agentscene")
        self.root.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(resolve_target(self.root / "run.log", within=self.root), encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(Redactor(secrets))
        handler.setLevel(level)
        old_level = logger.level
        logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > level:
            logger.setLevel(level)
        try:
            yield logger
        finally:
            logger.removeHandler(handler)
            logger.setLevel(old_level)
            handler.close()
