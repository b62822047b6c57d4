"""Deterministic synthetic landing areas: the offices' monthly files, the register, a manifest.

``generate(landing, "2018-01", "2018-03")`` writes what nine municipal offices and the poverty
office would have uploaded, clean by construction, and with ``messy=True`` every case of the
contract's "Messy input" section planted and listed in ``manifest.json``. The same command line is
``python -m techaid_dev.synthetic --landing DIR --start 2018-01 --end 2018-03``.
"""

from techaid_dev.synthetic.generator import generate
from techaid_dev.synthetic.manifest import Case, Manifest

__all__ = ["Case", "Manifest", "generate"]
