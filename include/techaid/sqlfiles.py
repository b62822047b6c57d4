"""The one Jinja environment for every SQL file under ``sql/``.

SQL lives in files (``sql/<room>/<verb>_<object>.sql``), rendered here and nowhere else, so every
template sees the same macros, the same strict undefined and the same ``fail()`` global.
Identifiers come only from validated configuration; values always travel as bind parameters.
"""

from __future__ import annotations

import functools
from typing import Any, NoReturn

import jinja2

from techaid.paths import SQL_DIR


class SqlTemplateError(ValueError):
    """A template asked to stop (``{{ fail('why') }}``): the context it was given cannot work."""


def _fail(message: str) -> NoReturn:
    raise SqlTemplateError(message)


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(SQL_DIR)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["fail"] = _fail
    return env


def render(name: str, **context: Any) -> str:
    """Render ``sql/<name>`` (for example ``"indicators/insert_flow_sums.sql"``)."""
    return environment().get_template(name).render(**context)
