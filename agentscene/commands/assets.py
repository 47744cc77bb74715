"""CLI commands for asset backends: `agentscene assets index|find|assign|mesh|serve|backends`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from agentscene.commands import esc, fail

assets_app = typer.Typer(help="Asset backends: index datasets, search, assign meshes, serve meshes.",
                         no_args_is_help=True)

BackendOpt = Annotated[str, typer.Option("--backend", "-b", help="procedural, 3d-future, objaverse or sam3d.")]
RootOpt = Annotated[Path | None, typer.Option(help="3d-future: the 3D-FUTURE-model directory.")]
AnnOpt = Annotated[Path | None, typer.Option(help="objaverse: annotations .json/.json.gz.")]
GlbOpt = Annotated[Path | None, typer.Option(help="objaverse: local GLB cache directory.")]
UrlOpt = Annotated[str | None, typer.Option(help="sam3d: base URL of the generation server.")]
IndexDirOpt = Annotated[Path | None, typer.Option(help="where the index is cached.")]
EmbedderOpt = Annotated[str | None, typer.Option(help="embedder: minilm (default), hashing, or a registered name.")]
RuntimeOpt = Annotated[str | None, typer.Option(help="transformers (default) or sentence-transformers.")]


def _embedder(embedder: str | None, runtime: str | None) -> dict[str, Any] | None:
    if embedder is None and runtime is None:
        return None
    spec: dict[str, Any] = {"name": embedder or "minilm"}
    if runtime:
        spec["runtime"] = runtime
    return spec


def _objaverse_paths(base: Path | None, annotations: Path | None, glb_dir: Path | None) -> tuple[Path, Path]:
    if annotations is None and base is not None:
        for name in ("annotations.json.gz", "annotations.json"):
            if (base / name).is_file():
                annotations = base / name
                break
    if glb_dir is None and base is not None:
        glb_dir = base / "glbs" if (base / "glbs").is_dir() else base
    if annotations is None or glb_dir is None:
        raise typer.BadParameter("objaverse needs --annotations and --glb-dir (or a directory holding them)")
    return annotations, glb_dir


def make_backend(name: str, *, root: Path | None = None, annotations: Path | None = None, glb_dir: Path | None = None,
                 url: str | None = None, index_dir: Path | None = None, embedder: str | None = None,
                 runtime: str | None = None, progress: bool = True):
    """Build a backend from CLI options, passing only what that backend takes."""
    from agentscene.assets import get_backend

    emb = _embedder(embedder, runtime)
    kw: dict[str, Any] = {}
    if name == "procedural":
        if emb is not None:
            kw["embedder"] = emb
    elif name == "3d-future":
        if root is None:
            raise typer.BadParameter("3d-future needs --root (the 3D-FUTURE-model directory)")
        kw = {"root": root, "index_dir": index_dir, "progress": progress}
        if emb is not None:
            kw["embedder"] = emb
    elif name == "objaverse":
        ann, glbs = _objaverse_paths(root, annotations, glb_dir)
        kw = {"annotations": ann, "glb_dir": glbs, "index_dir": index_dir, "progress": progress}
        if emb is not None:
            kw["embedder"] = emb
    elif name == "sam3d":
        if url:
            kw["url"] = url
    return get_backend(name, **kw)



def register(app: typer.Typer) -> None:
    """Add this area's commands to the `agentscene` app."""
    app.add_typer(assets_app, name="assets")


@assets_app.command("backends")
def backends() -> None:
    """List the registered asset backends."""
    from agentscene.assets import DEFAULT_BACKEND, backend_names

    for name in backend_names():
        typer.echo(f"{name}{'  (default)' if name == DEFAULT_BACKEND else ''}")


