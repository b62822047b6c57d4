"""Parse one column of cells into its schema type, repairing what the contract repairs.

A sheet can hold hundreds of thousands of rows (the province's households are ~1.9M), so every
parser works on whole columns with pandas/pyarrow string operations; only the rare odd cell
(scientific notation, a datetime in a text column) is handled one at a time.

The contract (``docs/data-contract.md``, "Who checks what") splits bad input in two:
what is repaired silently but counted (codes Excel made into numbers, full-width digits, thousands
separators, yes/no spellings, date spellings, white space, list separators, Chinese enum labels),
and what is a row error (a value that cannot be read as its type). Household ids are the one
deliberate exception to "repair numbers": a register number Excel turned into a number may have
lost digits, so it is always a row error and never guessed back.

Each parser returns a :class:`ColumnResult`: the typed values (positional index), the repairs made
(kind -> count) and the row errors (position, rule code, raw value, detail). Building the office's
message from those is the caller's business (``techaid.intake.normalize``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.types import infer_dtype

from techaid.config import ColumnSpec

STRING = pd.StringDtype("pyarrow")

# Surrounding white space as offices produce it: ASCII, ideographic and no-break spaces, zero-width
# spaces and a stray byte-order mark.
WHITESPACE = " \t\r\n\x0b\x0c\u3000\xa0\u200b\ufeff"

# Full-width ASCII (！..～) and the ideographic space map to their half-width forms.
_FULLWIDTH_RE = "[\uff01-\uff5e\u3000]"  # real characters: pyarrow's RE2 has no \\u escapes
FULLWIDTH_TABLE = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

CODE_DIGITS: dict[str, tuple[int, ...]] = {
    "code6": (6,),
    "code9": (9,),
    "code12": (12,),
    "code": (6, 9, 12),
}

# Yes/no spellings. 是/否 (and real Excel booleans) are what the template asks for; every other
# accepted spelling is a counted repair.
BOOL_CANONICAL = {"是": True, "否": False}
BOOL_ALTERNATIVES = {
    "有": True,
    "无": False,
    "y": True,
    "n": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "1.0": True,
    "0.0": False,
    "√": True,
    "×": False,
    "✓": True,
    "✔": True,
    "✗": False,
    "✘": False,
}

EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
# Excel serial day numbers taken as dates: 1950-01-01 .. 2099-12-31. Outside it a number is far
# likelier something else (a year typed alone, 2018, would otherwise become 1905-07-10).
EXCEL_SERIAL_RANGE = (18264, 73050)
_SCI_RE = r"[+-]?[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+"  # any number in scientific notation
# How Excel shows a long number: 3.40422E+11.
_EXCEL_SCI_RE = r"[0-9](?:\.[0-9]+)?[eE]\+[0-9]{1,2}"
_TEXT_PREFIX_RE = r"^['`]+"  # the apostrophe offices type to force Excel to keep text


@dataclass(frozen=True)
class CellError:
    """A value that could not be read as its column's type; a row error."""

    position: int  # positional row of the column handed in (0-based)
    rule: str  # a parse.* rule of the registry
    value: Any  # the cell as found (strings trimmed)
    detail: str = ""


@dataclass
class ColumnResult:
    """Typed values (positional index) plus the repairs counted and the row errors found."""

    values: pd.Series
    repairs: Counter[str] = field(default_factory=Counter)
    errors: list[CellError] = field(default_factory=list)


@dataclass
class Cells:
    """One column split by what kind of cell each is, so each parser handles each kind once.

    ``text`` holds the trimmed text of string cells (NA elsewhere, and for blank strings),
    ``number`` the value of numeric cells (NaN elsewhere); ``other`` cells are anything else a
    reader can produce (bool, datetime, ...). ``blank`` cells are None/NaN/NaT or white space.
    """

    raw: pd.Series  # object, positional index
    text: pd.Series  # STRING
    number: pd.Series  # float64
    is_text: np.ndarray
    is_number: np.ndarray
    is_other: np.ndarray
    blank: np.ndarray
    trimmed: np.ndarray  # string cells whose surrounding white space was trimmed

    def __len__(self) -> int:
        return len(self.raw)

    def subset(self, keep: np.ndarray) -> Cells:
        """The cells of the kept rows only (blank and total rows dropped), re-indexed 0..n-1."""
        if keep.all():
            return self
        idx = np.flatnonzero(keep)
        text = self.text.iloc[idx].reset_index(drop=True)
        return Cells(
            raw=self.raw.iloc[idx].reset_index(drop=True),
            text=text,
            number=self.number.iloc[idx].reset_index(drop=True),
            is_text=self.is_text[idx],
            is_number=self.is_number[idx],
            is_other=self.is_other[idx],
            blank=self.blank[idx],
            trimmed=self.trimmed[idx],
        )


