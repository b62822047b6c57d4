"""Reading one landed file: workbooks, zips of CSV/Parquet, register files; container repairs are
counted and every container-level refusal of the contract is raised with its rule."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import os
import struct
import zipfile
from pathlib import Path

import fsspec
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlwt

from techaid import config
from techaid.config import Limits
from techaid.findings import FileRefused
from techaid.intake import files
from techaid.intake.files import read_bytes, read_raw, sheet_key
from techaid.intake.model import RawFile

LOCAL = fsspec.filesystem("file")
VILLAGES_CSV = "村代码,村名称,农技协数\n340422101201,大王村,3\n012345678901,小李村,0\n"


# ---------------------------------------------------------------- builders


def xlsx_bytes(sheets: dict[str, list[list[object]]], skip_rows: int = 0) -> bytes:
    """A workbook; each sheet's rows start below ``skip_rows`` blank (title) rows."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for _ in range(skip_rows):
            ws.append([])
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def gbk_named_zip(members: dict[str, bytes]) -> bytes:
    """A zip whose member names are GBK bytes without the UTF-8 flag, as Chinese Windows writes.

    zipfile always writes non-ASCII names as flagged UTF-8, so ASCII placeholders of the same
    byte length are written and then swapped for the GBK bytes.
    """
    placeholders = {}
    for i, name in enumerate(members):
        encoded = name.encode("gbk")
        placeholders[encoded] = (chr(ord("A") + i) * len(encoded)).encode("ascii")
    data = zip_bytes({placeholders[n.encode("gbk")].decode(): d for n, d in members.items()})
    for encoded, placeholder in placeholders.items():
        data = data.replace(placeholder, encoded)
    return data


def parquet_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def understate_size(data: bytes, declared: int) -> bytes:
    """Rewrite a one-member zip so it declares ``declared`` bytes expanded, less than it holds."""
    out = bytearray(data)
    local = out.index(b"PK\x03\x04")
    out[local + 22 : local + 26] = struct.pack("<I", declared)
    central = out.index(b"PK\x01\x02")
    out[central + 24 : central + 28] = struct.pack("<I", declared)
    return bytes(out)


def refusal(excinfo: pytest.ExceptionInfo[FileRefused]) -> str:
    return excinfo.value.finding.rule


def column(raw: RawFile, sheet: str, col: int) -> list[object]:
    return raw.sheets[sheet].cells[col].tolist()


# ---------------------------------------------------------------- workbooks


def test_xlsx_sheets_by_chinese_names_keep_real_row_numbers() -> None:
    data = xlsx_bytes(
        {
            "基本信息": [["city_code", "341600"], ["period", "2018-06"]],
            "村": [["村代码", "村名称"], ["340422101201", "大王村"]],
        }
    )
    raw = read_bytes(data, "341600_2018-06.xlsx")
    assert set(raw.sheets) == {"meta", "villages"}
    assert raw.sheets["meta"].cells.iloc[1].tolist() == ["period", "2018-06"]
    assert raw.sheets["villages"].name == "村"
    assert not raw.repairs


def test_xlsx_title_rows_stay_in_the_grid_so_row_numbers_match_excel() -> None:
    data = xlsx_bytes({"villages": [["village_code"], [340422101201]]}, skip_rows=2)
    sheet = read_bytes(data, "x.xlsx").sheets["villages"]
    assert sheet.first_row_number == 1
    assert sheet.cells[0].tolist() == [None, None, "village_code", 340422101201.0]


def test_xlsx_keeps_cell_types_and_empty_cells_are_none() -> None:
    data = xlsx_bytes({"agreements": [["x", 1, 2.5, dt.date(2018, 6, 5), True, "", None, "a"]]})
    cells = read_bytes(data, "x.xlsx").sheets["agreements"].cells.iloc[0].tolist()
    assert cells[:5] == ["x", 1, 2.5, dt.date(2018, 6, 5), True]
    assert cells[5:7] == [None, None]
    assert cells[7] == "a"


def test_unknown_sheet_names_are_kept_under_their_own_name() -> None:
    raw = read_bytes(xlsx_bytes({"填表说明": [["请按要求填写"]], "村": [["a"]]}), "x.xlsx")
    assert set(raw.sheets) == {"填表说明", "villages"}


