"""Privacy and safety over a generated year: every email and every file a year of monthly runs
writes, opened and read.

A messy year for two cities is generated and run month by month through the pipeline's own
functions (intake, checks, load, rollup, quality, pairing, emails, rollup files, outbox as
``.eml`` files), without Airflow. Then every ``.eml`` in the outbox is parsed (subject, bodies,
attachments) and every xlsx, html and csv under the output root is opened:

- an office never receives a county, township or village code of another city (province and
  city figures are allowed), except a value its own file carried, echoed back in its feedback;
- no 11-digit mobile number and no 16-19 digit household id appears anywhere unmasked;
- no xlsx holds a formula cell; no csv cell starts with ``= + - @``.
"""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from techaid import config, pipeline
from techaid.periods import add_months, period_range

pytestmark = pytest.mark.slow

CITIES = ["341600", "340800"]  # Bozhou, and Anqing with a county recoded in 2018-08
START, END = "2018-01", "2018-12"
SCALE = 0.005

# Numbers standing alone: not inside a longer number, a decimal or an identifier.
_B, _E = r"(?<![0-9A-Za-z.])", r"(?![0-9A-Za-z]|\.\d)"
PHONE = re.compile(_B + r"1[3-9]\d{9}" + _E)
HOUSEHOLD_ID = re.compile(_B + r"\d{16,19}" + _E)
CODE = re.compile(_B + r"(\d{12}|\d{9}|\d{6})" + _E)  # village, township, county
FORMULA_START = ("=", "+", "-", "@")


@dataclass
class Year:
    url: str
    output: Path
    composed: dict[str, dict[str, object]] = field(default_factory=dict)


def _run_after(period: str) -> dt.datetime:
    """The run of a month: the day after its default deadline day, 02:00 Beijing time."""
    year, month = map(int, add_months(period, 1).split("-"))
    return dt.datetime(year, month, 5, 18, 0, tzinfo=dt.UTC)


def _run_month(url: str, landing: Path, period: str) -> dict[str, object]:
    plans = pipeline.discover(url, period, str(landing))
    for plan in plans:
        if plan["versions"]:
            pipeline.load_city(url, pipeline.check_city(url, pipeline.read_city(plan)))
    pipeline.rollup(url, period, plans)
    pipeline.publish_quality(url, period, plans)
    pipeline.suggest_pairing(url, period)
    composed = pipeline.compose_emails(url, period, plans, _run_after(period))
    pipeline.provincial_report(url, period)
    pipeline.send_outbox(url, None, _run_after(period))
    return composed


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Year]:
    from techaid_dev.synthetic import generate

    root = tmp_path_factory.mktemp("privacy-year")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("landing", "output", "data"):
            (root / name).mkdir()
            mp.setenv(f"TECHAID_{name.upper()}", str(root / name))
        generate(root / "landing", START, END, scale=SCALE, messy=True, cities=CITIES)
        url = f"sqlite:///{root / 'data' / 'warehouse.db'}"
        pipeline.prepare(url)
        y = Year(url, root / "output")
        for period in period_range(START, END):
            y.composed[period] = _run_month(url, root / "landing", period)
        # A re-run of the last month, as a retried DAG run would do it.
        y.composed["rerun"] = _run_month(url, root / "landing", END)
        yield y


# ---------------------------------------------------------------- reading what was written


@dataclass
class Doc:
    """One thing a person receives or opens: its text, and the office it is for (None: the
    provincial team, the data engineers, or a file nobody is sent)."""

    where: str
    city: str | None
    text: str
    unsafe: list[str]  # formula cells, formula-like csv cells


def _xlsx(data: bytes, where: str, unsafe: list[str]) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and re.search(rb"<f[ >]", z.read(name)):
                unsafe.append(f"{where}: formula element in {name}")
    texts = []
    for ws in openpyxl.load_workbook(io.BytesIO(data)).worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    unsafe.append(f"{where}: formula cell {ws.title}!{c.coordinate}")
                if c.value is not None:
                    texts.append(str(c.value))
    return "\n".join(texts)


def _csv(data: bytes, where: str, unsafe: list[str]) -> str:
    text = data.decode("utf-8-sig", errors="replace")
    for row in csv.reader(io.StringIO(text)):
        unsafe += [f"{where}: csv cell {v[:30]!r}" for v in row if v.startswith(FORMULA_START)]
    return text


def _office_of(msg: EmailMessage) -> str | None:
    """The office an email goes to (None: the team or the engineers); every address must come
    from ``recipients.yaml``, never from a submitted file (``meta.contact_email``)."""
    cfg = config.recipients()
    offices = {a: c for c, r in cfg.cities.items() for a in [*r.to, *r.cc]}
    others = {a for r in (cfg.provincial_team, cfg.data_engineers) for a in [*r.to, *r.cc]}
    rcpts = [a.strip() for h in ("To", "Cc") if msg[h] for a in str(msg[h]).split(",")]
    assert set(rcpts) <= set(offices) | others, f"an address not in recipients.yaml: {rcpts}"
    cities = {offices.get(a) for a in rcpts}
    assert len(cities) == 1, f"an email to several offices, or to an office and others: {rcpts}"
    return cities.pop()


