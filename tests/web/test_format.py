"""How pages write times, dates, identifiers and refusals."""

from __future__ import annotations

import datetime as dt

from armsctl.web.format import dated, day, natural, natural_key, plain_refusal, when, when_text
from armsctl.web.pages_declarations import _item_changes


def test_times_are_to_the_minute_in_utc_with_the_zone_and_a_time_element() -> None:
    stored = "2026-11-30T11:00:12.345678+01:00"
    assert when_text(stored) == "2026-11-30 10:00 UTC"
    assert str(when(stored)) == '<time datetime="2026-11-30T10:00:12Z">2026-11-30 10:00 UTC</time>'
    assert when_text(dt.datetime(2024, 3, 1, 9, 5, tzinfo=dt.UTC)) == "2024-03-01 09:05 UTC"
    assert when_text(None) == "—"


def test_a_time_without_a_zone_is_shown_as_given_not_taken_as_utc() -> None:
    assert when_text("2024-03-01T10:00:00") == "2024-03-01T10:00:00 (no time zone)"
    assert "<time" not in str(when("2024-03-01T10:00:00"))


def test_dates_are_time_elements_and_escaped() -> None:
    assert str(dated("due <b> 2024-03-31")) == (
        'due &lt;b&gt; <time datetime="2024-03-31">2024-03-31</time>'
    )
    assert str(day(dt.date(2024, 9, 1))) == '<time datetime="2024-09-01">2024-09-01</time>'
    assert "<b>" not in str(day("<b>"))


def test_uids_sort_as_people_count() -> None:
    uids = ["U10", "U2", "U1", "U0", "U11", "U100", "R9", "U1a"]
    assert sorted(uids, key=natural_key) == ["R9", "U0", "U1", "U1a", "U2", "U10", "U11", "U100"]
    rows = [{"item": {"uid": u}} for u in ("U10", "U2", "U0")]
    assert [r["item"]["uid"] for r in natural(rows, "item", "uid")] == ["U0", "U2", "U10"]


def test_item_changes_of_a_diff_are_in_natural_order() -> None:
    left = [{"uid": f"U{i}", "status": "deployed"} for i in range(12)]
    right = [{"uid": f"U{i}", "status": "non-deployed"} for i in range(12)]
    assert [c["uid"] for c in _item_changes(left, right)] == [f"U{i}" for i in range(12)]


def test_refusals_in_plain_words() -> None:
    said = plain_refusal("observer", "notification.read", "the observer role may not ...")
    assert said.startswith("Your role (observer) cannot list notifications sent or received.")
    assert "Only party users can" in said and "notification.read" not in said
    assert "(audited)" not in said
    own = plain_refusal("party", "declaration.items.read", "only its own party's data")
    assert "only within its own scope" in own
