"""The thin layer: loading in a fixed number of queries, writing only what changed, flags
resolved rather than deleted, and the claim that keeps one recompute per organization."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alignment_portal.benefits.models import BenefitScore
from alignment_portal.organizations import deletion, recompute
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import engine, triggers
from alignment_portal.scoring.models import (
    Flag,
    GoalScore,
    ImpactEvidence,
    InitiativeScore,
    MetricScore,
    OrganizationScore,
)
from tests.factories import (
    AlignmentLinkFactory,
    CycleFactory,
    GoalFactory,
    InitiativeFactory,
    MeasurementLinkFactory,
    MetricFactory,
    MetricValueFactory,
    OrganizationFactory,
    ToolFactory,
)

SCORE_MODELS = (InitiativeScore, GoalScore, MetricScore, OrganizationScore, Flag)


def build_organization(size: int, slug: str):
    """`size` goals, each served by one initiative measured by the goal's metric with a few
    fresh values, plus one unaligned initiative and one idle tool (so flags exist)."""
    org = OrganizationFactory(slug=slug)
    today = timezone.localdate()
    cycle = CycleFactory(organization=org, start_date=today - timedelta(days=30),
                         end_date=today + timedelta(days=60))
    for n in range(size):
        metric = MetricFactory(organization=org, frequency="weekly")
        for k in range(4):
            MetricValueFactory(metric=metric, period=today - timedelta(days=7 * k), value=k)
        goal = GoalFactory(cycle=cycle, metric=metric, baseline_value=0, target_value=10,
                           start_date=today - timedelta(days=30),
                           due_date=today + timedelta(days=60), confidence=80,
                           level="strategic")
        initiative = InitiativeFactory(organization=org)
        AlignmentLinkFactory(initiative=initiative, goal=goal)
        MeasurementLinkFactory(initiative=initiative, metric=metric)
        tool = ToolFactory(organization=org, category="crm" if n == 0 else "other")
        initiative.tools.add(tool)
    InitiativeFactory(organization=org, name=f"Unaligned {slug}")
    ToolFactory(organization=org, name=f"Idle {slug}", category="pos")
    return org


def table_contents(org) -> dict:
    return {model.__name__: sorted(model.objects.filter(organization=org).values(),
                                   key=lambda row: row["id"])
            for model in SCORE_MODELS}


@pytest.fixture
def org(db):
    return build_organization(2, "small")


def test_recompute_writes_every_score(org):
    card = engine.recompute(org.pk)
    assert InitiativeScore.objects.filter(organization=org).count() == 3
    assert GoalScore.objects.filter(organization=org).count() == 2
    assert MetricScore.objects.filter(organization=org).count() == 2
    score = OrganizationScore.objects.get(organization=org)
    assert score.rung == card.rung and score.explanation["rung"] == card.rung
    assert score.d2_alignment == card.dimensions["d2"]
    assert score.misaligned_spend == 150  # the unaligned initiative 100 + the idle tool 50
    codes = set(Flag.objects.filter(organization=org).values_list("code", flat=True))
    assert {"MISALIGNED", "UNMEASURED", "SHELFWARE"} <= codes


def test_recompute_twice_changes_nothing(org):
    engine.recompute(org.pk)
    before = table_contents(org)
    written = engine.write_scorecard(org.pk, engine.score(engine.load_frames(org.pk),
                                                          timezone.localdate()))
    assert written == {"initiatives": 0, "goals": 0, "metrics": 0, "organization": 0,
                       "impact": 0, "benefits": 0,
                       "opened": 0, "updated": 0, "resolved": 0}
    engine.recompute(org.pk)
    assert table_contents(org) == before


def test_a_second_recompute_writes_nothing(org):
    engine.recompute(org.pk)
    with CaptureQueriesContext(connection) as queries:
        engine.recompute(org.pk)
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "COPY"))]
    assert writes == []


def test_a_flag_is_resolved_when_its_cause_is_fixed(org):
    engine.recompute(org.pk)
    unaligned = org.initiatives.get(name="Unaligned small")
    flag = Flag.objects.get(organization=org, code="MISALIGNED", subject_id=str(unaligned.pk))
    shelfware = Flag.objects.get(organization=org, code="SHELFWARE")
    AlignmentLinkFactory(initiative=unaligned, goal=org.goals.first())

    engine.recompute(org.pk)

    flag.refresh_from_db()
    assert flag.resolved_at is not None  # kept, resolved
    still = Flag.objects.get(pk=shelfware.pk)
    assert still.resolved_at is None and still.first_seen_at == shelfware.first_seen_at


def test_a_renamed_subject_rewords_its_open_flag_and_keeps_it(org):
    engine.recompute(org.pk)
    unaligned = org.initiatives.get(name="Unaligned small")
    flag = Flag.objects.get(organization=org, code="MISALIGNED", subject_id=str(unaligned.pk))
    unaligned.name = "Chatbot for <b>orders</b>"
    unaligned.save()

    written = engine.write_scorecard(org.pk, engine.score(engine.load_frames(org.pk),
                                                          timezone.localdate()))

    assert written["updated"] >= 1 and written["opened"] == 0
    reworded = Flag.objects.get(pk=flag.pk)
    assert reworded.subject_label == "Chatbot for <b>orders</b>" and reworded.is_open
    assert "“Chatbot for <b>orders</b>” is active" in reworded.message
    assert reworded.first_seen_at == flag.first_seen_at


def test_a_cause_that_returns_opens_a_new_flag(org):
    engine.recompute(org.pk)
    unaligned = org.initiatives.get(name="Unaligned small")
    link = AlignmentLinkFactory(initiative=unaligned, goal=org.goals.first())
    engine.recompute(org.pk)
    link.delete()
    engine.recompute(org.pk)
    flags = Flag.objects.filter(organization=org, code="MISALIGNED",
                                subject_id=str(unaligned.pk))
    assert flags.count() == 2 and flags.filter(resolved_at=None).count() == 1


def test_a_changed_record_rewrites_only_its_row(org):
    engine.recompute(org.pk)
    before = {s.initiative_id: s.computed_at for s in InitiativeScore.objects.all()}
    changed = org.initiatives.exclude(name__startswith="Unaligned").first()
    changed.impact = 5
    changed.save()
    engine.recompute(org.pk)
    after = {s.initiative_id: s.computed_at for s in InitiativeScore.objects.all()}
    assert [i for i in after if after[i] != before[i]] == [changed.pk]


def test_queries_per_recompute_do_not_grow_with_the_organization(db):
    small, large = build_organization(1, "tiny"), build_organization(12, "large")
    counts = []
    for organization in (small, large, small, large):  # first runs write, second ones not
        with CaptureQueriesContext(connection) as queries:
            engine.recompute(organization.pk)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[2] == counts[3]
    # The writer reads the score rows, the impact evidence, the ledger and the open flags.
    assert counts[2] == engine.LOAD_QUERIES + 7 + 2  # + savepoint and its release


def test_scores_of_one_organization_leave_another_alone(org):
    other = build_organization(1, "other")
    engine.recompute(org.pk)
    assert not InitiativeScore.objects.filter(organization=other).exists()
    assert not Flag.objects.filter(organization=other).exists()


# --- The claim -------------------------------------------------------------------------------

def test_a_request_marks_and_queues_once_per_transaction(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        recompute.request_recompute(org)
        recompute.request_recompute(org.pk)
    assert len(callbacks) == 1
    org.refresh_from_db()
    assert org.recompute_generation == 2 and org.recompute_queued_at is not None
    assert triggers.organizations_awaiting_recompute().filter(pk=org.pk).exists()


def test_a_request_is_one_statement_and_queues_only_when_none_is_queued(
        org, django_assert_num_queries, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with django_assert_num_queries(1):
            recompute.request_recompute(org)
        with django_assert_num_queries(1):
            recompute.request_recompute(org)
    assert len(callbacks) == 1
    org.refresh_from_db()
    assert org.recompute_generation == 2
    assert org.recompute_queued_at < org.last_activity_at  # the first request's mark stays


def test_without_a_broker_the_recompute_runs_after_commit(org,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        recompute.request_recompute(org)
        assert not OrganizationScore.objects.filter(organization=org).exists()
    org.refresh_from_db()
    assert OrganizationScore.objects.filter(organization=org).exists()
    assert org.recomputed_generation == org.recompute_generation == 1
    assert org.recompute_queued_at is None and org.recompute_started_at is None
    assert org.recomputed_at is not None
    assert not triggers.organizations_awaiting_recompute().exists()


def test_a_request_while_one_is_queued_queues_nothing(org, django_capture_on_commit_callbacks):
    Organization.objects.filter(pk=org.pk).update(recompute_queued_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        recompute.request_recompute(org)
    assert callbacks == []


def test_a_lost_queued_mark_goes_stale(org, django_capture_on_commit_callbacks):
    Organization.objects.filter(pk=org.pk).update(
        recompute_queued_at=timezone.now() - recompute.QUEUED_STALE - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        recompute.request_recompute(org)
    assert len(callbacks) == 1


def test_one_recompute_at_a_time(org):
    held = triggers.claim(org.pk)
    assert held is not None
    assert triggers.claim(org.pk) is None
    assert triggers.run_recompute(org.pk, force=True) == triggers.BUSY
    triggers.release(held, done=False)
    assert triggers.run_recompute(org.pk, force=True) == triggers.DONE


def test_a_dead_workers_claim_is_reclaimable_after_the_time_limit(org):
    Organization.objects.filter(pk=org.pk).update(
        recompute_started_at=timezone.now() - triggers.CLAIM_STALE + timedelta(seconds=5),
        recompute_generation=1)
    assert triggers.run_recompute(org.pk) == triggers.BUSY
    assert not triggers.organizations_to_sweep().exists()
    Organization.objects.filter(pk=org.pk).update(
        recompute_started_at=timezone.now() - triggers.CLAIM_STALE - timedelta(seconds=1))
    assert list(triggers.organizations_to_sweep()) == [org]
    assert triggers.run_recompute(org.pk) == triggers.DONE
    org.refresh_from_db()
    assert org.recompute_started_at is None and org.recomputed_generation == 1


def test_a_cut_off_workers_reserved_task_does_not_hold_the_sweep_back(org):
    """A change made during its recompute queued a task that the same worker had reserved:
    once the claim is stale, the queued mark is no reason to wait for it."""
    now = timezone.now()
    Organization.objects.filter(pk=org.pk).update(
        recompute_started_at=now - triggers.CLAIM_STALE + timedelta(seconds=5),
        recompute_queued_at=now, recompute_generation=1)
    assert not triggers.organizations_to_sweep().exists()
    assert not triggers.mark_swept(org.pk)
    Organization.objects.filter(pk=org.pk).update(
        recompute_started_at=now - triggers.CLAIM_STALE - timedelta(seconds=1))
    assert list(triggers.organizations_to_sweep()) == [org]
    assert triggers.mark_swept(org.pk)
    assert triggers.run_recompute(org.pk) == triggers.DONE


def test_a_recompute_with_nothing_new_does_nothing(org):
    assert triggers.run_recompute(org.pk) == triggers.UP_TO_DATE
    assert not OrganizationScore.objects.exists()


def test_a_failed_recompute_releases_its_claim_and_stays_marked(org, monkeypatch):
    Organization.objects.filter(pk=org.pk).update(recompute_generation=1)

    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(engine, "recompute", boom)
    with pytest.raises(RuntimeError):
        triggers.run_recompute(org.pk)
    org.refresh_from_db()
    assert org.recompute_started_at is None
    assert triggers.organizations_awaiting_recompute().filter(pk=org.pk).exists()


def test_requests_during_a_run_send_it_round_again(org, monkeypatch):
    Organization.objects.filter(pk=org.pk).update(recompute_generation=1)
    runs = []
    real = engine.recompute

    def recompute_and_change(organization_id, today=None, **kwargs):
        runs.append(organization_id)
        if len(runs) == 1:  # a change lands while the first round runs
            Organization.objects.filter(pk=organization_id).update(recompute_generation=2)
        return real(organization_id, today=today, **kwargs)

    monkeypatch.setattr(engine, "recompute", recompute_and_change)
    assert triggers.run_recompute(org.pk) == triggers.DONE
    assert len(runs) == 2
    org.refresh_from_db()
    assert org.recomputed_generation == 2


def test_metric_periods_survive_the_fast_load(org):
    from metrics.models import MetricValue

    engine.recompute(org.pk)
    for score in MetricScore.objects.filter(organization=org):
        latest = MetricValue.objects.filter(metric_id=score.metric_id).order_by(
            "-period").first()
        assert score.latest_period == latest.period
        assert score.latest_value == float(latest.value)


# --- Late writers (a recompute that outlived its claim) --------------------------------------

class _PastClaimStale:
    """triggers' clock, CLAIM_STALE later: the first recompute's claim has gone stale."""

    @staticmethod
    def now():
        return timezone.now() + triggers.CLAIM_STALE + timedelta(seconds=1)


def _take_over_with_a_newer_change(org, monkeypatch) -> dict:
    """While the first recompute is cut off: a change lands, a second recompute takes the
    stale claim over and writes; returns the scores it wrote."""
    InitiativeFactory(organization=org, name="Started while the first worker was cut off")
    Organization.objects.filter(pk=org.pk).update(recompute_generation=2)
    with monkeypatch.context() as patch:
        patch.setattr(triggers, "timezone", _PastClaimStale)
        assert triggers.run_recompute(org.pk) == triggers.DONE
    return table_contents(org)


def test_a_recompute_that_outlived_its_claim_cannot_overwrite_newer_scores(org, monkeypatch,
                                                                           caplog):
    Organization.objects.filter(pk=org.pk).update(recompute_generation=1)
    real_score = engine.score
    cards, newer = [], {}

    def first_finishes_last(frames, today):
        card = real_score(frames, today)
        cards.append(card)
        if len(cards) == 1:  # the first has read and scored; it is cut off before writing
            newer.update(_take_over_with_a_newer_change(org, monkeypatch))
        return card

    monkeypatch.setattr(engine, "score", first_finishes_last)
    assert triggers.run_recompute(org.pk) == triggers.SUPERSEDED
    assert len(cards) == 2
    assert table_contents(org) == newer  # the newer scores stand
    assert any(triggers.LATE_WRITE_REFUSED in r.getMessage() for r in caplog.records)
    org.refresh_from_db()
    assert org.recomputed_generation == 2  # the second's bookkeeping, not undone
    assert org.recompute_started_at is None

    # Unfenced, the first one's scores would have replaced the newer ones.
    engine.write_scorecard(org.pk, cards[0])
    assert table_contents(org) != newer


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_late_writer_on_another_connection_is_refused_and_the_newer_scores_stand(
        monkeypatch):
    """The same race with two database connections (two workers): the first recompute waits,
    with its claim held, until the second has taken over and committed."""
    import threading

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    from django.db import connections

    org = build_organization(2, "two-workers")
    Organization.objects.filter(pk=org.pk).update(recompute_generation=1)
    real_score = engine.score
    scored, resume = threading.Event(), threading.Event()
    outcome = []

    def first_worker():
        try:
            outcome.append(triggers.run_recompute(org.pk))
        finally:
            connections.close_all()

    def score_then_wait(frames, today):
        card = real_score(frames, today)
        if threading.current_thread() is not threading.main_thread():
            scored.set()
            assert resume.wait(30)
        return card

    monkeypatch.setattr(engine, "score", score_then_wait)
    worker = threading.Thread(target=first_worker)
    worker.start()
    assert scored.wait(30)
    newer = _take_over_with_a_newer_change(org, monkeypatch)
    resume.set()
    worker.join(30)
    assert outcome == [triggers.SUPERSEDED]
    assert table_contents(org) == newer
    assert OrganizationScore.objects.get(organization=org).explanation == \
        newer["OrganizationScore"][0]["explanation"]


def test_the_fence_locks_the_organization_only_when_the_recompute_writes(org):
    """A recompute that changed nothing stays a read-only transaction (no lock, no WAL
    flush at commit); one that writes locks the organization row to commit."""
    def fence_statements() -> list[str]:
        held = triggers.claim(org.pk)
        with CaptureQueriesContext(connection) as captured:
            engine.recompute(org.pk, claim=held)
        triggers.release(held, done=True)
        return [q["sql"] for q in captured.captured_queries
                if "recompute_started_at" in q["sql"]]

    writing = fence_statements()
    assert len(writing) == 1
    assert "FOR UPDATE" in writing[0] or connection.vendor != "postgresql"
    unchanged = fence_statements()
    assert len(unchanged) == 1 and "FOR UPDATE" not in unchanged[0]


def test_only_a_recompute_that_writes_commits_without_waiting_for_the_disk(org):
    """Scores are derived data: their commit need not wait for the WAL flush (PostgreSQL);
    a recompute that writes nothing sets nothing."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")

    def asynchronous_commits() -> int:
        with CaptureQueriesContext(connection) as captured:
            engine.recompute(org.pk)
        return sum("synchronous_commit" in q["sql"] for q in captured.captured_queries)

    assert asynchronous_commits() == 1
    assert asynchronous_commits() == 0


def test_deleting_an_organization_deletes_its_scores_and_flags(org):
    """The score rows point at their organization without a database constraint
    (scoring.models.SCORE_ORGANIZATION_FK): deleting the organization still removes them."""
    engine.recompute(org.pk)
    assert Flag.objects.filter(organization_id=org.pk).exists()
    organization_id = org.pk
    deletion.organization_delete_everything(org)
    left = {model.__name__: model.objects.filter(organization_id=organization_id).count()
            for model in (*SCORE_MODELS, ImpactEvidence, BenefitScore)}
    assert not any(left.values()), left