def _eml(path: Path, where: str) -> Doc:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    unsafe: list[str] = []
    texts = [str(msg["Subject"])]
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = part.get_filename() or ""
        if part.get_content_maintype() == "text" and not name:
            texts.append(part.get_content())
        elif name.endswith(".xlsx"):
            texts.append(_xlsx(part.get_content(), f"{where} [{name}]", unsafe))
        elif name.endswith(".csv"):
            texts.append(_csv(part.get_content(), f"{where} [{name}]", unsafe))
        else:
            assert part.get_content_type() == "image/png", (where, name, part.get_content_type())
    city = _office_of(msg)
    key_city = str(msg["X-Techaid-Key"]).split("/")[2]
    assert city is None or city == key_city, (where, city, key_city)
    return Doc(where, city, "\n".join(texts), unsafe)


@pytest.fixture(scope="module")
def docs(year: Year) -> list[Doc]:
    out: list[Doc] = []
    for path in sorted(p for p in year.output.rglob("*") if p.is_file()):
        where = str(path.relative_to(year.output))
        unsafe: list[str] = []
        if path.suffix == ".eml":
            out.append(_eml(path, where))
        elif path.suffix == ".xlsx":
            city = path.name[:6] if path.parent.name == "feedback" else None  # an office's file
            out.append(Doc(where, city, _xlsx(path.read_bytes(), where, unsafe), unsafe))
        elif path.suffix in (".html", ".htm"):
            out.append(Doc(where, None, path.read_text(encoding="utf-8", errors="replace"), []))
        elif path.suffix == ".csv":
            out.append(Doc(where, None, _csv(path.read_bytes(), where, unsafe), unsafe))
    return out


def _own_values(url: str) -> dict[str, set[str]]:
    """Per city, every code its own files carried in a finding's value, with its prefixes (a
    message may name the township or county part of a village code the office typed)."""
    own: dict[str, set[str]] = defaultdict(set)
    query = sa.text(
        "select s.city_code, i.value from dq_issue i join submission s"
        " on s.submission_id = i.submission_id where s.city_code is not null"
    )
    with sa.create_engine(url).connect() as conn:
        for city, value in conn.execute(query):
            for m in CODE.finditer(value or ""):
                code = m.group(1)
                own[city] |= {code, code[:9], code[:6]}
    return own


# ---------------------------------------------------------------- the year happened


def test_the_year_told_everyone_and_carried_personal_data(year: Year, docs: list[Doc]) -> None:
    """The checks below can only pass vacuously if nothing was written or nothing personal
    was ever handled: both are ruled out here."""
    kinds = defaultdict(int)
    for d in docs:
        if d.where.startswith("outbox/"):
            kinds[d.where.split("/")[1].split("_2")[0]] += 1
    assert {"receipt", "feedback", "lagging_alert", "provincial_report"} <= set(kinds)
    assert kinds["provincial_report"] == 12
    assert any(d.where.startswith("feedback/") for d in docs)
    assert any(d.where.startswith("data_docs/") for d in docs)
    assert sum(1 for d in docs if re.fullmatch(r"\d{4}-\d{2}/rollup_.*\.html", d.where)) == 12
    with sa.create_engine(year.url).connect() as conn:
        ids = conn.execute(sa.text("select household_id from clean_households")).scalars().all()
        phones = conn.execute(sa.text("select phone from clean_experts")).scalars().all()
        masked = conn.execute(
            sa.text("select count(*) from dq_issue where value like '%****%'")
        ).scalar()
    assert any(HOUSEHOLD_ID.fullmatch(str(i)) for i in ids)  # real ids went through the run
    assert any(PHONE.fullmatch(str(p)) for p in phones if p)
    assert masked  # and some reached a finding, masked


def test_a_rerun_of_a_month_records_and_sends_nothing(year: Year) -> None:
    assert year.composed[END]["recorded"]
    assert year.composed["rerun"]["recorded"] == 0


# ---------------------------------------------------------------- privacy and safety


def test_no_office_receives_another_citys_counties_townships_or_villages(
    year: Year, docs: list[Doc]
) -> None:
    county_city = {c: u.parent_code for c, u in config.hierarchy().counties_by_code.items()}
    own = _own_values(year.url)
    leaks = []
    office_docs = [d for d in docs if d.city is not None]
    assert {d.city for d in office_docs} >= set(CITIES)
    for d in office_docs:
        for m in CODE.finditer(d.text):
            code = m.group(1)
            owner = county_city.get(code[:6])
            if owner is not None and owner != d.city and code not in own[d.city]:
                leaks.append((d.where, d.city, code))
    assert leaks == []


def test_no_phone_number_or_household_id_appears_unmasked(docs: list[Doc]) -> None:
    found = [
        (d.where, m.group())
        for d in docs
        for rx in (PHONE, HOUSEHOLD_ID)
        for m in rx.finditer(d.text)
    ]
    assert found == []


def test_no_spreadsheet_cell_can_run_as_a_formula(docs: list[Doc]) -> None:
    assert sum(1 for d in docs if ".xlsx" in d.where) > 12
    assert [u for d in docs for u in d.unsafe] == []
