"""Nobody reads the dashboard without Airflow's login: every route refuses anonymous callers
(pages and files send them to the login page and back, JSON answers 401), and a token is judged
by the auth manager itself (signature, expiry, revocation, the user's role)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.routing import APIRoute

from techaid_airflow.dashboard import files
from techaid_airflow.dashboard.app import create_app

# A concrete URL for every route of the app (path parameters filled in).
SAMPLES = {"/files/{relative:path}": "/files/2018-06/rollup_2018-06.xlsx"}
QUERY = {"/api/history": "?county=341722"}


PUBLIC = f"/files/{files.PUBLIC_ASSETS}/"  # the Data Docs' static assets: no data, no login


def _urls() -> list[str]:
    urls = []
    for route in create_app().routes:
        if isinstance(route, APIRoute) and not route.path.startswith(PUBLIC):
            urls.append(SAMPLES.get(route.path, route.path) + QUERY.get(route.path, ""))
    return urls


URLS = _urls()
PAGES = [u for u in URLS if not u.startswith("/api/")]
APIS = [u for u in URLS if u.startswith("/api/")]


def test_the_app_has_the_routes_the_tests_walk() -> None:
    assert set(PAGES) == {"/", "/outbox", "/files/2018-06/rollup_2018-06.xlsx"}
    assert set(APIS) == {"/api/periods", "/api/rollup", "/api/history?county=341722"}


def test_only_the_data_docs_static_assets_are_public(client: Any) -> None:
    from techaid.outputs.data_docs import DOCS_FOLDER

    assert f"{DOCS_FOLDER}/static" == files.PUBLIC_ASSETS
    script = client.get(f"{PUBLIC}vendor/jquery.min.js")
    assert script.status_code == 200
    assert script.text == "/* jQuery */"
    assert script.headers["access-control-allow-origin"] == "*"
    for refused in ("page.html", "escape.js", "%2e%2e/index.html", "vendor"):
        assert client.get(PUBLIC + refused).status_code == 404, refused
    assert client.get("/files/data_docs/index.html").status_code == 307


@pytest.mark.parametrize("url", PAGES)
def test_an_anonymous_page_goes_to_the_login_and_back(client: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 307
    target = urlsplit(response.headers["location"])
    assert target.path == "/auth/login"
    assert parse_qs(target.query)["next"] == [f"http://testserver{url}"]
    assert "石台县" not in response.text


@pytest.mark.parametrize("url", APIS)
def test_anonymous_json_is_refused(client: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 401
    assert "ranking" not in response.text
    assert "periods" not in response.text


@pytest.mark.parametrize("url", URLS)
def test_a_token_of_the_auth_manager_opens_every_route(
    client: Any, viewer: dict[str, str], url: str
) -> None:
    assert client.get(url, headers=viewer).status_code == 200


def test_the_login_cookie_of_the_ui_is_accepted(client: Any, mint: Any) -> None:
    client.cookies.set("_token", mint("viewer"))
    try:
        page = client.get("/")
        data = client.get("/api/periods")
    finally:
        client.cookies.clear()
    assert page.status_code == 200
    assert "石台县" in page.text
    assert data.json()["latest"] == "2018-06"


def test_a_forged_token_is_refused(client: Any, mint: Any) -> None:
    head, body, signature = mint("admin").split(".")
    forged = f"{head}.{body}.{signature[::-1]}"
    response = client.get("/api/periods", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 403
    page = client.get("/", headers={"Authorization": f"Bearer {forged}"})
    assert page.status_code == 307
    assert urlsplit(page.headers["location"]).path == "/auth/login"


def test_an_expired_token_is_refused(client: Any, mint: Any) -> None:
    old = mint("viewer", seconds=-3600)  # expired an hour ago, beyond any leeway
    response = client.get("/api/periods", headers={"Authorization": f"Bearer {old}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Token Expired"


def test_a_revoked_token_is_refused(client: Any, mint: Any, auth_manager: Any) -> None:
    token = mint("viewer")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/periods", headers=headers).status_code == 200
    auth_manager.revoke_token(token)  # what Airflow's logout does
    assert client.get("/api/periods", headers=headers).status_code == 403


def test_a_user_without_a_role_is_forbidden_not_sent_to_login(client: Any, mint: Any) -> None:
    headers = {"Authorization": f"Bearer {mint(None)}"}
    data = client.get("/api/rollup", headers=headers)
    assert data.status_code == 403
    assert "ranking" not in data.text
    page = client.get("/", headers=headers)
    assert page.status_code == 403
    assert "无权查看" in page.text
    assert "石台县" not in page.text


@pytest.mark.slow
def test_airflow_serves_the_plugin_behind_its_login(dashboard_env: Any, mint: Any) -> None:
    """The api-server's own app: the plugin mounted at /techaid, listed in the UI's menu, and
    refusing anonymous callers there too."""
    from airflow.api_fastapi.app import create_app as airflow_app
    from fastapi.testclient import TestClient

    with TestClient(airflow_app(apps="core"), follow_redirects=False) as api:
        anonymous = api.get("/techaid/api/rollup")
        page = api.get("/techaid/")
        token = mint("viewer")
        api.cookies.set("_token", token)
        shown = api.get("/techaid/?period=2018-05")
        plugins = api.get("/api/v2/plugins").json()["plugins"]
    assert anonymous.status_code == 401
    assert page.status_code == 307
    assert page.headers["location"].startswith("/auth/login?next=")
    assert shown.status_code == 200
    assert "2018年5月" in shown.text
    ours = next(p for p in plugins if p["name"] == "techaid_dashboard")
    assert [v["url_route"] for v in ours["external_views"]] == ["techaid"]
    assert [a["url_prefix"] for a in ours["fastapi_apps"]] == ["/techaid"]
