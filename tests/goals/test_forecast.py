"""Progress and forecast (alignment_portal/scoring/forecast.py) on small series: rising,
falling, flat, lower-is-better goals, and "no data" below three values."""

from datetime import date, timedelta

import pytest

from alignment_portal.scoring.forecast import ForecastStatus, forecast, progress

START = date(2026, 1, 5)
DUE = START + timedelta(weeks=10)


def weekly(values, start=START):
    return [start + timedelta(weeks=i) for i in range(len(values))], values


def test_progress_is_the_share_of_the_change_made():
    assert progress(15, 10, 20) == 0.5


def test_progress_on_a_lower_is_better_goal():
    # Wait time from 8 minutes down to 4: at 6 minutes, half-way.
    assert progress(6, 8, 4) == 0.5
    assert progress(9, 8, 4) == 0.0  # worse than the baseline clips at 0


def test_progress_is_clipped_to_one_and_a_half():
    assert progress(40, 10, 20) == 1.5
    assert progress(5, 10, 20) == 0.0


def test_progress_is_undefined_without_numbers_or_a_change():
    assert progress(None, 10, 20) is None
    assert progress(12, 10, 10) is None


def test_rising_series_reaching_the_target_is_on_track():
    periods, values = weekly([10, 11, 12, 13])
    result = forecast(periods, values, baseline=10, target=20, start_date=START, due_date=DUE)
    assert result.status == ForecastStatus.ON_TRACK
    assert result.value_at_due == pytest.approx(20)
    assert "reaches" in result.reason


def test_rising_series_falling_a_little_short_is_at_risk():
    periods, values = weekly([10, 10.85, 11.7, 12.55])  # 0.85 a week → 18.5 at week 10
    result = forecast(periods, values, baseline=10, target=20, start_date=START, due_date=DUE)
    assert result.status == ForecastStatus.AT_RISK
    assert result.share_of_needed == pytest.approx(0.85)


def test_falling_series_on_a_higher_is_better_goal_is_off_track():
    periods, values = weekly([10, 9, 8])
    result = forecast(periods, values, baseline=10, target=20, start_date=START, due_date=DUE)
    assert result.status == ForecastStatus.OFF_TRACK
    assert result.share_of_needed < 0


def test_flat_series_is_off_track():
    periods, values = weekly([10, 10, 10, 10])
    result = forecast(periods, values, baseline=10, target=20, start_date=START, due_date=DUE)
    assert result.status == ForecastStatus.OFF_TRACK
    assert result.value_at_due == pytest.approx(10)


def test_lower_is_better_goal_with_a_falling_series_is_on_track():
    periods, values = weekly([8, 7.6, 7.2, 6.8])  # -0.4 a week → 4 at week 10
    result = forecast(periods, values, baseline=8, target=4, start_date=START, due_date=DUE)
    assert result.status == ForecastStatus.ON_TRACK


def test_lower_is_better_goal_with_a_rising_series_is_off_track():
    periods, values = weekly([8, 8.2, 8.4])
    result = forecast(periods, values, baseline=8, target=4, start_date=START, due_date=DUE)
    assert result.status == ForecastStatus.OFF_TRACK


def test_below_three_values_is_no_data():
    periods, values = weekly([10, 12])
    result = forecast(periods, values, baseline=10, target=20, start_date=START, due_date=DUE)
    assert result.status == ForecastStatus.NO_DATA
    assert result.status.label == "No data"
    assert result.points == 2


def test_values_before_the_start_date_do_not_count():
    periods, values = weekly([1, 2, 3, 10, 11], start=START - timedelta(weeks=3))
    result = forecast(periods, values, baseline=10, target=20, start_date=START, due_date=DUE)
    assert result.status == ForecastStatus.NO_DATA
    assert result.points == 2


def test_no_forecast_without_a_target_that_differs():
    periods, values = weekly([10, 11, 12])
    for kwargs in ({"baseline": None, "target": 20}, {"baseline": 10, "target": 10}):
        result = forecast(periods, values, start_date=START, due_date=DUE, **kwargs)
        assert result.status == ForecastStatus.NO_DATA


def test_values_on_one_day_forecast_their_mean():
    periods = [START] * 3
    result = forecast(periods, [10, 20, 30], baseline=10, target=20, start_date=START,
                      due_date=DUE)
    assert result.value_at_due == pytest.approx(20)
    assert result.status == ForecastStatus.ON_TRACK


@pytest.mark.parametrize("values", [
    [10, 12, 14, 16, 18],  # reaches the target: on track
    [10, 11, 12, 13, 14],  # a little short or short
    [20, 19, 18, 17, 16],  # moving away from it
    [10, 11],  # too few values
])
def test_the_reason_is_said_from_its_params_as_it_was_written(values):
    """English from the params is the stored English exactly; German is German."""
    from django.utils import translation

    from alignment_portal.scoring import wording

    periods, series = weekly(values)
    result = forecast(periods, series, baseline=10, target=20, start_date=START, due_date=DUE)
    assert result.params
    with translation.override("en"):
        assert wording.forecast_reason(result.params, "stored") == result.reason
    with translation.override("de"):
        german = wording.forecast_reason(result.params, "stored")
    assert german != result.reason
    assert any(word in german for word in ("Trend", "Prognose"))


def test_a_goal_with_no_definition_and_an_old_row_read_as_they_can():
    from django.utils import translation

    from alignment_portal.scoring import wording

    result = forecast([], [], baseline=None, target=20, start_date=START, due_date=DUE)
    with translation.override("de"):
        assert wording.forecast_reason(result.params) == (
            "Das Ziel braucht einen Ausgangswert, einen davon verschiedenen Zielwert und ein "
            "Fälligkeitsdatum.")
        # A score written before the params existed shows its stored English.
        assert wording.forecast_reason({}, "The trend of 4 values …") == "The trend of 4 values …"
