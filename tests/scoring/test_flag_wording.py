"""Flags are stored as a code and params and said in the reader's language; the SMART reasons,
the impact verdicts and the ledger's words have German too."""

from datetime import date

import pytest
from django.utils import translation

from alignment_portal.benefits.models import PaybackStatus
from alignment_portal.scoring import engine, impact, smart, wording
from alignment_portal.scoring.models import Flag
from tests.scoring.test_engine import build_organization

TODAY = date(2026, 12, 1)


@pytest.fixture
def org(db):
    return build_organization(1, "words")


def test_a_flag_reads_in_german_with_german_active_and_in_english_otherwise(org):
    engine.recompute(org.pk)
    unaligned = org.initiatives.get(name="Unaligned words")
    flag = Flag.objects.get(organization=org, code="MISALIGNED", subject_id=str(unaligned.pk))
    assert flag.params == {"name": "Unaligned words", "cost": "100.00"}
    assert flag.message == ("“Unaligned words” is active but serves no active goal; it costs "
                            "100.00 a month.")
    with translation.override("de"):
        assert flag.message == ("„Unaligned words“ ist aktiv, dient aber keinem aktiven Ziel; "
                                "sie kostet 100,00 pro Monat.")
        assert flag.suggested_fix.startswith("Verknüpfen Sie sie mit dem aktiven Ziel")
    assert flag.suggested_fix == ("Link it to the active goal it should move, or pause or "
                                  "retire it.")


def test_a_recompute_in_german_writes_no_row_when_nothing_changed(org):
    engine.recompute(org.pk)
    with translation.override("de"):
        written = engine.write_scorecard(org.pk, engine.score(engine.load_frames(org.pk),
                                                              TODAY))
    assert (written["opened"], written["updated"], written["resolved"]) == (0, 0, 0)


def test_a_flag_stored_as_text_before_params_shows_that_text(org):
    flag = Flag.objects.create(
        organization=org, code="SHELFWARE", severity="medium", subject_type="tool",
        subject_id="1", subject_label="Old CRM",
        params={wording.LEGACY: {"message": "Unused.", "suggested_fix": "Retire it."}})
    with translation.override("de"):
        assert (flag.message, flag.suggested_fix) == ("Unused.", "Retire it.")


def test_the_next_recompute_rewrites_a_flag_stored_as_text(org):
    engine.recompute(org.pk)
    flag = Flag.objects.get(organization=org, code="SHELFWARE")
    Flag.objects.filter(pk=flag.pk).update(
        params={wording.LEGACY: {"message": "old words", "suggested_fix": "old fix"}})
    engine.recompute(org.pk)
    flag.refresh_from_db()
    assert flag.is_open and wording.LEGACY not in flag.params
    assert flag.message.startswith("“Idle words” is active but no active initiative uses it")


def test_a_renewal_flag_names_its_dates_in_german():
    params = {"name": "Mailer", "renews_on": "2027-03-01", "deadline": "2027-01-30",
              "shelfware": True, "high": True, "seats_used": 1, "seats_paid": 10,
              "saving": {"kind": "drop seats", "amount": "1,296.00", "seats": 9}}
    english = wording.flag_message("RENEWAL_DUE", params)
    assert english == ("“Mailer” renews on 1 Mar 2027; the notice deadline is 30 Jan 2027, and "
                       "no active initiative uses it and only 1 of its 10 paid seats is in use. "
                       "Dropping its 9 unused seats saves 1,296.00 a year.")
    with translation.override("de"):
        german = wording.flag_message("RENEWAL_DUE", params)
        fix = wording.flag_fix("RENEWAL_DUE", params, "tool")
    assert "1 Mär 2027" in german and "30 Jan 2027" in german
    assert "nur 1 seiner 10 bezahlten Lizenzen ist in Gebrauch" in german
    assert "Die 9 ungenutzten Lizenzen zu streichen spart 1.296,00 pro Jahr." in german
    assert fix.startswith("Kündigen Sie es")


def test_a_stale_metric_flag_counts_days_in_german_plural_forms():
    with translation.override("de"):
        one = wording.flag_message("STALE_DATA", {"name": "CSAT", "days": 1, "limit": "7"})
        many = wording.flag_message("STALE_DATA", {"name": "CSAT", "days": 11, "limit": "7.5"})
    assert one == "„CSAT“ wurde zuletzt vor 1 Tag erfasst (aktuell innerhalb von 7)."
    assert many == "„CSAT“ wurde zuletzt vor 11 Tagen erfasst (aktuell innerhalb von 7,5)."


