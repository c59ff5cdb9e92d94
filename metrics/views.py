import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from alignment_portal import charts
from alignment_portal.lib.staged import UNKNOWN_IMPORT, staged_for
from alignment_portal.notifications import services as notifications
from alignment_portal.notifications.rules import REMINDER_KINDS
from alignment_portal.organizations import security_log
from alignment_portal.organizations.access import get_membership
from alignment_portal.organizations.models import Role, SecurityEventKind
from alignment_portal.scoring import selectors as score_selectors
from goals import selectors as goal_selectors
from metrics import selectors, services
from metrics.csv_export import (
    DEFINITION_HEADER,
    VALUE_HEADER,
    csv_lines,
    definition_rows,
    value_rows,
)
from metrics.csv_import import parse_values_csv
from metrics.forms import ImportForm, LogValueForm, MetricForm
from metrics.import_checks import far_outside_warning, history_of, import_checks
from metrics.library import LIBRARY
from metrics.models import Metric, MetricValue, Source, ValueImport
from metrics.periods import period_label

VALUES_PER_PAGE = 25


@login_required
def metric_list(request, org_slug):
    membership = get_membership(request, org_slug)
    archived = request.GET.get("archived") == "1"
    rows = selectors.metric_statuses(organization=membership.organization, user=request.user,
                                     archived=archived)
    selectors.attach_scores(organization=membership.organization, rows=rows)
    return render(request, "metrics/metric_list.html", {"rows": rows, "archived": archived})


@login_required
def metric_create(request, org_slug):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    form = MetricForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            metric = services.metric_create(organization=organization, user=request.user,
                                            **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, gettext("%(name)s is defined.") % {"name": metric.name})
            return redirect("metrics:detail", org_slug=org_slug, metric_id=metric.pk)
    return render(request, "metrics/metric_form.html", {"form": form, "metric": None})


