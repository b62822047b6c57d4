"""Open one landed file safely and hand back every sheet as a raw grid (:class:`RawFile`).

Offices send an Excel workbook (.xlsx, or .xls from older systems), a zip of ``<sheet>.csv`` /
``<sheet>.parquet`` members, and the poverty office sends register files (.csv, .csv.gz,
.parquet). The container is recognised by its content, not its extension (a ".xls" that is really
an .xlsx is common), and everything an office or a hostile upload can get wrong at the container
level is either repaired and counted (CSV encodings, zip member names, a wrapping folder) or
refused with a finding the office can act on (unreadable, zip bomb, path escape, duplicate sheet).

Nothing here interprets cells: headers, types and row checks belong to ``normalize``/``values``.
Cells keep the type the container gave them (CSV: always str, so codes never become numbers);
empty cells are None. Grid row ``i`` is row ``i + 1`` of the office's own sheet.
"""

from __future__ import annotations

import codecs
import csv
import decimal
import gzip
import io
import itertools
import math
import os
import posixpath
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import python_calamine
from fsspec.implementations.local import LocalFileSystem

from techaid import config
from techaid.config import Limits
from techaid.findings import FileRefused, refuse
from techaid.intake.model import RawFile, RawSheet, RepairKey

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003)
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip (or .xlsx) with members / an empty zip
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
LOCAL_HEADER_MAGIC = b"PK\x03\x04"
LOCAL_HEADER_SIZE = 30
CHUNK = 1 << 20
# Compression ratios are judged only above this expanded size: a small CSV of repeated commas
# compresses beyond any ratio and is harmless; a bomb has to expand to something big to hurt.
RATIO_FLOOR_BYTES = 1 << 20
UTF8_NAME_FLAG = 0x800
ENCRYPTED_FLAG = 0x1
IGNORED_MEMBER_PREFIXES = ("__MACOSX/",)

# Repair kinds counted in RawFile.repairs (sheet, "", kind).
REPAIR_BOM = "encoding_utf8_bom"
REPAIR_GB18030 = "encoding_gb18030"
REPAIR_ZIP_NAME_GBK = "zip_name_gbk"
REPAIR_ZIP_NAME_UTF8 = "zip_name_utf8_unflagged"
REPAIR_ZIP_FOLDER = "zip_top_folder"


# ---------------------------------------------------------------- entry points


def read_raw(fs: fsspec.AbstractFileSystem, path: str, limits: Limits | None = None) -> RawFile:
    """Read one landed file through ``fs``; raise FileRefused when it cannot be taken in."""
    limits = limits or config.program().limits
    if isinstance(fs, LocalFileSystem) and os.path.islink(path):
        raise refuse("file.symlink", value=posixpath.basename(path))
    data = _read_bounded(fs, path, limits.max_file_bytes)
    return read_bytes(data, posixpath.basename(path), limits)


def read_bytes(data: bytes, file_name: str, limits: Limits | None = None) -> RawFile:
    """Read a file already in memory; ``file_name`` only matters for register files (its stem
    names the sheet) and for telling CSV from garbage."""
    limits = limits or config.program().limits
    kind = container_kind(data, file_name)
    if kind == "workbook":
        return _read_workbook(data, limits)
    if kind == "zip":
        return _read_zip(data, limits)
    return _read_single(data, file_name, kind, limits)


def container_kind(data: bytes, file_name: str) -> str:
    """'workbook' (xlsx/xls), 'zip' (CSV/Parquet members), 'csv', 'csv.gz' or 'parquet'.

    Decided by content first: offices rename files freely, so the extension only separates text
    formats that have no magic bytes.
    """
    lower = file_name.lower()
    if data.startswith(OLE2_MAGIC):
        return "workbook"
    if data.startswith(ZIP_MAGICS):
        return "workbook" if _is_xlsx(data) else "zip"
    if data.startswith(PARQUET_MAGIC) and lower.endswith(".parquet"):
        return "parquet"
    if data.startswith(GZIP_MAGIC) and lower.endswith(".csv.gz"):
        return "csv.gz"
    if lower.endswith(".csv"):
        return "csv"
    raise refuse("file.unreadable", detail="不是 Excel 工作簿（.xlsx/.xls）或 zip 压缩包")


