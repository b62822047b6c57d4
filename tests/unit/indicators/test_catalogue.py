"""The catalogue file: complete, validated on load (file, key, value named), and extensible with
no Python (a new indicator of an existing shape is computed from the YAML alone)."""

from __future__ import annotations

from pathlib import Path

import pytest

from techaid import config
from techaid.config import ConfigError
from techaid.indicators.catalogue import catalogue, load_catalogue
from tests.unit.indicators.scenarios import (
    ANQING,
    QIANSHAN,
    QIANSHAN_OLD,
    TAIHU,
    Warehouse,
    catalogue_with,
    scenario_ratio_of_sums,
    scenario_stations,
)

SPEC_CODES = [
    "federations",
    "associations",
    "experts_engaged",
    "village_coverage",
    "county_station",
    "county_caravan",
    "county_museum_tours",
    "county_school_museum",
    "county_consulting",
    "county_association",
    "township_federation",
    "township_industry",
    "township_society",
    "village_association",
    "village_entity",
    "village_brand",
    "village_estation",
    "household_skills",
    "household_projects",
    "agreements_active",
    "youth_participation",
    "pairing_funds",
    "reporting_rate",
]


def test_the_shipped_catalogue_has_every_indicator_of_the_spec() -> None:
    cat = catalogue()
    assert [i.code for i in cat] == SPEC_CODES
    assert cat.status.tolerance == 0.10
    assert cat.status.critical_ratio == 0.70
    assert (cat.status.trend_months, cat.status.min_points) == (6, 3)


def test_key_and_weight_are_stated_in_the_catalogue() -> None:
    cat = catalogue()
    key = {i.code for i in cat.key_indicators()}
    # Every indicator with a county-level target, federations included (its county targets come
    # from an allocation, scored once filled); weight 1 each.
    assert "village_coverage" in key
    assert "county_station" in key
    assert "household_skills" in key
    assert "federations" in key
    assert len(key) == 17
    assert {i.weight for i in cat if i.code in key} == {1}
    # Province-only targets, monitored ones and the city-level rate: not key, weight 0.
    others = {
        "associations",
        "experts_engaged",
        "agreements_active",
        "youth_participation",
        "pairing_funds",
        "reporting_rate",
    }
    assert not key & others
    assert {cat[c].weight for c in others} == {0}


def test_key_and_weight_have_no_default(tmp_path: Path) -> None:
    block = "numerator: {service_covered: true}\n    target: {all: 1.0}\n"
    err = _bad(tmp_path, block + "    key: true\n", block)
    assert err.key == "indicators.village_coverage.key"
    err = _bad(tmp_path, block + "    key: true\n    weight: 1\n", block + "    key: true\n")
    assert err.key == "indicators.village_coverage.weight"


def test_a_key_indicator_needs_a_county_target_and_a_weight(tmp_path: Path) -> None:
    province_only = "target: {province: 350}\n    key: false\n"
    err = _bad(tmp_path, province_only, "target: {province: 350}\n    key: true\n")
    assert err.key == "indicators.associations"
    assert "county-level target" in err.problem
    weighted = "numerator: {service_covered: true}\n    target: {all: 1.0}\n    key: true\n"
    err = _bad(tmp_path, weighted + "    weight: 1\n", weighted + "    weight: 0\n")
    assert err.key == "indicators.village_coverage"
    assert "weight above 0" in err.problem
    err = _bad(tmp_path, weighted + "    weight: 1\n", weighted + "    weight: -1\n")
    assert err.key == "indicators.village_coverage.weight"


def test_a_weight_outside_the_score_is_refused(tmp_path: Path) -> None:
    err = _bad(
        tmp_path,
        "target: {province: 350}\n    key: false\n    weight: 0\n",
        "target: {province: 350}\n    key: false\n    weight: 2\n",
    )
    assert err.key == "indicators.associations"
    assert "weight 0" in err.problem


def _bad(tmp_path: Path, old: str, new: str) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        catalogue_with(tmp_path, {old: new})
    assert err.value.file.endswith("indicators.yaml")
    return err.value


def test_an_unknown_column_is_named(tmp_path: Path) -> None:
    err = _bad(tmp_path, "numerator: {techniques: {gte: 1}}", "numerator: {technique: {gte: 1}}")
    assert err.key == "indicators.household_skills.value.numerator.technique"
    assert err.value == "technique"


def test_an_allocation_must_sum_to_the_province_target(tmp_path: Path) -> None:
    err = _bad(tmp_path, "allocation: {}", 'allocation: {"340882": 30, "340825": 9}')
    assert err.key == "indicators.federations.target"
    assert "39" in err.problem


