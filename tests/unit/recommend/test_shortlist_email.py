"""The yearly ``shortlist`` email and the run's year: the provincial team gets the shortlist, the
excluded with reasons and both files; the same shortlist is one email, a corrected one another."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from pathlib import Path

from techaid import config
from techaid.outputs.mail import outbox
from techaid.outputs.mail.message import compose
from techaid.outputs.shortlist_mail import shortlist_email
from techaid.recommend import annual, notice, shortlist
from tests.unit.recommend.world import (
    ANQING,
    RUN,
    Warehouse,
    agreement,
    evaluation,
    expert,
    rules,
)

PHONE = "13912345678"


def publish(wh: Warehouse, out: Path, *experts: tuple[str, float]) -> list[dict]:
    wh.submit(
        ANQING,
        "2018-12",
        experts=[expert(e, name=f"姓名{e}", phone=PHONE) for e, _ in experts],
        agreements=[agreement(f"A{e}", e) for e, _ in experts],
        evaluations=[evaluation(e, s) for e, s in experts],
    )
    shortlist.publish(
        wh.engine, shortlist.build(wh.engine, 2018, RUN, rules()), "recommendation", 2018
    )
    notice.write(wh.engine, 2018, RUN, out, rules())
    return shortlist.read(wh.engine, 2018)


def test_email_to_the_team_with_list_reasons_and_files(sqlite_url: str, tmp_path: Path) -> None:
    wh = Warehouse(sqlite_url)
    rows = publish(wh, tmp_path, ("E1", 95), ("E2", 60))
    mail = shortlist_email(rows, 2018, tmp_path)
    team = config.recipients().provincial_team
    assert (mail.kind, mail.period, mail.city_code, mail.to) == ("shortlist", "2018", None, team.to)
    assert [a.filename for a in mail.attachments] == ["shortlist_2018.xlsx", "notice_2018.html"]
    assert mail.attachments[0].content == (tmp_path / "shortlist_2018.xlsx").read_bytes()
    for body in (mail.html, mail.text):
        assert "姓名E1" in body
        assert "2019年1月25日至2019年1月31日" in body
        assert "姓名E2" in body
        assert "评估得分低于推荐分数线" in body
        assert PHONE not in body
    parsed = email.message_from_bytes(
        compose(mail, "techaid@example.org", dt.datetime(2019, 1, 25, 3)), policy=policy.default
    )
    assert [p.get_filename() for p in parsed.iter_attachments()] == [
        "shortlist_2018.xlsx",
        "notice_2018.html",
    ]
    assert outbox.record(wh.engine, [mail], dt.datetime(2019, 1, 25)) == 1
    again = shortlist_email(shortlist.read(wh.engine, 2018), 2018, tmp_path)
    assert outbox.record(wh.engine, [again], dt.datetime(2019, 1, 25)) == 0  # retried: once


def test_a_changed_shortlist_is_a_new_email(sqlite_url: str, tmp_path: Path) -> None:
    wh = Warehouse(sqlite_url)
    before = shortlist_email(publish(wh, tmp_path, ("E1", 95), ("E2", 60)), 2018, tmp_path)
    after = shortlist_email(publish(wh, tmp_path, ("E1", 95), ("E2", 85)), 2018, tmp_path)
    assert before.dedupe_key != after.dedupe_key
    assert before.dedupe_key.startswith("shortlist/2018/-/")


def test_a_run_shortlists_the_year_before_its_date_in_shanghai() -> None:
    # 25 January 03:00 in Shanghai is still the 24th in UTC; a New Year's run just after
    # midnight in Shanghai is already the new year there
    assert annual.run_year(dt.datetime(2019, 1, 24, 19, 0, tzinfo=dt.UTC)) == 2018
    assert annual.run_day(dt.datetime(2019, 1, 24, 19, 0, tzinfo=dt.UTC)) == dt.date(2019, 1, 25)
    assert annual.run_year(dt.datetime(2019, 12, 31, 16, 30, tzinfo=dt.UTC)) == 2019
    assert annual.run_year(dt.datetime(2021, 1, 25, tzinfo=dt.UTC), override=2018) == 2018