def test_smart_reasons_read_in_german():
    result = smart.check(smart.GoalFacts(title="Improve efficiency", confidence=30))
    specific, _, achievable, *_ = result.criteria
    assert specific.reason == ("“Improve efficiency” is only a vague verb: say what changes, "
                               "for whom, and by how much.")
    with translation.override("de"):
        assert specific.label == "Spezifisch"
        assert specific.reason == ("„Improve efficiency“ ist nur ein vages Verb: Sagen Sie, was "
                                   "sich ändert, für wen und um wie viel.")
        assert achievable.reason.startswith("Die Zuversicht liegt bei 30 %: Unter 50 % ist")
        assert result.failed_names().startswith("Spezifisch, Messbar, Erreichbar")


def test_a_not_smart_flag_lists_the_failed_criteria_in_german():
    result = smart.check(smart.GoalFacts(title="Grow sales"))
    params = {"title": "Grow sales", "failed": [c.wording() for c in result.failed]}
    with translation.override("de"):
        message = wording.flag_message("NOT_SMART", params)
        fix = wording.flag_fix("NOT_SMART", params)
    assert message.startswith("„Grow sales“ ist nicht Spezifisch, Messbar, Erreichbar, Relevant, "
                              "Terminiert: „Grow sales“ ist nur ein vages Verb")
    assert fix.startswith("„Grow sales“ ist nur ein vages Verb")


def _verdict_row(**changes) -> dict:
    row = {"verdict": impact.IMPROVED, "effect": -2.1, "effect_pct": -17.3, "detrended": False,
           "p": 0.0004, "n_before": 9, "n_after": 12, "go_live_date": date(2026, 8, 3),
           "earliest_verdict": None, "shared_with": [], "regression": None}
    return row | changes


def test_impact_verdicts_read_in_german():
    row = _verdict_row()
    english = impact.impact_sentence(row, metric_name="Wait time", unit="minutes",
                                     frequency="weekly", today=TODAY)
    assert english == ("Wait time fell by 2.1 minutes (−17 %) since go-live on 3 Aug; this is "
                       "unlikely to be chance (p < 0.001, 9 weeks before, 12 after).")
    with translation.override("de"):
        german = impact.impact_sentence(row, metric_name="Wait time", unit="minutes",
                                        frequency="weekly", today=TODAY)
        unclear = impact.impact_sentence(
            _verdict_row(verdict=impact.NO_CLEAR_CHANGE, effect=0.5, effect_pct=None, p=0.42,
                         n_before=1), metric_name="Wait time", unit="%", frequency="monthly",
            today=TODAY)
    assert german == ("Wait time fiel um 2,1 minutes (−17 %) seit dem Go-live am 3 Aug; das ist "
                      "wahrscheinlich kein Zufall (p < 0,001, 9 Wochen davor, 12 danach).")
    assert unclear.startswith("Keine klare Veränderung bei Wait time seit dem Go-live am 3 Aug: "
                              "Der Wert stieg um 0,5 Prozentpunkte")
    assert "(p = 0,42, 1 Monat davor, 12 danach)" in unclear  # the singular period


def test_not_enough_data_yet_reads_in_german_with_plural_forms():
    one = {"verdict": impact.NOT_ENOUGH_DATA, "n_after": 1, "n_before": 9,
           "go_live_date": date(2026, 3, 2), "earliest_verdict": date(2027, 1, 4)}
    with translation.override("de"):
        single = impact.impact_sentence(one, metric_name="Wait", unit="minutes",
                                        frequency="weekly", today=TODAY)
        several = impact.impact_sentence(one | {"n_after": 3}, metric_name="Wait",
                                         unit="minutes", frequency="weekly", today=TODAY)
    assert single == ("Noch nicht genug Daten: 1 Wert (wöchentlich) seit dem Go-live am 2 Mär "
                      "und 9 davor; ein Befund ist ab 4 Jan 2027 möglich.")
    assert several.startswith("Noch nicht genug Daten: 3 Werte (wöchentlich)")


def test_the_ledgers_payback_words_read_in_german():
    with translation.override("de"):
        assert str(PaybackStatus.PAID_BACK.label) == "Amortisiert"
        assert str(PaybackStatus.NOT_AT_THIS_RATE.label) == "Nicht bei diesem Tempo"
        shortfall = wording.flag_message("BENEFIT_SHORTFALL", {
            "name": "Oven timers", "realisation": "20%", "hours": True, "months": 5,
            "below": "50%"})
    assert shortfall == ("„Oven timers“ hat in 5 Monaten seit dem Go-live 20% der Stunden "
                         "realisiert, die sie einsparen sollte (unter 50%).")
    assert str(PaybackStatus.PAID_BACK.label) == "Paid back"
