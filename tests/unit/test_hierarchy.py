"""The dated hierarchy: lookups across the Qianshan recode (340824 -> 340882 in August 2018)."""

from __future__ import annotations

from techaid import config


def test_each_month_lists_the_code_valid_then() -> None:
    h = config.hierarchy()
    july = {u.code for u in h.counties_of("340800", "2018-07")}
    august = {u.code for u in h.counties_of("340800", "2018-08")}
    assert "340824" in july
    assert "340882" not in july
    assert "340882" in august
    assert "340824" not in august


def test_retired_code_maps_forward_with_a_flag() -> None:
    res = config.hierarchy().resolve_county("340824", "2019-03")
    assert (res.code, res.mapped) == ("340882", True)


def test_successor_used_too_early_maps_back() -> None:
    res = config.hierarchy().resolve_county("340882", "2018-05")
    assert (res.code, res.mapped) == ("340824", True)


def test_code_valid_in_month_is_accepted_as_is() -> None:
    res = config.hierarchy().resolve_county("340824", "2018-07")
    assert (res.code, res.mapped) == ("340824", False)


def test_one_continuous_series_across_the_recode() -> None:
    h = config.hierarchy()
    assert h.series_code("340824") == h.series_code("340882") == "340882"
    assert h.lineage("340882") == ["340824", "340882"]


def test_village_codes_follow_the_county_prefix() -> None:
    res = config.hierarchy().recode_prefix("340824101201", "2019-01")
    assert res.code == "340882101201"
    assert res.mapped


def test_unknown_code_is_unknown() -> None:
    assert not config.hierarchy().resolve_county("123456", "2018-01").known


def test_shou_county_moved_city_before_the_program() -> None:
    h = config.hierarchy()
    assert h.city_of(h.resolve_county("341521", "2017-06").code) == "340400"
