"""What a logged-in reader sees: the latest month (or the one asked for) with the province against
its expected pace and targets, the cities' reporting, the ranking with movement and reasons, one
county's history; the same data as JSON; the output folder's files, and nothing outside it."""

from __future__ import annotations

import base64
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from techaid.outputs.report.labels import indicator_label


class _Tables(HTMLParser):
    """The cells' text of every table with an id, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def page(client: Any, viewer: dict[str, str], url: str = "/") -> str:
    response = client.get(url, headers=viewer)
    assert response.status_code == 200, response.text
    return response.text


def test_the_page_opens_on_the_latest_month(client: Any, viewer: dict[str, str]) -> None:
    html = page(client, viewer)
    assert "安徽省科技扶贫监测 · 2018年6月" in html
    ranking = tables(html)["ranking-table"]
    assert ranking[0][:6] == ["排名", "名次变化", "县", "市", "落后得分", "是否落后"]
    assert [row[:6] for row in ranking[1:]] == [
        ["1", "退步1位", "石台县", "池州市", "0.900", "是"],
        ["2", "进步1位", "潜山县", "安庆市", "0.700", "是"],
        ["3", "持平", "太湖县", "安庆市", "0.000", "否"],
    ]
    reasons = ranking[1][6]
    assert "本市当月报送被拒收" in reasons
    assert indicator_label("village_coverage").zh in reasons


def test_an_earlier_month_is_shown_when_asked_for(client: Any, viewer: dict[str, str]) -> None:
    html = page(client, viewer, "/?period=2018-05")
    assert "2018年5月" in html
    ranking = tables(html)["ranking-table"][1:]
    assert [(r[2], r[1]) for r in ranking] == [
        ("潜山县", "首次排名"),
        ("石台县", "首次排名"),
        ("太湖县", "首次排名"),
    ]


def test_province_progress_against_expected_and_target(client: Any, viewer: dict[str, str]) -> None:
    html = page(client, viewer)
    rows = {r[0]: r for r in tables(html)["province-table"][1:]}
    coverage = rows[indicator_label("village_coverage").zh]
    # value, expected this month, target, attainment, status
    assert coverage[1:6] == ["36.0%", "37.5%", "100.0%", "36.0%", "滞后"]
    associations = rows[indicator_label("associations").zh]
    assert associations[1:6] == ["135", "131.25", "350", "38.6%", "滞后"]
    assert associations[7] == "2021-03"
    assert rows[indicator_label("pairing_funds").zh][6] == "仅监测"
    # The bar: done 36 % of the target, the expected pace's mark at 37.5 %.
    assert re.search(r'class="done" style="width:36\.0%', html)
    assert re.search(r'class="due" style="left:37\.5%', html)


def test_each_city_reporting_status(client: Any, viewer: dict[str, str]) -> None:
    cities = {r[0]: r for r in tables(page(client, viewer))["cities-table"][1:]}
    assert len(cities) == 9
    assert cities["安庆市"][1:3] == ["已接收（部分行隔离）", "是"]
    assert cities["池州市"][1:3] == ["被拒收", "否"]
    assert cities["六安市"][1] == "已接收"
    assert cities["亳州市"][1:3] == ["未报送", "—"]
    assert cities["池州市"][7] == "0.0%"
    assert cities["安庆市"][7] == "100.0%"
    assert cities["池州市"][8].startswith("1 / ")


def _chart(html: str) -> bytes:
    found = re.search(r'<img class="chart" alt="[^"]*" src="data:image/png;base64,([^"]+)"', html)
    assert found, "no history chart"
    return base64.b64decode(found.group(1))


def test_one_county_history_chart(client: Any, viewer: dict[str, str]) -> None:
    default = page(client, viewer)
    assert "县历史：石台县" in default  # rank 1 unless another county is asked for
    assert _chart(default).startswith(b"\x89PNG")
    taihu = page(client, viewer, "/?period=2018-06&county=340825")
    assert "县历史：太湖县" in taihu
    assert _chart(taihu).startswith(b"\x89PNG")
    assert _chart(taihu) != _chart(default)
    assert '<option value="340825" selected>' in taihu


@pytest.mark.parametrize(
    ("query", "api", "status", "says"),
    [
        ("period=2018-13", "rollup", 400, "月份应写成 YYYY-MM，收到 '2018-13'"),
        ("period=2017-01", "rollup", 404, "2017-01 的指标尚未计算"),
        ("county=999999", "history", 404, "2018-06 的排名中没有县代码 '999999'"),
    ],
)
def test_what_cannot_be_shown_is_said(
    client: Any, viewer: dict[str, str], query: str, api: str, status: int, says: str
) -> None:
    response = client.get(f"/?{query}", headers=viewer)
    assert response.status_code == status
    assert says in unescape(response.text)
    data = client.get(f"/api/{api}?{query}", headers=viewer)
    assert data.status_code == status
    assert says in data.json()["detail"]


def test_json_holds_the_same_month(client: Any, viewer: dict[str, str]) -> None:
    assert client.get("/api/periods", headers=viewer).json() == {
        "periods": ["2018-05", "2018-06"],
        "latest": "2018-06",
    }
    month = client.get("/api/rollup", headers=viewer).json()
    assert month["period"] == "2018-06"
    assert [(k["rank"], k["county_name"], k["movement"]) for k in month["ranking"]] == [
        (1, "石台县", "退步1位"),
        (2, "潜山县", "进步1位"),
        (3, "太湖县", "持平"),
    ]
    assert [r["code"] for r in month["ranking"][0]["reasons"]] == [
        "submission_rejected",
        "village_coverage",
    ]
    coverage = next(p for p in month["province"] if p["indicator"] == "village_coverage")
    assert (coverage["value"], coverage["expected"], coverage["target"]) == (0.36, 0.375, 1.0)
    chizhou = next(c for c in month["cities"] if c["city_code"] == "341700")
    assert (chizhou["state"], chizhou["lagging_counties"]) == ("rejected", 1)

    history = client.get("/api/history?county=340825", headers=viewer).json()
    assert history["county_name"] == "太湖县"
    assert history["period"] == "2018-06"
    coverage_points = [p for p in history["points"] if p["indicator"] == "village_coverage"]
    assert [(p["period"], p["value"]) for p in coverage_points] == [
        ("2018-05", 0.5),
        ("2018-06", 0.7),
    ]


def test_links_to_the_workbook_outbox_and_data_docs(client: Any, viewer: dict[str, str]) -> None:
    june = page(client, viewer)
    assert 'href="/files/2018-06/rollup_2018-06.xlsx"' in june
    assert 'href="/outbox"' in june
    assert 'href="/files/data_docs/index.html"' in june
    may = page(client, viewer, "/?period=2018-05")
    assert "rollup_2018-05.xlsx" not in may  # never written: no dead link


def test_the_outbox_lists_the_emails(client: Any, viewer: dict[str, str]) -> None:
    from tests.unit.plugins.conftest import SUBJECT

    rows = tables(page(client, viewer, "/outbox"))["outbox"]
    assert [r[1:4] for r in rows[1:]] == [[SUBJECT, "aq@example.org", "receipt-340800-2018-06.eml"]]


def test_files_are_served_read_only(
    client: Any, viewer: dict[str, str], dashboard_env: dict[str, Any]
) -> None:
    workbook = client.get("/files/2018-06/rollup_2018-06.xlsx", headers=viewer)
    assert workbook.content == dashboard_env["workbook"].read_bytes()
    assert workbook.headers["content-disposition"].startswith("attachment")
    email = client.get("/files/outbox/receipt-340800-2018-06.eml", headers=viewer)
    assert email.headers["content-type"] == "message/rfc822"
    docs = client.get("/files/data_docs/index.html", headers=viewer)
    assert docs.headers["content-type"].startswith("text/html")
    assert docs.headers["content-security-policy"].startswith("sandbox allow-scripts")
    assert client.post("/files/2018-06/rollup_2018-06.xlsx", headers=viewer).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/files/%2e%2e/secret.txt",  # the output root's parent
        "/files/2018-06/%2e%2e/%2e%2e/secret.txt",
        "/files/..%2fsecret.txt",
        "/files/%2fetc%2fpasswd",  # an absolute path
        "/files//etc/passwd",
        "/files/escape",  # a symbolic link to a file outside
        "/files/2018-06/.rollup_2018-06.xlsx.tmp",  # hidden: being written
        "/files/2018-06",  # a folder
        "/files/2018-06/missing.xlsx",
        "/files/outbox%5c..%5c..%5csecret.txt",
    ],
)
def test_nothing_outside_the_output_files_is_served(
    client: Any, viewer: dict[str, str], path: str
) -> None:
    response = client.get(path, headers=viewer)
    assert response.status_code == 404
    assert b"not for readers" not in response.content
    assert b"root:" not in response.content


def test_no_warehouse_yet_is_said_and_nothing_is_created(
    client: Any, viewer: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "warehouse.db"
    monkeypatch.setenv("AIRFLOW_CONN_TECHAID_WAREHOUSE", f"sqlite:///{missing}")
    response = client.get("/", headers=viewer)
    assert response.status_code == 404
    assert "尚无数据仓库" in response.text
    assert client.get("/api/periods", headers=viewer).status_code == 404
    assert not missing.exists()


def test_a_warehouse_before_its_first_month(
    client: Any, viewer: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from techaid.warehouse.engine import make_engine
    from techaid.warehouse.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("AIRFLOW_CONN_TECHAID_WAREHOUSE", url)
    assert client.get("/api/periods", headers=viewer).json() == {"periods": [], "latest": None}
    response = client.get("/", headers=viewer)
    assert response.status_code == 404
    assert "还没有计算过任何月份" in response.text


def test_the_readme_snapshot_is_the_page_the_app_serves(
    client: Any, viewer: dict[str, str], dashboard_env: dict[str, Any]
) -> None:
    from techaid_airflow.dashboard.snapshot import render_page

    served = page(client, viewer)  # the app at / here, at /techaid/ under Airflow
    assert render_page(dashboard_env["url"], None).replace('"/techaid/', '"/') == served
