"""The organization dashboard, the consultant's portfolio, the score history and the quarterly
report. Every organization view starts with get_membership (outsiders 404); every chart is
its own URL, loaded lazily by htmx and readable without JavaScript; on an htmx request the
same view renders just the fragment (`page.html#fragment`)."""

import hashlib
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_GET

from alignment_portal import charts
from alignment_portal.consultants import selectors as consultant_selectors
from alignment_portal.dashboards import benchmarks as cross_client
from alignment_portal.dashboards import portfolio as portfolio_selectors
from alignment_portal.dashboards import reports, selectors
from alignment_portal.dashboards.setup import setup_checklist
from alignment_portal.organizations import security_log
from alignment_portal.organizations.access import get_membership
from alignment_portal.organizations.models import SecurityEventKind
from alignment_portal.scoring.constants import FLAG_SEVERITY, RUNG_NAMES, SEVERITY_ORDER
from alignment_portal.scoring.models import SubjectType
from alignment_portal.scoring.selectors import organization_score
from goals.models import Cycle
from metrics.csv_export import csv_lines

# Rendered sections and charts are cached per state of the scores (see scores_key): every
# change that could alter them requests a recompute, which moves the key. The timeout is only
# a safety net.
CACHE_SECONDS = settings.DASHBOARD_CACHE_SECONDS


def scores_key(organization, *parts) -> str:
    """A cache key that changes whenever the organization's scores may have: a change was
    requested (generation), a recompute finished (recomputed_at), or the day turned (what is
    due, what a month ago means, the nightly snapshot). What is cached is text a reader reads:
    one entry per language."""
    stamp = organization.recomputed_at.timestamp() if organization.recomputed_at else 0
    state = repr((organization.recompute_generation, stamp, timezone.localdate().isoformat(),
                  get_language(), parts))  # parts may hold user input: hashed, never raw
    return f"dash:{organization.pk}:{hashlib.sha256(state.encode()).hexdigest()}"


def _known(value: str, known) -> str:
    return value if value in known else ""


def _flag_filter(request) -> dict:
    """The flag filter, every value one the dashboard knows or empty: the filter is part of a
    cache key, and random values would each make a cache entry and a cold render."""
    return {"severity": _known(request.GET.get("severity", ""), SEVERITY_ORDER),
            "code": _known(request.GET.get("code", ""), FLAG_SEVERITY),
            "subject_type": _known(request.GET.get("type", ""), SubjectType.values),
            "show_all": request.GET.get("all") == "1"}


@login_required
@require_GET
def dashboard(request, org_slug):
    """Rung and next-rung checklist, the five dimensions, misaligned spend, priority goals,
    open flags (filterable), metrics due, and the scores' freshness."""
    membership = get_membership(request, org_slug)
    organization = membership.organization
    flag_filter = _flag_filter(request)
    if request.htmx and request.htmx.target == "flags":
        flags = selectors.flag_groups(organization=organization, **flag_filter)
        return render(request, "dashboards/dashboard.html#flags",
                      {"flags": flags, "organization": organization})
    # The sections depend only on the scores, the role's controls and the filter: the same
    # HTML for every member with those, until the scores move.
    key = scores_key(organization, "page", membership.can_log, membership.can_plan,
                     *sorted(flag_filter.items()))
    # A new organization's set-up checklist ticks off from records, not scores: while it is
    # incomplete the (small) page is rendered fresh rather than cached.
    setup = setup_checklist(organization=organization) if membership.can_plan else None
    if setup is not None and setup.complete:
        setup = None
    body = cache.get(key) if setup is None else None
    if body is None:
        data = selectors.dashboard(organization=organization, can_log=membership.can_log,
                                   flag_filter=flag_filter)
        body = render_to_string("dashboards/dashboard.html#body",
                                {"dashboard": data, "flags": data.flags, "membership": membership,
                                 "organization": organization, "setup": setup},
                                request=request)
        if setup is None:
            cache.set(key, body, CACHE_SECONDS)
    return render(request, "dashboards/dashboard.html", {"body": body})


