"""Why a candidate cannot be recommended: the first failing rule, in the rules' own order.

The order matters to the person reading the list: a candidate who was never filed is told so,
not that its score was low. The last two reasons (city cap, quota) depend on the others'
ranking and are decided in :mod:`techaid.recommend.shortlist`.
"""

from __future__ import annotations

import datetime as dt

from techaid.recommend.candidates import Candidate

NOT_FILED = "not_filed"
FILED_AFTER_YEAR_END = "filed_after_year_end"
NO_ACTIVE_AGREEMENT = "no_active_agreement"
NOT_RECOMMENDED = "not_recommended"
NO_EVALUATION = "no_evaluation"
BELOW_THRESHOLD = "below_threshold"
FABRICATION = "fabrication"
OVER_CITY_CAP = "over_city_cap"
OVER_QUOTA = "over_quota"

REASONS = (
    NOT_FILED,
    FILED_AFTER_YEAR_END,
    NO_ACTIVE_AGREEMENT,
    NOT_RECOMMENDED,
    NO_EVALUATION,
    BELOW_THRESHOLD,
    FABRICATION,
    OVER_CITY_CAP,
    OVER_QUOTA,
)

REASON_ZH = {
    NOT_FILED: "未在名册备案",
    FILED_AFTER_YEAR_END: "备案日期晚于年度末",
    NO_ACTIVE_AGREEMENT: "年度内无有效帮扶协议",
    NOT_RECOMMENDED: "未获市级推荐",
    NO_EVALUATION: "无年度评估得分",
    BELOW_THRESHOLD: "评估得分低于推荐分数线",
    FABRICATION: "材料不实，取消评选资格",
    OVER_CITY_CAP: "超出本市推荐名额",
    OVER_QUOTA: "超出推荐名额",
}


def first_failure(candidate: Candidate, year: int, threshold: float) -> str | None:
    """The first rule the candidate fails, up to the fabrication flag; None when it passes.

    An evaluation row whose city does not recommend is ``not_recommended``; no row, or a row
    without a score, is ``no_evaluation`` (there is nothing for the city to have recommended).
    """
    year_end = dt.date(year, 12, 31)
    rating = candidate.evaluation
    if candidate.filed_on is None:
        return NOT_FILED
    if candidate.filed_on > year_end:
        return FILED_AFTER_YEAR_END
    if candidate.agreements == 0:
        return NO_ACTIVE_AGREEMENT
    if rating is not None and not rating.recommended:
        return NOT_RECOMMENDED
    if rating is None or rating.score is None:
        return NO_EVALUATION
    if rating.score < threshold:
        return BELOW_THRESHOLD
    if candidate.fabrication:
        return FABRICATION
    return None
