"""The monthly ``lagging_alert`` to each city office with lagging counties.

It lists the city's own counties in the provincial ranking with their movement, and for each
lagging county every lagging indicator with value, expected, target, gap, the monthly rate still
needed and the forecast month, then the pairing suggestions (:mod:`techaid.recommend.pairing`):
a helper from another city shown by name, specialty (or type) and city name only. Attached: the
city's own rollup (:mod:`.city_workbook`). Nothing in it comes from another city's counties.
Its key is kind, period and city: one alert per city and month.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from techaid import config
from techaid.outputs.compose.city_workbook import city_workbook
from techaid.outputs.compose.common import SUBJECT_PREFIX, XLSX_TYPE, office_addresses, one_line
from techaid.outputs.compose.views import ranking_view
from techaid.outputs.mail.email import Attachment, Email, dedupe_key
from techaid.outputs.mail.templates import render
from techaid.outputs.report.data import Rollup
from techaid.recommend.pairing import Suggestion

KIND = "lagging_alert"


def alert_key(period: str, city_code: str) -> str:
    return dedupe_key(KIND, period, city_code)


def lagging_cities(rollup: Rollup) -> list[str]:
    """Cities with at least one lagging county, in the hierarchy's order."""
    lagging = {r.city_code for r in rollup.ranking if r.lagging}
    return [c for c in config.hierarchy().city_codes() if c in lagging]


def _suggestions_view(suggestions: Iterable[Suggestion], county: str) -> list[dict[str, str]]:
    out = []
    for s in suggestions:
        if s.county_code != county:
            continue
        shown = {k: one_line(v, 200) for k, v in s.shown().items()}
        shown.setdefault("id", "")
        shown["kind"] = "专家" if s.subject_kind == "expert" else "组织"
        out.append(shown)
    return out


def lagging_alert(
    rollup: Rollup, city_code: str, suggestions: Sequence[Suggestion]
) -> Email | None:
    """The alert to ``city_code``'s office; None when none of its counties lags or the city
    has no recipients."""
    own = [r for r in rollup.ranking if r.city_code == city_code]
    lagging = [r for r in own if r.lagging]
    addresses = office_addresses(city_code)
    if not lagging or addresses is None:
        return None
    to, cc = addresses
    city = config.hierarchy().name(city_code)
    period = rollup.period
    details = []
    for r in lagging:
        view = ranking_view(r)
        view["suggestions"] = _suggestions_view(suggestions, r.county_code)
        details.append(view)
    attachment = f"本市汇总_{city}_{period}.xlsx"
    body = render(
        KIND,
        city=city,
        period=period,
        title_month=rollup.title_month,
        total=len(rollup.ranking),
        counties=[ranking_view(r) for r in own],
        lagging=details,
        attachment_name=attachment,
    )
    return Email(
        kind=KIND,
        period=period,
        city_code=city_code,
        to=to,
        cc=cc,
        subject=(
            f"{SUBJECT_PREFIX} 落后县预警 {KIND} {period} {city}："
            f"{len(lagging)} 个县落后，请组织帮扶"
        ),
        html=body.html,
        text=body.text,
        dedupe_key=alert_key(period, city_code),
        attachments=[Attachment(attachment, city_workbook(rollup, city_code), XLSX_TYPE)],
    )
