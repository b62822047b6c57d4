"""Stable randomness: every draw is keyed by (seed, what, which), never by call order.

Keying each stream by the seed and the entity it describes (a county, a county-month, a city-year)
makes a city's world identical whichever other cities or months are generated alongside it, and
the output identical on every machine and Python run (no ``hash()``, whose salt changes per run).
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_int(*parts: object) -> int:
    """A 64-bit integer fixed by the parts' text, the same on every run and machine."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def unit(*parts: object) -> float:
    """A number in [0, 1) fixed by the parts."""
    return stable_int(*parts) / 2.0**64


def rng(*parts: object) -> np.random.Generator:
    """A generator whose stream depends only on the parts (seed first, then what it draws for)."""
    return np.random.default_rng(np.random.SeedSequence(stable_int(*parts)))