@assets_app.command("index")
def index(
    directory: Annotated[Path, typer.Argument(help="3D-FUTURE-model dir, or a dir with objaverse annotations + glbs/.")],
    kind: Annotated[str, typer.Option(help="3d-future or objaverse.")] = "3d-future",
    annotations: AnnOpt = None,
    glb_dir: GlbOpt = None,
    index_dir: IndexDirOpt = None,
    embedder: EmbedderOpt = None,
    runtime: RuntimeOpt = None,
) -> None:
    """Build (or rebuild) the retrieval index of a local dataset."""
    from agentscene.assets import AssetError, MissingExtraError

    if kind not in ("3d-future", "objaverse"):
        raise fail(f"--kind must be 3d-future or objaverse, got {kind!r}")
    if not directory.is_dir():
        raise fail(f"{directory} is not a directory")
    start = time.perf_counter()
    try:
        backend = make_backend(kind, root=directory, annotations=annotations, glb_dir=glb_dir, index_dir=index_dir,
                               embedder=embedder, runtime=runtime)
        idx = backend.build_index()  # type: ignore[attr-defined]
    except (AssetError, MissingExtraError, FileNotFoundError, ValueError) as e:
        raise fail(str(e)) from None
    cats = sorted(idx.categories().items(), key=lambda kv: -kv[1])[:8]
    typer.echo(f"indexed {len(idx)} {kind} assets in {time.perf_counter() - start:.1f} s -> {backend.index_dir}")  # type: ignore[attr-defined]
    typer.echo(f"embedder {idx.embedder_name}; skipped {idx.manifest.get('skipped', 0)}")
    typer.echo("top categories: " + ", ".join(f"{c} {n}" for c, n in cats))


