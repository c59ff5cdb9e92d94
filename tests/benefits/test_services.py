"""Realised benefit entries: validation, one per initiative and month, history kept, the
recompute asked for, and the ledger stored by the recompute."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alignment_portal.benefits.models import BenefitEntry, BenefitEntryRevision, BenefitScore
from alignment_portal.benefits.services import benefit_entry_record
from alignment_portal.benefits.validation import validate_benefit
from alignment_portal.organizations.services import organization_settings_update
from alignment_portal.scoring import engine
from alignment_portal.scoring.models import Flag
from tests.factories import InitiativeFactory

TODAY = date(2026, 6, 15)


@pytest.fixture
def robot(tenancy):
    return InitiativeFactory(organization=tenancy.org, name="Invoice robot", status="live",
                             go_live_date=date(2026, 1, 1), one_time_cost=1200,
                             monthly_cost=100, hours_saved_per_month=10)


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"hours_saved": "NaN"}, "hours_saved", "not a number you can measure"),
    ({"money_gained": "inf"}, "money_gained", "not a number you can measure"),
    ({"money_gained": "-5"}, "money_gained", "negative"),
    ({"hours_saved": "2000000"}, "hours_saved", "too large"),
    ({"money_gained": "1e13"}, "money_gained", "too large"),
    ({"money_gained": "=1+1"}, "money_gained", "spreadsheet formula"),
    ({"money_gained": "lots"}, "money_gained", "not a number"),
    ({"money_gained": "5", "note": "<script>alert(1)</script>"}, "note", "HTML"),
    ({"money_gained": "5", "note": "=HYPERLINK(\"x\")"}, "note", "formula"),
    ({}, "__all__", "hours saved, the money gained, or both"),
    ({"hours_saved": " ", "money_gained": ""}, "__all__", "or both"),
])
def test_bad_entries_are_refused_with_a_clear_message(fields, field, words):
    with pytest.raises(ValidationError) as caught:
        validate_benefit(month=date(2026, 5, 1), today=TODAY, **fields)
    assert words in " ".join(caught.value.message_dict[field])


def test_a_month_not_yet_begun_is_refused_and_any_day_means_its_month():
    with pytest.raises(ValidationError) as caught:
        validate_benefit(month=date(2026, 7, 1), money_gained=5, today=TODAY)
    assert "has not begun" in caught.value.message_dict["month"][0]
    month, hours, money, _ = validate_benefit(month=date(2026, 6, 14), hours_saved="7,5",
                                              today=TODAY)
    assert (month, hours, money) == (date(2026, 6, 1), Decimal("7.5"), None)


def test_entering_a_month_again_replaces_it_and_keeps_the_old_entry(tenancy, robot):
    user = tenancy.user("staff")
    entry, outcome = benefit_entry_record(initiative=robot, month=date(2026, 3, 9),
                                          hours_saved="8", user=user, today=TODAY)
    assert outcome == "created" and entry.month == date(2026, 3, 1)
    again, outcome = benefit_entry_record(initiative=robot, month=date(2026, 3, 1),
                                          hours_saved="8", user=user, today=TODAY)
    assert outcome == "unchanged" and again.pk == entry.pk
    _, outcome = benefit_entry_record(initiative=robot, month=date(2026, 3, 20),
                                      hours_saved="9", money_gained="50", note="corrected",
                                      user=user, today=TODAY)
    assert outcome == "replaced"
    assert BenefitEntry.objects.count() == 1
    stored = BenefitEntry.objects.get()
    assert (stored.hours_saved, stored.money_gained) == (Decimal("9.0"), Decimal("50.00"))
    revision = BenefitEntryRevision.objects.get()
    assert revision.hours_saved == Decimal("8.0") and revision.replaced_by == user


def test_a_refused_entry_stores_nothing(tenancy, robot):
    with pytest.raises(ValidationError):
        benefit_entry_record(initiative=robot, month=date(2026, 3, 1), hours_saved="-1",
                             money_gained="5", today=TODAY)
    assert not BenefitEntry.objects.exists()


def test_an_entry_asks_for_a_recompute(tenancy, robot):
    before = type(tenancy.org).objects.get(pk=tenancy.org.pk).recompute_generation
    benefit_entry_record(initiative=robot, month=date(2026, 3, 1), hours_saved="8",
                         today=TODAY)
    assert type(tenancy.org).objects.get(pk=tenancy.org.pk).recompute_generation > before


def test_the_recompute_stores_the_ledger_and_its_flags(tenancy, robot):
    organization_settings_update(organization=tenancy.org, hour_value=Decimal("25"))
    for month in (1, 2, 3, 4, 5):
        benefit_entry_record(initiative=robot, month=date(2026, month, 1), hours_saved="8",
                             today=TODAY)
    engine.recompute(tenancy.org.pk, today=TODAY)
    score = BenefitScore.objects.get(initiative=robot)
    assert (score.cost_to_date, score.realised_to_date, score.net) == (1700, 1000, -700)
    assert score.realisation == pytest.approx(0.8)
    assert score.payback_status == "projected" and score.payback_month == date(2027, 1, 1)
    written = engine.write_scorecard(tenancy.org.pk, engine.score(
        engine.load_frames(tenancy.org.pk), TODAY))
    assert written["benefits"] == 0  # written only when changed
    assert not Flag.objects.filter(code__in=["BENEFIT_SHORTFALL", "UNPROVEN_BENEFIT"]).exists()


def test_an_initiative_live_three_months_without_entries_is_flagged(tenancy, robot):
    organization_settings_update(organization=tenancy.org, hour_value=Decimal("25"))
    engine.recompute(tenancy.org.pk, today=TODAY)
    flag = Flag.objects.open().get(code="UNPROVEN_BENEFIT")
    assert flag.subject_id == str(robot.pk) and flag.severity == "low"
    benefit_entry_record(initiative=robot, month=date(2026, 5, 1), money_gained="10",
                         today=TODAY)
    engine.recompute(tenancy.org.pk, today=TODAY)
    assert not Flag.objects.open().filter(code="UNPROVEN_BENEFIT").exists()
    assert Flag.objects.open().get(code="BENEFIT_SHORTFALL").severity == "medium"


def test_clearing_the_hour_value_hides_money_from_hours(tenancy, robot):
    organization_settings_update(organization=tenancy.org, hour_value=Decimal("25"))
    benefit_entry_record(initiative=robot, month=date(2026, 5, 1), hours_saved="8",
                         today=TODAY)
    engine.recompute(tenancy.org.pk, today=TODAY)
    assert BenefitScore.objects.get().realised_to_date == 200
    organization_settings_update(organization=tenancy.org, hour_value=None)
    engine.recompute(tenancy.org.pk, today=TODAY)
    score = BenefitScore.objects.get()
    assert score.realised_to_date is None and score.net is None
    assert score.realised_hours == 8


def test_an_initiative_of_another_organization_is_refused(tenancy):
    foreign = InitiativeFactory(organization=tenancy.other_org)
    from alignment_portal.benefits.services import BenefitRow, benefit_entries_record

    with pytest.raises(ValidationError):
        benefit_entries_record(organization=tenancy.org, rows=[
            BenefitRow(foreign.pk, date(2026, 5, 1), None, Decimal("5"))])
    assert not BenefitEntry.objects.exists()


def test_a_negative_hour_value_is_refused(tenancy):
    with pytest.raises(ValidationError):
        organization_settings_update(organization=tenancy.org, hour_value=Decimal("-1"))


def test_the_current_month_is_accepted(tenancy, robot):
    today = timezone.localdate()
    entry, _ = benefit_entry_record(initiative=robot, month=today, money_gained="1")
    assert entry.month == today.replace(day=1)
    assert entry.month <= today and (today - entry.month) < timedelta(days=31)
