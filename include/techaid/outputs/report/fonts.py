"""The CJK font the report charts are drawn with.

matplotlib ships no Chinese glyphs: without a CJK font every label becomes a row of boxes and only
a warning is logged, so a broken chart could reach the provincial team unnoticed. The font comes
from Debian's ``fonts-noto-cjk`` (installed by ``make system-deps``); it is registered explicitly,
so a font cache built before the package was installed does not matter, and a missing font stops
the report with a message saying what to install.
"""

from __future__ import annotations

import functools
from pathlib import Path

from matplotlib import font_manager

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
# Regular is required; Bold (same package) makes bold titles real bold instead of smeared.
REGULAR = FONT_DIR / "NotoSansCJK-Regular.ttc"
BOLD = FONT_DIR / "NotoSansCJK-Bold.ttc"
# The collection holds Japanese, Korean, Simplified and Traditional Chinese faces: take the
# Simplified Chinese one (its glyph shapes are the ones mainland readers expect).
FAMILY = "Noto Sans CJK SC"


class CjkFontMissing(RuntimeError):
    """No CJK font: charts would render Chinese as boxes."""


def font_path() -> Path:
    """The file the charts' text is drawn from (after :func:`register`)."""
    register()
    return Path(
        font_manager.findfont(font_manager.FontProperties(family=FAMILY), fallback_to_default=False)
    )


@functools.cache
def register() -> str:
    """Register the CJK font with matplotlib once per process; its family name."""
    if not REGULAR.is_file():
        raise CjkFontMissing(
            f"the CJK font for the report charts is missing ({REGULAR}, Debian package "
            "fonts-noto-cjk); run `make system-deps` (or: apt-get install -y fonts-noto-cjk)"
        )
    for path in (REGULAR, BOLD):
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
    try:
        found = font_manager.findfont(
            font_manager.FontProperties(family=FAMILY), fallback_to_default=False
        )
    except ValueError as exc:
        raise CjkFontMissing(f"{REGULAR} holds no face named {FAMILY!r}") from exc
    if Path(found).parent != FONT_DIR:
        raise CjkFontMissing(f"matplotlib resolves {FAMILY!r} to {found}, not to {FONT_DIR}")
    return FAMILY
