"""Who may open the dashboard: Airflow's auth manager decides, with its own token checks.

Airflow mounts a plugin's FastAPI app without its authentication, so every route of the dashboard
depends on :func:`dashboard_user`. It takes the reader from Airflow's own ``get_user`` dependency
(the JWT in an ``Authorization: Bearer`` header, else the ``_token`` cookie the UI's login sets,
validated by the auth manager, revoked tokens included) and asks the auth manager whether that
user may see the custom view :data:`RESOURCE` (the simple auth manager: any role from viewer up).
Anonymous readers of a page are sent to Airflow's login and brought back; the JSON answers 401.
"""

from __future__ import annotations

from typing import Annotated

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.models.base_user import BaseUser
from airflow.api_fastapi.core_api.security import get_user
from fastapi import Depends, HTTPException, Request, status

RESOURCE = "Techaid Dashboard"


class NotAllowed(HTTPException):
    """Logged in, but the auth manager does not grant the dashboard to this user."""

    def __init__(self) -> None:
        super().__init__(status.HTTP_403_FORBIDDEN, f"not allowed to view {RESOURCE!r}")


async def dashboard_user(user: Annotated[BaseUser, Depends(get_user)]) -> BaseUser:
    """The reader, when the auth manager lets them see the dashboard (else 401/403)."""
    allowed = get_auth_manager().is_authorized_custom_view(
        method="GET", resource_name=RESOURCE, user=user
    )
    if not allowed:
        raise NotAllowed()
    return user


def login_url(request: Request) -> str:
    """Airflow's login page, coming back to the page asked for."""
    return get_auth_manager().get_url_login(next_url=str(request.url))
