"""The organization dashboard, the consultant's portfolio, the score history and the quarterly
report. Every organization view starts with get_membership (outsiders 404); every chart is
its own URL, loaded lazily by htmx and readable without JavaScript; on an htmx request the
same view renders just the fragment (`page.html#fragment`)."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from alignment_portal import charts
from alignment_portal.dashboards import selectors
from alignment_portal.organizations.access import get_membership
from goals.models import Cycle
from metrics.csv_export import csv_lines


def _flag_filter(request) -> dict:
    return {"severity": request.GET.get("severity", ""), "code": request.GET.get("code", ""),
            "subject_type": request.GET.get("type", ""),
            "show_all": request.GET.get("all") == "1"}


@login_required
@require_GET
def dashboard(request, org_slug):
    """Rung and next-rung checklist, the five dimensions, misaligned spend, priority goals,
    open flags (filterable), metrics due, and the scores' freshness."""
    membership = get_membership(request, org_slug)
    organization = membership.organization
    if request.htmx and request.htmx.target == "flags":
        flags = selectors.flag_groups(organization, **_flag_filter(request))
        return render(request, "dashboards/dashboard.html#flags",
                      {"flags": flags, "organization": organization})
    data = selectors.dashboard(organization, can_log=membership.can_log,
                               flag_filter=_flag_filter(request))
    return render(request, "dashboards/dashboard.html", {"d": data, "flags": data.flags})


@login_required
@require_GET
def score_status(request, org_slug):
    """The "recomputing…" indicator the dashboard polls. While the organization waits for a
    recompute it answers with itself (still polling); once the scores are newer than the page
    (`seen`, the generation the page showed) it answers without the trigger, so polling stops,
    and swaps in the sections that depend on the scores (hx-swap-oob)."""
    membership = get_membership(request, org_slug)
    organization = membership.organization
    status = selectors.score_status(organization)
    try:
        seen = int(request.GET.get("seen", ""))
    except ValueError:
        seen = status.generation
    if status.recomputing or status.generation <= seen:
        return render(request, "dashboards/dashboard.html#status",
                      {"d": {"status": status, "organization": organization}})
    data = selectors.dashboard(organization, can_log=membership.can_log,
                               flag_filter=_flag_filter(request))
    return render(request, "dashboards/dashboard.html#refresh",
                  {"d": data, "flags": data.flags, "oob": True, "refreshed": True})


def _chart_response(request, chart, *, heading: str, back_url: str, back_label: str):
    return render(request, "dashboards/chart.html#chart" if request.htmx
                  else "dashboards/chart.html",
                  {"chart": chart, "heading": heading, "back_url": back_url,
                   "back_label": back_label})


@login_required
@require_GET
def dimensions_chart(request, org_slug):
    """The five dimensions now and a month ago (the latest nightly snapshot at least 30 days
    old)."""
    membership = get_membership(request, org_slug)
    organization = membership.organization
    today = timezone.localdate()
    score = selectors.OrganizationScore.objects.filter(organization=organization).first()
    before = selectors.snapshot_on_or_before(
        organization, today - timedelta(days=selectors.MONTH_AGO_DAYS))
    label = f"on {before.taken_on:%d %b %Y}" if before else "a month ago"
    chart = charts.dimensions_chart(selectors.dimension_rows(score, before), before_label=label)
    return _chart_response(request, chart, heading="The five dimensions",
                           back_url=reverse("dashboard", args=[organization.slug]),
                           back_label="Back to the dashboard")


def _cycle(organization, cycle_id):
    if cycle_id is None:
        return None
    return get_object_or_404(Cycle, pk=cycle_id, organization=organization)


@login_required
@require_GET
def history(request, org_slug, cycle_id=None):
    """Rung, dimensions and misaligned spend over time, for the organization or one cycle."""
    membership = get_membership(request, org_slug)
    organization = membership.organization
    cycle = _cycle(organization, cycle_id)
    args = [organization.slug] + ([cycle.pk] if cycle else [])
    prefix = "dashboards:cycle_history_" if cycle else "dashboards:history_"
    chart_urls = [(reverse(prefix + kind, args=args), label) for kind, label in (
        ("rung", "Maturity rung over time"),
        ("dimensions", "The five dimensions over time"),
        ("spend", "Misaligned spend over time"))]
    return render(request, "dashboards/history.html", {
        "cycle": cycle, "chart_urls": chart_urls,
        "cycles": selectors.cycles(organization),
        "cycle_snapshots": selectors.cycle_snapshots(organization),
        "dimension_labels": [label for _, label in selectors.DIMENSIONS],
    })