def _read_bounded(fs: fsspec.AbstractFileSystem, path: str, max_bytes: int) -> bytes:
    """The whole file, never more than the size limit (a file may grow after it was listed)."""
    try:
        with fs.open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except (OSError, ValueError) as exc:
        raise refuse("file.unreadable", detail=f"打不开文件：{type(exc).__name__}") from exc
    if len(data) > max_bytes:
        raise refuse("file.too_large", value=f">{max_bytes}", detail=max_bytes)
    return data


# ---------------------------------------------------------------- sheet names


def _fold(name: str) -> str:
    """Compare sheet names the way an office means them: width, case and spaces ignored."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def _sheet_keys() -> dict[str, str]:
    """Folded sheet name -> canonical key; built per call so a changed config dir is honoured."""
    schema = config.schema()
    keys = {_fold("meta"): "meta", _fold(schema.meta.zh): "meta"}
    for group in (schema.register_sheets, schema.sheets):  # submission names win on overlap
        for key, spec in group.items():
            keys[_fold(key)] = key
            keys[_fold(spec.zh)] = key
    return keys


def sheet_key(name: str) -> str | None:
    """The canonical sheet key ('villages', 'meta', ...) of an English or Chinese sheet name."""
    return _sheet_keys().get(_fold(name))


def _add_sheet(sheets: dict[str, RawSheet], stem: str, sheet: RawSheet) -> str:
    """Store a sheet under its canonical key (its own name when unknown); two sheets claiming
    the same known sheet are refused, since loading either one could silently lose data."""
    key = sheet_key(stem)
    if key is None:
        key = stem.strip()
        if key in sheets:  # an unknown sheet twice: ignored downstream anyway, keep the first
            return key
    elif key in sheets:
        raise refuse("file.duplicate_sheet", sheet=key, detail=f"{sheets[key].name}、{sheet.name}")
    sheets[key] = sheet
    return key


def _grid(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """An object grid, columns 0..n-1, ragged rows padded; empty strings become None."""
    width = max((len(r) for r in rows), default=0)
    cells = [[None if v == "" else v for v in r] + [None] * (width - len(r)) for r in rows]
    return pd.DataFrame(cells, columns=range(width), dtype=object)


# ---------------------------------------------------------------- workbooks


def _is_xlsx(data: bytes) -> bool:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False  # the zip reader will refuse it with the reason
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


@contextmanager
def _unreadable_on_error(what: str) -> Iterator[None]:
    """Turn any failure of a parser fed untrusted bytes into file.unreadable.

    Calamine is native code: a malformed file may surface as a Rust panic, which pyo3 raises as a
    BaseException; anything but an interpreter exit is treated as an unreadable file.
    """
    try:
        yield
    except FileRefused:
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except python_calamine.PasswordError as exc:
        raise refuse("file.unreadable", detail=f"{what}有密码保护") from exc
    except BaseException as exc:  # see docstring
        raise refuse("file.unreadable", detail=f"{what}已损坏（{_short(exc)}）") from exc


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:200]


def _read_workbook(data: bytes, limits: Limits) -> RawFile:
    """Every worksheet of an .xlsx or .xls, read by calamine; an .xlsx is a zip too, so its
    declared sizes go through the same zip bomb checks before calamine expands it."""
    if data.startswith(ZIP_MAGICS):
        zf = _open_zip(data)
        _check_declared([(i.filename, i) for i in zf.infolist()], limits)
    sheets: dict[str, RawSheet] = {}
    with (
        _unreadable_on_error("工作簿"),
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as wb,
    ):
        for meta in wb.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue  # chart and macro sheets hold no cells
            rows = wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            _add_sheet(sheets, meta.name, RawSheet(meta.name, _grid(rows)))
    return RawFile(sheets)


# ---------------------------------------------------------------- zip containers


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise refuse("file.unreadable", detail=f"压缩包已损坏（{_short(exc)}）") from exc


@dataclass(frozen=True)
class _Member:
    name: str  # decoded, "/"-separated, top folder stripped
    info: zipfile.ZipInfo
    name_repair: str | None  # how the name had to be decoded, if it had to


def _read_zip(data: bytes, limits: Limits) -> RawFile:
    """A zip of <sheet>.csv / <sheet>.parquet members: checked as a whole from its central
    directory, then each member inflated under a hard cap and read."""
    zf = _open_zip(data)
    infos = zf.infolist()
    members = [_member(info) for info in infos]
    _check_declared([(m.name, m.info) for m in members], limits)
    _check_no_overlap(infos, len(data))
    repairs: Counter[RepairKey] = Counter()
    members = _strip_top_folder([m for m in members if not _ignored_member(m.name)], repairs)
    sheets: dict[str, RawSheet] = {}
    budget = limits.max_zip_uncompressed_bytes
    for member in members:
        kind = _member_kind(member.name)
        if kind is None:
            continue  # a readme, an image: not a sheet
        raw = _inflate(data, member.info, member.name, min(member.info.file_size, budget))
        budget -= len(raw)
        if kind == "csv":
            sheet, repair = _csv_sheet(member.name, raw)
        else:
            sheet, repair = _parquet_sheet(member.name, raw, limits), None
        key = _add_sheet(sheets, _stem(posixpath.basename(member.name)), sheet)
        for kind_made in (repair, member.name_repair):
            if kind_made:
                repairs[(key, "", kind_made)] += 1
    return RawFile(sheets, repairs)


def _member(info: zipfile.ZipInfo) -> _Member:
    """A member with its real name, refused when it could land outside the folder it unpacks
    into.

    Chinese Windows tools write names in GBK without the UTF-8 flag; zipfile then decodes them as
    cp437 (mojibake), so the original bytes are recovered and decoded again. macOS writes UTF-8
    without the flag, which is tried first.
    """
    name, repair = info.filename, None
    if not info.flag_bits & UTF8_NAME_FLAG and not name.isascii():
        raw = name.encode("cp437")
        try:
            name, repair = raw.decode("utf-8"), REPAIR_ZIP_NAME_UTF8
        except UnicodeDecodeError:
            name, repair = raw.decode("gb18030", errors="replace"), REPAIR_ZIP_NAME_GBK
    name = name.replace("\\", "/")
    if _escapes(name):
        raise refuse("file.path_escape", value=name)
    return _Member(name, info, repair)


def _escapes(name: str) -> bool:
    """Absolute, drive-qualified or '..' member names could write outside the target folder."""
    parts = name.split("/")
    return name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in parts


def _ignored_member(name: str) -> bool:
    """Folders, macOS resource forks and dot files are packaging noise, not sheets."""
    if name.endswith("/") or name.startswith(IGNORED_MEMBER_PREFIXES):
        return True
    return any(part.startswith(".") for part in name.split("/") if part)


def _strip_top_folder(members: list[_Member], repairs: Counter[RepairKey]) -> list[_Member]:
    """Zipping a folder instead of its files wraps every member in one top-level folder."""
    tops = {m.name.split("/", 1)[0] for m in members}
    if len(tops) != 1 or not all("/" in m.name for m in members):
        return members
    repairs[("", "", REPAIR_ZIP_FOLDER)] += 1
    return [replace(m, name=m.name.split("/", 1)[1]) for m in members]


def _member_kind(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".parquet"):
        return "parquet"
    return None


def _stem(file_name: str) -> str:
    lower = file_name.lower()
    for ext in (".csv.gz", ".csv", ".parquet"):
        if lower.endswith(ext):
            return file_name[: -len(ext)]
    return file_name


def _check_declared(members: list[tuple[str, zipfile.ZipInfo]], limits: Limits) -> None:
    """Judge a zip from its central directory before expanding anything."""
    if len(members) > limits.max_zip_members:
        raise refuse(
            "file.zip_bomb", detail=f"包含 {len(members)} 个文件，上限 {limits.max_zip_members} 个"
        )
    total = sum(info.file_size for _, info in members)
    packed = sum(info.compress_size for _, info in members)
    if total > limits.max_zip_uncompressed_bytes:
        raise refuse(
            "file.zip_bomb",
            detail=f"解压后共 {total} 字节，上限 {limits.max_zip_uncompressed_bytes} 字节",
        )
    for name, info in members:
        _check_ratio(info.file_size, info.compress_size, limits, f"文件 {name} ")
    _check_ratio(total, packed, limits, "整体")


def _check_ratio(expanded: int, packed: int, limits: Limits, what: str) -> None:
    if expanded <= RATIO_FLOOR_BYTES:
        return
    ratio = expanded / max(packed, 1)
    if ratio > limits.max_zip_ratio:
        raise refuse(
            "file.zip_bomb",
            detail=f"{what}压缩比 {ratio:.0f} 倍，上限 {limits.max_zip_ratio:g} 倍",
        )


def _check_no_overlap(infos: list[zipfile.ZipInfo], size: int) -> None:
    """Members sharing compressed bytes are the trick of non-recursive zip bombs."""
    spans = sorted((i.header_offset, i.header_offset + i.compress_size) for i in infos)
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            raise refuse("file.zip_bomb", detail="压缩包内文件的数据相互重叠")
    if spans and spans[-1][1] > size:
        raise refuse("file.unreadable", detail="压缩包不完整")


def _inflate(data: bytes, info: zipfile.ZipInfo, name: str, cap: int) -> bytes:
    """Expand one member ourselves, never past ``cap`` (its declared size, within the budget
    left): declared sizes are the sender's claim, so they are enforced, not trusted."""
    if info.flag_bits & ENCRYPTED_FLAG:
        raise refuse("file.unreadable", detail=f"压缩包内文件 {name} 有密码保护")
    packed = _member_bytes(data, info, name)
    if info.compress_type == zipfile.ZIP_STORED:
        out = bytes(packed)
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        out = _inflate_deflate(packed, cap, name)
    else:
        raise refuse(
            "file.unreadable", detail=f"压缩包内文件 {name} 的压缩方式不支持，请用普通 zip 压缩"
        )
    if len(out) > cap:
        raise refuse("file.zip_bomb", detail=f"文件 {name} 实际解压大小超过声明的 {cap} 字节")
    if zlib.crc32(out) != info.CRC:
        raise refuse("file.unreadable", detail=f"压缩包内文件 {name} 已损坏（校验和不符）")
    return out


