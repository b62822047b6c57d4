"""The one Jinja environment for email bodies (``include/templates/email/``).

Each kind has two templates, ``<kind>.html.j2`` (autoescaped: a value from a submitted file can
never become markup) and ``<kind>.txt.j2`` (the plain-text alternative, not escaped). HTML
templates extend ``base.html.j2``, text templates ``base.txt.j2``, so every email carries the same
header and footer. Undefined variables raise: a missing value is a bug, not an empty cell.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jinja2

from techaid.paths import TEMPLATES_DIR

EMAIL_TEMPLATES_DIR = TEMPLATES_DIR / "email"


class Body(NamedTuple):
    html: str
    text: str


def _autoescape(name: str | None) -> bool:
    return name is not None and name.endswith((".html.j2", ".html"))


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(EMAIL_TEMPLATES_DIR)),
        undefined=jinja2.StrictUndefined,
        autoescape=_autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **context: Any) -> Body:
    """Render ``<name>.html.j2`` and ``<name>.txt.j2`` with the same context."""
    env = environment()
    html = env.get_template(f"{name}.html.j2").render(**context)
    text = env.get_template(f"{name}.txt.j2").render(**context)
    return Body(html, text)
