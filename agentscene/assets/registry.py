"""Asset backends by name: choosing one is a string in config or on the CLI.

Built-in backends are registered as small factories that import their module only when
called, so `import agentscene.assets` stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentscene.assets.base import AssetBackend
from agentscene.registry import Registry

BackendFactory = Callable[..., AssetBackend]


def _procedural(**settings: Any) -> AssetBackend:
    from agentscene.assets.procedural.backend import ProceduralBackend

    return ProceduralBackend.from_settings(**settings)


def _future3d(**settings: Any) -> AssetBackend:
    from agentscene.assets.future3d import Future3DBackend

    return Future3DBackend.from_settings(**settings)


def _objaverse(**settings: Any) -> AssetBackend:
    from agentscene.assets.objaverse import ObjaverseBackend

    return ObjaverseBackend.from_settings(**settings)


def _sam3d(**settings: Any) -> AssetBackend:
    from agentscene.assets.sam3d import Sam3DBackend

    return Sam3DBackend.from_settings(**settings)


BACKENDS: Registry[BackendFactory] = Registry("asset backend")
BACKENDS.register("procedural", _procedural)
BACKENDS.register("3d-future", _future3d)
BACKENDS.register("objaverse", _objaverse)
BACKENDS.register("sam3d", _sam3d)

#: The backend used when none is named: offline, no downloads, covers every category.
DEFAULT_BACKEND = "procedural"


def register_backend(name: str, factory: BackendFactory, *, replace: bool = False) -> None:
    """Make `get_backend(name, **settings)` call `factory(**settings)`."""
    BACKENDS.register(name, factory, replace=replace)


def backend_names() -> list[str]:
    return sorted(BACKENDS.names())


def get_backend(name: str = DEFAULT_BACKEND, **settings: Any) -> AssetBackend:
    """Build the backend registered as `name` with these settings (or `settings=<Settings>`)."""
    return BACKENDS.get(name)(**settings)
