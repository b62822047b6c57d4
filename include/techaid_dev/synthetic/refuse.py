"""Files the pipeline must refuse whole, one reason each, written beside a regular file.

Each refusal starts from the clean tables of a real (city, month) and breaks exactly one thing, so
the refusal reason is unambiguous: a name/meta mismatch, a missing sheet or column, a county row
missing or repeated, too many bad rows, an unreadable file, a bad name, an unknown city or a
period before the program, a zip bomb, a zip member escaping the landing area, a symbolic link.
They carry suffixes (``_r1``...) so they never replace the regular file, and arrive after it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from techaid import config
from techaid.periods import add_months
from techaid_dev.synthetic.messy import Pending
from techaid_dev.synthetic.tables import Table


@dataclass
class Refusal:
    """One refused file to write: tables (with a layout tweak) or raw bytes, or a symlink."""

    name: str
    case: str
    rule: str | None
    tables: dict[str, Table] | None = None
    data: bytes | None = None  # raw content instead of tables
    symlink: bool = False
    zip_extra: list[tuple[str, bytes]] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    note: str = ""


def _meta_cell(tables: dict[str, Table], key: str, value: Any, case: str, rule: str) -> Pending:
    t = tables["meta"]
    i = list(t.frame["key"]).index(config.schema().meta.keys[key].zh)
    t.set(i, "value", value)
    return Pending(case, "fatal", "meta", "cell", i, "value", value, rule=rule)


def refusals(
    make: Callable[[], dict[str, Table]],
    city: str,
    period: str,
    ext: str,
    other_city: str,
    city_name: str,
) -> list[Refusal]:
    """Every refusal case for one (city, period); ``make`` returns fresh clean tables."""
    out: list[Refusal] = []
    stem = f"{city}_{period}"
    prog_start = config.program().program.start

    t = make()
    p = _meta_cell(t, "city_code", other_city, "refuse.city_mismatch", "file.city_mismatch")
    out.append(
        Refusal(f"{stem}_r1{ext}", p.case, p.rule, t, pending=[p], note=f"meta says {other_city}")
    )

    t = make()
    other = (
        add_months(period, -1) if add_months(period, -1) >= prog_start else add_months(period, 1)
    )
    p = _meta_cell(t, "period", other, "refuse.period_mismatch", "file.period_mismatch")
    out.append(
        Refusal(f"{stem}_r2{ext}", p.case, p.rule, t, pending=[p], note=f"meta says {other}")
    )

    t = make()
    del t["households"]
    p = Pending("refuse.missing_sheet", "fatal", None, "file", note="no households sheet")
    out.append(Refusal(f"{stem}_r3{ext}", p.case, "file.missing_sheet", t, pending=[p]))

    t = make()
    v = t["villages"]
    k = v.columns.index("associations")
    v.frame = v.frame.drop(columns=["associations"])
    v.headers = [h for j, h in enumerate(v.headers or []) if j != k]
    p = Pending("refuse.missing_column", "fatal", "villages", "file", column="associations")
    out.append(Refusal(f"{stem}_r4{ext}", p.case, "file.missing_column", t, pending=[p]))

    t = make()
    c = t["counties"]
    gone = c.get(len(c.frame) - 1, "county_code")
    c.frame = c.frame.iloc[:-1].reset_index(drop=True)
    p = Pending(
        "refuse.county_missing", "fatal", "counties", "file", column="county_code", value=gone
    )
    out.append(Refusal(f"{stem}_r5{ext}", p.case, None, t, pending=[p]))

    t = make()
    c = t["counties"]
    j = c.append(dict(zip(c.columns, c.frame.iloc[0].tolist(), strict=True)))
    p = Pending(
        case="refuse.county_repeated",
        expected="fatal",
        sheet="counties",
        where="cell",
        index=j,
        column="county_code",
        value=c.get(j, "county_code"),
        related=[0],
    )
    out.append(Refusal(f"{stem}_r6{ext}", p.case, None, t, pending=[p]))

    t = make()
    h = t["households"]
    bad = list(range(0, len(h.frame), 3))  # a third of the rows: over the 20 % threshold
    for i in bad:
        h.set(i, "techniques", "若干")
    p = Pending(
        case="refuse.quarantine_threshold",
        expected="fatal",
        sheet="households",
        where="cell",
        index=bad[0],
        column="techniques",
        value="若干",
        note=f"{len(bad)} of {len(h.frame)} rows not a number (every third, from the first)",
    )
    out.append(Refusal(f"{stem}_r7{ext}", p.case, "file.quarantine_threshold", t, pending=[p]))

    out.append(
        Refusal(
            f"{stem}_r8{ext}",
            "refuse.unreadable",
            "file.unreadable",
            make(),
            note="upload cut off half-way",
        )
    )

    y, m = period.split("-")
    out.append(
        Refusal(f"{city_name}{y}年{int(m)}月报表{ext}", "refuse.bad_name", "file.bad_name", make())
    )

    before = add_months(prog_start, -1)
    t = make()
    p = _meta_cell(t, "period", before, "refuse.unknown_period", "file.unknown_period")
    out.append(
        Refusal(
            f"{city}_{before}{ext}", p.case, p.rule, t, pending=[p], note="before the program start"
        )
    )

    t = make()
    p = _meta_cell(t, "city_code", "340100", "refuse.unknown_city", "file.unknown_city")
    out.append(
        Refusal(
            f"340100_{period}{ext}",
            p.case,
            p.rule,
            t,
            pending=[p],
            note="Hefei: not a program city",
        )
    )

    out.append(
        Refusal(
            f"{stem}_r9.zip",
            "refuse.zip_bomb",
            "file.zip_bomb",
            data=_zip_bomb(),
            note="one member expands about 1000-fold",
        )
    )

    out.append(
        Refusal(
            name=f"{stem}_r10.zip",
            case="refuse.path_escape",
            rule="file.path_escape",
            tables=make(),
            zip_extra=[("../../outside.csv", b"key,value\n")],
            note="member ../../outside.csv",
        )
    )

    out.append(
        Refusal(
            f"{stem}_link{ext}",
            "refuse.symlink",
            "file.symlink",
            symlink=True,
            note="symbolic link to the regular file",
        )
    )
    return out


def _zip_bomb() -> bytes:
    """A small zip whose one member expands about a thousand-fold (16 MiB of one repeated row)."""
    line = b"3416230000000000001,0,0\n"
    data = line * (16 * 1024 * 1024 // len(line))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("households.csv", date_time=(2018, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, data, compresslevel=9)
    return buf.getvalue()
