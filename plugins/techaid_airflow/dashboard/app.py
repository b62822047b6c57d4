"""The dashboard's FastAPI app (mounted by Airflow's api-server at :data:`URL_PREFIX`).

Pages: ``/`` (the latest computed month, or ``?period=YYYY-MM``; ``&county=CODE`` picks the county
whose history is drawn, default the one ranked first), ``/outbox`` (the emails written as files).
JSON: ``/api/periods``, ``/api/rollup?period=``, ``/api/history?county=&period=``. Files:
``/files/<path>`` under the output root (the rollup workbook, the outbox, the Data Docs), read-only.
Every route requires a reader the auth manager admits (:mod:`.access`); the domain reads come from
``techaid.outputs.report.data`` (no SQL here), from the warehouse the DAGs write to.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from sqlalchemy.engine import Engine, make_url

from techaid.outputs.mail.eml import outbox_dir
from techaid.outputs.report.data import ReportDataError, Rollup, computed_periods, read_rollup
from techaid.paths import output_root
from techaid.periods import parse_period
from techaid.warehouse.engine import make_engine
from techaid_airflow.dashboard import files, views
from techaid_airflow.dashboard.access import NotAllowed, dashboard_user, login_url
from techaid_airflow.hooks import warehouse_url

URL_PREFIX = "/techaid"
API = "/api/"


class Unavailable(Exception):
    """Nothing to show for what was asked: a status, a title and a sentence for the reader."""

    def __init__(self, status_code: int, title: str, text: str) -> None:
        super().__init__(text)
        self.status_code, self.title, self.text = status_code, title, text


# ---------------------------------------------------------------- the warehouse


@functools.lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def warehouse() -> Engine:
    """The warehouse of the ``techaid_warehouse`` connection (one engine per URL). A SQLite file
    that does not exist yet is reported, never created: the dashboard only reads."""
    url = warehouse_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        raise Unavailable(
            status.HTTP_404_NOT_FOUND,
            "尚无数据仓库",
            f"数据仓库文件 {parsed.database} 还不存在：先运行 monthly_reporting（或 make demo）。",
        )
    return _engine_for(url)


def periods_of(engine: Engine) -> list[str]:
    """The computed months (none while the warehouse has no published tables yet)."""
    if not sa.inspect(engine).has_table("indicator_value"):
        return []
    return computed_periods(engine)


def month(period: str | None, county: str | None = None) -> tuple[Rollup, list[str]]:
    """The month asked for (default the latest computed) and every computed month."""
    if period is not None:
        try:
            parse_period(period)
        except ValueError:
            raise Unavailable(
                status.HTTP_400_BAD_REQUEST,
                "月份格式不对",
                f"月份应写成 YYYY-MM，收到 {period!r}。",
            ) from None
    engine = warehouse()
    known = periods_of(engine)
    chosen = period or (known[-1] if known else None)
    if chosen is None:
        raise Unavailable(
            status.HTTP_404_NOT_FOUND,
            "尚无汇总",
            "还没有计算过任何月份：先运行 monthly_reporting。",
        )
    try:
        rollup = read_rollup(engine, chosen, county)
    except ReportDataError:
        raise Unavailable(
            status.HTTP_404_NOT_FOUND, "没有该月汇总", f"{chosen} 的指标尚未计算。"
        ) from None
    if county is not None and county not in {r.county_code for r in rollup.ranking}:
        raise Unavailable(
            status.HTTP_404_NOT_FOUND, "没有该县", f"{chosen} 的排名中没有县代码 {county!r}。"
        )
    return rollup, known


# ---------------------------------------------------------------- links


def _base(request: Request) -> str:
    """The app's own root path as the browser sees it (``/techaid/``, behind any base URL)."""
    return request.scope.get("root_path", "").rstrip("/") + "/"


def links(request: Request, period: str | None = None) -> views.Links:
    return views.page_links(_base(request), period)


# ---------------------------------------------------------------- routes

router = APIRouter(dependencies=[Depends(dashboard_user)])
Period = Annotated[str | None, Query(description="YYYY-MM (default: the latest computed month)")]


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, period: Period = None, county: str | None = None) -> HTMLResponse:
    rollup, known = month(period, county)
    page = views.render_overview(rollup, known, links(request, rollup.period))
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


@router.get("/outbox", response_class=HTMLResponse)
def outbox(request: Request) -> HTMLResponse:
    page_links = links(request)
    entries = views.outbox_entries(outbox_dir(), f"{page_links.base}files/outbox/")
    return HTMLResponse(views.render_outbox(entries, page_links))


def _file(path: Path) -> FileResponse:
    return FileResponse(
        path,
        media_type=files.media_type(path),
        headers=files.headers(path),
        filename=path.name if files.is_download(path) else None,
    )


# Declared before /files/{relative:path}, so these paths never reach the login check.
public = APIRouter()


@public.get(f"/files/{files.PUBLIC_ASSETS}/{{relative:path}}")
def data_docs_asset(relative: str) -> FileResponse:
    """The Data Docs' scripts, styles and fonts, which their sandboxed pages load without the
    login cookie (see :mod:`.files`)."""
    from techaid.outputs.data_docs import docs_dir

    try:
        response = _file(files.asset(docs_dir() / "static", relative))
    except files.NotServed:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file") from None
    # Fonts are fetched with CORS, and a sandboxed page's origin is "null".
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@router.get("/files/{relative:path}")
def output_file(relative: str) -> FileResponse:
    try:
        return _file(files.resolve(output_root(), relative))
    except files.NotServed:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file") from None


@router.get("/api/periods")
def api_periods() -> dict[str, Any]:
    known = periods_of(warehouse())
    return {"periods": known, "latest": known[-1] if known else None}


@router.get("/api/rollup")
def api_rollup(period: Period = None) -> dict[str, Any]:
    return views.rollup_json(month(period)[0])


@router.get("/api/history")
def api_history(county: str, period: Period = None) -> dict[str, Any]:
    rollup, _ = month(period, county)
    return {"period": rollup.period, **views.history(rollup)}


# ---------------------------------------------------------------- refusals


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(_base(request) + API.lstrip("/"))


async def _refused(request: Request, exc: Exception) -> Response:
    """Not logged in (no token, or an expired or invalid one): pages and files go to Airflow's
    login and come back; JSON answers 401/403. Logged in without the dashboard: 403."""
    assert isinstance(exc, HTTPException)
    page = not _is_api(request)
    if page and isinstance(exc, NotAllowed):
        text = "当前账号没有查看科技扶贫监测看板的权限，请联系 Airflow 管理员。"
        return HTMLResponse(views.render_message("无权查看", text, links(request)), status_code=403)
    if page and exc.status_code in (401, 403) and not isinstance(exc, NotAllowed):
        return RedirectResponse(login_url(request), status_code=status.HTTP_307_TEMPORARY_REDIRECT)
    return await http_exception_handler(request, exc)


async def _unavailable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Unavailable)
    if _is_api(request):
        return JSONResponse({"detail": exc.text}, status_code=exc.status_code)
    page = views.render_message(exc.title, exc.text, links(request))
    return HTMLResponse(page, status_code=exc.status_code)


def create_app() -> FastAPI:
    """The app Airflow mounts. No OpenAPI pages: everything it serves is behind the login."""
    app = FastAPI(title="techaid dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(public)
    app.include_router(router)
    app.add_exception_handler(HTTPException, _refused)
    app.add_exception_handler(Unavailable, _unavailable)
    return app