def _member_bytes(data: bytes, info: zipfile.ZipInfo, name: str) -> memoryview:
    """The compressed bytes of a member, located through its local header."""
    start = info.header_offset
    header = data[start : start + LOCAL_HEADER_SIZE]
    if len(header) < LOCAL_HEADER_SIZE or not header.startswith(LOCAL_HEADER_MAGIC):
        raise refuse("file.unreadable", detail=f"压缩包内文件 {name} 已损坏")
    name_len = int.from_bytes(header[26:28], "little")
    extra_len = int.from_bytes(header[28:30], "little")
    begin = start + LOCAL_HEADER_SIZE + name_len + extra_len
    packed = memoryview(data)[begin : begin + info.compress_size]
    if len(packed) < info.compress_size:
        raise refuse("file.unreadable", detail=f"压缩包内文件 {name} 不完整")
    return packed


def _inflate_deflate(packed: memoryview, cap: int, name: str) -> bytes:
    """Raw deflate, in chunks, stopping one byte past ``cap`` so an overrun is seen, not held."""
    decomp = zlib.decompressobj(-zlib.MAX_WBITS)
    out = bytearray()
    pos = 0
    pending: bytes = b""
    try:
        while not decomp.eof and len(out) <= cap:
            if not pending:
                if pos >= len(packed):
                    break
                pending = bytes(packed[pos : pos + CHUNK])
                pos += CHUNK
            out += decomp.decompress(pending, cap + 1 - len(out))
            pending = decomp.unconsumed_tail
    except zlib.error as exc:
        raise refuse("file.unreadable", detail=f"压缩包内文件 {name} 已损坏") from exc
    return bytes(out)


