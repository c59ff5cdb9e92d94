"""Writes for feeds: set-up, the push secret, runs (pull and push) and their record.

A run's values, its record and the feed's health are written in one transaction (with the
feed's row locked, so two runs of one feed take turns): a crash leaves nothing half-written,
only a run still marked running, which is claimed again once stale (RUN_STALE_SECONDS).
Rows go through metrics/csv_import.py or feeds/reading.py (validation.py for each value) and
metrics.services.metric_values_record_bulk, so a feed stores exactly what the CSV import would,
and a second run of the same rows stores nothing.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from alignment_portal.feeds import limits
from alignment_portal.feeds.fetch import FetchError, fetch
from alignment_portal.feeds.models import (
    Feed,
    FeedRun,
    Format,
    Kind,
    RunStatus,
    Schedule,
    Trigger,
    hash_push_token,
)
from alignment_portal.feeds.reading import read_body
from alignment_portal.lib.queue import enqueue_on_commit
from alignment_portal.lib.words import Words
from alignment_portal.organizations.language import chosen_language
from alignment_portal.organizations.models import Organization
from alignment_portal.organizations.recompute import request_recompute
from metrics.csv_import import ImportPreview
from metrics.models import Metric, Source
from metrics.services import metric_values_record_bulk

EDITABLE = ("name", "url", "format", "schedule", "daily_hour", "metric_map", "all_or_nothing",
            "signing_secret")


# --- Set-up --------------------------------------------------------------------------------

def check_pull_url(url: str) -> str:
    """The scheme and host rules, without resolving (that happens at every run)."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise ValidationError({"url": gettext("This is not a valid address.")}) from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise ValidationError({"url": gettext("Enter an address starting with https://.")})
    if parts.scheme == "http" and host not in limits.allowed_hosts():
        raise ValidationError({"url": gettext("Use https://: plain http is only allowed for "
                                              "hosts the FEEDS_ALLOWED_HOSTS setting lists.")})
    return url


def clean_metric_map(organization: Organization, metric_map) -> dict:
    """{name: metric id or None} with every id a metric of `organization`."""
    if metric_map in (None, ""):
        return {}
    if not isinstance(metric_map, dict):
        raise ValidationError({"metric_map": gettext('The mapping must be an object: {"column or '
                                                     'name": metric id}.')})
    ids = {v for v in metric_map.values() if v is not None}
    if any(not isinstance(v, int) or isinstance(v, bool) for v in ids):
        raise ValidationError({"metric_map": gettext("Each name maps to a metric id (a number) "
                                                     "or null.")})
    known = set(Metric.objects.filter(organization=organization, pk__in=ids)
                .values_list("pk", flat=True))
    if ids - known:
        raise ValidationError({"metric_map": gettext("The mapping names metrics that are not "
                                                     "this organization's.")})
    cleaned = {}
    for name, metric_id in metric_map.items():
        name = str(name).strip()[:200]
        if name:
            cleaned[name] = metric_id
    return cleaned


