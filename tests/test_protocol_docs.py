"""docs/rl.md and docs/agents.md show the protocol's messages as the code renders them."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _example(reply_protocol: str) -> str:
    spec = importlib.util.spec_from_file_location("protocol_example", ROOT / "scripts" / "protocol_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.example(reply_protocol)


@pytest.mark.parametrize("doc, reply_protocol", [("rl.md", "tools"), ("agents.md", "text")])
def test_docs_show_the_rendered_example(doc, reply_protocol):
    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    m = re.search(rf"<!-- protocol-example:{reply_protocol} -->\n```text\n(.*?)\n```\n<!-- /protocol-example:{reply_protocol} -->",
                  text, re.DOTALL)
    assert m is not None, f"docs/{doc} lost its protocol example block"
    assert m.group(1) == _example(reply_protocol), f"docs/{doc} is stale: run python scripts/protocol_example.py {reply_protocol}"
