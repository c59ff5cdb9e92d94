"""Reads for metrics. Each takes the organization and runs a fixed number of queries whatever
the number of metrics."""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, QuerySet, Subquery
from django.template.defaultfilters import floatformat, join
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from alignment_portal.lib.compiled import CompiledQuery, field_names, instance
from alignment_portal.lib.urls import child_path_parts, record_path
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import constants as scoring
from alignment_portal.scoring import rules
from alignment_portal.scoring import selectors as scores
from alignment_portal.scoring.models import SubjectType
from goals.models import Goal
from metrics.models import Metric, MetricValue, MetricValueRevision, Source
from metrics.periods import period_label, period_start
from metrics.templatetags.metric_numbers import plain_number, unit_label


def metrics_with_latest(*, organization: Organization, archived: bool | None = False
                        ) -> QuerySet:
    """The organization's metrics with `latest_period` and `latest_value` (one query): open
    ones, archived ones (`archived=True`) or both (`archived=None`)."""
    latest = MetricValue.objects.filter(metric=OuterRef("pk")).order_by("-period")
    metrics = Metric.objects.filter(organization=organization).select_related("owner")
    if archived is not None:
        metrics = metrics.filter(archived_at__isnull=not archived)
    return metrics.annotate(latest_period=Subquery(latest.values("period")[:1]),
                            latest_value=Subquery(latest.values("value")[:1]))


_METRIC_FIELDS = field_names(Metric)
# The busiest endpoint (a saved value) reads its metric by this, compiled once (lib/compiled.py).
_METRIC_WITH_LATEST = CompiledQuery(
    lambda organization_id, metric_id: metrics_with_latest(organization=organization_id,
                                                           archived=None)
    .filter(pk=metric_id).values_list(*_METRIC_FIELDS, "latest_period", "latest_value"),
    ints=["organization_id", "metric_id"])


def metric_with_latest(organization: Organization, metric_id: int) -> Metric | None:
    """One metric of the organization (open or archived) with `latest_period` and
    `latest_value` as `metrics_with_latest` gives them, in one query; None if not ours."""
    rows = _METRIC_WITH_LATEST.rows(organization_id=organization.pk, metric_id=metric_id)
    if not rows:
        return None
    metric = instance(Metric, rows[0][:-2])
    metric.latest_period, metric.latest_value = rows[0][-2:]
    return metric


_OWNER_FIELDS = field_names(Metric.owner.field.related_model)
# The metric page reads its metric with the owner (as select_related("owner") does) by this.
_METRIC_WITH_OWNER = CompiledQuery(
    lambda organization_id, metric_id: metrics_with_latest(organization=organization_id,
                                                           archived=None)
    .filter(pk=metric_id).values_list(*_METRIC_FIELDS, "latest_period", "latest_value",
                                      *(f"owner__{name}" for name in _OWNER_FIELDS)),
    ints=["organization_id", "metric_id"])


def metric_with_latest_and_owner(organization: Organization, metric_id: int
                                 ) -> Metric | None:
    """`metric_with_latest` with the metric's owner read in the same query."""
    rows = _METRIC_WITH_OWNER.rows(organization_id=organization.pk, metric_id=metric_id)
    if not rows:
        return None
    fields = len(_METRIC_FIELDS)
    metric = instance(Metric, rows[0][:fields])
    metric.latest_period, metric.latest_value = rows[0][fields:fields + 2]
    owner = None if metric.owner_id is None else instance(Metric.owner.field.related_model,
                                                           rows[0][fields + 2:])
    Metric.owner.field.set_cached_value(metric, owner)
    return metric


def note_recorded(metric: Metric, value: MetricValue) -> Metric:
    """Update the `latest_*` annotations of `metric` (from `metrics_with_latest`) with a value
    just recorded, so the saved row can be shown without reading the metric again."""
    if metric.latest_period is None or value.period >= metric.latest_period:
        metric.latest_period, metric.latest_value = value.period, value.value
    return metric


