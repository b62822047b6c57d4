"""The rules of recommendation and pairing, as data: ``recommendations.yaml`` and
``specialty_keywords.yaml`` in the configuration folder, validated on load.

The provincial team changes weights, threshold, quotas, the notice's text and the keyword table
without touching code; a bad value is refused with :class:`techaid.config.ConfigError` naming the
file, the key and the value. They live in the configuration package so ``validate_all`` checks
them with every other file; ``techaid.recommend.rules`` re-exports them for the recommendation code.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from techaid import config

RECOMMENDATIONS_FILE = "recommendations.yaml"
KEYWORDS_FILE = "specialty_keywords.yaml"
MIN_NOTICE_DAYS = 7  # the rules' 公示不少于7天
SUBJECT_KINDS = ("expert", "organization")

# Seven or more digits in a row, separators allowed: a telephone number has no place in a notice.
_PHONE_LIKE = re.compile(r"\d(?:[\s\-()（）]*\d){6,}")

SubjectKind = Literal["expert", "organization"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Weights(_Strict):
    evaluation: float = Field(1.0, ge=0)
    villages: float = Field(0.0, ge=0)
    households: float = Field(0.0, ge=0)
    activities: float = Field(0.0, ge=0)
    county_progress: float = Field(0.0, ge=0)


class Score(_Strict):
    threshold: float = Field(80, ge=0, le=100)
    weights: Weights = Weights()


class PerKind(_Strict):
    expert: int | None = Field(None, ge=0)
    organization: int | None = Field(None, ge=0)

    def of(self, kind: str) -> int | None:
        return getattr(self, kind)


class Quotas(_Strict):
    expert: int = Field(30, ge=0)
    organization: int = Field(15, ge=0)

    def of(self, kind: str) -> int:
        return getattr(self, kind)


class Notice(_Strict):
    start: dict[int, dt.date] = Field(default_factory=dict)
    days: int = Field(MIN_NOTICE_DAYS, ge=MIN_NOTICE_DAYS)
    title: str = Field(min_length=1)
    issuer: str = Field(min_length=1)
    objections: str = Field(min_length=1)

    @field_validator("title", "issuer", "objections")
    @classmethod
    def _no_phone(cls, v: str) -> str:
        if _PHONE_LIKE.search(v):
            raise ValueError("a public notice shows no telephone number")
        return v

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        try:
            v.format(year=2019)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError("only {year} may be filled in") from exc
        return v

    def start_for(self, year: int, run_date: dt.date) -> dt.date:
        """The notice's first day for ``year``: the configured one, else the run's date."""
        return self.start.get(year, run_date)

    def end_for(self, start: dt.date) -> dt.date:
        """Its last day: start and end both counted, so ``days`` days in all."""
        return start + dt.timedelta(days=self.days - 1)


class Pairing(_Strict):
    per_county: int = Field(5, ge=1, le=50)


class RecommendationRules(_Strict):
    org_types: list[str] = Field(min_length=1)
    score: Score = Score()
    quotas: Quotas = Quotas()
    city_cap: PerKind = PerKind()
    notice: Notice
    pairing: Pairing = Pairing()


class SpecialtyKeywords(_Strict):
    """specialty -> keywords; :meth:`specialties_of` reads a township's industry text."""

    table: dict[str, tuple[str, ...]]

    def specialties_of(self, text: str | None) -> tuple[set[str], set[str]]:
        """(specialties, keywords found) of one industry text; both empty when nothing matches."""
        found: set[str] = set()
        words: set[str] = set()
        for specialty, keywords in self.table.items():
            for word in keywords:
                if text and word in text:
                    found.add(specialty)
                    words.add(word)
        return found, words


def load_rules(
    path: Path | None = None, schema: config.Schema | None = None
) -> RecommendationRules:
    """``recommendations.yaml``: organization types checked against the ``org_type`` enum (of
    ``schema``, default the configured one)."""
    path = path or config.config_dir() / RECOMMENDATIONS_FILE
    raw = config.read_yaml(path)
    rules = config.validated(RecommendationRules, raw, path)
    known = (schema or config.schema()).enum_values("org_type")
    for i, kind in enumerate(rules.org_types):
        if kind not in known:
            raise config.ConfigError(path, f"org_types.{i}", kind, "not an organization type")
    return rules


def load_keywords(
    path: Path | None = None, schema: config.Schema | None = None
) -> SpecialtyKeywords:
    """``specialty_keywords.yaml``: every key a specialty (of ``schema``, default the configured
    one), every keyword non-empty text."""
    path = path or config.config_dir() / KEYWORDS_FILE
    raw = config.read_yaml(path)
    if not isinstance(raw, dict) or not raw:
        raise config.ConfigError(path, "(root)", raw, "must map specialties to keyword lists")
    known = (schema or config.schema()).enum_values("specialty")
    table: dict[str, tuple[str, ...]] = {}
    for specialty, words in raw.items():
        if specialty not in known:
            raise config.ConfigError(path, str(specialty), specialty, "not a specialty")
        if not isinstance(words, list) or not words:
            raise config.ConfigError(path, str(specialty), words, "must be a list of keywords")
        for i, word in enumerate(words):
            if not isinstance(word, str) or not word.strip():
                raise config.ConfigError(path, f"{specialty}.{i}", word, "must be non-empty text")
        table[specialty] = tuple(w.strip() for w in words)
    return SpecialtyKeywords(table=table)


@functools.cache
def _cached(kind: str, directory: str) -> Any:
    folder = Path(directory)
    if kind == "rules":
        return load_rules(folder / RECOMMENDATIONS_FILE)
    return load_keywords(folder / KEYWORDS_FILE)


def recommendation_rules() -> RecommendationRules:
    return _cached("rules", str(config.config_dir()))


def specialty_keywords() -> SpecialtyKeywords:
    return _cached("keywords", str(config.config_dir()))
