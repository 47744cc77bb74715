"""The one registry type every pluggable concern uses: one overwrite rule, one unknown-name error."""

from __future__ import annotations

import pytest

from agentscene.agents.client import CLIENTS
from agentscene.assets.embedders import EMBEDDERS
from agentscene.assets.registry import BACKENDS
from agentscene.batch.runners import RUNNERS
from agentscene.exporters.base import EXPORTERS, ExportError
from agentscene.formats.registry import DIALECTS
from agentscene.registry import Registry
from agentscene.renderers.registry import RENDERERS
from agentscene.rewards.terms import TERMS


def test_register_get_names_and_the_overwrite_rule():
    reg: Registry[int] = Registry("widget")
    assert reg.register("b", 2) == 2
    reg.register("a", 1)
    assert reg.get("a") == 1 and reg.names() == ["b", "a"] and "a" in reg and len(reg) == 2
    with pytest.raises(ValueError, match="widget 'a' is already registered"):
        reg.register("a", 3)
    assert reg.get("a") == 1
    reg.register("a", 3, replace=True)
    assert reg.get("a") == 3 and reg.values() == [2, 3]
    for bad in ("", "   ", None):
        with pytest.raises(ValueError, match="non-empty"):
            reg.register(bad, 0)  # type: ignore[arg-type]


def test_unknown_names_list_the_choices_in_the_registry_error_type():
    reg: Registry[int] = Registry("widget", error=KeyError)
    with pytest.raises(KeyError, match="unknown widget 'x'; choose from: \\(none registered\\)"):
        reg.get("x")
    reg.register("a", 1)
    with pytest.raises(KeyError, match="unknown widget 'x'; choose from: a"):
        reg.get("x")


def test_scoped_undoes_additions_and_replacements_even_on_error():
    reg: Registry[int] = Registry("widget")
    reg.register("a", 1)
    with pytest.raises(RuntimeError), reg.scoped():
        reg.register("b", 2)
        reg.register("a", 9, replace=True)
        raise RuntimeError
    assert reg.names() == ["a"] and reg.get("a") == 1


@pytest.mark.parametrize(("registry", "builtin", "error"), [
    (RENDERERS, "raster", ValueError), (BACKENDS, "procedural", ValueError), (EMBEDDERS, "hashing", ValueError),
    (CLIENTS, "offline", ValueError), (TERMS, "collision", KeyError), (DIALECTS, "native", ValueError),
    (EXPORTERS, "glb", ExportError), (RUNNERS, "process", ValueError),
])
def test_every_pluggable_concern_uses_it(registry, builtin, error):
    assert isinstance(registry, Registry) and builtin in registry
    with pytest.raises(ValueError, match="already registered"):
        registry.register(builtin, registry.get(builtin))
    with pytest.raises(error, match=f"unknown {registry.kind} 'no-such'"):
        registry.get("no-such")