@dataclass
class MetricStatus:
    """A metric as the lists show it: its last value, whether it is due and fresh."""

    metric: Metric
    current_period: date
    current_label: str
    latest_period: date | None
    latest_value: object
    is_due: bool  # no value for the period containing today
    is_fresh: bool  # DOMAIN.md: latest value within the window plus half a window
    is_mine: bool
    # The failing feeds that write this metric's values (see attach_failing_feeds).
    failing_feeds: tuple = ()

    @property
    def freshness(self) -> str:
        if self.latest_period is None:
            return "no data"
        return "fresh" if self.is_fresh else "stale"

    @property
    def freshness_days(self) -> str:
        """The freshness limit in whole days, as the badge's title prints it."""
        return _whole_days(self.metric.frequency)

    @property
    def latest_label(self) -> str:
        if self.latest_period is None:
            return ""
        return period_label(self.metric.frequency, self.latest_period)


@functools.lru_cache(maxsize=32)
def _whole_days(frequency: str) -> str:
    return floatformat(rules.freshness_limit_days(frequency), 0)


def metric_status(metric: Metric, *, user=None, today: date | None = None) -> MetricStatus:
    """Status of a metric annotated by `metrics_with_latest`."""
    today = today or timezone.localdate()
    current = period_start(metric.frequency, today)
    latest = getattr(metric, "latest_period", None)
    return MetricStatus(
        metric=metric, current_period=current,
        current_label=period_label(metric.frequency, current),
        latest_period=latest, latest_value=getattr(metric, "latest_value", None),
        is_due=latest is None or latest < current,
        is_fresh=metric.is_fresh(latest, today),
        is_mine=user is not None and metric.owner_id == user.pk,
    )


def metric_statuses(*, organization: Organization, user=None, today: date | None = None,
                    archived: bool = False) -> list[MetricStatus]:
    today = today or timezone.localdate()
    return attach_failing_feeds(organization=organization, rows=[
        metric_status(m, user=user, today=today)
        for m in metrics_with_latest(organization=organization, archived=archived)])


# "Log values" (and the to-do list) read the open metrics by this, compiled once
# (lib/compiled.py): building the query cost more CPU than the database's answer. No owner
# joined: the rows need only `owner_id`.
_OPEN_METRICS_WITH_LATEST = CompiledQuery(
    lambda organization_id: metrics_with_latest(organization=organization_id)
    .select_related(None).values_list(*_METRIC_FIELDS, "latest_period", "latest_value"),
    ints=["organization_id"])


def _open_metrics_with_latest(organization: Organization) -> list[Metric]:
    """The open metrics of `metrics_with_latest(organization=...)`, without the owner."""
    metrics = []
    for row in _OPEN_METRICS_WITH_LATEST.rows(organization_id=organization.pk):
        metric = instance(Metric, row[:-2])
        metric.latest_period, metric.latest_value = row[-2:]
        metrics.append(metric)
    return metrics


def attach_failing_feeds(*, organization: Organization, rows: list[MetricStatus]
                         ) -> list[MetricStatus]:
    """Set `failing_feeds` on each row whose metric a failing feed writes (one query), so
    freshness says why new values stopped arriving."""
    from alignment_portal.feeds.selectors import failing_feeds_by_metric

    by_metric = failing_feeds_by_metric(organization.pk)
    if by_metric:
        for row in rows:
            row.failing_feeds = tuple(by_metric.get(row.metric.pk, ()))
    return rows


def _refused(form) -> dict:
    """What a row shows of a refused submission (`form`, bound; None for a row nobody
    submitted): the typed values and each field's errors joined, as the row prints them. Read
    here once: the row template's lookups through the form were a fifth of its time."""
    if form is None:
        return _NOT_REFUSED
    errors = {"row_errors": form.non_field_errors()} | {
        f"{name}_errors": form[name].errors for name in ("value", "period", "note")}
    return {"typed_value": form.data.get("value", ""), "typed_note": form.data.get("note", ""),
            "typed_period": form.data.get("period", ""),
            **{key: join(value, " ", autoescape=True) if value else ""
               for key, value in errors.items()}}


