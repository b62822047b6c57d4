"""The month's chart PNGs staged between the two tasks that need them, so each is drawn once.

A monthly run needs the same charts twice, in tasks that may run on different workers:
``compose_emails`` puts them inline in the provincial email, ``provincial_report`` in the rollup
page. Whichever asks first draws them and stages the PNGs under the staging root (shared by every
worker: :mod:`techaid.staging`), in a folder named after the month and a digest of the rollup's
content and of the drawing code; the other reads the same bytes back. A rollup that changed since
(a correction recomputed the month) has another digest and is drawn afresh, so a staged chart is
never stale. The folder is stamped like a staged version, so the end of a run removes it once the
retention has passed.

Only ever a saving: a staged copy that is missing, unreadable or fails its checksum is drawn
again, and a staging area that cannot be written only costs the second drawing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable

import fsspec

from techaid import staging
from techaid.outputs.report.data import Rollup

log = logging.getLogger(__name__)

INDEX = "charts.json"  # written last: [[name, sha256], ...] in the report's order


def folder_key(rollup: Rollup, drawing: str) -> str:
    """The staging folder's name: the month, and a digest of the rollup's content (its frozen
    dataclasses' repr lists every value a chart reads) and of ``drawing`` (the drawing code's)."""
    digest = hashlib.sha256(drawing.encode())
    digest.update(repr(rollup).encode("utf-8"))
    return f"rollup-charts-{rollup.period}-{digest.hexdigest()[:32]}"


def drawn_once(
    rollup: Rollup, draw: Callable[[Rollup], dict[str, bytes]], drawing: str
) -> dict[str, bytes]:
    """Chart name -> PNG bytes: the staged ones for this content, else ``draw(rollup)``, staged."""
    key = folder_key(rollup, drawing)
    folder = f"{staging.staging_root()}/{key}"
    staged = _read(folder)
    if staged is not None:
        log.info("charts of %s reused from %s", rollup.period, folder)
        return staged
    pngs = draw(rollup)
    _write(key, pngs)
    return pngs


def _read(folder: str) -> dict[str, bytes] | None:
    try:
        fs, path = fsspec.core.url_to_fs(folder)
        if not fs.exists(f"{path}/{INDEX}"):
            return None
        pngs = {}
        for name, sha in json.loads(fs.cat_file(f"{path}/{INDEX}")):
            png = fs.cat_file(f"{path}/{name}.png")
            if hashlib.sha256(png).hexdigest() != sha:
                log.warning("staged chart %s/%s.png fails its checksum: drawn again", folder, name)
                return None
            pngs[name] = png
    except (OSError, ValueError, TypeError) as exc:  # unreadable or malformed: draw again
        log.warning("staged charts in %s unreadable (%s): drawn again", folder, exc)
        return None
    return pngs


def _write(key: str, pngs: dict[str, bytes]) -> None:
    try:
        folder = staging.version_dir(key, fresh=True)
        fs, path = fsspec.core.url_to_fs(folder)
        for name, png in pngs.items():
            fs.pipe_file(f"{path}/{name}.png", png)
        index = [[name, hashlib.sha256(png).hexdigest()] for name, png in pngs.items()]
        fs.pipe_file(f"{path}/{INDEX}", json.dumps(index).encode())
    except OSError as exc:
        log.warning("charts not staged (%s): the next step draws them again", exc)
