"""Process-stable seeds for procedural variants.

Kept apart from the mesh-building modules (which need numpy) so that `find`, which only names a
variant, imports no numpy.
"""

from __future__ import annotations

import hashlib


def stable_seed(*parts: object) -> int:
    """A seed that is the same in every process (Python's hash() is salted)."""
    h = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(h, "little")