_NOT_REFUSED = {"typed_value": "", "typed_note": "", "typed_period": None, "row_errors": "",
                "value_errors": "", "period_errors": "", "note_errors": ""}


@functools.lru_cache(maxsize=16)
def _log_words(language: str | None) -> dict[str, str]:
    """The words of a "Log values" row in `language`, translated once: a {% translate %} or
    {% blocktranslate %} per row was half the page's template time. The sentences keep the
    msgids the row template had (%(name)s is filled in, escaped, by `_worded`), and like
    {% translate %} of a literal they are not escaped themselves."""
    return {key: mark_safe(words) for key, words in {  # noqa: S308 (translations, as {% translate %})
        "due": gettext("Due"), "yours": gettext("Yours"), "no_value": gettext("No value yet"),
        "last": gettext("Last: %(value)s %(unit)s, %(period)s"),
        "value_for": gettext('Value for %(period)s <span class="muted">(%(unit)s)</span>'
                             '<span class="visually-hidden"> of %(name)s</span>'),
        "period": gettext('Period <span class="muted">(any day in it)</span>'
                          '<span class="visually-hidden"> for %(name)s</span>'),
        "note": gettext('Note <span class="muted">(optional)</span>'
                        '<span class="visually-hidden"> for %(name)s</span>'),
        "save": gettext('Save<span class="visually-hidden"> %(name)s</span>'),
        "fresh": gettext("Fresh"), "stale": gettext("Stale"), "no_data": gettext("No data"),
        "fresh_title": gettext("Latest value within %(days)s days"),
        "stale_title": gettext("No value in the last %(days)s days"),
        "feed_failing": gettext("Feed failing: %(name)s"),
        "saved": gettext("Saved %(value)s for %(period)s."),
        "replaced": gettext("Saved; the previous value is kept in the history."),
        "unchanged": gettext("Same value as before: nothing changed."),
        "error": gettext("Not saved: see the message above."),
    }.items()}


def _worded(sentence: str, **values) -> SafeString:
    """A translated sentence with its values escaped, as {% blocktranslate %} makes it (the
    translation's own markup kept; a value escaped already is not escaped again)."""
    values = {key: conditional_escape(value) for key, value in values.items()}
    return mark_safe(sentence % values)  # noqa: S308 (a translation, its values escaped)


def _status_words(words: dict, result: str, saved, saved_label: str) -> str:
    """What the row's status line says after a submission (nothing before one)."""
    if result == "created":
        return _worded(words["saved"], value=floatformat(saved.value, "-2"), period=saved_label)
    return words[result] if result in ("replaced", "unchanged", "error") else ""


def _plain(text: str) -> SafeString:
    """Text with nothing to escape (digits, an ISO date, a path of a slug and ids, a class
    name), marked so: the row prints a dozen of them, and an escape each added up."""
    return mark_safe(text)  # noqa: S308 (only such text is passed)


_OK, _WARN, _BAD = _plain("ok"), _plain("warn"), _plain("bad")  # badge classes