@assets_app.command("find")
def find(
    description: Annotated[str, typer.Argument(help="What to look for, e.g. 'oak dining table'.")],
    size: Annotated[tuple[float, float, float] | None, typer.Option(help="Target [w h d] in metres.")] = None,
    category: Annotated[str | None, typer.Option(help="Restrict to this category.")] = None,
    k: Annotated[int, typer.Option("-k", help="How many matches.")] = 5,
    backend: BackendOpt = "procedural",
    root: RootOpt = None,
    annotations: AnnOpt = None,
    glb_dir: GlbOpt = None,
    url: UrlOpt = None,
    index_dir: IndexDirOpt = None,
    embedder: EmbedderOpt = None,
    runtime: RuntimeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Rank a backend's assets for a description (and size)."""
    from agentscene.assets import AssetError, MissingExtraError
    from agentscene.commands import err_console

    if not description.strip():
        raise fail("the description is empty: say what to look for, e.g. 'oak dining table'")
    try:
        b = make_backend(backend, root=root, annotations=annotations, glb_dir=glb_dir, url=url, index_dir=index_dir,
                         embedder=embedder, runtime=runtime)
        classifier = getattr(b, "classifier", None)  # procedural: a keyword hit needs no model
        if classifier is not None and not classifier.needs_model(description):
            matches = b.find(description, category=category, size=size, k=k)
        else:
            with err_console.status(f"loading the text model and searching {backend} assets…"):
                matches = b.find(description, category=category, size=size, k=k)
    except (AssetError, MissingExtraError, FileNotFoundError, ValueError) as e:
        raise fail(str(e)) from None
    if as_json:
        typer.echo(json.dumps([m.model_dump() for m in matches], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=esc(f"{backend}: {description!r}" + (f" size {list(size)}" if size else "")))
    for col in ("#", "score", "text", "size", "asset id", "category", "asset size"):
        table.add_column(col, overflow="fold")
    for i, m in enumerate(matches, 1):
        table.add_row(str(i), f"{m.score:.3f}", f"{m.text_score:.3f}" if m.text_score is not None else "-",
                      f"{m.size_score:.3f}" if m.size_score is not None else "-", esc(m.asset_id), esc(m.category),
                      "x".join(f"{v:.2f}" for v in m.size) if m.size else "-")
    Console().print(table)


@assets_app.command("assign")
def assign(
    scene: Annotated[Path, typer.Argument(help="Scene file (any dialect).")],
    out: Annotated[Path, typer.Argument(help="Where to write the scene with assets.")],
    backend: BackendOpt = "procedural",
    root: RootOpt = None,
    annotations: AnnOpt = None,
    glb_dir: GlbOpt = None,
    url: UrlOpt = None,
    index_dir: IndexDirOpt = None,
    embedder: EmbedderOpt = None,
    runtime: RuntimeOpt = None,
    to: Annotated[str, typer.Option("--to", help="Output dialect.")] = "native",
    verify: Annotated[bool, typer.Option(help="Load each chosen mesh to check it.")] = True,
    overwrite: Annotated[bool, typer.Option(help="Replace assets objects already have.")] = False,
) -> None:
    """Give every object that lacks one an asset from a backend (broken candidates fall back)."""
    from agentscene.assets import AssetError, MissingExtraError, assign_assets
    from agentscene.fileio import atomic_write_json
    from agentscene.formats import SceneFormatError, dump_scene, load_scene

    try:
        s = load_scene(scene)
        b = make_backend(backend, root=root, annotations=annotations, glb_dir=glb_dir, url=url, index_dir=index_dir,
                         embedder=embedder, runtime=runtime)
        result = assign_assets(s, b, verify=verify, overwrite=overwrite)
        atomic_write_json(out, dump_scene(result.scene, to))
    except SceneFormatError as e:
        raise fail(str(e)) from None
    except (AssetError, MissingExtraError, FileNotFoundError, ValueError) as e:
        raise fail(str(e)) from None
    for a in result.assignments:
        mark = {"assigned": "✓", "kept": "=", "failed": "✗"}[a.status]
        typer.echo(f"{mark} {a.object_id}: {a.message}")
        for t in a.tried:
            typer.echo(f"    skipped {t.asset_id}: {t.error}")
    typer.echo(f"{result.summary()} -> {out}")
    if result.failed:
        raise typer.Exit(2)


@assets_app.command("mesh")
def mesh(
    asset_id: Annotated[str, typer.Argument(help="e.g. procedural:bed:3 or a 3D-FUTURE jid.")],
    out: Annotated[Path, typer.Argument(help="Output mesh file (.glb, .obj, .ply, .stl).")],
    backend: BackendOpt = "procedural",
    root: RootOpt = None,
    annotations: AnnOpt = None,
    glb_dir: GlbOpt = None,
    url: UrlOpt = None,
    index_dir: IndexDirOpt = None,
) -> None:
    """Write one asset's canonical mesh to a file (to look at it)."""
    from agentscene.assets import AssetError, MissingExtraError
    from agentscene.fileio import atomic_write_bytes

    try:
        b = make_backend(backend, root=root, annotations=annotations, glb_dir=glb_dir, url=url, index_dir=index_dir)
        m = b.mesh(asset_id)
    except (AssetError, MissingExtraError, FileNotFoundError, ValueError) as e:
        raise fail(str(e)) from None
    data = m.export(file_type=out.suffix.lstrip(".").lower() or "glb")
    atomic_write_bytes(out, data if isinstance(data, bytes) else data.encode("utf-8"))
    e = m.extents
    typer.echo(f"wrote {out}: {len(m.faces)} faces, extents {e[0]:.3f} x {e[1]:.3f} x {e[2]:.3f} m")


@assets_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind (127.0.0.1 keeps it local).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 7000,
    store: Annotated[Path | None, typer.Option(help="Keep generated GLBs in this directory (default: memory).")] = None,
    embedder: EmbedderOpt = None,
    runtime: RuntimeOpt = None,
) -> None:
    """Run the reference mesh-generation server (SceneSmith's /generate_geometries protocol)."""
    from agentscene.assets import MissingExtraError
    from agentscene.assets.base import require
    from agentscene.assets.server import create_app

    try:
        uvicorn = require("uvicorn", "assets")
        app = create_app(make_backend("procedural", embedder=embedder, runtime=runtime), store_dir=store)
    except MissingExtraError as e:
        raise fail(str(e)) from None
    typer.echo(f"serving procedural meshes on http://{host}:{port} (POST /generate_geometries, GET /health)")
    uvicorn.run(app, host=host, port=port, log_level="info")
