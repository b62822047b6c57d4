"""Data Docs renderers and page views: pages that work offline, say which city and month they
are about, and render the same bytes for the same results.

- The renderers title every validation ``<city code> <city name> <period> · <sheet>``
  (:func:`techaid.outputs.data_docs.validation_title`): a column of the index that links to the
  page, and the page's heading, breadcrumb and browser title.
- The views load every script, style and font from the site itself
  (:func:`techaid.outputs.data_docs_assets.localize`), leave URLs without GX's cache-busting
  ``?d=<now>``, and number collapsible blocks per page instead of giving them random ``uuid4``
  ids, so each build of the same results gives the same bytes.

GX instantiates these classes by dotted path from the site configuration
(:mod:`techaid.outputs.data_docs`); importing this module imports Great Expectations, so nothing
but that configuration names it.
"""

from __future__ import annotations

import html
import re
from typing import Any

from great_expectations.render import (
    RenderedBootstrapTableContent,
    RenderedHeaderContent,
    RenderedStringTemplateContent,
)
from great_expectations.render.renderer import (
    SiteIndexPageRenderer,
    ValidationResultsPageRenderer,
)
from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import pass_context

from techaid.outputs.data_docs import validation_title
from techaid.outputs.data_docs_assets import localize, page_depth

_DROPPED_COLUMNS = ("asset_name", "batch_identifier")
_TITLE = re.compile(r"<title>(.*?)</title>\s*", re.DOTALL)


def _run_name(validation_results: Any) -> str:
    run_id = validation_results.meta.get("run_id")
    if isinstance(run_id, dict):
        return str(run_id.get("run_name") or "")
    return str(getattr(run_id, "run_name", "") or "")


class TitledValidationResultsPageRenderer(ValidationResultsPageRenderer):
    """A result's page, headed and titled with its city, period and sheet."""

    def render(self, validation_results: Any, suite_parameters: Any = None) -> Any:
        document = super().render(validation_results, suite_parameters)
        document.page_title = validation_title(
            _run_name(validation_results), validation_results.suite_name
        )
        return document

    @classmethod
    def _render_validation_header(cls, validation_results: Any) -> Any:
        header = super()._render_validation_header(validation_results)
        suite = validation_results.suite_name
        title = validation_title(_run_name(validation_results), suite)
        params = header.subheader.string_template["params"]
        params["data_asset_name"] = params.get("data_asset_name") or suite.split(".")[-1]
        return RenderedHeaderContent(
            content_block_type="header",
            header=RenderedStringTemplateContent(
                content_block_type="string_template",
                string_template={
                    "template": "$title",
                    "params": {"title": title},
                    "tag": "h4",
                    "styling": {"classes": ["m-0", "ge-validation-title"]},
                },
            ),
            subheader=header.subheader,
            styling=header.styling,
        )


class TitledSiteIndexPageRenderer(SiteIndexPageRenderer):
    """The index, whose results table starts with each validation's title, linked (the asset
    and batch columns said the sheet again, and are dropped)."""

    @classmethod
    def _generate_validation_results_link_table(cls, index_links_dict: Any) -> Any:
        table = super()._generate_validation_results_link_table(index_links_dict)
        links = index_links_dict.get("validations_links", [])
        for row, link in zip(table.table_data, links, strict=True):
            title = validation_title(
                str(link.get("run_name") or ""), str(link.get("expectation_suite_name") or "")
            )
            href = html.escape(str(link.get("filepath") or ""), quote=True)
            row["title"] = (
                f'<a class="ge-validation-title" href="{href}" style="white-space: nowrap"'
                ' onclick="event.stopPropagation()">'  # the row's own click navigates too
                f"{html.escape(title)}</a>"
            )
            row["_title_sort"] = title
        column = {
            "field": "title",
            "title": "Validation",
            "sortName": "_title_sort",
            "sortable": "true",
            "filterControl": "input",
        }
        columns = [c for c in table.table_columns if c["field"] not in _DROPPED_COLUMNS]
        columns.insert(1, column)  # after the status
        return RenderedBootstrapTableContent(
            table_columns=columns,
            table_data=table.table_data,
            table_options=table.table_options,
            styling=table.styling,
        )


class _Stable:
    """Mixin: no wall-clock time, no random ids and no remote asset in a rendered page."""

    _element_counter = 0

    def render(self, document: Any, template: Any = None, **kwargs: Any) -> Any:
        self._element_counter = 0
        page = super().render(document, template, **kwargs)  # type: ignore[misc]
        renderer_type = str(getattr(document, "renderer_type", "") or "")
        suite = getattr(document, "expectation_suite_name", None)
        page = localize(page, page_depth(renderer_type, suite))
        return _retitle(page, getattr(document, "page_title", None))

    def generate_html_element_uuid(self, prefix: str | None = None) -> str:
        self._element_counter += 1
        return f"{prefix or ''}el{self._element_counter:05d}"

    @pass_context
    def add_data_context_id_to_url(self, jinja_context: Any, url: str, *_: Any, **__: Any) -> str:
        return url


def _retitle(page: str, title: str | None) -> str:
    """One ``<title>``: the page's own title where it has one (GX's templates write a fixed
    title, then an empty one, and the browser shows the first)."""
    seen = 0

    def keep_first(match: re.Match[str]) -> str:
        nonlocal seen
        seen += 1
        if seen > 1:
            return ""
        text = html.escape(title) if title else match.group(1)
        return f"<title>{text}</title>\n    "

    return _TITLE.sub(keep_first, page)


class StablePageView(_Stable, DefaultJinjaPageView):
    """Expectation suite and validation result pages."""


class StableIndexPageView(_Stable, DefaultJinjaIndexPageView):
    """The site's index page."""