def next_run_after(feed: Feed, now: datetime) -> datetime:
    """The next time a pull feed is due after `now`: the next full hour, or the next
    `daily_hour`:00 in the server's time zone."""
    local = timezone.localtime(now)
    if feed.schedule == Schedule.HOURLY:
        return (local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1))
    candidate = local.replace(hour=feed.daily_hour, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate = timezone.localtime(candidate + timedelta(days=1)).replace(
            hour=feed.daily_hour)
    return candidate


@transaction.atomic
def feed_create(*, organization: Organization, name: str, kind: str, url: str = "",
                schedule: str = Schedule.DAILY, daily_hour: int = 6, format: str = Format.AUTO,
                metric_map=None, all_or_nothing: bool = False, signing_secret: str = "",
                created_by=None) -> tuple[Feed, str | None]:
    """A new feed of `organization`. Returns it with, for a push feed, the token of its
    secret URL (shown once; only its hash is kept). A pull feed is due at once."""
    feed = Feed(organization=organization, name=(name or "").strip(), kind=Kind(kind),
                schedule=schedule, daily_hour=daily_hour, format=format,
                metric_map=clean_metric_map(organization, metric_map),
                all_or_nothing=all_or_nothing, signing_secret=(signing_secret or "").strip(),
                created_by=created_by)
    token = None
    if feed.kind == Kind.PULL:
        feed.url = check_pull_url(url)
        feed.next_run_at = timezone.now()
    else:
        token = Feed.new_push_token()
        feed.push_token_hash, feed.push_token_hint = hash_push_token(token), token[:8]
    if Feed.objects.filter(organization=organization, name__iexact=feed.name).exists():
        raise ValidationError({"name": gettext("A feed named “%(name)s” exists already.") % {
            "name": feed.name}})
    feed.full_clean()
    feed.save()
    return feed, token


@transaction.atomic
def feed_update(*, feed: Feed, **fields) -> Feed:
    """Change a feed's set-up. A new address or mapping forgets what the last run saw, so the
    next run reads the file afresh."""
    for name in fields:
        if name not in EDITABLE:
            raise ValueError(f"{name} is not an editable feed field")
    if "metric_map" in fields:
        fields["metric_map"] = clean_metric_map(feed.organization, fields["metric_map"])
    if "url" in fields and feed.is_pull:
        fields["url"] = check_pull_url(fields["url"])
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        if Feed.objects.filter(organization=feed.organization, name__iexact=fields["name"]
                               ).exclude(pk=feed.pk).exists():
            raise ValidationError({"name": gettext("A feed named “%(name)s” exists already.") % {
                "name": fields['name']}})
    reread = any(fields.get(k, getattr(feed, k)) != getattr(feed, k)
                 for k in ("url", "metric_map", "format", "all_or_nothing"))
    schedule_changed = any(fields.get(k, getattr(feed, k)) != getattr(feed, k)
                           for k in ("schedule", "daily_hour"))
    for name, value in fields.items():
        setattr(feed, name, value)
    if reread:
        feed.etag = feed.last_modified = feed.content_fingerprint = ""
    if schedule_changed and feed.is_pull:
        feed.next_run_at = next_run_after(feed, timezone.now())
    feed.full_clean()
    feed.save()
    return feed


@transaction.atomic
def feed_rotate_token(*, feed: Feed) -> str:
    """A new secret URL for a push feed; the old one stops working at once."""
    if feed.is_pull:
        raise ValidationError(gettext("Only a push feed has a secret URL."))
    token = Feed.new_push_token()
    Feed.objects.filter(pk=feed.pk).update(push_token_hash=hash_push_token(token),
                                           push_token_hint=token[:8], revoked_at=None)
    feed.push_token_hash, feed.push_token_hint, feed.revoked_at = (
        hash_push_token(token), token[:8], None)
    return token


@transaction.atomic
def feed_revoke(*, feed: Feed) -> Feed:
    """Stop a feed: a pull feed is no longer run, a push feed's URL answers 404. Its runs and
    values stay. A failing feed that is revoked stops raising FEED_FAILING."""
    now = timezone.now()
    Feed.objects.filter(pk=feed.pk, revoked_at=None).update(revoked_at=now, next_run_at=None)
    feed.revoked_at, feed.next_run_at = now, None
    if feed.is_failing:
        request_recompute(feed.organization_id)
    return feed


@transaction.atomic
def feed_restore(*, feed: Feed) -> Feed:
    """Run a revoked pull feed again (a push feed gets a new URL with feed_rotate_token)."""
    if not feed.is_pull:
        raise ValidationError(gettext("A push feed is restored by giving it a new secret URL."))
    now = timezone.now()
    Feed.objects.filter(pk=feed.pk).update(revoked_at=None, next_run_at=now)
    feed.revoked_at, feed.next_run_at = None, now
    if feed.is_failing:
        request_recompute(feed.organization_id)
    return feed


def push_feed_for(token: str) -> Feed | None:
    """The active push feed whose secret URL carries `token`, with its organization."""
    if not token or len(token) > 200:
        return None
    return (Feed.objects.select_related("organization")
            .filter(kind=Kind.PUSH, push_token_hash=hash_push_token(token), revoked_at=None)
            .first())


def signature_ok(feed: Feed, body: bytes, header: str) -> bool:
    """True when the feed needs no signature, or `header` is the HMAC-SHA256 of `body` with
    the feed's signing secret ("sha256=<hex>" or the bare hex)."""
    if not feed.signing_secret:
        return True
    given = (header or "").strip()
    if given.lower().startswith("sha256="):
        given = given[7:]
    expected = hmac.new(feed.signing_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given.lower())


# --- Queuing runs ----------------------------------------------------------------------------

@transaction.atomic
def feed_queue_run(*, feed: Feed, trigger: str = Trigger.MANUAL, user=None) -> FeedRun:
    """A queued run of a pull feed, sent to the worker after commit. A run already queued or
    running for the feed is returned instead (a double click queues one)."""
    if not feed.is_pull:
        raise ValidationError(gettext("A push feed runs when your automation posts to it."))
    if not feed.is_active:
        raise ValidationError(gettext("This feed is revoked; restore it first."))
    Feed.objects.select_for_update().filter(pk=feed.pk).first()
    pending = FeedRun.objects.filter(feed=feed, status__in=(RunStatus.QUEUED,
                                                             RunStatus.RUNNING)).first()
    if pending is not None:
        return pending
    run = FeedRun.objects.create(organization_id=feed.organization_id, feed=feed,
                                 trigger=trigger, requested_by=user)
    _publish_on_commit(run.pk)
    return run


def _publish_on_commit(run_id: int) -> None:
    from alignment_portal.feeds.tasks import run_feed

    enqueue_on_commit(run_feed, run_id)


def queue_due_feeds(now: datetime | None = None) -> list[int]:
    """Claim every pull feed that is due (moving its next run on in the same UPDATE, so two
    beats cannot both claim it) and queue a run for it. Also queues again runs whose message
    was lost (queued long ago) or whose worker died (running long ago). Returns run ids."""
    now = now or timezone.now()
    queued = []
    due = Feed.objects.filter(kind=Kind.PULL, revoked_at=None, next_run_at__lte=now)
    for feed in due.order_by("next_run_at"):
        with transaction.atomic():
            claimed = Feed.objects.filter(pk=feed.pk, next_run_at=feed.next_run_at).update(
                next_run_at=next_run_after(feed, now))
            if not claimed:
                continue
            if FeedRun.objects.filter(feed=feed, status__in=(RunStatus.QUEUED,
                                                             RunStatus.RUNNING)).exists():
                continue
            run = FeedRun.objects.create(organization_id=feed.organization_id, feed=feed,
                                         trigger=Trigger.SCHEDULE)
            _publish_on_commit(run.pk)
            queued.append(run.pk)
    lost = FeedRun.objects.filter(
        Q(status=RunStatus.QUEUED, queued_at__lt=now - timedelta(
            seconds=limits.QUEUED_STALE_SECONDS))
        | Q(status=RunStatus.RUNNING, started_at__lt=now - timedelta(
            seconds=limits.RUN_STALE_SECONDS)))
    for run_id in lost.values_list("pk", flat=True):
        # Bump queued_at so the next beat does not send it again before the worker runs it.
        FeedRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(queued_at=now)
        _publish_on_commit(run_id)
        queued.append(run_id)
    return queued


# --- Running ------------------------------------------------------------------------------

class RetryLater(Exception):
    """The run failed in a way that may pass (FetchError.transient): try again later. The
    run is queued again with the error so far."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def claim_run(run_id: int) -> FeedRun | None:
    """Claim a queued run (or a running one whose worker died); None when another worker has
    it or it is finished, which makes a second delivery of the same message a no-op."""
    now = timezone.now()
    stale = now - timedelta(seconds=limits.RUN_STALE_SECONDS)
    claimed = FeedRun.objects.filter(pk=run_id).filter(
        Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, started_at__lt=stale)
    ).update(status=RunStatus.RUNNING, started_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return FeedRun.objects.select_related("feed", "feed__organization").get(pk=run_id)


def release_run(run_id: int) -> None:
    """Put a claimed run back in the queue (its attempt failed before it was recorded)."""
    FeedRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(status=RunStatus.QUEUED)


def reasons_language(run: FeedRun) -> str | None:
    """The language a pull run words its refused rows' reasons in: they are kept as text
    with the run, and a worker has no reader. The language chosen (in their settings) by the
    person who asked for the run, else by the one who set the feed up; else the language
    active (a run in a request: its reader's; in a worker: the default)."""
    for user in (run.requested_by, run.feed.created_by):
        language = chosen_language(user)
        if language:
            return language
    return translation.get_language()


def execute_run(run_id: int, *, may_retry: bool = False, today=None) -> FeedRun | None:
    """Run a queued pull run: fetch within the limits, read, store, record. Returns the
    finished run, or None when it was not ours to run (finished already, or running
    elsewhere). With `may_retry`, a failure that may pass raises RetryLater instead of being
    recorded as the run's outcome."""
    run = claim_run(run_id)
    if run is None:
        return None
    feed = run.feed
    if not feed.is_active:
        return finish(run, error=Words(gettext_noop("the feed was revoked before it ran")))
    try:
        fetched = fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
    except FetchError as exc:
        run.http_status = exc.status
        if exc.transient and may_retry:
            FeedRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED,
                                                     error=exc.words.english()[:500],
                                                     error_words=exc.words.as_json(),
                                                     http_status=exc.status)
            raise RetryLater(exc.words.english()) from exc
        return finish(run, error=exc.words)
    run.http_status, run.bytes_read = fetched.status, len(fetched.body)
    if fetched.status == 304:
        return finish(run, not_modified=True, etag=fetched.etag,
                      last_modified=fetched.last_modified)
    fingerprint = content_fingerprint(feed, fetched.body)
    if fingerprint == feed.content_fingerprint and feed.consecutive_failures == 0:
        return finish(run, not_modified=True, etag=fetched.etag,
                      last_modified=fetched.last_modified)
    with translation.override(reasons_language(run)):
        preview = read_body(fetched.body, feed=feed, content_type=fetched.content_type,
                            today=today)
    return finish(run, preview=preview, etag=fetched.etag,
                  last_modified=fetched.last_modified, fingerprint=fingerprint)


def content_fingerprint(feed: Feed, body: bytes) -> str:
    """The body and what it is read with: the same again needs no reading."""
    digest = hashlib.sha256(body)
    digest.update(json.dumps([feed.metric_map, feed.format, feed.all_or_nothing],
                             sort_keys=True).encode())
    return digest.hexdigest()


def missing_columns(feed: Feed, preview: ImportPreview) -> list[str]:
    """Columns the mapping names that a wide file no longer has."""
    if preview.shape != "wide":
        return []
    have = {c.strip().lower() for c in preview.columns}
    return [name for name, metric_id in (feed.metric_map or {}).items()
            if metric_id is not None and name.strip().lower() not in have]


@dataclass
class RowAnswer:
    line: int
    status: str  # stored, replaced, unchanged, refused
    metric_id: int | None = None
    period: object = None
    reason: str = ""


@dataclass
class Stored:
    run: FeedRun
    answers: list[RowAnswer] = field(default_factory=list)


STATUS_OF_OUTCOME = {"created": "stored", "replaced": "replaced", "unchanged": "unchanged"}


@transaction.atomic
def finish(run: FeedRun, *, preview: ImportPreview | None = None, error: Words | str = "",
           not_modified: bool = False, etag: str = "", last_modified: str = "",
           fingerprint: str = "", answers: list | None = None) -> FeedRun:
    """Store the run's valid rows, record the run and the feed's health, in one transaction.

    A run fails when the whole file is refused (an error in words), when a mapped column is
    gone, when it had rows and none could be stored, or, for an all-or-nothing feed, when any
    row is refused (then nothing is stored). Refused rows alone never stop the good ones.

    The error is kept in English (`error`, for the API and logs) and, when it is Words, as
    words each reader's page puts in their language. A reason the file's reader or the value
    import gave is English only (they word it as they go; a worker has no reader).
    """
    feed = Feed.objects.select_for_update().get(pk=run.feed_id)
    now = timezone.now()
    result = None
    problems = []
    if preview is not None and not error:
        problems = preview.problems
        gone = missing_columns(feed, preview)
        if preview.error:
            error = _sentence(preview.error)
        elif feed.all_or_nothing and problems:
            error = Words(gettext_noop(
                "%(refused)s row(s) refused, and this feed is all-or-nothing: nothing was "
                "stored (line %(line)s: %(reason)s)"),
                {"refused": len(problems), "line": problems[0].line,
                 "reason": problems[0].reason})
        else:
            if preview.rows:
                try:
                    with transaction.atomic():
                        result = metric_values_record_bulk(
                            organization=feed.organization, rows=preview.rows,
                            user=run.requested_by, source=Source.FEED)
                except ValidationError as exc:
                    error = _sentence(" ".join(exc.messages))
            if gone:
                error = Words(gettext_noop("the sheet now has no column %(columns)s"),
                              {"columns": ", ".join(f"'{c}'" for c in gone)})
            elif not preview.rows and problems and not error:
                error = Words(gettext_noop(
                    "none of the %(refused)s row(s) could be stored (line %(line)s: "
                    "%(reason)s)"),
                    {"refused": len(problems), "line": problems[0].line,
                     "reason": problems[0].reason})
    if result is not None:
        run.stored, run.replaced, run.unchanged = (result.created, result.replaced,
                                                   result.unchanged)
        if answers is not None:
            for position, row in enumerate(preview.rows):
                answers.append(RowAnswer(
                    preview.lines[position],
                    STATUS_OF_OUTCOME[result.outcomes[(row.metric_id, row.period)]],
                    row.metric_id, row.period))
    if preview is not None and answers is not None:
        for problem in problems:
            answers.append(RowAnswer(problem.line, "refused", reason=problem.reason))
        answers.sort(key=lambda a: a.line)
    run.refused = len(problems)
    run.problems = [{"line": p.line, "reason": p.reason} for p in problems[:limits.PROBLEMS_KEPT]]
    words = error if isinstance(error, Words) else None
    run.error = (words.english() if words else error)[:500]
    run.error_words = words.as_json() if words else {}
    if error:
        run.status = RunStatus.FAILED
    elif not_modified:
        run.status = RunStatus.NOT_MODIFIED
    else:
        run.status = RunStatus.PARTIAL if problems else RunStatus.OK
    run.finished_at = now
    run.started_at = run.started_at or now
    run.save()

    was_failing = feed.is_failing
    old_error = feed.last_error
    feed.last_run_at = now
    if run.status == RunStatus.FAILED:
        feed.consecutive_failures += 1
        feed.last_error, feed.last_error_words = run.error, run.error_words
    else:
        feed.consecutive_failures, feed.last_error, feed.last_success_at = 0, "", now
        feed.last_error_words = {}
        if etag or last_modified or not not_modified:
            feed.etag, feed.last_modified = etag[:400], last_modified[:100]
        if fingerprint:
            feed.content_fingerprint = fingerprint
    if preview is not None and preview.rows:
        fed = set(feed.fed_metric_ids or []) | {row.metric_id for row in preview.rows}
        fed |= {v for v in (feed.metric_map or {}).values() if v is not None}
        feed.fed_metric_ids = sorted(fed)
    feed.save(update_fields=["last_run_at", "consecutive_failures", "last_error",
                             "last_error_words",
                             "last_success_at", "etag", "last_modified",
                             "content_fingerprint", "fed_metric_ids"])
    if feed.is_failing != was_failing or (feed.is_failing and feed.last_error != old_error):
        request_recompute(feed.organization_id)  # FEED_FAILING opens, resolves or rewords
    run.feed = feed
    return run


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


@transaction.atomic
def feed_push(*, feed: Feed, body: bytes, content_type: str = "", today=None) -> Stored:
    """Store a pushed body like a pull run's: one FeedRun, and the answer per row (its line,
    or for JSON its position from 1: stored, replaced, unchanged or refused with the
    reason)."""
    run = FeedRun.objects.create(organization_id=feed.organization_id, feed=feed,
                                 trigger=Trigger.PUSH, status=RunStatus.RUNNING,
                                 started_at=timezone.now(), attempts=1,
                                 bytes_read=len(body))
    preview = read_body(body, feed=feed, content_type=content_type, today=today)
    answers: list[RowAnswer] = []
    run = finish(run, preview=preview, answers=answers)
    return Stored(run, answers)


def run_now(*, feed: Feed, trigger: str = Trigger.COMMAND, user=None, today=None) -> FeedRun:
    """Run a pull feed synchronously (the `run_feeds` command): queue, claim, run."""
    with transaction.atomic():
        run = FeedRun.objects.create(organization_id=feed.organization_id, feed=feed,
                                     trigger=trigger, requested_by=user)
    finished = execute_run(run.pk, today=today)
    return finished or FeedRun.objects.get(pk=run.pk)
