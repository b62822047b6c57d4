"""Data Docs page views that render the same bytes for the same results.

GX's Jinja views stamp the current time into every page (a cache-busting ``?d=<now>`` on the
logo) and give collapsible blocks random ``uuid4`` ids, so each build of the same results would
differ. These views leave URLs as they are and number the element ids per page. GX instantiates
them by dotted path from the site configuration (:mod:`techaid.outputs.data_docs`); importing
this module imports Great Expectations, so nothing but that configuration names it.
"""

from __future__ import annotations

from typing import Any

from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import pass_context


class _Stable:
    """Mixin: no wall-clock time and no random ids in a rendered page."""

    _element_counter = 0

    def render(self, document: Any, template: Any = None, **kwargs: Any) -> Any:
        self._element_counter = 0
        return super().render(document, template, **kwargs)  # type: ignore[misc]

    def generate_html_element_uuid(self, prefix: str | None = None) -> str:
        self._element_counter += 1
        return f"{prefix or ''}el{self._element_counter:05d}"

    @pass_context
    def add_data_context_id_to_url(self, jinja_context: Any, url: str, *_: Any, **__: Any) -> str:
        return url


class StablePageView(_Stable, DefaultJinjaPageView):
    """Expectation suite and validation result pages."""


class StableIndexPageView(_Stable, DefaultJinjaIndexPageView):
    """The site's index page."""
