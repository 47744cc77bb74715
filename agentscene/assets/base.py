"""The asset contract: what a backend returns and the errors it may raise.

A backend answers two questions: *which* of its assets fit a description and size (`find`),
and *what* an asset looks like (`mesh`, in the canonical frame: metres, y up, front facing +z,
bottom centre at the origin). Everything else (retrieval scoring, caches, servers) is an
implementation detail of one backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    import trimesh

    from agentscene.scene import SceneObject

Size3 = tuple[float, float, float]


class AssetMatch(BaseModel):
    """One ranked answer of `find`: an asset id plus why it was chosen."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    asset_id: str
    source: str = Field(description="the backend name: procedural, 3d-future, objaverse, sam3d")
    score: float = Field(description="higher is better; comparable only within one find call")
    category: str = Field(default="object", description="normalised category (agentscene.categories)")
    size: Size3 | None = Field(default=None, description="the asset's own extents [w, h, d] in metres, if known")
    description: str = ""
    uri: str | None = Field(default=None, description="where the mesh lives, relative to the backend's root")
    text_score: float | None = None
    size_score: float | None = None


@runtime_checkable
class AssetBackend(Protocol):
    """A source of object meshes. Implementations register a factory under a string name."""

    name: str

    def find(
        self,
        description: str,
        category: str | None = None,
        size: Size3 | None = None,
        k: int = 5,
    ) -> list[AssetMatch]:
        """The k best assets for a description (and optional category and [w, h, d]), best first."""
        ...

    def mesh(self, asset_id: str) -> trimesh.Trimesh:
        """The asset's mesh in the canonical frame; raises an AssetError subclass when it cannot."""
        ...


@runtime_checkable
class ObjectMeshBackend(Protocol):
    """Optional extra: a backend that can build a mesh straight from a scene object.

    The procedural backend does this so renders look right before any retrieval step.
    """

    def object_mesh(self, obj: SceneObject) -> trimesh.Trimesh | None: ...


class AssetError(Exception):
    """Base class: an asset could not be found, loaded or trusted. `assign_assets` reports
    these and falls back to the next match instead of failing the scene."""


class AssetNotFoundError(AssetError, KeyError):
    """No asset with this id, or its mesh file is missing."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnsafeAssetError(AssetError):
    """The asset breaks a safety rule: path outside the root, file too large, too many faces,
    non-finite vertices."""


class BrokenAssetError(AssetError):
    """The mesh file exists but cannot be parsed into a usable mesh."""


class AssetServerError(AssetError):
    """A mesh-generation server failed: timeout, HTTP error, malformed reply."""


class MissingExtraError(ImportError):
    """An optional dependency is not installed. The message names the install command."""


def require(module: str, extra: str):
    """Import an optional dependency or raise MissingExtraError naming `pip install 'agentscene[extra]'`."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingExtraError(
            f"{module} is not installed; install it with: pip install 'agentscene[{extra}]'"
        ) from e
