"""The rules of recommendation and pairing: ``recommendations.yaml`` and
``specialty_keywords.yaml``, validated on load. Defined in :mod:`techaid.config.recommendations`
(so ``config.validate_all`` checks them with every other file); the recommendation code imports
them from here.
"""

from __future__ import annotations

from techaid.config.recommendations import (
    KEYWORDS_FILE,
    MIN_NOTICE_DAYS,
    RECOMMENDATIONS_FILE,
    SUBJECT_KINDS,
    Notice,
    Pairing,
    PerKind,
    Quotas,
    RecommendationRules,
    Score,
    SpecialtyKeywords,
    SubjectKind,
    Weights,
    load_keywords,
    load_rules,
    recommendation_rules,
    specialty_keywords,
)

__all__ = [
    "KEYWORDS_FILE",
    "MIN_NOTICE_DAYS",
    "RECOMMENDATIONS_FILE",
    "SUBJECT_KINDS",
    "Notice",
    "Pairing",
    "PerKind",
    "Quotas",
    "RecommendationRules",
    "Score",
    "SpecialtyKeywords",
    "SubjectKind",
    "Weights",
    "load_keywords",
    "load_rules",
    "recommendation_rules",
    "specialty_keywords",
]
