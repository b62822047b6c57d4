"""The poverty office's register: poor villages and registered households, dated.

The first register is dated the program's first day; a new full register follows whenever a
county of the generated cities is recoded inside the generated range (Qianshan 340824 -> 340882 on
2018-08-01), with every village code of that county under its new prefix. Household ids are
register numbers and never change; only their village codes do.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from techaid import config
from techaid.config import ProgramSettings
from techaid.config.hierarchy import Hierarchy
from techaid.periods import first_day, last_day
from techaid_dev.synthetic.manifest import Manifest, RegisterFile
from techaid_dev.synthetic.world import CityWorld, code_on
from techaid_dev.synthetic.writers import set_received, write_csv


def register_dates(
    h: Hierarchy, prog: ProgramSettings, cities: list[str], end: str
) -> list[tuple[dt.date, str]]:
    """The first register at the program start, and a new one whenever a county of the chosen
    cities is recoded within the generated range (its villages change prefix)."""
    start = first_day(prog.program.start)
    dates = {start: "first register"}
    for u in h.units:
        recoded = u.level == "county" and u.parent_code in cities and u.predecessor_code
        if recoded and u.valid_from and start < u.valid_from <= last_day(end):
            dates[u.valid_from] = f"{u.predecessor_code} recoded {u.code}: villages change prefix"
    return sorted(dates.items())


def register_frames(
    worlds: list[CityWorld], h: Hierarchy, day: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Poor villages and households of the cities' counties, coded as valid on ``day``."""
    vrows, hframes = [], []
    for world in worlds:
        for cw in world.counties:
            code = code_on(h, cw, day)
            if code is None:
                continue
            for v in cw.villages:
                if v.poor:
                    t = cw.townships[v.township]
                    vrows.append([code + v.suffix, v.name, code + t.suffix, t.name, code])
            vcodes = np.array([code + v.suffix for v in cw.villages], dtype=object)
            hh = cw.households
            hframes.append(
                pd.DataFrame(
                    {
                        "household_id": pd.Series(hh.ids, dtype=object),
                        "village_code": pd.Series(vcodes[hh.village], dtype=object),
                        "members": hh.members.astype(np.int64),
                        "labor_capable": hh.labor,
                    }
                )
            )
    cols = list(config.schema().register_sheet("villages").columns)
    return pd.DataFrame(vrows, columns=cols, dtype=object), pd.concat(hframes, ignore_index=True)


def write_registers(
    landing: Path,
    manifest: Manifest,
    worlds: list[CityWorld],
    h: Hierarchy,
    prog: ProgramSettings,
    end: str,
) -> None:
    """Every register the generated months need, received at 09:00 on its date."""
    tz = ZoneInfo(prog.program.timezone)
    for day, note in register_dates(h, prog, [w.city_code for w in worlds], end):
        villages, households = register_frames(worlds, h, day)
        rel = f"register/{day.isoformat()}"
        when = dt.datetime.combine(day, dt.time(9, 0), tz)
        for name, frame in (("villages.csv", villages), ("households.csv", households)):
            write_csv(landing / rel / name, frame)
            set_received(landing / rel / name, when)
        manifest.registers.append(
            RegisterFile(
                date=day.isoformat(),
                villages=f"{rel}/villages.csv",
                households=f"{rel}/households.csv",
                village_rows=len(villages),
                household_rows=len(households),
                note=note,
            )
        )
