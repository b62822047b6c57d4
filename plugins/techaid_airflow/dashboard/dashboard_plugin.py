"""Registers the dashboard with Airflow: its FastAPI app at ``/techaid`` on the api-server, and an
entry in the UI's Browse menu that shows it inside Airflow (``/plugin/techaid``).

Airflow's plugin manager loads this file from the plugins folder; nothing else may import the
plugin class (a second module holding it would register it twice).
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from techaid_airflow.dashboard.app import URL_PREFIX, create_app


class TechaidDashboardPlugin(AirflowPlugin):
    name = "techaid_dashboard"
    fastapi_apps = [  # noqa: RUF012 - Airflow reads these as class attributes
        {"app": create_app(), "url_prefix": URL_PREFIX, "name": "科技扶贫监测看板"}
    ]
    external_views = [  # noqa: RUF012
        {
            "name": "科技扶贫监测看板",
            "href": f"{URL_PREFIX}/",
            "destination": "nav",
            "category": "browse",
            "url_route": "techaid",
        }
    ]
