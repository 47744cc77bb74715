"""Prompt suites: a text file with one prompt a line (prompts/bedroom.txt).

Every non-blank, non-comment line gets an index (0, 1, 2, ...) in file order, so `--indices`
and run directory names stay the same however the lines are judged. A line that cannot be a
prompt (not UTF-8, control characters, too long, a repeat of an earlier line) keeps its index
and is marked skipped with the reason; the batch records it instead of running it. Only a file
that cannot be read at all, is too large, or holds no prompt is an error.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from agentscene.limits import DEFAULT_LIMITS
from agentscene.run_dir import slugify

#: GenerateConfig.prompt's limit (Limits.prompt_chars): a longer line could never run.
MAX_PROMPT_CHARS = DEFAULT_LIMITS.prompt_chars
#: A suite larger than this is almost certainly the wrong file.
MAX_SUITE_BYTES = 16 * 1024 * 1024


class SuiteError(ValueError):
    """The prompt file as a whole cannot be used (missing, unreadable, too large, empty)."""


class PromptLine(BaseModel):
    """One indexed line of a suite."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(ge=0)
    line: int = Field(ge=1, description="1-based line number in the file")
    prompt: str
    #: why this line is not run (None: it is a prompt)
    skip: str | None = None

    @property
    def ok(self) -> bool:
        return self.skip is None

    def run_name(self, width: int = 3) -> str:
        """The episode's run directory name: zero-padded index + the prompt's slug (stable per line)."""
        return f"{self.index:0{width}d}-{slugify(self.prompt) if self.ok else 'skipped'}"


class PromptSuite(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: Path
    sha256: str
    lines: tuple[PromptLine, ...]

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def prompts(self) -> list[PromptLine]:
        return [p for p in self.lines if p.ok]

    @property
    def skipped(self) -> list[PromptLine]:
        return [p for p in self.lines if not p.ok]

    @property
    def name_width(self) -> int:
        return max(3, len(str(max(len(self.lines) - 1, 0))))

    def run_name(self, item: PromptLine) -> str:
        return item.run_name(self.name_width)


def _judge(text: str, seen: dict[str, int]) -> str | None:
    if len(text) > MAX_PROMPT_CHARS:
        return f"longer than {MAX_PROMPT_CHARS} characters ({len(text)})"
    bad = next((ch for ch in text if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch != "\t"), None)
    if bad is not None:
        return f"contains the control or unassigned character U+{ord(bad):04X}"
    key = " ".join(text.casefold().split())
    if key in seen:
        return f"duplicate of prompt #{seen[key]}"
    return None


def parse_suite(data: bytes, path: Path = Path("<memory>")) -> PromptSuite:
    """A suite from the file's bytes; see the module docstring for what each line becomes."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines: list[PromptLine] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError as e:
            if not raw.strip():
                continue
            index = len(lines)
            lines.append(PromptLine(index=index, line=number, prompt=raw.decode("utf-8", "replace").strip()[:200],
                                    skip=f"not valid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1})"))
            continue
        if not text or text.startswith("#"):
            continue
        index = len(lines)
        skip = _judge(text, seen)
        if skip is None:
            seen[" ".join(text.casefold().split())] = index
        lines.append(PromptLine(index=index, line=number, prompt=text if skip is None else text[:200], skip=skip))
    return PromptSuite(path=path, sha256=hashlib.sha256(data).hexdigest(), lines=tuple(lines))


def load_suite(path: str | Path, *, max_bytes: int = MAX_SUITE_BYTES) -> PromptSuite:
    """Read a prompt file. Raises SuiteError when it is missing, too large, or holds no usable prompt."""
    path = Path(path)
    if not path.is_file():
        raise SuiteError(f"prompt file {path} does not exist" if not path.exists() else f"{path} is not a file")
    size = path.stat().st_size
    if size > max_bytes:
        raise SuiteError(f"prompt file {path} is {size:,} bytes; the limit is {max_bytes:,} (one prompt a line)")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SuiteError(f"cannot read prompt file {path}: {e.strerror or e}") from None
    suite = parse_suite(data, path)
    if not suite.prompts:
        why = "it is empty" if not suite.lines else f"all {len(suite.lines)} lines were skipped ({suite.lines[0].skip}, ...)"
        raise SuiteError(f"prompt file {path} holds no prompt: {why}")
    return suite