@login_required
@require_GET
def score_status(request, org_slug):
    """The "recomputing…" indicator the dashboard polls. While the organization waits for a
    recompute it answers with itself (still polling); once the scores are newer than the page
    (`seen`, the generation the page showed) it answers without the trigger, so polling stops,
    and swaps in the sections that depend on the scores (hx-swap-oob). A recompute pending for
    minutes (no worker, a broker down) also stops the polling, with a word on why."""
    membership = get_membership(request, org_slug)
    organization = membership.organization
    status = selectors.score_status(organization)
    try:
        seen = int(request.GET.get("seen", ""))
    except ValueError:
        seen = status.generation
    if status.delayed:
        return render(request, "dashboards/dashboard.html#status",
                      {"dashboard": {"status": status, "organization": organization}})
    if status.recomputing or status.generation <= seen:
        # Keep polling with the flag filter the page shows, for the sections it swaps in.
        query = request.GET.copy()
        query.pop("seen", None)
        return render(request, "dashboards/dashboard.html#status",
                      {"dashboard": {"status": status, "organization": organization,
                             "flags": {"query": query.urlencode()}}})
    data = selectors.dashboard(organization=organization, can_log=membership.can_log,
                               flag_filter=_flag_filter(request))
    return render(request, "dashboards/dashboard.html#refresh",
                  {"dashboard": data, "flags": data.flags, "oob": True, "refreshed": True})


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
    key = scores_key(organization, "chart", "dimensions")
    chart = cache.get(key)
    if chart is None:
        today = timezone.localdate()
        score = organization_score(organization)
        before = selectors.snapshot_on_or_before(
            organization=organization, day=today - timedelta(days=selectors.MONTH_AGO_DAYS))
        label = (gettext("on %(day)s") % {"day": date_format(before.taken_on, "d M Y")}
                 if before else gettext("a month ago"))
        chart = charts.dimensions_chart(selectors.dimension_rows(score, before),
                                        before_label=label)
        cache.set(key, chart, CACHE_SECONDS)
    return _chart_response(request, chart, heading=gettext("The five dimensions"),
                           back_url=reverse("dashboard", args=[organization.slug]),
                           back_label=gettext("Back to the dashboard"))


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
        ("rung", gettext_lazy("Maturity rung over time")),
        ("dimensions", gettext_lazy("The five dimensions over time")),
        ("spend", gettext_lazy("Misaligned spend over time")))]
    return render(request, "dashboards/history.html", {
        "cycle": cycle, "chart_urls": chart_urls,
        "cycles": reports.cycles(organization=organization),
        "cycle_snapshots": reports.cycle_snapshots(organization=organization, cycle=cycle),
        "dimension_labels": [label for _, label in selectors.DIMENSIONS],
    })


@login_required
@require_GET
def history_chart(request, org_slug, kind, cycle_id=None):
    """One history chart (rung, dimensions or spend) from the snapshots."""
    membership = get_membership(request, org_slug)
    organization = membership.organization
    cycle = _cycle(organization, cycle_id)
    # Snapshots are written nightly or at a cycle's close (after a recompute): the key moves.
    key = scores_key(organization, "chart", kind, cycle.pk if cycle else "")
    chart = cache.get(key)
    if chart is None:
        chart = _history_chart(organization, kind,
                               reports.history(organization=organization, cycle=cycle))
        cache.set(key, chart, CACHE_SECONDS)
    back = (reverse("dashboards:cycle_history", args=[organization.slug, cycle.pk]) if cycle
            else reverse("dashboards:history", args=[organization.slug]))
    heading = (gettext("%(chart)s in %(cycle)s") % {"chart": chart.title, "cycle": cycle.name}
               if cycle else chart.title)
    return _chart_response(request, chart, heading=heading, back_url=back,
                           back_label=gettext("Back to the history"))


def _history_chart(organization, kind, snapshots):
    dates = [s.taken_on for s in snapshots]
    if kind == "rung":
        return charts.rung_history_chart([(s.taken_on, s.rung) for s in snapshots])
    if kind == "dimensions":
        return charts.dimensions_history_chart(
            dates, {label: [round(float(getattr(s, key)), 1) for s in snapshots]
                    for key, label in selectors.DIMENSIONS})
    return charts.spend_history_chart(
        dates, [float(s.misaligned_spend) for s in snapshots],
        [float(s.misaligned_spend_share) for s in snapshots], currency=organization.currency)


@login_required
@require_GET
def report(request, org_slug, cycle_id):
    """The quarterly report of one cycle, printable."""
    membership = get_membership(request, org_slug)
    organization = membership.organization
    cycle = _cycle(organization, cycle_id)
    data = reports.report(organization=organization, cycle=cycle)
    # `prepared_by` (the consultant who prepared it) joins the context where it is known.
    return render(request, "dashboards/report.html", {
        "report": data, "cycle": cycle, "dimension_keys": selectors.DIMENSIONS,
        "generated_at": timezone.now(),
        "prepared_by": consultant_selectors.prepared_by(cycle=cycle, membership=membership)})


@login_required
@require_GET
def report_csv(request, org_slug, cycle_id):
    """The quarterly report as CSV; cells that would run as a spreadsheet formula are
    neutralised (metrics.csv_export)."""
    membership = get_membership(request, org_slug)
    organization = membership.organization
    cycle = _cycle(organization, cycle_id)
    security_log.record(organization=organization, kind=SecurityEventKind.EXPORT,
                        request=request, detail=f"quarterly report of {cycle.name} (CSV)")
    lines = csv_lines(reports.REPORT_CSV_HEADER,
                      reports.report_csv_rows(organization=organization, cycle=cycle),
                      local=True)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{organization.slug}-report-cycle-{cycle.pk}.csv"')
    return response


PORTFOLIO_ATTENTION = [("", gettext_lazy("All clients")),
                       ("high_flags", gettext_lazy("With open high flags")),
                       ("stale", gettext_lazy("With stale metrics")),
                       ("spend", gettext_lazy("Misaligned spend ≥ 10 %"))]
