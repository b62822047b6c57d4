"""The provincial team's monthly rollup: ``rollup_<period>.xlsx`` and ``rollup_<period>.html``.

``write_rollup(engine, period, out_root)`` reads the published warehouse tables and writes both
files; ``python -m techaid.outputs.report --period YYYY-MM`` does the same from the command line.
"""

from __future__ import annotations

from techaid.outputs.report.build import RollupFiles, rollup_paths, write_rollup

__all__ = ["RollupFiles", "rollup_paths", "write_rollup"]
