import pickle

import pytest

from core.anomaly.routine import DailyRoutine

DAY, HOUR = 86400.0, 3600.0
START = 1_700_006_400.0  # a UTC midnight


def _routine() -> DailyRoutine:
    return DailyRoutine(days=2, tolerance_hours=2, factor=2.0, notable=3.0)


def _quiet_day(routine: DailyRoutine, day: int) -> None:
    for h in range(24):
        routine.observe(START + day * DAY + h * HOUR + 60.0, 1.0, True)


def test_a_spike_at_the_same_hour_on_each_of_two_days_is_routine_on_the_third():
    routine = _routine()
    for day in range(3):
        _quiet_day(routine, day)
    seen = [routine.observe(START + day * DAY + 3 * HOUR, 50.0, True) for day in range(3, 6)]
    assert seen == [False, False, True]


def test_one_odd_event_yesterday_does_not_make_today_routine():
    routine = _routine()
    for day in range(4):
        _quiet_day(routine, day)
    assert not routine.observe(START + 4 * DAY + 8 * HOUR, 40.0, True)
    assert not routine.observe(START + 5 * DAY + 8 * HOUR, 40.0, True)


def test_routine_tolerates_a_drift_of_the_hour_and_a_size_up_to_the_factor_not_beyond():
    routine = _routine()
    routine.observe(START + 3 * HOUR, 20.0, True)
    routine.observe(START + DAY + 4 * HOUR, 20.0, True)
    assert routine.observe(START + 2 * DAY + 5 * HOUR, 39.0, True)  # 1 h later than yesterday, < 2x
    routine.observe(START + 3 * DAY + 5 * HOUR, 20.0, True)
    assert not routine.observe(START + 4 * DAY + 5 * HOUR, 45.0, True)  # more than twice the routine size
    assert not routine.observe(START + 4 * DAY + 12 * HOUR, 20.0, True)  # far from the routine's hour


def test_direction_matters_and_everyday_noise_is_never_routine():
    routine = _routine()
    for day in range(2):
        routine.observe(START + day * DAY + 3 * HOUR, 20.0, True)
        routine.observe(START + day * DAY + 9 * HOUR, 2.5, False)
    assert not routine.observe(START + 2 * DAY + 3 * HOUR, 20.0, False)  # a dip where spikes recur
    assert not routine.observe(START + 2 * DAY + 9 * HOUR, 2.9, False)  # below the notable size


def test_a_routine_across_midnight_is_found():
    routine = _routine()
    routine.observe(START + DAY - 0.5 * HOUR, 20.0, True)  # 23:30
    routine.observe(START + 2 * DAY + 0.5 * HOUR, 20.0, True)  # 00:30 two days later, 1 h later
    assert routine.observe(START + 2 * DAY + 23.5 * HOUR, 20.0, True)


def test_state_is_bounded_whatever_the_length():
    short, long = _routine(), _routine()
    for i in range(48):
        short.observe(START + i * HOUR, 5.0, i % 2 == 0)
    for i in range(24 * 400):
        long.observe(START + i * HOUR, 5.0, i % 2 == 0)
    assert len(pickle.dumps(long)) <= len(pickle.dumps(short)) + 64


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="tolerance_hours < 12"):
        DailyRoutine(days=2, tolerance_hours=12, factor=2.0, notable=3.0)