PORTFOLIO_RUNGS = {str(rung) for rung in RUNG_NAMES}


@login_required
@require_GET
def portfolio(request):
    """Every organization the user belongs to, side by side, beside the median of them all;
    sortable and filterable (htmx swaps the table; the state is in the URL)."""
    memberships = portfolio_selectors.portfolio_memberships(request.user)
    sort = request.GET.get("sort", "name")
    if sort not in portfolio_selectors.PORTFOLIO_COLUMNS:
        sort = "name"
    descending = request.GET.get("dir") == "desc"
    page = _page_number(request.GET.get("page", ""))
    filters = {"q": request.GET.get("q", "").strip()[:100],
               "rung": _known(request.GET.get("rung", ""), PORTFOLIO_RUNGS),
               "attention": _known(request.GET.get("attention", ""),
                                   {key for key, _ in PORTFOLIO_ATTENTION})}
    # The rows depend only on the organizations' state and the user's roles in them: cached
    # per that state (a recompute or any activity moves it), the table per sort and filter.
    state = repr([(m.organization_id, m.role, m.organization.recompute_generation,
                   m.organization.recomputed_at, m.organization.last_activity_at)
                  for m in memberships] + [timezone.localdate(), get_language()])
    rows_key = "portfolio:" + hashlib.sha256(state.encode()).hexdigest()
    table_key = rows_key + ":" + hashlib.sha256(
        repr((sort, descending, sorted(filters.items()), page)).encode()).hexdigest()
    # A name search is free text: its table is rendered from the cached rows, not cached
    # itself (every string typed would otherwise be a cache entry).
    table = None if filters["q"] else cache.get(table_key)
    if table is None:
        rows = cache.get(rows_key)
        if rows is None:
            rows = portfolio_selectors.portfolio_rows(memberships)
            cache.set(rows_key, rows, CACHE_SECONDS)
        table = render_to_string("dashboards/portfolio.html#table",
                                 _portfolio_table(rows, sort, descending, filters, page),
                                 request=request)
        if not filters["q"]:
            cache.set(table_key, table, CACHE_SECONDS)
    if request.htmx:
        return HttpResponse(table)
    return render(request, "dashboards/portfolio.html", {
        "table": table, "all_count": len(memberships), "sort": sort,
        "descending": descending, "filters": filters,
        "attention_choices": PORTFOLIO_ATTENTION, "rung_names": charts.RUNG_LABELS})


# The portfolio shows this many clients per page; sorting and filtering run over all of them
# on the server, the medians too.
PORTFOLIO_PAGE_SIZE = 50
MAX_PAGE = 10_000


def _page_number(raw: str) -> int:
    """A page number from the query string: a positive integer, else 1 (and bounded, since
    it is part of a cache key)."""
    return min(int(raw), MAX_PAGE) if raw.isdigit() and int(raw) > 0 else 1


def _portfolio_table(rows, sort, descending, filters, page: int = 1) -> dict:
    medians = portfolio_selectors.portfolio_medians(rows)
    matching = portfolio_selectors.portfolio_sort(
        portfolio_selectors.portfolio_filter(rows, **filters), sort, descending)
    shown_page = Paginator(matching, PORTFOLIO_PAGE_SIZE).get_page(page)  # past the end: last
    page, pages = shown_page.number, shown_page.paginator.num_pages
    base = {k: v for k, v in filters.items() if v}
    state = {**base, "sort": sort, "dir": "desc" if descending else "asc"}
    pagination = {
        "page": page, "pages": pages, "matching": len(matching),
        "first": shown_page.start_index(), "last": shown_page.end_index(),
        "previous": "?" + urlencode({**state, "page": page - 1}) if page > 1 else "",
        "next": "?" + urlencode({**state, "page": page + 1}) if page < pages else "",
    }
    headers = []
    for key, (label, _, _) in portfolio_selectors.PORTFOLIO_COLUMNS.items():
        next_desc = not descending if key == sort else key not in ("name",)
        query = {**base, "sort": key, "dir": "desc" if next_desc else "asc"}
        headers.append({"key": key, "label": label, "href": "?" + urlencode(query),
                        "aria_sort": ("descending" if descending else "ascending")
                        if key == sort else None})
    return {"rows": shown_page.object_list, "all_count": len(rows), "medians": medians,
            "headers": headers, "median_dimensions": [medians[k] for k, _ in selectors.DIMENSIONS],
            "pagination": pagination}


@login_required
@require_GET
def benchmarks(request, org_slug):
    """Where this organization stands among the other organizations the viewer belongs to
    (only theirs, only with at least 3). Loaded into the dashboard after the page (it depends
    on the viewer, so it is not part of the dashboard's shared cache); a page of its own
    without JavaScript."""
    membership = get_membership(request, org_slug)
    data = cross_client.benchmarks(user=request.user, organization=membership.organization)
    template = ("dashboards/benchmarks.html#benchmarks" if request.htmx
                else "dashboards/benchmarks.html")
    return render(request, template,
                  {"benchmarks": data, "min_organizations": cross_client.MIN_ORGANIZATIONS})