# ---------------------------------------------------------------- CSV and Parquet


def _decode_text(raw: bytes, name: str) -> tuple[str, str | None]:
    """UTF-8, UTF-8 with BOM (Excel's "CSV UTF-8") or GB18030/GBK (Excel's "CSV" on Chinese
    Windows); returns the text and the repair made, if any."""
    if b"\x00" in raw:
        raise refuse("file.unreadable", detail=f"{name} 不是文本文件")
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), REPAIR_BOM
        except UnicodeDecodeError as exc:
            raise refuse("file.unreadable", detail=f"{name} 编码无法识别") from exc
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), REPAIR_GB18030
    except UnicodeDecodeError as exc:
        raise refuse("file.unreadable", detail=f"{name} 编码无法识别（应为 UTF-8 或 GBK）") from exc


def _csv_sheet(name: str, raw: bytes) -> tuple[RawSheet, str | None]:
    """Every record as strings: a CSV reader that guesses types would turn codes into numbers."""
    text, repair = _decode_text(raw, name)
    utf8 = raw if repair is None else raw[len(codecs.BOM_UTF8) :] if repair == REPAIR_BOM else None
    grid = _arrow_grid(text, utf8)
    if grid is None:
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise refuse("file.unreadable", detail=f"{name} 不是有效的 CSV（{exc}）") from exc
        grid = _grid(rows)
    return RawSheet(name, grid), repair