def test_xls_is_read_through_calamine_too() -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("村")
    ws.write(2, 0, "村代码")
    ws.write(3, 0, "340422101201")
    ws.write(3, 1, 3)
    ws.write(3, 2, dt.date(2018, 6, 5), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    meta = wb.add_sheet("meta")
    meta.write(0, 0, "city_code")
    meta.write(0, 1, "341600")
    buf = io.BytesIO()
    wb.save(buf)
    raw = read_bytes(buf.getvalue(), "341600_2018-06.xls")
    cells = raw.sheets["villages"].cells
    assert cells.iloc[2, 0] == "村代码"
    assert cells.iloc[3].tolist() == ["340422101201", 3.0, dt.date(2018, 6, 5)]
    assert raw.sheets["meta"].cells.iloc[0].tolist() == ["city_code", "341600"]


def test_a_workbook_named_xls_but_really_xlsx_is_read_by_content() -> None:
    raw = read_bytes(xlsx_bytes({"村": [["a"]]}), "341600_2018-06.xls")
    assert "villages" in raw.sheets


def test_the_same_sheet_twice_is_refused() -> None:
    data = xlsx_bytes({"villages": [["a"]], "村": [["b"]]})
    with pytest.raises(FileRefused) as err:
        read_bytes(data, "x.xlsx")
    assert refusal(err) == "file.duplicate_sheet"
    assert "村" in err.value.finding.message


# ---------------------------------------------------------------- unreadable


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.4 this is a scanned report", "341600_2018-06.xlsx"),
        (b"", "341600_2018-06.xlsx"),
        (b"PK\x03\x04 not really a zip at all", "341600_2018-06.zip"),
        (files.OLE2_MAGIC + b"\x00" * 600, "341600_2018-06.xls"),
    ],
    ids=["not-a-workbook", "empty", "corrupt-zip", "corrupt-xls"],
)
def test_unreadable_files_are_refused(data: bytes, name: str) -> None:
    with pytest.raises(FileRefused) as err:
        read_bytes(data, name)
    assert refusal(err) == "file.unreadable"