@login_required
def metric_edit(request, org_slug, metric_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    metric = get_object_or_404(Metric, pk=metric_id, organization=organization)
    form = MetricForm(request.POST or None, instance=metric, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.metric_update(metric=metric, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, gettext("%(name)s is saved.") % {"name": metric.name})
            return redirect("metrics:detail", org_slug=org_slug, metric_id=metric.pk)
    return render(request, "metrics/metric_form.html", {"form": form, "metric": metric})


@login_required
@require_POST
def metric_archive(request, org_slug, metric_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    metric = get_object_or_404(Metric, pk=metric_id, organization=membership.organization)
    restore = request.POST.get("restore") == "1"
    services.metric_archive(metric=metric, archived=not restore)
    messages.success(request, gettext("%(name)s is %(value)s.") % {
        "name": metric.name, "value": 'restored' if restore else 'archived'})
    return redirect("metrics:detail", org_slug=org_slug, metric_id=metric.pk)


@login_required
def metric_library(request, org_slug):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    organization = membership.organization
    added = selectors.library_keys_added(organization=organization)
    error = None
    if request.method == "POST":
        key = request.POST.get("key", "")
        try:
            metric = services.metric_add_from_library(organization=organization, key=key,
                                                      owner=request.user)
        except ValidationError as exc:
            error = (key, exc.messages[0])
        else:
            added[key] = metric.pk
            if not request.htmx:
                messages.success(request, gettext("%(name)s is added; edit it to fit.") % {
                    "name": metric.name})
                return redirect("metrics:library", org_slug=org_slug)
        if request.htmx:
            item = next((i for i in LIBRARY if i.key == key), None)
            if item is not None:
                return render(request, "metrics/library.html#item",
                              {"item": item, "added": added, "error": error,
                               "just_added": error is None})
    return render(request, "metrics/library.html",
                  {"library": LIBRARY, "added": added, "error": error})


@login_required
def log_values(request, org_slug):
    """Every metric to log, or (`?metrics=3,5,9`, the link in a due or overdue email) exactly
    those of this organization, in that order, the first one's value focused."""
    membership = get_membership(request, org_slug, Role.STAFF)
    rows = selectors.log_rows(organization=membership.organization, user=request.user)
    chosen = _metric_ids(request.GET.get("metrics", ""))
    if chosen:
        by_id = {row.metric.pk: row for row in rows}
        rows = [by_id[pk] for pk in chosen if pk in by_id]
    # The field to start typing in: the first chosen metric, else the first one due.
    first = rows[0] if chosen and rows else next((row for row in rows if row.is_due), None)
    entries = [selectors.log_entry(row, organization=membership.organization, focus=row is first)
               for row in rows]
    due = sum(1 for row in rows if row.is_due)
    return render(request, "metrics/log_values.html", {"entries": entries, "due": due,
                                                        "chosen": bool(chosen)})


MAX_CHOSEN_METRICS = 200


def _metric_ids(raw: str) -> list[int]:
    """The ids of `?metrics=3,5,9`, in order, without repeats; anything else is ignored."""
    ids = []
    for part in raw.split(",")[:MAX_CHOSEN_METRICS]:
        part = part.strip()
        if part.isdecimal() and len(part) < 12 and int(part) not in ids:
            ids.append(int(part))
    return ids


@login_required
@require_POST
def log_value(request, org_slug, metric_id):
    """Save one row of "Log values". htmx gets the row back (saved, or its errors in place);
    without JavaScript the page is shown again."""
    membership = get_membership(request, org_slug, Role.STAFF)
    organization = membership.organization
    # This is the busiest endpoint (staff log a value per request): the metric comes with
    # its latest value in one query, and the saved row is rendered from what is in hand.
    metric = selectors.metric_with_latest(organization, metric_id)
    if metric is None:
        raise Http404("No such metric")
    form = LogValueForm(request.POST, metric=metric)
    result, saved, warning = "error", None, ""
    if form.is_valid():
        # Read before the write, so the new value is judged against the history without it.
        history = history_of(organization, metric.pk)
        try:
            outcome = services.metric_value_record(
                metric=metric, period=form.cleaned_data["period"],
                value=form.cleaned_data["value"], note=form.cleaned_data["note"],
                user=request.user, source=Source.FORM)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(None if field == "__all__" else field, errors)
        else:
            result, saved, form = outcome.outcome, outcome.value, None
            selectors.note_recorded(metric, saved)
            warning = far_outside_warning(saved.value, history)  # saved, but worth a look
    context = selectors.log_entry(
        selectors.metric_status(metric, user=request.user), organization=organization,
        form=form, result=result,
        saved=saved, warning=warning,
        saved_label=saved and period_label(metric.frequency, saved.period))
    if request.htmx:
        return render(request, "metrics/log_values.html#row", context)
    if result != "error":
        messages.success(request, f"{metric.name}: {_result_words(result)}.")
        if warning:
            messages.warning(request, f"{metric.name}: {warning}")
        return redirect(reverse("metrics:log", args=[org_slug]) + f"#row-{metric.pk}")
    rows = selectors.log_rows(organization=organization, user=request.user)
    entries = [selectors.log_entry(row, organization=organization) if row.metric.pk != metric.pk
               else selectors.log_entry(row, organization=organization, form=form,
                                        result="error") for row in rows]
    if metric.is_archived:
        entries.insert(0, context)
    return render(request, "metrics/log_values.html",
                  {"entries": entries, "due": sum(1 for row in rows if row.is_due)})


def _result_words(result: str) -> str:
    return {"created": "saved", "replaced": "saved; the previous value is in the history",
            "unchanged": "same value as before, nothing changed"}.get(result, result)


@login_required
def metric_detail(request, org_slug, metric_id):
    membership = get_membership(request, org_slug)
    organization = membership.organization
    metric = selectors.metric_with_latest_and_owner(organization, metric_id)
    if metric is None:
        raise Http404
    status = selectors.attach_failing_feeds(
        organization=organization, rows=[selectors.metric_status(metric, user=request.user)])[0]
    part = request.GET.get("part") if request.htmx else None
    # The chart's points count the values, so the values table needs no COUNT of its own.
    points = None if part in {"values", "history"} else selectors.metric_points(
        organization=organization, metric=metric)
    values = selectors.metric_values(organization=organization, metric=metric)
    values_page = selectors.page_of(values, request.GET.get("page"),
                                    per_page=VALUES_PER_PAGE,
                                    count=None if points is None else len(points),
                                    first=functools.partial(selectors.first_values,
                                                            organization=organization,
                                                            metric=metric))
    values_page.object_list = selectors.value_rows(metric, organization.slug,
                                                   values_page.object_list)
    history_page = selectors.page_of(selectors.metric_revision_rows(
        organization=organization, metric=metric),
                                     request.GET.get("history"), per_page=VALUES_PER_PAGE,
                                     first=functools.partial(selectors.first_revisions,
                                                             organization=organization,
                                                             metric=metric))
    history_page.object_list = selectors.revision_rows(history_page.object_list)
    context = {"metric": metric, "row": status, "values_page": values_page,
               "history_page": history_page}
    if part in {"values", "history"}:
        return render(request, f"metrics/metric_detail.html#{part}", context)
    goals, goal_lines = goal_selectors.goals_of_metric(organization=organization,
                                                       metric=metric)
    context["chart"] = charts.metric_trend(
        name=metric.name, unit=metric.unit, direction=metric.direction, points=points,
        goals=goal_lines, freshness=status.freshness)
    context["goals"] = goals
    context["scores"] = selectors.metric_scores(organization=organization, metric=metric)
    context["claims"] = score_selectors.metric_claims(organization, metric)
    return render(request, "metrics/metric_detail.html", context)


@login_required
def value_detail(request, org_slug, metric_id, value_id):
    """One stored value, its history, and (for staff) a form to replace it."""
    membership = get_membership(request, org_slug)
    organization = membership.organization
    metric = get_object_or_404(Metric, pk=metric_id, organization=organization)
    value = get_object_or_404(MetricValue, pk=value_id, metric=metric,
                              organization=organization)
    form = LogValueForm(metric=metric, initial={"period": value.period, "value": value.value,
                                                "note": value.note})
    if request.method == "POST":
        get_membership(request, org_slug, Role.STAFF)
        form = LogValueForm(request.POST, metric=metric)
        if form.is_valid():
            try:
                outcome = services.metric_value_record(
                    metric=metric, period=form.cleaned_data["period"],
                    value=form.cleaned_data["value"], note=form.cleaned_data["note"],
                    user=request.user, source=Source.FORM)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(None if field == "__all__" else field, errors)
            else:
                messages.success(request, f"{metric.name}: {_result_words(outcome.outcome)}.")
                return redirect("metrics:value", org_slug=org_slug, metric_id=metric.pk,
                                value_id=outcome.value.pk)
    return render(request, "metrics/value_detail.html",
                  {"metric": metric, "value": value, "form": form,
                   "revisions": selectors.value_revisions(organization=organization,
                                                          value=value)[:100]})


@login_required
def import_values(request, org_slug):
    """Upload a CSV and see what it would import; nothing is written until confirmed."""
    membership = get_membership(request, org_slug, Role.STAFF)
    organization = membership.organization
    form = ImportForm(request.POST or None, request.FILES or None)
    preview = staged = checks = None
    refused = getattr(request, "upload_refused", "")  # cut off while streaming (lib/uploads)
    if refused:
        form = ImportForm()
    elif request.method == "POST" and form.is_valid():
        content = form.cleaned_data["file"].read()
        preview = parse_values_csv(content, organization=organization)
        if not preview.error and preview.rows:
            checks = import_checks(organization, preview.rows)
            for sample in preview.sample:  # what the table of parsed values shows per row
                key = (sample.metric_id, sample.period)
                sample.replaces = checks.old_values.get(key)
                sample.warning = checks.warnings.get(key, "")
            staged = services.value_import_stage(
                organization=organization, user=request.user,
                filename=form.cleaned_data["file"].name, content=content)
    return render(request, "metrics/import.html",
                  {"form": form, "preview": preview, "staged": staged, "refused": refused,
                   "checks": checks})


@login_required
@require_POST
def import_confirm(request, org_slug):
    membership = get_membership(request, org_slug, Role.STAFF)
    organization = membership.organization
    staged = staged_for(ValueImport, request.POST.get("import", ""), organization=organization)
    if staged is None:
        messages.error(request, UNKNOWN_IMPORT)
        return redirect("metrics:import", org_slug=org_slug)
    try:
        preview, result = services.value_import_confirm(value_import=staged, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("metrics:import", org_slug=org_slug)
    if result is None:
        messages.info(request, gettext("This file was imported already; nothing was imported "
                                       "again."))
    else:
        messages.success(
            request, gettext("Imported %(created)s new and %(replaced)s replaced values "
                             "(%(unchanged)s unchanged, %(refused)s lines refused).") % {
                                 "created": result.created, "replaced": result.replaced,
                                 "unchanged": result.unchanged, "refused": preview.refused})
    return redirect("metrics:list", org_slug=org_slug)


def _csv_response(filename: str, lines) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export(request, org_slug, *, name: str, header, rows) -> StreamingHttpResponse:
    """A CSV of the organization's records, formulas neutralised (csv_lines)."""
    organization = get_membership(request, org_slug).organization
    stamp = timezone.localdate().isoformat()
    security_log.record(organization=organization, kind=SecurityEventKind.EXPORT,
                        request=request, detail=f"{name} (CSV)")
    return _csv_response(f"{organization.slug}-{name}-{stamp}.csv",
                         csv_lines(header, rows(organization), local=True))


@login_required
@require_GET
def export_values(request, org_slug):
    return _export(request, org_slug, name="metric-values", header=VALUE_HEADER,
                   rows=value_rows)


@login_required
@require_GET
def export_definitions(request, org_slug):
    return _export(request, org_slug, name="metrics", header=DEFINITION_HEADER,
                   rows=definition_rows)


@login_required
def todo(request, org_slug):
    """The metrics I owe now (the due and overdue emails list the same metrics)."""
    membership = get_membership(request, org_slug)
    rows = selectors.todo_rows(organization=membership.organization, user=request.user)
    enabled = notifications.preferences_for(user=request.user,
                                            organization=membership.organization)
    reminders_on = all(enabled[kind] for kind in REMINDER_KINDS)
    return render(request, "metrics/todo.html", {"rows": rows, "reminders_on": reminders_on})


@login_required
@require_POST
def reminder_setting(request, org_slug):
    """The to-do page's switch: the "value due" and "overdue" emails of this organization
    together (the notification settings page sets each kind)."""
    membership = get_membership(request, org_slug)
    wanted = request.POST.get("email_reminders") == "on"
    notifications.preferences_save(user=request.user, organization=membership.organization,
                                   enabled=dict.fromkeys(REMINDER_KINDS, wanted))
    messages.success(request, "Reminder emails are on." if wanted
                     else "Reminder emails are off for this organization.")
    return redirect("metrics:todo", org_slug=org_slug)