def log_entry(row: "MetricStatus", *, organization: Organization, form=None, result: str = "",
              focus: bool = False, saved=None, warning: str = "", saved_label: str = "") -> dict:
    """One row of "Log values" as its template reads it: every variable present, each a plain
    value prepared here once (a template lookup through the row and its metric per use was
    most of the page's time), its sentences translated and filled in here too."""
    metric = row.metric
    latest = row.latest_value
    words = _log_words(get_language())
    # Escaped once here: each is printed in several of the row's sentences.
    name = conditional_escape(metric.name)
    unit = conditional_escape(unit_label(metric, organization.currency))
    freshness = row.freshness
    if freshness == "no data":
        badge = (_WARN, words["no_data"], "")
    else:
        badge = (_OK, words["fresh"], words["fresh_title"]) if freshness == "fresh" else (
            _BAD, words["stale"], words["stale_title"])
    return {"row": row, "pk": _plain(str(metric.pk)),  # printed a dozen times a row
            "name": name, "unit": unit,
            "is_due": row.is_due, "is_mine": row.is_mine, "words": words,
            "last": words["no_value"] if latest is None else _worded(
                words["last"], value=floatformat(latest, "-2"), unit=unit,
                period=row.latest_label),
            "value_caption": _worded(words["value_for"], period=row.current_label, unit=unit,
                                     name=name),
            "period_caption": _worded(words["period"], name=name),
            "note_caption": _worded(words["note"], name=name),
            "save_caption": _worded(words["save"], name=name),
            "badge_class": badge[0], "badge_word": badge[1],
            "badge_title": badge[2] and _worded(badge[2], days=row.freshness_days),
            "failing_feeds": [{"url": record_path("feeds:detail", organization.slug, feed.id),
                               "error": feed.error,
                               "words": _worded(words["feed_failing"], name=feed.name)}
                              for feed in row.failing_feeds],
            "current_period": _plain(row.current_period.isoformat()),
            "save_url": _plain(record_path("metrics:log_value", organization.slug, metric.pk)),
            "detail_url": _plain(record_path("metrics:detail", organization.slug, metric.pk)),
            **_refused(form), "result": result, "focus": focus, "saved": saved,
            "status": _status_words(words, result, saved, saved_label),
            "warning": warning, "saved_label": saved_label}


def log_rows(*, organization: Organization, user, today: date | None = None
             ) -> list[MetricStatus]:
    """What the "Log values" page lists: mine first, then the rest, by name within each. The
    order does not depend on what is due, so the rows stay where a person left them from one
    visit to the next (the page focuses the first due one instead)."""
    today = today or timezone.localdate()
    rows = attach_failing_feeds(organization=organization, rows=[
        metric_status(m, user=user, today=today) for m in _open_metrics_with_latest(organization)])
    return sorted(rows, key=lambda r: (not r.is_mine, r.metric.name.lower(), r.metric.pk))


def todo_rows(*, organization: Organization, user, today: date | None = None
              ) -> list[MetricStatus]:
    """The metrics `user` owns that are due now (the "My to-do" page and the reminder)."""
    return [r for r in log_rows(organization=organization, user=user, today=today)
            if r.is_mine and r.is_due]


_VALUE_COLUMNS = ("pk", "period", "value", "note", "entered_at", "source",
                  "entered_by__username")


def metric_values(*, organization: Organization, metric: Metric) -> QuerySet:
    """The values of `metric`, newest first, as the values table shows them: plain rows of
    the shown columns (`value_rows` formats a page of them)."""
    return (MetricValue.objects.filter(organization=organization, metric=metric)
            .order_by("-period").values(*_VALUE_COLUMNS))


_REVISION_COLUMNS = ("period", "value", "note", "entered_at", "replaced_at",
                     "entered_by__username", "replaced_by__username")


class FirstRows:
    """The first `n` rows of `metric_values` or `metric_revision_rows` (as `rows[:n]` gives
    them) by a query compiled once per `n` (lib/compiled.py): the first page is the one every
    visit of a metric's page reads."""

    def __init__(self, build: Callable[..., QuerySet], columns: tuple[str, ...]):
        self.build, self.columns = build, columns
        self._by_length: dict[int, CompiledQuery] = {}

    def __call__(self, n: int, *, organization: Organization, metric: Metric) -> list[dict]:
        query = self._by_length.get(n)
        if query is None:
            query = self._by_length.setdefault(n, CompiledQuery(
                lambda organization_id, metric_id: self.build(
                    organization=organization_id, metric=metric_id)[:n],
                ints=["organization_id", "metric_id"]))
        return [dict(zip(self.columns, row, strict=True))
                for row in query.rows(organization_id=organization.pk, metric_id=metric.pk)]