def test_truncated_xlsx_is_unreadable() -> None:
    data = xlsx_bytes({"村": [["a"] * 50] * 200})
    with pytest.raises(FileRefused) as err:
        read_bytes(data[: len(data) // 2], "x.xlsx")
    assert refusal(err) == "file.unreadable"


def test_csv_member_that_is_binary_is_unreadable() -> None:
    with pytest.raises(FileRefused) as err:
        read_bytes(zip_bytes({"村.csv": b"\x00\x01\x02binary"}), "x.zip")
    assert refusal(err) == "file.unreadable"


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(FileRefused) as err:
        read_raw(LOCAL, str(tmp_path / "gone.xlsx"))
    assert refusal(err) == "file.unreadable"


# ---------------------------------------------------------------- zips of CSV / Parquet


def test_zip_of_csv_members_with_chinese_names_reads_codes_as_text() -> None:
    data = zip_bytes({"村.csv": VILLAGES_CSV.encode(), "meta.csv": b"city_code,341600\n"})
    raw = read_bytes(data, "341600_2018-06.zip")
    assert set(raw.sheets) == {"villages", "meta"}
    assert column(raw, "villages", 0) == ["村代码", "340422101201", "012345678901"]
    assert column(raw, "villages", 2) == ["农技协数", "3", "0"]
    assert not raw.repairs


def test_gbk_csv_is_decoded_and_counted() -> None:
    raw = read_bytes(zip_bytes({"villages.csv": VILLAGES_CSV.encode("gbk")}), "x.zip")
    assert column(raw, "villages", 1) == ["村名称", "大王村", "小李村"]
    assert raw.repairs == {("villages", "", files.REPAIR_GB18030): 1}


def test_bom_csv_is_decoded_and_counted() -> None:
    raw = read_bytes(zip_bytes({"村.csv": VILLAGES_CSV.encode("utf-8-sig")}), "x.zip")
    assert raw.sheets["villages"].cells.iloc[0, 0] == "村代码"  # no BOM glued to the header
    assert raw.repairs == {("villages", "", files.REPAIR_BOM): 1}


def test_gbk_member_names_without_utf8_flag_are_repaired() -> None:
    data = gbk_named_zip({"村.csv": VILLAGES_CSV.encode(), "贫困户.csv": b"household_id\n"})
    assert not zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits & 0x800
    raw = read_bytes(data, "x.zip")
    assert set(raw.sheets) == {"villages", "households"}
    assert raw.sheets["villages"].name == "村.csv"
    assert raw.repairs[("villages", "", files.REPAIR_ZIP_NAME_GBK)] == 1
    assert raw.repairs[("households", "", files.REPAIR_ZIP_NAME_GBK)] == 1


def test_top_level_folder_and_packaging_noise_are_stripped() -> None:
    data = zip_bytes(
        {
            "亳州2018年6月/村.csv": VILLAGES_CSV.encode(),
            "亳州2018年6月/meta.csv": b"key,value\ncity_code,341600\n",
            "__MACOSX/亳州2018年6月/._村.csv": b"\x00\x05junk",
            "亳州2018年6月/.DS_Store": b"\x00junk",
        }
    )
    raw = read_bytes(data, "x.zip")
    assert set(raw.sheets) == {"villages", "meta"}
    assert raw.sheets["villages"].name == "村.csv"
    assert raw.repairs == {("", "", files.REPAIR_ZIP_FOLDER): 1}


def test_parquet_member_is_a_sheet_with_its_header_as_row_one() -> None:
    table = pa.table(
        {
            "village_code": ["340422101201", "012345678901"],
            "associations": pa.array([3, None], pa.int64()),
            "score": [1.5, float("nan")],
        }
    )
    raw = read_bytes(zip_bytes({"villages.parquet": parquet_bytes(table)}), "x.zip")
    cells = raw.sheets["villages"].cells
    assert cells.iloc[0].tolist() == ["village_code", "associations", "score"]
    assert cells.iloc[1].tolist() == ["340422101201", 3, 1.5]
    assert cells.iloc[2].tolist() == ["012345678901", None, None]


def test_stored_members_are_read_too() -> None:
    raw = read_bytes(zip_bytes({"村.csv": VILLAGES_CSV.encode()}, zipfile.ZIP_STORED), "x.zip")
    assert column(raw, "villages", 0)[1] == "340422101201"


# ---------------------------------------------------------------- zip safety


@pytest.mark.parametrize("name", ["../村.csv", "/etc/村.csv", "a/../../村.csv", "..\\村.csv"])
def test_zip_member_escaping_the_folder_is_refused(name: str) -> None:
    with pytest.raises(FileRefused) as err:
        read_bytes(zip_bytes({name: b"a\n"}), "x.zip")
    assert refusal(err) == "file.path_escape"


def test_zip_member_with_a_huge_ratio_is_a_bomb() -> None:
    data = zip_bytes({"村.csv": b"0" * (8 << 20)})
    with pytest.raises(FileRefused) as err:
        read_bytes(data, "x.zip")
    assert refusal(err) == "file.zip_bomb"
    assert "压缩比" in err.value.finding.message


def test_many_small_members_with_a_huge_overall_ratio_are_a_bomb() -> None:
    small = b"," * (900 << 10)  # each under the ratio floor, together far above it
    data = zip_bytes({f"x{i}.csv": small for i in range(6)})
    with pytest.raises(FileRefused) as err:
        read_bytes(data, "x.zip")
    assert refusal(err) == "file.zip_bomb"
    assert "整体" in err.value.finding.message


def test_too_many_members_is_a_bomb() -> None:
    limit = config.program().limits.max_zip_members
    data = zip_bytes({f"x{i}.csv": b"a\n" for i in range(limit + 1)})
    with pytest.raises(FileRefused) as err:
        read_bytes(data, "x.zip")
    assert refusal(err) == "file.zip_bomb"


def test_too_much_expanded_data_is_a_bomb() -> None:
    limits = Limits(max_zip_uncompressed_bytes=1000)
    data = zip_bytes({"村.csv": os.urandom(600).hex().encode()})
    with pytest.raises(FileRefused) as err:
        read_bytes(data, "x.zip", limits)
    assert refusal(err) == "file.zip_bomb"


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_member_larger_than_its_declared_size_is_a_bomb(method: int) -> None:
    data = understate_size(zip_bytes({"村.csv": os.urandom(50_000).hex().encode()}, method), 100)
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].file_size == 100
    with pytest.raises(FileRefused) as err:
        read_bytes(data, "x.zip")
    assert refusal(err) == "file.zip_bomb"
    assert "声明" in err.value.finding.message


def test_corrupted_member_fails_its_checksum() -> None:
    data = bytearray(zip_bytes({"村.csv": VILLAGES_CSV.encode()}, zipfile.ZIP_STORED))
    data[data.index(b"340422")] = ord("9")
    with pytest.raises(FileRefused) as err:
        read_bytes(bytes(data), "x.zip")
    assert refusal(err) == "file.unreadable"


def test_xlsx_is_judged_as_a_zip_too() -> None:
    data = xlsx_bytes({"村": [["0" * 30000]] * 400})
    with pytest.raises(FileRefused) as err:
        read_bytes(data, "x.xlsx", Limits(max_zip_ratio=2))
    assert refusal(err) == "file.zip_bomb"


# ---------------------------------------------------------------- through fsspec


def test_read_raw_from_a_local_folder(tmp_path: Path) -> None:
    path = tmp_path / "341600_2018-06.xlsx"
    path.write_bytes(xlsx_bytes({"村": [["村代码"]]}))
    assert "villages" in read_raw(LOCAL, str(path)).sheets


def test_read_raw_from_the_in_memory_filesystem() -> None:
    fs = fsspec.filesystem("memory")
    path = "/techaid-test-files/submissions/341600_2018-06.zip"
    fs.pipe(path, zip_bytes({"村.csv": VILLAGES_CSV.encode("gbk")}))
    try:
        raw = read_raw(fs, path)
    finally:
        fs.rm("/techaid-test-files", recursive=True)
    assert column(raw, "villages", 0)[1] == "340422101201"
    assert raw.repairs == {("villages", "", files.REPAIR_GB18030): 1}


def test_read_raw_refuses_a_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "341600_2018-06.xlsx"
    path.write_bytes(xlsx_bytes({"村": [["村代码"]]}))
    with pytest.raises(FileRefused) as err:
        read_raw(LOCAL, str(path), Limits(max_file_bytes=100))
    assert refusal(err) == "file.too_large"


def test_read_raw_refuses_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "real.xlsx"
    target.write_bytes(xlsx_bytes({"村": [["a"]]}))
    link = tmp_path / "341600_2018-06.xlsx"
    link.symlink_to(target)
    with pytest.raises(FileRefused) as err:
        read_raw(LOCAL, str(link))
    assert refusal(err) == "file.symlink"


# ---------------------------------------------------------------- register files


def test_register_csv_gz_and_parquet_are_one_sheet_each(tmp_path: Path) -> None:
    villages = tmp_path / "villages.csv.gz"
    villages.write_bytes(
        gzip.compress("village_code,village_name\n340422101201,大王村\n".encode("gbk"))
    )
    households = tmp_path / "households.parquet"
    households.write_bytes(parquet_bytes(pa.table({"household_id": ["3404221012010000123"]})))
    v = read_raw(LOCAL, str(villages))
    h = read_raw(LOCAL, str(households))
    assert column(v, "villages", 1) == ["village_name", "大王村"]
    assert v.repairs == {("villages", "", files.REPAIR_GB18030): 1}
    assert column(h, "households", 0) == ["household_id", "3404221012010000123"]


def test_register_csv_gz_bomb_is_refused() -> None:
    data = gzip.compress(b"0" * (8 << 20))
    with pytest.raises(FileRefused) as err:
        read_bytes(data, "households.csv.gz")
    assert refusal(err) == "file.zip_bomb"


def test_sheet_key_knows_english_chinese_and_register_names() -> None:
    assert sheet_key("村") == "villages"
    assert sheet_key(" Villages ") == "villages"
    assert sheet_key("基本信息") == "meta"
    assert sheet_key("建档立卡贫困户") == "households"
    assert sheet_key("Sheet1") is None