def _arrow_grid(text: str, utf8: bytes | None) -> pd.DataFrame | None:
    """The grid :func:`_grid` makes of ``csv.reader``'s rows, parsed by pyarrow (a province's
    two million households in about a second instead of ten); None when the file is not a
    plain rectangle (ragged rows, an unterminated quote, a field longer than the csv module
    allows...), and the csv module then reads it, with its own repairs and refusals."""
    try:
        width = len(next(csv.reader(io.StringIO(text, newline=""))))
    except (StopIteration, csv.Error):
        return None
    data = text.encode("utf-8") if utf8 is None else utf8
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(data),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)},
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowException, ValueError):
        return None
    if table.num_columns != width or not _fits_csv_module(table):
        return None
    columns = {i: col.to_numpy(zero_copy_only=False) for i, col in enumerate(table.columns)}
    grid = pd.DataFrame(columns, dtype=object)
    grid.columns = pd.RangeIndex(width)
    return grid


def _fits_csv_module(table: pa.Table) -> bool:
    """No field longer than ``csv.field_size_limit()``: the csv module refuses those, and a
    file must be refused the same whichever reader parsed it."""
    limit = csv.field_size_limit()
    for col in table.columns:
        longest = pa_compute.max(pa_compute.utf8_length(col)).as_py()
        if longest is not None and longest > limit:
            return False
    return True


def _parquet_sheet(name: str, raw: bytes, limits: Limits) -> RawSheet:
    """A Parquet file as a sheet: the column names are row 1, as if exported from Excel."""
    with _unreadable_on_error(f"Parquet 文件 {name} "):
        pf = pq.ParquetFile(pa.BufferReader(raw))
        md = pf.metadata
        expanded = sum(md.row_group(i).total_byte_size for i in range(md.num_row_groups))
        if expanded > limits.max_zip_uncompressed_bytes:
            raise refuse(
                "file.zip_bomb",
                detail=f"{name} 展开后 {expanded} 字节，上限 {limits.max_zip_uncompressed_bytes}",
            )
        table = pf.read()
        columns = [[_py_value(v) for v in col.to_pylist()] for col in table.columns]
    header = [str(c) for c in table.column_names]
    return RawSheet(name, _grid([header, *zip(*columns, strict=True)]))


def _py_value(value: Any) -> Any:
    """Parquet values as a workbook would give them: NaN is empty, decimals are numbers."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _gunzip(raw: bytes, name: str, limits: Limits) -> bytes:
    """A gzip register file, expanded under the same caps as a zip member."""
    cap = min(
        limits.max_zip_uncompressed_bytes,
        max(RATIO_FLOOR_BYTES, int(limits.max_zip_ratio * len(raw))),
    )
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
            out = gz.read(cap + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise refuse("file.unreadable", detail=f"{name} 不是有效的 gzip 文件") from exc
    if len(out) > cap:
        raise refuse("file.zip_bomb", detail=f"{name} 解压后超过 {cap} 字节")
    return out


def _read_single(data: bytes, file_name: str, kind: str, limits: Limits) -> RawFile:
    """A register file (villages / households): one sheet named by the file's stem."""
    readers: dict[str, Callable[[], tuple[RawSheet, str | None]]] = {
        "csv": lambda: _csv_sheet(file_name, data),
        "csv.gz": lambda: _csv_sheet(file_name, _gunzip(data, file_name, limits)),
        "parquet": lambda: (_parquet_sheet(file_name, data, limits), None),
    }
    sheet, repair = readers[kind]()
    sheets: dict[str, RawSheet] = {}
    key = _add_sheet(sheets, _stem(file_name), sheet)
    repairs: Counter[RepairKey] = Counter({(key, "", repair): 1} if repair else {})
    return RawFile(sheets, repairs)
