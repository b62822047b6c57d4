"""The monitoring dashboard inside the Airflow UI: one month's rollup for the provincial team and
the data engineers, read from the published warehouse tables, behind Airflow's own login.

``dashboard_plugin`` registers it with Airflow (a FastAPI app at ``/techaid`` and a menu entry);
``app`` holds the routes, ``access`` the auth manager checks, ``views`` what the pages and the JSON
show, ``files`` the read-only output folder, ``snapshot`` the README's screenshot. Only
``dashboard_plugin`` is loaded by Airflow's plugin manager (see ``.airflowignore`` here).
"""