def test_an_allocation_names_counties_of_the_hierarchy(tmp_path: Path) -> None:
    err = _bad(tmp_path, "allocation: {}", 'allocation: {"340882": 30, "999999": 10}')
    assert err.key == "indicators.federations.target.allocation.999999"


def test_a_shape_fixes_its_aggregation(tmp_path: Path) -> None:
    old = "    spatial: distinct\n"
    err = _bad(tmp_path, old, "    spatial: sum\n")
    assert err.key == "indicators.experts_engaged"
    assert "distinct" in err.problem


def test_a_step_needs_a_due_month(tmp_path: Path) -> None:
    err = _bad(tmp_path, 'trajectory: {kind: step, due: "2019-12"}', "trajectory: {kind: step}")
    assert err.key == "indicators.county_museum_tours.trajectory"


def test_an_enumeration_value_is_checked(tmp_path: Path) -> None:
    err = _bad(tmp_path, "where: {org_type: association}", "where: {org_type: associaton}")
    assert err.key == "indicators.county_association.value.terms.1.where.org_type"
    assert err.value == "associaton"


def test_a_yes_no_column_compares_with_a_boolean(tmp_path: Path) -> None:
    err = _bad(tmp_path, "numerator: {e_station: true}", "numerator: {e_station: 1}")
    assert err.key == "indicators.village_estation.value.numerator.e_station"


def test_an_unknown_sheet_is_named(tmp_path: Path) -> None:
    err = _bad(
        tmp_path,
        "{sheet: counties, column: youth_participants}",
        "{sheet: county, column: youth_participants}",
    )
    assert err.key == "indicators.youth_participation.value.terms.0.sheet"


def test_a_filled_allocation_gives_county_and_city_targets(tmp_path: Path, sqlite_url: str) -> None:
    # 340824 is Qianshan's old code: the allocation follows the county across its recode.
    cat = catalogue_with(
        tmp_path, {"allocation: {}": 'allocation: {"340824": 30, "340825": 6, "341722": 4}'}
    )
    assert cat["federations"].is_key
    wh = Warehouse(sqlite_url, catalogue=cat)
    scenario_stations(wh)
    assert wh.value("2018-12", "federations", "county", QIANSHAN)["target"] == 30
    assert wh.value("2018-06", "federations", "county", QIANSHAN_OLD)["target"] == 30
    city = wh.value("2018-12", "federations", "city", ANQING)
    assert (city["target"], city["status"]) == (36, "critical")  # 0 federations, expected 36x24/48
    assert wh.value("2018-12", "federations", "province", "340000")["target"] == 40
    wh.dispose()


def test_an_unfilled_allocation_leaves_county_status_empty(sqlite_url: str) -> None:
    wh = Warehouse(sqlite_url)
    scenario_stations(wh)
    county = wh.value("2018-12", "federations", "county", TAIHU)
    assert (county["target"], county["expected"], county["status"]) == (None, None, None)
    assert wh.value("2018-12", "federations", "province", "340000")["target"] == 40
    wh.dispose()


NEW_INDICATOR = """
  village_two_entities:
    zh: 两个以上经营主体
    name: Villages with two business entities
    definition: Register poor villages with at least two business entities / poor villages.
    level: county
    temporal: stock
    spatial: ratio_of_sums
    value:
      shape: share
      population: register_villages
      numerator: {business_entities: {gte: 2}}
    target: {all: 1.0}
    key: true
    weight: 1

  reporting_rate:"""


def test_a_new_indicator_of_an_existing_shape_needs_no_python(
    tmp_path: Path, sqlite_url: str
) -> None:
    cat = catalogue_with(tmp_path, {"\n  reporting_rate:": NEW_INDICATOR})
    wh = Warehouse(sqlite_url, catalogue=cat)
    scenario_ratio_of_sums(wh)  # villages listed with 0 business entities
    row = wh.value("2018-06", "village_two_entities", "city", ANQING)
    assert (row["numerator"], row["denominator"], row["target"]) == (0, 5, 1)
    assert cat["village_two_entities"].is_key
    wh.dispose()


def test_the_catalogue_validates_against_another_schema_copy(tmp_path: Path) -> None:
    # The loader takes the schema and hierarchy it checks against (the shipped ones by default).
    cat = load_catalogue(
        config.DEFAULT_CONFIG_DIR / "indicators.yaml", config.schema(), config.hierarchy()
    )
    assert len(list(cat)) == len(SPEC_CODES)