def metric_points(*, organization: Organization, metric: Metric) -> list[tuple[date, object]]:
    """(period, value) of every value of `metric`, oldest first, for its chart (one query)."""
    return _METRIC_POINTS.rows(organization_id=organization.pk, metric_id=metric.pk)


_METRIC_POINTS = CompiledQuery(
    lambda organization_id, metric_id: MetricValue.objects.filter(
        organization=organization_id, metric=metric_id)
    .order_by("period").values_list("period", "value"), ints=["organization_id", "metric_id"])


def _when(moment) -> str:
    """A stored time as the tables print it (Y-m-d H:i in the current time zone)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


SOURCE_LABELS = dict(Source.choices)


def value_rows(metric: Metric, slug: str, rows) -> list[dict]:
    """A page of `metric_values` ready to print: link, dates and source label formatted once
    in Python rather than by a template filter per cell."""
    before, after = child_path_parts("metrics:value", slug, metric.pk)
    return [{**row, "url": f"{before}{row['pk']}{after}", "period": row["period"].isoformat(),
             "value": plain_number(row["value"]),
             "entered_at": _when(row["entered_at"]),
             "source": SOURCE_LABELS.get(row["source"], row["source"]),
             "entered_by": row["entered_by__username"] or "—"} for row in rows]


def revision_rows(rows) -> list[dict]:
    """A page of `metric_revisions` ready to print (see value_rows)."""
    return [{**row, "period": row["period"].isoformat(), "value": plain_number(row["value"]),
             "entered_at": _when(row["entered_at"]),
             "replaced_at": _when(row["replaced_at"]),
             "entered_by": row["entered_by__username"] or "—",
             "replaced_by": row["replaced_by__username"] or "—"} for row in rows]


def page_of(rows: QuerySet, number, *, per_page: int, count: int | None = None,
            first: Callable[[int], list] | None = None) -> Page:
    """Page `number` of `rows` (the last for a number past the end); `count` when the number
    of rows is known already spares the COUNT query, and so does a first page that holds
    every row (one query reads one row more than a page: fewer means there is no other).
    `first(n)`, when given, reads the first `n` rows as `list(rows[:n])` would."""
    first = first or (lambda n: list(rows[:n]))
    if count is not None and number in (None, "", "1"):
        paginator = Paginator(rows, per_page)
        paginator.count = count  # a cached property: set, it is not queried
        page = paginator.page(1)
        page.object_list = first(per_page) if count else []
        return page
    if count is None and number in (None, "", "1"):
        first = first(per_page + 1)
        if len(first) <= per_page:
            return Paginator(first, per_page).get_page(1)
        page = Paginator(rows, per_page).page(1)  # counts; the rows are in hand already
        page.object_list = first[:per_page]
        return page
    paginator = Paginator(rows, per_page)
    if count is not None:
        paginator.count = count  # a cached property: set, it is not queried
    return paginator.get_page(number)


def library_keys_added(*, organization) -> dict[str, int]:
    """{library key: metric id} of the library definitions the organization has added."""
    return dict(Metric.objects.filter(organization=organization).exclude(library_key="")
                .values_list("library_key", "pk"))


def metric_revisions(*, organization: Organization, metric: Metric) -> QuerySet:
    return (MetricValueRevision.objects.filter(organization=organization, metric=metric)
            .select_related("entered_by", "replaced_by").order_by("-replaced_at", "-id"))


def metric_revision_rows(*, organization: Organization, metric: Metric) -> QuerySet:
    """The replaced values of `metric` as the history table shows them (`revision_rows`)."""
    return (MetricValueRevision.objects.filter(organization=organization, metric=metric)
            .order_by("-replaced_at", "-id").values(*_REVISION_COLUMNS))


first_values = FirstRows(metric_values, _VALUE_COLUMNS)
first_revisions = FirstRows(metric_revision_rows, _REVISION_COLUMNS)


def value_revisions(*, organization: Organization, value: MetricValue) -> QuerySet:
    return metric_revisions(organization=organization, metric=value.metric).filter(
        period=value.period)


# Scores and flags (the scoring engine's verdicts on a metric) ---------------------------------

VANITY_VERDICT_LABELS = {
    "confirmed": "Vanity metric, confirmed",
    "cleared": "Cleared: moves with the outcome",
    "inconclusive": "Inconclusive",
    "no_evidence": "No evidence yet",
}


@dataclass
class MetricScores:
    """What a metric's page shows of the scoring: its stored score (None before the first
    recompute), the vanity verdict in words, the goal it was compared with, and its open and
    recently resolved flags (STALE_DATA, VANITY_METRIC)."""

    score: object
    vanity_goal: object
    open_flags: list
    resolved_flags: list

    @property
    def verdict_label(self) -> str:
        return VANITY_VERDICT_LABELS.get(self.score.vanity_verdict, "") if self.score else ""

    @property
    def evidence(self) -> str:
        """The vanity verdict's evidence: the correlation of period-to-period changes with the
        outcome of the goal it was compared with, against the thresholds."""
        score = self.score
        if score is None:
            return ""
        goal = f"“{self.vanity_goal.title}”" if self.vanity_goal else "a goal's outcome"
        r = score.vanity_correlation
        if score.vanity_verdict == "no_evidence" or r is None:
            return (f"Not enough history to compare: it needs at least "
                    f"{scoring.VANITY_MIN_COMMON_PERIODS} periods with a value for both it and "
                    "the measure of a goal it serves.")
        said = f"Its changes correlate {r:.2f} with the measure of {goal}"
        if score.vanity_verdict == "confirmed":
            return f"{said}, below {scoring.VANITY_CONFIRM_BELOW:g}: it does not move with it."
        if score.vanity_verdict == "cleared":
            note = f" ({score.vanity_note})" if score.vanity_note else ""
            return f"{said}, above {scoring.VANITY_CLEAR_ABOVE:g}{note}."
        return (f"{said}, between {scoring.VANITY_CONFIRM_BELOW:g} and "
                f"{scoring.VANITY_CLEAR_ABOVE:g}: neither confirmed nor cleared.")


def metric_scores(*, organization: Organization, metric: Metric) -> MetricScores:
    """Two queries (three when a goal was compared)."""
    score = scores.metric_score(organization, metric.pk)
    vanity_goal = None
    if score is not None and score.vanity_goal_id:
        vanity_goal = Goal.objects.filter(organization=organization,
                                          pk=score.vanity_goal_id).first()
    open_flags, resolved_flags = scores.record_flags(organization, SubjectType.METRIC,
                                                     metric.pk)
    return MetricScores(score=score, vanity_goal=vanity_goal, open_flags=open_flags,
                        resolved_flags=resolved_flags)


def attach_scores(*, organization: Organization, rows: list[MetricStatus]) -> None:
    """Give each list row its stored score (`row.score`, None before the first recompute) and
    open flags (`row.open_flags`): two queries whatever the number of rows."""
    ids = [row.metric.pk for row in rows]
    stored = scores.scores_for(organization, SubjectType.METRIC, ids)
    flags = scores.open_flags_for_many(organization, SubjectType.METRIC, ids)
    for row in rows:
        row.score = stored.get(row.metric.pk)
        row.verdict_label = (VANITY_VERDICT_LABELS.get(row.score.vanity_verdict, "")
                             if row.score else "")
        row.open_flags = flags.get(row.metric.pk, [])
