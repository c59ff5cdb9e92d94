"""Two requests racing for the last priority slot of a cycle: exactly one wins, the other gets
the clear message, and the cycle never has four priority goals. Needs PostgreSQL (SQLite
serializes writers, so there is no race to test)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from goals import services
from goals.models import Goal
from tests.factories import CycleFactory, GoalFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def race(calls):
    """Run each call in its own thread and connection, released together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 (the test inspects what each thread got)
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_requests_cannot_both_take_the_last_priority_slot():
    cycle = CycleFactory()
    GoalFactory(cycle=cycle, priority_rank=1)
    GoalFactory(cycle=cycle, priority_rank=2)
    a, b = GoalFactory(cycle=cycle), GoalFactory(cycle=cycle)

    results = race([lambda: services.goal_make_priority(goal=Goal.objects.get(pk=a.pk)),
                    lambda: services.goal_make_priority(goal=Goal.objects.get(pk=b.pk))])

    errors = [r for r in results if isinstance(r, ValidationError)]
    winners = [r for r in results if isinstance(r, Goal)]
    assert len(winners) == 1 and len(errors) == 1, results
    assert "a fourth is refused" in " ".join(errors[0].messages)
    assert Goal.objects.filter(cycle=cycle, priority_rank__isnull=False).count() == 3


def test_two_forms_choosing_the_same_free_rank_let_one_in():
    cycle = CycleFactory()
    a, b = GoalFactory(cycle=cycle), GoalFactory(cycle=cycle)

    results = race([
        lambda: services.goal_update(goal=Goal.objects.get(pk=a.pk), priority_rank=3),
        lambda: services.goal_update(goal=Goal.objects.get(pk=b.pk), priority_rank=3),
    ])

    assert sum(isinstance(r, Goal) for r in results) == 1, results
    error = next(r for r in results if isinstance(r, ValidationError))
    assert "Rank 3 is taken" in error.message_dict["priority_rank"][0]
    assert Goal.objects.filter(cycle=cycle, priority_rank=3).count() == 1


def test_concurrent_swaps_keep_ranks_unique():
    cycle = CycleFactory()
    goals = [GoalFactory(cycle=cycle, priority_rank=rank) for rank in (1, 2, 3)]

    results = race([
        lambda: services.goal_move_priority(goal=Goal.objects.get(pk=goals[1].pk),
                                            direction="up"),
        lambda: services.goal_move_priority(goal=Goal.objects.get(pk=goals[2].pk),
                                            direction="up"),
    ])

    assert not [r for r in results if isinstance(r, Exception)
                and not isinstance(r, ValidationError)], results
    ranks = sorted(Goal.objects.filter(cycle=cycle).values_list("priority_rank", flat=True))
    assert ranks == [1, 2, 3]