def _object_array(series: pd.Series) -> np.ndarray:
    """The values as an object array, missing ones as None."""
    # pandas documents na_value as any value; its stubs type it without None.
    return series.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]


# ---------------------------------------------------------------- splitting a column


def _numeric_type(t: type) -> bool:
    return issubclass(t, (int, float, np.number, decimal.Decimal)) and not issubclass(
        t, (bool, np.bool_)
    )


def _kind_masks(raw: pd.Series, na: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(is_text, is_number) for a column; whole-column type inference first, per cell last."""
    none = np.zeros(len(raw), dtype=bool)
    dtype = raw.dtype
    if isinstance(dtype, pd.StringDtype):
        return ~na, none
    if pd.api.types.is_bool_dtype(dtype):
        return none, none
    if pd.api.types.is_numeric_dtype(dtype):
        return none, ~na
    if not pd.api.types.is_object_dtype(dtype):  # datetime64 and the like
        return none, none
    inferred = infer_dtype(raw, skipna=True)
    if inferred in ("string", "empty"):
        return ~na, none
    if inferred in ("integer", "floating", "mixed-integer-float"):
        return none, ~na
    types = raw.map(type)
    uniq = types.unique()
    text_types = [t for t in uniq if issubclass(t, str)]
    num_types = [t for t in uniq if _numeric_type(t)]
    return types.isin(text_types).to_numpy() & ~na, types.isin(num_types).to_numpy() & ~na


def _text_of(raw: pd.Series, is_text: np.ndarray) -> pd.Series:
    """The string cells as a pyarrow string column (NA elsewhere)."""
    if is_text.all():
        return raw.astype(STRING)
    if not is_text.any():
        return pd.Series(pd.array(pa.nulls(len(raw), pa.large_string()), dtype=STRING))
    return raw.where(is_text).astype(object).astype(STRING)


def classify(raw: pd.Series) -> Cells:
    """Split a column into text, numeric and other cells; trim the text, find the blanks."""
    raw = raw.reset_index(drop=True)
    na = raw.isna().to_numpy()
    is_text, is_number = _kind_masks(raw, na)
    text = _text_of(raw, is_text)
    stripped = text.str.strip(WHITESPACE)
    empty = (stripped == "").fillna(False).to_numpy(dtype=bool)
    trimmed = (stripped != text).fillna(False).to_numpy(dtype=bool) & ~empty
    stripped = stripped.mask(empty)
    if is_number.all():
        number = raw.astype("float64") if raw.dtype != object else pd.to_numeric(raw)
    elif is_number.any():
        number = pd.to_numeric(raw.where(is_number), errors="coerce")
    else:
        number = pd.Series(np.nan, index=raw.index)
    is_text = is_text & ~empty
    return Cells(
        raw=raw if raw.dtype == object else raw.astype(object),
        text=stripped,
        number=number.astype("float64"),
        is_text=is_text,
        is_number=is_number,
        is_other=~na & ~is_text & ~is_number & ~empty,
        blank=na | empty,
        trimmed=trimmed,
    )


def blank_mask(raw: pd.Series) -> np.ndarray:
    """True where a cell is empty: None, NaN, NaT or only white space."""
    return classify(raw).blank


# ---------------------------------------------------------------- shared helpers


def halfwidth(text: pd.Series, repairs: Counter[str]) -> pd.Series:
    """Full-width letters, digits and punctuation to half-width (１２ -> 12); counted."""  # noqa: RUF002
    has = _contains(text, _FULLWIDTH_RE)
    if not has.any():
        return text
    repairs["fullwidth"] += int(has.sum())
    out = text.copy()
    out[has] = text[has].map(lambda s: s.translate(FULLWIDTH_TABLE)).to_numpy()
    return out


def _contains(text: pd.Series, pattern: str) -> np.ndarray:
    return np.array(text.str.contains(pattern, regex=True).fillna(False), dtype=bool)


def _matches(text: pd.Series, pattern: str) -> np.ndarray:
    """Where the whole (non-missing) text matches pattern, as a writable numpy mask."""
    return np.array(text.str.fullmatch(pattern).fillna(False), dtype=bool)


def _replace(text: pd.Series, mask: np.ndarray, pattern: str, repl: str) -> pd.Series:
    """Regex-replace only where mask holds (the common clean path stays untouched)."""
    if not mask.any():
        return text
    out = text.copy()
    out[mask] = text[mask].str.replace(pattern, repl, regex=True).to_numpy()
    return out


def _repair_where(
    text: pd.Series, messy: np.ndarray, fix: Callable[[pd.Series], pd.Series]
) -> pd.Series:
    """Apply ``fix`` to the messy cells only: clean columns of a million rows pay one regex."""
    if not messy.any():
        return text
    out = text.copy()
    out[messy] = fix(text[messy]).to_numpy()
    return out


def _number_repr(value: Any) -> str:
    """How a numeric cell reads as text: whole numbers without '.0', others as Python prints."""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    f = float(value)
    if np.isfinite(f) and f.is_integer() and abs(f) < 1e16:
        return str(int(f))
    return repr(f)


def number_text(cells: Cells) -> pd.Series:
    """Text of the numeric cells (NA elsewhere): 340422101201.0 -> '340422101201'."""
    out = pd.Series(pd.NA, index=cells.raw.index, dtype=STRING)
    if not cells.is_number.any():
        return out
    x = cells.number.to_numpy()
    exact = cells.is_number & np.isfinite(x) & (np.abs(x) < 2**53)
    exact[exact] = np.floor(x[exact]) == x[exact]
    if exact.any():
        out[exact] = pd.Series(x[exact].astype(np.int64)).astype(str).to_numpy()
    rest = cells.is_number & ~exact
    if rest.any():
        out[rest] = cells.raw[rest].map(_number_repr).to_numpy()
    return out


def _with_numbers(text: pd.Series, cells: Cells, repairs: Counter[str], kind: str) -> pd.Series:
    """Numeric cells as their digits ('340422101201'), counted as a repair of ``kind``
    (a fractional number is left as it reads, 340422.5, for the type check to reject)."""
    if not cells.is_number.any():
        return text
    digits = number_text(cells)
    repairs[kind] += int(_matches(digits, r"[0-9]+").sum())
    return text.where(~cells.is_number, digits)


def _sci_to_integer(text: str) -> str | None:
    """'3.40422101201E+11' -> '340422101201' when the value is a whole number, else None."""
    try:
        d = decimal.Decimal(text)
    except decimal.InvalidOperation:
        return None
    if not d.is_finite() or d != d.to_integral_value() or d < 0:
        return None
    return str(int(d))


def display_value(value: Any) -> Any:
    """A raw cell as shown back to the office: strings trimmed, anything else as found."""
    return value.strip(WHITESPACE) if isinstance(value, str) else value


def errors_at(cells: Cells, mask: np.ndarray, rule: str, detail: str = "") -> list[CellError]:
    """One row error per position where mask holds, carrying the raw cell for the message."""
    positions = np.flatnonzero(mask)
    raw = cells.raw.to_numpy()
    return [CellError(int(p), rule, display_value(raw[p]), detail) for p in positions]


def _to_object(text: pd.Series, ok: np.ndarray, cells: Cells | None = None) -> pd.Series:
    """Text values as str objects, None where not ok (the ParsedSheet form for strings).

    When the text is the cells' own, untrimmed text (the clean common case) the reader's str
    objects are reused instead of converting a million pyarrow strings back to Python.
    """
    if cells is not None and text is cells.text and not cells.trimmed.any():
        arr = cells.raw.to_numpy(dtype=object, copy=True)
    else:
        arr = np.array(_object_array(text), dtype=object)
    arr[~ok] = None
    return pd.Series(arr, dtype=object)


def _drop_zero(repairs: Counter[str]) -> Counter[str]:
    return Counter({k: v for k, v in repairs.items() if v})


def _text_fixer(repairs: Counter[str], number_kind: str, squeeze: bool) -> Callable:
    """The repairs of code/id text: width, apostrophe, inner spaces (codes), numbers as text."""

    def fix(text: pd.Series) -> pd.Series:
        text = halfwidth(text, repairs)
        prefixed = _contains(text, _TEXT_PREFIX_RE)
        if prefixed.any():
            repairs["text_prefix"] += int(prefixed.sum())
            text = _replace(text, prefixed, _TEXT_PREFIX_RE, "")
        if squeeze:
            spaced = _contains(text, r"\s")
            repairs["code_space"] += int(spaced.sum())
            text = _replace(text, spaced, r"\s+", "")
        return _numeric_text(text, repairs, number_kind)

    return fix


def _numeric_text(text: pd.Series, repairs: Counter[str], kind: str) -> pd.Series:
    """'340422101201.0' and '3.40422101201E+11' (a number saved as text) back to digits."""
    dotted = _matches(text, r"[0-9]+\.0*")
    if dotted.any():
        repairs[kind] += int(dotted.sum())
        text = _replace(text, dotted, r"\.0*$", "")
    sci = _matches(text, _EXCEL_SCI_RE)
    if sci.any():
        fixed = _object_array(text[sci].map(_sci_to_integer))
        good = pd.notna(fixed)
        repairs[kind] += int(good.sum())
        text = text.copy()
        text.iloc[np.flatnonzero(sci)[good]] = fixed[good]
    return text


# ---------------------------------------------------------------- the parsers, one per type


def parse_code(cells: Cells, col: ColumnSpec) -> ColumnResult:
    """Administrative codes: exactly 6, 9 or 12 digits after repairing Excel's numbers/spaces."""
    repairs: Counter[str] = Counter()
    messy = cells.is_text & ~_matches(cells.text, r"[0-9]+")
    text = _repair_where(cells.text, messy, _text_fixer(repairs, "code_number", squeeze=True))
    text = _with_numbers(text, cells, repairs, "code_number")
    digits = CODE_DIGITS[col.type]
    ok = _matches(text, r"[0-9]+") & np.isin(text.str.len().fillna(0).to_numpy(), digits)
    bad = ~cells.blank & ~ok
    errors = errors_at(cells, bad, "parse.code", _digits_detail(digits))
    return ColumnResult(_to_object(text, ok, cells), repairs, errors)


def _digits_detail(digits: tuple[int, ...]) -> str:
    """'12', or '6、9或12' for codes of any level: the office reads it after 长度应为."""
    *head, last = (str(d) for d in digits)
    return f"{'、'.join(head)}或{last}" if head else last


def parse_text(cells: Cells, col: ColumnSpec) -> ColumnResult:
    """Free text: trimmed, kept as written (full-width characters are legitimate in Chinese)."""
    text = cells.text
    if cells.is_number.any():
        text = text.where(~cells.is_number, number_text(cells))
    text = _with_others(text, cells)
    return ColumnResult(_to_object(text, ~cells.blank, cells), Counter(), [])


def _with_others(text: pd.Series, cells: Cells) -> pd.Series:
    """Datetimes and other non-text cells as text (a text column Excel auto-formatted)."""
    if not cells.is_other.any():
        return text
    text = text.copy()
    text[cells.is_other] = cells.raw[cells.is_other].map(_other_text).to_numpy()
    return text


def _other_text(value: Any) -> str:
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def parse_id(cells: Cells, col: ColumnSpec) -> ColumnResult:
    """Identifiers: trimmed, half-width; a number Excel made of one is turned back into digits."""
    repairs: Counter[str] = Counter()
    messy = cells.is_text & ~_matches(cells.text, r"[0-9A-Za-z_\-]+")
    text = _repair_where(cells.text, messy, _text_fixer(repairs, "id_number", squeeze=False))
    text = _with_others(_with_numbers(text, cells, repairs, "id_number"), cells)
    return ColumnResult(_to_object(text, ~cells.blank, cells), repairs, [])


def parse_household_id(cells: Cells, col: ColumnSpec) -> ColumnResult:
    """Register numbers (16-19 digits) must arrive as text: anything numeric is a row error.

    Excel keeps 15 significant digits, so a number may already have lost the last ones; guessing
    them back would attach a household's data to a different household. Never repaired.
    """
    repairs: Counter[str] = Counter()
    ok = _matches(cells.text, r"[0-9]{16,19}")
    messy = cells.is_text & ~ok
    text = cells.text
    as_number = cells.is_number.copy()
    if messy.any():
        sub = halfwidth(text[messy], repairs)
        prefixed = _contains(sub, _TEXT_PREFIX_RE)
        repairs["text_prefix"] += int(prefixed.sum())
        sub = _replace(sub, prefixed, _TEXT_PREFIX_RE, "")
        text = text.copy()
        text[messy] = sub.to_numpy()
        as_number[messy] = _matches(sub, _SCI_RE) | _matches(sub, r"[+-]?[0-9]+\.[0-9]*")
        ok[messy] = _matches(sub, r"[0-9]{16,19}")
    bad = ~cells.blank & ~ok & ~as_number
    errors = errors_at(cells, as_number, "parse.household_id_number")
    errors += errors_at(cells, bad, "parse.household_id")
    errors.sort(key=lambda e: e.position)
    return ColumnResult(_to_object(text, ok, cells), _drop_zero(repairs), errors)


def _number_fixer(repairs: Counter[str], whole: bool) -> Callable:
    """The repairs of number text: full width, thousands separators, '12.0' for whole numbers."""

    def fix(text: pd.Series) -> pd.Series:
        text = halfwidth(text, repairs)
        grouped = _matches(text, r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
        repairs["thousands_separator"] += int(grouped.sum())
        text = _replace(text, grouped, ",", "")
        if whole:
            dotted = _matches(text, r"[+-]?[0-9]+\.0*")
            repairs["int_decimal"] += int(dotted.sum())
            text = _replace(text, dotted, r"\.0*$", "")
        return text

    return fix


_INT_RE = r"[+-]?[0-9]{1,18}"
_DECIMAL_RE = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"


def parse_int(cells: Cells, col: ColumnSpec) -> ColumnResult:
    """Whole numbers, as Int64; numeric cells holding a whole number are taken as they are."""
    repairs: Counter[str] = Counter()
    messy = cells.is_text & ~_matches(cells.text, _INT_RE)
    text = _repair_where(cells.text, messy, _number_fixer(repairs, whole=True))
    out = np.zeros(len(cells), dtype=np.int64)
    ok_text = _matches(text, _INT_RE)
    if ok_text.any():
        out[ok_text] = text[ok_text].astype("int64").to_numpy()
    x = cells.number.to_numpy()
    ok_num = cells.is_number & np.isfinite(x) & (np.abs(x) < 2**63)
    ok_num[ok_num] = np.floor(x[ok_num]) == x[ok_num]
    out[ok_num] = x[ok_num].astype(np.int64)
    ok = ok_text | ok_num
    values = pd.Series(pd.arrays.IntegerArray(out, ~ok))
    bad = ~cells.blank & ~ok
    return ColumnResult(values, _drop_zero(repairs), errors_at(cells, bad, "parse.int"))


def parse_decimal(cells: Cells, col: ColumnSpec) -> ColumnResult:
    """Numbers, as Float64 (thousands separators and full-width digits repaired)."""
    repairs: Counter[str] = Counter()
    messy = cells.is_text & ~_matches(cells.text, _DECIMAL_RE)
    text = _repair_where(cells.text, messy, _number_fixer(repairs, whole=False))
    out = np.zeros(len(cells), dtype=np.float64)
    ok_text = _matches(text, _DECIMAL_RE)
    if ok_text.any():
        out[ok_text] = pd.to_numeric(text[ok_text]).astype("float64").to_numpy()
    x = cells.number.to_numpy()
    ok_num = cells.is_number & np.isfinite(x)
    out[ok_num] = x[ok_num]
    ok = (ok_text | ok_num) & np.isfinite(out)
    values = pd.Series(pd.arrays.FloatingArray(out, ~ok))
    bad = ~cells.blank & ~ok
    return ColumnResult(values, _drop_zero(repairs), errors_at(cells, bad, "parse.decimal"))


def parse_bool(cells: Cells, col: ColumnSpec) -> ColumnResult:
    """Yes/no: 是/否 as asked, the other accepted spellings repaired, blank read as no."""
    repairs: Counter[str] = Counter()
    is_canon = _isin(cells.text, BOOL_CANONICAL)
    messy = cells.is_text & ~is_canon
    key = _repair_where(cells.text, messy, lambda t: halfwidth(t, repairs).str.lower())
    is_alt = _isin(key, BOOL_ALTERNATIVES) & messy
    out = _isin(key, [k for k, v in (BOOL_CANONICAL | BOOL_ALTERNATIVES).items() if v])
    x = cells.number.to_numpy()
    is_num = cells.is_number & np.isin(x, (0.0, 1.0))
    out[is_num] = x[is_num] == 1.0
    is_real, real = _real_bools(cells)
    out[is_real] = real[is_real]
    repairs["bool_text"] += int(is_alt.sum() + is_num.sum())
    repairs["blank_bool"] += int(cells.blank.sum())
    ok = is_canon | is_alt | is_num | is_real | cells.blank
    out &= ok
    values = pd.Series(pd.arrays.BooleanArray(out, ~ok))
    return ColumnResult(values, _drop_zero(repairs), errors_at(cells, ~ok, "parse.bool"))


def _real_bools(cells: Cells) -> tuple[np.ndarray, np.ndarray]:
    """(is a real boolean cell, its value): Excel TRUE/FALSE, or a bool column from Parquet."""
    is_real = np.zeros(len(cells), dtype=bool)
    value = np.zeros(len(cells), dtype=bool)
    if not cells.is_other.any():
        return is_real, value
    other = cells.raw[cells.is_other]
    if infer_dtype(other, skipna=False) == "boolean":  # the whole column: no per-cell loop
        is_real[cells.is_other] = True
        value[cells.is_other] = other.astype(bool).to_numpy()
        return is_real, value
    for p, v in zip(np.flatnonzero(cells.is_other), other.tolist(), strict=True):
        if isinstance(v, (bool, np.bool_)):
            is_real[p], value[p] = True, bool(v)
    return is_real, value


def _isin(text: pd.Series, spellings: Any) -> np.ndarray:
    return np.array(text.isin(list(spellings)).fillna(False), dtype=bool)  # writable copy


# Dates: one regex for the separated spellings (2018-06-05, 2018/6/5, 2018.6.5, 2018年6月5日,
# optionally followed by a time of day), one for the compact 20180605.
_DATE_SEP_RE = (
    r"^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$"
)
_DATE_COMPACT_RE = r"^([0-9]{4})([0-9]{2})([0-9]{2})$"
_SERIAL_TEXT_RE = r"[0-9]{1,7}(?:\.[0-9]+)?"


def _ymd_dates(year: pd.Series, month: pd.Series, day: pd.Series) -> np.ndarray:
    """Days (datetime64[D]) from year/month/day text parts; NaT for impossible dates."""
    iso = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
    stamps = pd.to_datetime(iso.astype(object), format="%Y-%m-%d", errors="coerce")
    return stamps.to_numpy().astype("datetime64[D]")


def _serial_dates(days: np.ndarray) -> np.ndarray:
    """Excel serial day numbers (1900 date system) to datetime64[D]; NaT when out of range."""
    out = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[D]")
    low, high = EXCEL_SERIAL_RANGE
    valid = np.isfinite(days) & (days >= low) & (days < high + 1)
    out[valid] = EXCEL_EPOCH + np.floor(days[valid]).astype(np.int64).astype("timedelta64[D]")
    return out


def _compact_number(x: np.ndarray) -> np.ndarray:
    """Numbers that read as yyyymmdd (20180605) rather than as a serial."""
    return np.isfinite(x) & (x >= 19000101) & (x <= 29991231) & (np.floor(x) == x)


def parse_date(cells: Cells, col: ColumnSpec) -> ColumnResult:
    """Dates as datetime.date; ISO as asked, other spellings and Excel serials repaired."""
    repairs: Counter[str] = Counter()
    text = halfwidth(cells.text, repairs)
    days = np.full(len(cells), np.datetime64("NaT"), dtype="datetime64[D]")

    sep = text.str.extract(_DATE_SEP_RE)
    has_sep = sep[0].notna().to_numpy(dtype=bool)
    compact = text.str.extract(_DATE_COMPACT_RE)
    has_compact = compact[0].notna().to_numpy(dtype=bool) & ~has_sep
    serial_text = _matches(text, _SERIAL_TEXT_RE) & ~has_sep & ~has_compact
    for mask, parts in ((has_sep, sep), (has_compact, compact)):
        if mask.any():
            days[mask] = _ymd_dates(parts[0][mask], parts[1][mask], parts[2][mask])
    if serial_text.any():
        days[serial_text] = _serial_dates(text[serial_text].astype(float).to_numpy())

    x = cells.number.to_numpy()
    num_compact = cells.is_number & _compact_number(x)
    num_serial = cells.is_number & ~num_compact
    if num_compact.any():
        s = pd.Series(x[num_compact].astype(np.int64)).astype(STRING)
        days[num_compact] = _ymd_dates(s.str[:4], s.str[4:6], s.str[6:8])
    if num_serial.any():
        days[num_serial] = _serial_dates(x[num_serial])

    if cells.is_other.any():
        days[cells.is_other] = _dates_of_cells(cells.raw[cells.is_other])
    out = days.astype(object)  # datetime.date, None for NaT
    ok = pd.notna(out) & ~cells.blank
    out[~ok] = None

    canonical = _matches(text, r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
    repairs["date_format"] += int((ok & (has_sep | has_compact | num_compact) & ~canonical).sum())
    repairs["excel_serial_date"] += int((ok & (serial_text | num_serial)).sum())
    bad = ~cells.blank & ~ok
    return ColumnResult(
        pd.Series(out, dtype=object), _drop_zero(repairs), errors_at(cells, bad, "parse.date")
    )


def _dates_of_cells(other: pd.Series) -> np.ndarray:
    """Datetime/date cells (no repair: Excel stored a real date) as datetime64[D]; NaT else."""
    if infer_dtype(other, skipna=False) in ("datetime", "datetime64", "date"):
        return pd.to_datetime(other, errors="coerce").to_numpy().astype("datetime64[D]")
    return np.array([_date_of(v) or np.datetime64("NaT") for v in other], dtype="datetime64[D]")


def _date_of(value: Any) -> dt.date | None:
    """A datetime/date cell as the reader gave it (no repair: Excel stored a real date)."""
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return None if pd.isna(value) else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    return None


def _enum_key(text: str) -> str:
    return re.sub(r"\s+", "", text.translate(FULLWIDTH_TABLE)).lower()


def _enum_lookup(choices: dict[str, str]) -> dict[str, tuple[str, bool]]:
    """Accepted spelling (lower-cased, no spaces) -> (canonical value, given as Chinese label)."""
    lookup = {_enum_key(label): (canon, True) for canon, label in choices.items()}
    lookup.update({_enum_key(canon): (canon, False) for canon in choices})
    return lookup


def parse_enum(cells: Cells, col: ColumnSpec, enums: dict[str, dict[str, str]]) -> ColumnResult:
    """A choice, given as its canonical English value or its Chinese label."""
    repairs: Counter[str] = Counter()
    choices = enums[col.enum or ""]
    lookup = _enum_lookup(choices)
    text = halfwidth(cells.text, repairs)
    key = text.str.replace(r"\s+", "", regex=True).str.lower()
    found = _object_array(key.map(lookup))
    ok = pd.notna(found) & cells.is_text
    out = np.full(len(cells), None, dtype=object)
    given = _object_array(text)
    for p in np.flatnonzero(ok):  # enumerated sheets are small (experts, agreements, ...)
        canon, as_label = found[p]
        out[p] = canon
        # A Chinese label is the form offices are asked to use: a translation, not a repair.
        if not as_label and given[p] != canon:
            repairs["enum_case"] += 1
    detail = "、".join(f"{label}（{canon}）" for canon, label in choices.items())
    bad = ~cells.blank & ~ok
    return ColumnResult(
        pd.Series(out, dtype=object),
        _drop_zero(repairs),
        errors_at(cells, bad, "parse.enum", detail),
    )


def parse_id_list(cells: Cells, col: ColumnSpec) -> ColumnResult:
    """Lists of ids, stored ';'-joined; ； , ， and 、 separators and stray spaces repaired."""
    repairs: Counter[str] = Counter()
    text = cells.text
    other_sep = text.str.contains(r"[；，,、]", regex=True).fillna(False).to_numpy(dtype=bool)
    text = halfwidth(_replace(text, other_sep, r"[；，,、]", ";"), repairs)
    if cells.is_number.any():
        repairs["id_number"] += int(cells.is_number.sum())
        text = text.where(~cells.is_number, number_text(cells))
    cleaned = text.str.replace(r"\s*;[\s;]*", ";", regex=True).str.strip(";" + WHITESPACE)
    tidied = (cleaned != text).fillna(False).to_numpy(dtype=bool)
    repairs["id_list_separator"] += int((other_sep | tidied).sum())
    ok = ~cells.blank & (cleaned != "").fillna(False).to_numpy(dtype=bool)
    return ColumnResult(_to_object(cleaned, ok), _drop_zero(repairs), [])


# ---------------------------------------------------------------- periods (the meta sheet)

_PERIOD_TEXT_RE = re.compile(r"^([0-9]{4})\s*(?:[-/.年]\s*([0-9]{1,2})\s*月?|([0-9]{2}))$")
_PERIOD_DATE_RE = re.compile(_DATE_SEP_RE)


def parse_period_value(value: Any) -> tuple[str | None, str | None]:
    """A reporting month as 'YYYY-MM', and the repair kind made (None when given as asked).

    Accepts 2018-06, 2018/6, 2018.6, 2018年6月, 201806, a date (2018-06-01, a datetime cell or an
    Excel serial number: Excel turns '2018-06' typed into a cell into 1 June 2018).
    Returns (None, None) when blank or unreadable.
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None, None
    day = _date_of(value)
    if day is not None:
        return f"{day.year:04d}-{day.month:02d}", "meta_period_date"
    if isinstance(value, (bool, np.bool_)):
        return None, None
    if isinstance(value, (int, float, np.number, decimal.Decimal)):
        return _period_of_number(float(value))
    text = str(value).strip(WHITESPACE).translate(FULLWIDTH_TABLE)
    m = _PERIOD_TEXT_RE.match(text)
    if m:
        period = _period(int(m.group(1)), int(m.group(2) or m.group(3)))
        exact = re.fullmatch(r"[0-9]{4}-[0-9]{2}", text) is not None
        return period, (None if exact or period is None else "meta_period_format")
    m = _PERIOD_DATE_RE.match(text)
    if m:
        return _period(int(m.group(1)), int(m.group(2))), "meta_period_date"
    if re.fullmatch(_SERIAL_TEXT_RE, text):
        return _period_of_number(float(text))
    return None, None


def _period(year: int, month: int) -> str | None:
    return f"{year:04d}-{month:02d}" if 1 <= month <= 12 and 1900 <= year <= 2999 else None


def _period_of_number(x: float) -> tuple[str | None, str | None]:
    """201806 as yyyymm, otherwise an Excel serial date."""
    if x.is_integer() and 190001 <= x <= 299912:
        period = _period(int(x) // 100, int(x) % 100)
        return (period, "meta_period_format") if period else (None, None)
    day = _serial_dates(np.array([x]))[0].astype(object)
    if day is None:
        return None, None
    return f"{day.year:04d}-{day.month:02d}", "meta_period_date"


def parse_period(cells: Cells, col: ColumnSpec) -> ColumnResult:
    """Period columns are rare (the meta sheet): parsed cell by cell."""
    repairs: Counter[str] = Counter()
    out = np.full(len(cells), None, dtype=object)
    for p, value in enumerate(cells.raw.to_numpy()):
        if cells.blank[p]:
            continue
        period, kind = parse_period_value(value)
        out[p] = period
        if period and kind:
            repairs[kind] += 1
    bad = ~cells.blank & pd.isna(out)
    return ColumnResult(pd.Series(out, dtype=object), repairs, errors_at(cells, bad, "parse.date"))


# ---------------------------------------------------------------- entry points

_Parser = Callable[[Cells, ColumnSpec], ColumnResult]
PARSERS: dict[str, _Parser] = {
    "code6": parse_code,
    "code9": parse_code,
    "code12": parse_code,
    "code": parse_code,
    "text": parse_text,
    "id": parse_id,
    "household_id": parse_household_id,
    "int": parse_int,
    "decimal": parse_decimal,
    "bool": parse_bool,
    "date": parse_date,
    "id_list": parse_id_list,
    "period": parse_period,
}


def parse_cells(cells: Cells, col: ColumnSpec, enums: dict[str, dict[str, str]]) -> ColumnResult:
    """Parse an already split column (see :func:`classify`) into ``col``'s type."""
    parser = PARSERS.get(col.type)  # enum alone needs the enumerations
    result = parse_enum(cells, col, enums) if parser is None else parser(cells, col)
    result.repairs["whitespace"] += int(cells.trimmed.sum())
    if col.required and col.type != "bool" and cells.blank.any():
        result.errors += errors_at(cells, cells.blank, "parse.required")
        result.errors.sort(key=lambda e: e.position)
    result.repairs = _drop_zero(result.repairs)
    return result


def parse_column(
    raw: pd.Series, col: ColumnSpec, enums: dict[str, dict[str, str]] | None = None
) -> ColumnResult:
    """Parse a column of raw cells (any index) into ``col``'s type; result positional."""
    if enums is None:
        from techaid import config

        enums = config.schema().enums
    return parse_cells(classify(raw), col, enums)
