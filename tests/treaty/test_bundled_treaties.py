"""The bundled START I, INF, CFE, Vienna Document 2011 and Open Skies files say what the facts say.

Every expected figure below is copied from the curated public facts the files were written from
(``other_treaties.md``): a change to a file that drifts from them fails here. Figures the facts tag
as unverified must stay marked ``provenance = "M"``, and nothing else may be.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armsctl.treaty import (
    CountingRule,
    InspectionQuota,
    Limit,
    NotificationDuty,
    Treaty,
    bundled_treaty_ids,
    load_treaty,
)

Rule = Limit | InspectionQuota | NotificationDuty

TREATIES = ["start-i", "inf", "cfe", "vienna-document-2011", "open-skies"]
CFE_GROUPS = ["nato-1990", "warsaw-pact-1990"]


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


@dataclass(frozen=True)
class Item:
    """One declared item, enough to evaluate a counting rule by hand."""

    category: str
    status: str
    attributes: dict[str, int] = field(default_factory=dict)


def _figure(rule: CountingRule, items: Iterable[Item]) -> int:
    """A counting rule over items, written out plainly as the specification of its meaning."""
    total = 0
    for item in items:
        for term in rule.terms:
            if item.category in term.categories and item.status in term.statuses:
                if term.measure == "count":
                    total += term.weight
                else:
                    assert term.attribute is not None
                    total += term.weight * item.attributes.get(term.attribute, 0)
    return total


def _provenance_m(treaty: Treaty) -> Iterator[str]:
    """Every place in a treaty that carries provenance "M", as a readable key."""
    if treaty.dates.entry_into_force_provenance == "M":
        yield "dates.entry_into_force"
    for s in treaty.dates.suspensions:
        if s.provenance == "M":
            yield f"suspension:{s.party}:{s.kind}"
    for z in treaty.zones:
        if z.provenance == "M":
            yield f"zone:{z.id}"
    for x in treaty.limits:
        if x.provenance == "M":
            yield f"limit:{x.id}"
    for q in treaty.inspection_quotas:
        if q.provenance == "M":
            yield f"quota:{q.id}"
    for n in treaty.notifications:
        if n.provenance == "M":
            yield f"notification:{n.id}"
        for t in n.thresholds:
            if t.provenance == "M":
                yield f"threshold:{n.id}:{t.measure}"


@pytest.fixture(scope="module", params=TREATIES)
def treaty(request: pytest.FixtureRequest) -> Treaty:
    return load_treaty(request.param)


# --- every file ---------------------------------------------------------------------------------


def test_all_five_are_bundled() -> None:
    assert set(TREATIES) <= set(bundled_treaty_ids())


@pytest.mark.parametrize("treaty_id", TREATIES)
def test_loads_under_its_file_name(treaty_id: str) -> None:
    assert load_treaty(treaty_id).id == treaty_id


def test_every_rule_cites_its_article(treaty: Treaty) -> None:
    rules: list[Rule] = [*treaty.limits, *treaty.inspection_quotas, *treaty.notifications]
    assert all(rule.article.strip() for rule in rules)
    assert all(c.article.strip() for c in treaty.categories)


def test_has_a_source_with_a_url(treaty: Treaty) -> None:
    assert any(s.url for s in treaty.sources)
    assert all(s.url is None or s.url.startswith("https://") for s in treaty.sources)


def test_rule_sources_are_listed(treaty: Treaty) -> None:
    known = {s.id for s in treaty.sources}
    rules: list[Rule] = [*treaty.limits, *treaty.inspection_quotas, *treaty.notifications]
    for rule in rules:
        assert rule.source is None or rule.source in known, rule.id


def test_counting_terms_use_statuses_their_categories_have(treaty: Treaty) -> None:
    for limit in treaty.limits:
        for term in limit.counting.terms:
            for category in term.categories:
                assert set(term.statuses) <= set(treaty.category(category).statuses), limit.id


def test_group_and_zone_limits_name_their_groups(treaty: Treaty) -> None:
    # A group or zone limit is evaluated for the groups it names: naming none would drop it.
    for limit in treaty.limits:
        if limit.scope != "party":
            assert limit.groups, limit.id


def test_limits_take_effect_while_in_force(treaty: Treaty) -> None:
    for limit in treaty.limits:
        assert treaty.in_force_on(limit.effective), limit.id


# --- unverified figures -------------------------------------------------------------------------

UNVERIFIED = {
    "start-i": {"dates.entry_into_force"},
    "inf": set(),
    "cfe": {
        "dates.entry_into_force",
        "suspension:RUS:moratorium",
        "zone:zone-iv-3",
        "zone:zone-iv-4",
        "limit:group-aifv-hacv",
        "limit:group-hacv",
        *(
            f"limit:zone-{z}-{c}-active"
            for z in ("iv-2", "iv-3", "iv-4")
            for c in ("battle-tank", "acv", "artillery")
        ),
        # The 1996 Flank Document's limits on Russia: figures confirmed, start date unverified.
        "zone:flank-reduced",
        *(
            f"limit:rus-{z}-{c}"
            for z in ("flank", "flank-reduced")
            for c in ("battle-tank", "acv", "artillery")
        ),
    },
    "vienna-document-2011": {
        "dates.entry_into_force",
        "quota:evaluation-visits",
        "quota:inspections",
        "notification:annual-calendar",
        "notification:prior-notification",
        "notification:observation-invitation",
        *(
            f"threshold:prior-notification:{m}"
            for m in (
                "troops",
                "battle-tanks",
                "acvs",
                "artillery",
                "air-sorties",
                "amphibious-heliborne-parachute-troops",
            )
        ),
        *(
            f"threshold:observation-invitation:{m}"
            for m in (
                "troops",
                "battle-tanks",
                "acvs",
                "artillery",
                "amphibious-heliborne-parachute-troops",
            )
        ),
    },
    "open-skies": {"suspension:RUS:withdrawal", "notification:arrival"},
}


@pytest.mark.parametrize("treaty_id", TREATIES)
def test_exactly_the_unverified_figures_are_marked(treaty_id: str) -> None:
    assert set(_provenance_m(load_treaty(treaty_id))) == UNVERIFIED[treaty_id]


# --- key figures and dates ----------------------------------------------------------------------

LIMITS = [
    ("start-i", "delivery-vehicles", 1600, "party"),
    ("start-i", "deployed-heavy-icbms", 154, "party"),
    ("start-i", "accountable-warheads", 6000, "party"),
    ("start-i", "ballistic-missile-warheads", 4900, "party"),
    ("start-i", "mobile-icbm-warheads", 1100, "party"),
    ("start-i", "heavy-icbm-warheads", 1540, "party"),
    ("start-i", "throw-weight", 3_600_000, "party"),
    ("inf", "shorter-range-missiles", 0, "party"),
    ("inf", "shorter-range-launchers", 0, "party"),
    ("inf", "intermediate-range-missiles", 0, "party"),
    ("inf", "intermediate-range-launchers", 0, "party"),
    ("inf", "phase-one-launcher-warheads", 171, "party"),
    ("inf", "range-band-missiles", 0, "party"),
    ("cfe", "group-battle-tank", 20000, "group"),
    ("cfe", "group-acv", 30000, "group"),
    ("cfe", "group-artillery", 20000, "group"),
    ("cfe", "group-combat-aircraft", 6800, "group"),
    ("cfe", "group-attack-helicopter", 2000, "group"),
    ("cfe", "group-battle-tank-active", 16500, "group"),
    ("cfe", "group-acv-active", 27300, "group"),
    ("cfe", "group-artillery-active", 17000, "group"),
    ("cfe", "group-aifv-hacv", 18000, "group"),
    ("cfe", "group-hacv", 1500, "group"),
    ("cfe", "zone-iv-2-battle-tank", 15300, "zone"),
    ("cfe", "zone-iv-2-acv", 24100, "zone"),
    ("cfe", "zone-iv-2-artillery", 14000, "zone"),
    ("cfe", "zone-iv-2-battle-tank-active", 11800, "zone"),
    ("cfe", "zone-iv-3-acv-active", 19260, "zone"),
    ("cfe", "zone-iv-4-artillery-active", 5000, "zone"),
    ("cfe", "flank-battle-tank-active", 4700, "zone"),
    ("cfe", "flank-acv-active", 5900, "zone"),
    ("cfe", "flank-artillery-active", 6000, "zone"),
    ("cfe", "sufficiency-battle-tank", 13300, "party"),
    ("cfe", "sufficiency-acv", 20000, "party"),
    ("cfe", "sufficiency-artillery", 13700, "party"),
    ("cfe", "sufficiency-combat-aircraft", 5150, "party"),
    ("cfe", "sufficiency-attack-helicopter", 1500, "party"),
]


@pytest.mark.parametrize(("treaty_id", "limit_id", "maximum", "scope"), LIMITS)
def test_limit_figure(treaty_id: str, limit_id: str, maximum: int, scope: str) -> None:
    limit = load_treaty(treaty_id).limit(limit_id)
    assert (limit.maximum, limit.scope) == (maximum, scope)
    if scope != "party":
        assert limit.groups == CFE_GROUPS


def test_limit_tables_are_complete() -> None:
    # Every encoded limit is one of the facts above, or one of the tables it samples (CFE IV(3)-(4)).
    listed = {(t, x) for t, x, _, _ in LIMITS}
    for treaty_id in ("start-i", "inf"):
        assert {(treaty_id, x.id) for x in load_treaty(treaty_id).limits} <= listed
    # 30 limits of the 1990 treaty and 6 of the 1996 Flank Document on Russia.
    assert len(load_treaty("cfe").limits) == 36
    flank_document = {x.id: x.maximum for x in load_treaty("cfe").limits if x.parties == ["RUS"]}
    assert flank_document == {
        "rus-flank-battle-tank": 1800,
        "rus-flank-acv": 3700,
        "rus-flank-artillery": 2400,
        "rus-flank-reduced-battle-tank": 1300,
        "rus-flank-reduced-acv": 1380,
        "rus-flank-reduced-artillery": 1680,
    }


DATES = [
    ("start-i", "1991-07-31", "1994-12-05", "2009-12-05"),
    ("inf", "1987-12-08", "1988-06-01", "2019-08-02"),
    ("cfe", "1990-11-19", "1992-11-09", None),
    ("vienna-document-2011", "2011-11-30", "2011-11-30", None),
    ("open-skies", "1992-03-24", "2002-01-01", None),
]


@pytest.mark.parametrize(("treaty_id", "signed", "eif", "expiry"), DATES)
def test_key_dates(treaty_id: str, signed: str, eif: str, expiry: str | None) -> None:
    dates = load_treaty(treaty_id).dates
    assert dates.signed == dt.date.fromisoformat(signed)
    assert dates.entry_into_force == dt.date.fromisoformat(eif)
    assert dates.expiry == (dt.date.fromisoformat(expiry) if expiry else None)


def test_start_i_limits_apply_seven_years_after_entry_into_force() -> None:
    start = load_treaty("start-i")
    due = start.dates.entry_into_force.replace(year=start.dates.entry_into_force.year + 7)
    assert due == dt.date(2001, 12, 5)
    assert {x.effective for x in start.limits} == {due}
    assert start.in_force_on(dt.date(2009, 12, 4))
    assert not start.in_force_on(dt.date(2009, 12, 5))


def test_start_i_data_notifications() -> None:
    duties = {n.id: n.deadline_delta for n in load_treaty("start-i").notifications}
    assert duties == {
        "initial-data": dt.timedelta(days=30),
        "six-monthly-update": dt.timedelta(days=30),
        "change-in-data": dt.timedelta(days=5),
    }


def test_inf_elimination_deadlines() -> None:
    inf = load_treaty("inf")
    eif = inf.dates.entry_into_force
    assert (
        inf.limit("shorter-range-missiles").effective
        == _add_months(eif, 18)
        == dt.date(1989, 12, 1)
    )
    assert inf.limit("shorter-range-launchers").effective == dt.date(1989, 12, 1)
    assert (
        inf.limit("intermediate-range-missiles").effective
        == _add_months(eif, 36)
        == dt.date(1991, 6, 1)
    )
    assert inf.limit("intermediate-range-launchers").effective == dt.date(1991, 6, 1)
    assert inf.limit("phase-one-launcher-warheads").effective == _add_months(eif, 29)


def test_inf_end_suspensions_and_withdrawal() -> None:
    inf = load_treaty("inf")
    assert inf.in_force_on(dt.date(2019, 8, 1))
    assert not inf.in_force_on(dt.date(2019, 8, 2))
    events = {(s.party, s.kind, s.effective) for s in inf.dates.suspensions}
    assert events == {
        ("USA", "suspension", dt.date(2019, 2, 1)),
        ("RUS", "suspension", dt.date(2019, 2, 2)),
        ("USA", "withdrawal", dt.date(2019, 8, 2)),
    }


def test_cfe_parties_and_groups() -> None:
    cfe = load_treaty("cfe")
    nato, east = (cfe.parties.groups[g] for g in CFE_GROUPS)
    assert len(nato) == 16 and len(east) == 7  # the 6 Warsaw Treaty states, CSK as CZE + SVK
    assert sorted(nato + east) == sorted(cfe.parties.members)
    assert "RUS" in east and {"CZE", "SVK"} <= set(east) and "DEU" in nato


def test_cfe_limits_take_effect_40_months_after_provisional_application() -> None:
    cfe = load_treaty("cfe")
    effective = _add_months(dt.date(1992, 7, 17), 40)
    assert effective == dt.date(1995, 11, 17)  # "limits in full effect November 1995"
    assert {x.effective for x in cfe.limits if not x.parties} == {effective}


def test_cfe_zone_limits() -> None:
    cfe = load_treaty("cfe")
    flank = [x for x in cfe.limits if x.id.startswith("flank-")]
    assert len(flank) == 3
    assert all(x.zones == ["flank"] and x.article == "Article V(1)(A)" for x in flank)
    assert all(t.statuses == ["active-unit"] for x in flank for t in x.counting.terms)
    # Article IV(2) = Article IV(1) ceiling minus the flank limit.
    for cat in ("battle-tank", "acv", "artillery"):
        iv2 = cfe.limit(f"zone-iv-2-{cat}")
        assert iv2.provenance == "D"
        assert (
            iv2.maximum
            == cfe.limit(f"group-{cat}").maximum - cfe.limit(f"flank-{cat}-active").maximum
        )


def test_cfe_withdrawal_and_suspension() -> None:
    events = {(s.party, s.kind): s.effective for s in load_treaty("cfe").dates.suspensions}
    assert events[("RUS", "withdrawal")] == dt.date(2023, 11, 7)
    assert events[("USA", "suspension")] == dt.date(2023, 12, 7)
    assert events[("RUS", "moratorium")] == dt.date(2007, 12, 12)


def test_vienna_document_is_open_and_political() -> None:
    vd = load_treaty("vienna-document-2011")
    assert vd.kind == "political-commitment"
    assert vd.parties.open and not vd.limits


def test_vienna_document_evaluation_visits_rule() -> None:
    quotas = {q.id: q for q in load_treaty("vienna-document-2011").inspection_quotas}
    visits = quotas["evaluation-visits"]
    assert (visits.units_per_inspection, visits.max_per_year, visits.kind) == (60, 15, "passive")
    inspections = quotas["inspections"]
    assert (inspections.per_year, inspections.max_from_same_party) == (3, 1)


@pytest.mark.parametrize(
    ("duty", "days", "thresholds"),
    [
        ("annual-exchange", 17, {}),
        ("annual-calendar", 47, {}),
        (
            "prior-notification",
            42,
            {
                "troops": 9000,
                "battle-tanks": 250,
                "acvs": 500,
                "artillery": 250,
                "air-sorties": 200,
                "amphibious-heliborne-parachute-troops": 3000,
            },
        ),
        (
            "observation-invitation",
            42,
            {
                "troops": 13000,
                "battle-tanks": 300,
                "acvs": 500,
                "artillery": 250,
                "amphibious-heliborne-parachute-troops": 3500,
            },
        ),
    ],
)
def test_vienna_document_notifications(duty: str, days: int, thresholds: dict[str, int]) -> None:
    vd = load_treaty("vienna-document-2011")
    notice = next(n for n in vd.notifications if n.id == duty)
    assert notice.direction == "before" and notice.deadline_delta == dt.timedelta(days=days)
    assert {t.measure: t.at_least for t in notice.thresholds} == thresholds


def test_vienna_document_aemi_is_due_on_15_december() -> None:
    vd = load_treaty("vienna-document-2011")
    aemi = next(n for n in vd.notifications if n.id == "annual-exchange")
    assert dt.date(2012, 1, 1) - aemi.deadline_delta == dt.date(2011, 12, 15)


OPEN_SKIES_PASSIVE = {
    "blr-rus": 42,
    "USA": 42,
    "CAN": 12,
    "FRA": 12,
    "DEU": 12,
    "ITA": 12,
    "TUR": 12,
    "UKR": 12,
    "GBR": 12,
    "NOR": 7,
    "benelux": 6,
    "DNK": 6,
    "POL": 6,
    "ROU": 6,
    "BGR": 4,
    "csfr": 4,
    "GRC": 4,
    "HUN": 4,
    "ISL": 4,
    "ESP": 4,
    "PRT": 2,
}


def test_open_skies_passive_quotas() -> None:
    quotas = {q.id: q for q in load_treaty("open-skies").inspection_quotas}
    assert quotas["passive-quota"].per_party == OPEN_SKIES_PASSIVE
    assert quotas["passive-quota"].per_party["USA"] == 42


def test_open_skies_quota_keys_cover_every_member_once() -> None:
    os_ = load_treaty("open-skies")
    covered: list[str] = []
    for key in OPEN_SKIES_PASSIVE:
        covered += os_.parties.groups.get(key, [key])
    assert sorted(covered) == sorted(os_.parties.members)
    assert os_.parties.groups["blr-rus"] == ["BLR", "RUS"]
    assert sorted(os_.parties.groups["benelux"]) == ["BEL", "LUX", "NLD"]


def test_open_skies_first_distribution_is_75_percent_rounded_down() -> None:
    quotas = {q.id: q for q in load_treaty("open-skies").inspection_quotas}
    first = quotas["first-distribution"].per_party
    assert first == {key: quota * 3 // 4 for key, quota in OPEN_SKIES_PASSIVE.items()}
    assert first["USA"] == 31


def test_open_skies_withdrawals() -> None:
    os_ = load_treaty("open-skies")
    events = {s.party: (s.kind, s.effective) for s in os_.dates.suspensions}
    assert events == {
        "USA": ("withdrawal", dt.date(2020, 11, 22)),
        "RUS": ("withdrawal", dt.date(2021, 12, 18)),
    }
    assert not os_.limits and not os_.categories


# --- counting rules mean what the facts say -----------------------------------------------------


def test_start_i_bomber_discount_counts_attributed_warheads() -> None:
    start = load_treaty("start-i")
    bomber = Item("heavy-bomber-alcm", "deployed", {"attributed-warheads": 10})
    other = Item("heavy-bomber", "deployed", {"attributed-warheads": 1})
    fig = {x.id: _figure(x.counting, [bomber, other]) for x in start.limits}
    assert fig["delivery-vehicles"] == 2
    assert fig["accountable-warheads"] == 11
    assert fig["ballistic-missile-warheads"] == 0


def test_start_i_heavy_and_mobile_icbms() -> None:
    start = load_treaty("start-i")
    heavy = Item(
        "heavy-icbm-launcher", "deployed", {"attributed-warheads": 10, "throw-weight-kg": 8800}
    )
    mobile = Item(
        "mobile-icbm-launcher", "deployed", {"attributed-warheads": 1, "throw-weight-kg": 1000}
    )
    spare = Item("heavy-icbm-launcher", "non-deployed", {"attributed-warheads": 10})
    fig = {x.id: _figure(x.counting, [heavy, mobile, spare]) for x in start.limits}
    assert fig == {
        "delivery-vehicles": 2,
        "deployed-heavy-icbms": 1,
        "accountable-warheads": 11,
        "ballistic-missile-warheads": 11,
        "mobile-icbm-warheads": 1,
        "heavy-icbm-warheads": 10,
        "throw-weight": 9800,
    }


START_CATEGORIES = [
    "icbm-launcher",
    "mobile-icbm-launcher",
    "heavy-icbm-launcher",
    "slbm-launcher",
    "heavy-bomber-alcm",
    "heavy-bomber",
]
start_items = st.lists(
    st.builds(
        Item,
        st.sampled_from(START_CATEGORIES),
        st.sampled_from(["deployed", "non-deployed"]),
        st.fixed_dictionaries(
            {"attributed-warheads": st.integers(0, 20), "throw-weight-kg": st.integers(0, 9000)}
        ),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(start_items)
def test_start_i_sub_limits_are_within_their_limits(items: list[Item]) -> None:
    start = load_treaty("start-i")
    fig = {x.id: _figure(x.counting, items) for x in start.limits}
    assert fig["deployed-heavy-icbms"] <= fig["delivery-vehicles"]
    assert fig["mobile-icbm-warheads"] <= fig["ballistic-missile-warheads"]
    assert fig["heavy-icbm-warheads"] <= fig["ballistic-missile-warheads"]
    assert fig["ballistic-missile-warheads"] <= fig["accountable-warheads"]


def test_inf_phase_down_counts_deployed_launcher_capacity() -> None:
    inf = load_treaty("inf")
    ss20 = [Item("intermediate-range-launcher", "deployed", {"warheads": 3})] * 57
    stored = Item("intermediate-range-launcher", "non-deployed", {"warheads": 3})
    rule = inf.limit("phase-one-launcher-warheads")
    assert _figure(rule.counting, [*ss20, stored]) == 171 == rule.maximum
    assert _figure(inf.limit("intermediate-range-launchers").counting, [*ss20, stored]) == 58


def test_cfe_acv_sub_limits_count_flagged_vehicles() -> None:
    cfe = load_treaty("cfe")
    apc = Item("acv", "active-unit", {"aifv-or-hacv": 0, "hacv": 0})
    aifv = Item("acv", "designated-permanent-storage", {"aifv-or-hacv": 1, "hacv": 0})
    hacv = Item("acv", "active-unit", {"aifv-or-hacv": 1, "hacv": 1})
    items = [apc, aifv, hacv]
    assert _figure(cfe.limit("group-acv").counting, items) == 3
    assert _figure(cfe.limit("group-acv-active").counting, items) == 2
    assert _figure(cfe.limit("group-aifv-hacv").counting, items) == 2
    assert _figure(cfe.limit("group-hacv").counting, items) == 1