@login_required
@require_GET
def history_chart(request, org_slug, kind, cycle_id=None):
    """One history chart (rung, dimensions or spend) from the snapshots."""
    membership = get_membership(request, org_slug)
    organization = membership.organization
    cycle = _cycle(organization, cycle_id)
    snapshots = selectors.history(organization, cycle)
    dates = [s.taken_on for s in snapshots]
    if kind == "rung":
        chart = charts.rung_history_chart([(s.taken_on, s.rung) for s in snapshots])
    elif kind == "dimensions":
        chart = charts.dimensions_history_chart(
            dates, {label: [round(float(getattr(s, key)), 1) for s in snapshots]
                    for key, label in selectors.DIMENSIONS})
    else:
        chart = charts.spend_history_chart(
            dates, [float(s.misaligned_spend) for s in snapshots],
            [float(s.misaligned_spend_share) for s in snapshots],
            currency=organization.currency)
    back = (reverse("dashboards:cycle_history", args=[organization.slug, cycle.pk]) if cycle
            else reverse("dashboards:history", args=[organization.slug]))
    heading = chart.title + (f" in {cycle.name}" if cycle else "")
    return _chart_response(request, chart, heading=heading, back_url=back,
                           back_label="Back to the history")


@login_required
@require_GET
def report(request, org_slug, cycle_id):
    """The quarterly report of one cycle, printable."""
    membership = get_membership(request, org_slug)
    organization = membership.organization
    cycle = _cycle(organization, cycle_id)
    data = selectors.report(organization, cycle)
    return render(request, "dashboards/report.html", {
        "r": data, "cycle": cycle, "dimension_keys": selectors.DIMENSIONS,
        "generated_at": timezone.now()})


@login_required
@require_GET
def report_csv(request, org_slug, cycle_id):
    """The quarterly report as CSV; cells that would run as a spreadsheet formula are
    neutralised (metrics.csv_export)."""
    membership = get_membership(request, org_slug)
    organization = membership.organization
    cycle = _cycle(organization, cycle_id)
    lines = csv_lines(selectors.REPORT_CSV_HEADER,
                      selectors.report_csv_rows(organization, cycle))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{organization.slug}-report-cycle-{cycle.pk}.csv"')
    return response


PORTFOLIO_ATTENTION = [("", "All clients"), ("high_flags", "With open high flags"),
                       ("stale", "With stale metrics"), ("spend", "Misaligned spend ≥ 10 %")]


@login_required
@require_GET
def portfolio(request):
    """Every organization the user belongs to, side by side, beside the median of them all;
    sortable and filterable (htmx swaps the table; the state is in the URL)."""
    rows = selectors.portfolio_rows(request.user)
    medians = selectors.portfolio_medians(rows)
    sort = request.GET.get("sort", "name")
    if sort not in selectors.PORTFOLIO_COLUMNS:
        sort = "name"
    descending = request.GET.get("dir") == "desc"
    filters = {"q": request.GET.get("q", "").strip()[:100],
               "rung": request.GET.get("rung", ""),
               "attention": request.GET.get("attention", "")}
    shown = selectors.portfolio_sort(selectors.portfolio_filter(rows, **filters), sort,
                                     descending)
    base = {k: v for k, v in filters.items() if v}
    headers = []
    for key, (label, _, _) in selectors.PORTFOLIO_COLUMNS.items():
        next_desc = not descending if key == sort else key not in ("name",)
        query = {**base, "sort": key, "dir": "desc" if next_desc else "asc"}
        headers.append({"key": key, "label": label, "href": "?" + urlencode(query),
                        "aria_sort": ("descending" if descending else "ascending")
                        if key == sort else None})
    context = {"rows": shown, "all_count": len(rows), "medians": medians, "headers": headers,
               "sort": sort, "descending": descending, "filters": filters,
               "attention_choices": PORTFOLIO_ATTENTION, "rung_names": charts.RUNG_LABELS,
               "median_dimensions": [medians[k] for k, _ in selectors.DIMENSIONS]}
    if request.htmx:
        return render(request, "dashboards/portfolio.html#table", context)
    return render(request, "dashboards/portfolio.html", context)
