"""Renewal pages: the calendar of one organization (`/o/<slug>/renewals/`) and across every
organization the person belongs to (`/renewals/`), each sortable and exportable as CSV; a
tool's seats in use with their history; the person's secret iCalendar URL (no session: the
token is the credential)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alignment_portal.organizations import security_log
from alignment_portal.organizations.access import get_membership
from alignment_portal.organizations.models import Role, SecurityEventKind
from alignment_portal.renewals import ical, selectors, services
from alignment_portal.renewals.forms import SeatCountForm
from alignment_portal.renewals.models import RenewalFeed
from alignment_portal.scoring import rules
from initiatives.models import Tool
from metrics.csv_export import csv_lines


def _sort(request) -> tuple[str, bool]:
    return selectors.normalise_sort(request.GET.get("sort", ""), request.GET.get("dir", ""))


def _headers(sort: str, descending: bool, *, with_organization: bool) -> list[dict]:
    out = []
    for key, (label, _) in selectors.SORTS.items():
        if key == "organization" and not with_organization:
            continue
        next_desc = (not descending) if key == sort else key in ("cost", "saving")
        out.append({"key": key, "label": label,
                    "href": f"?sort={key}&dir={'desc' if next_desc else 'asc'}",
                    "aria_sort": ("descending" if descending else "ascending")
                    if key == sort else None})
    return out


# The calendar shows this many renewals a page (a consultant's 300 clients renew about 1,000
# tools in 120 days); the totals, the sort and the CSV cover them all.
CALENDAR_PAGE_SIZE = 50


def _page(request, rows, *, sort, descending, organization=None, export_url: str):
    shown = Paginator(rows, CALENDAR_PAGE_SIZE).get_page(request.GET.get("page"))
    order = f"sort={sort}&dir={'desc' if descending else 'asc'}"
    context = {
        "rows": shown.object_list, "page": shown, "count": len(rows), "order": order,
        "totals": selectors.totals(rows), "days": rules.RENEWAL_CALENDAR_DAYS,
        "due_days": rules.RENEWAL_DUE_WITHIN_DAYS, "feed_days": rules.RENEWAL_FEED_DAYS,
        "sort": sort, "descending": descending,
        "headers": _headers(sort, descending, with_organization=organization is None),
        "across": organization is None, "export_url": export_url,
        "export_query": f"?{order}",
        "today": timezone.localdate(),
    }
    if request.htmx:
        return render(request, "renewals/calendar.html#table", context)
    if organization is None:
        feed = RenewalFeed.objects.filter(user=request.user).first()
        context.update({"feed": feed, "new_feed_url": request.session.pop(
            "renewal_feed_url", None)})
    return render(request, "renewals/calendar.html", context)


@login_required
@require_GET
def organization_calendar(request, org_slug):
    """The organization's renewals in the next 120 days, with what acting on each saves."""
    membership = get_membership(request, org_slug)
    sort, descending = _sort(request)
    rows = selectors.renewal_rows([membership.organization], today=timezone.localdate(),
                                  sort=sort, descending=descending)
    return _page(request, rows, sort=sort, descending=descending,
                 organization=membership.organization,
                 export_url=reverse("renewals:export", args=[org_slug]))


def _csv(rows, filename: str) -> StreamingHttpResponse:
    lines = csv_lines(selectors.CSV_HEADER, selectors.csv_rows(rows), local=True)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def organization_export(request, org_slug):
    membership = get_membership(request, org_slug)
    organization = membership.organization
    sort, descending = _sort(request)
    today = timezone.localdate()
    rows = selectors.renewal_rows([organization], today=today, sort=sort,
                                  descending=descending)
    security_log.record(organization=organization, kind=SecurityEventKind.EXPORT,
                        request=request, detail="renewal calendar (CSV)")
    return _csv(rows, f"{organization.slug}-renewals-{today.isoformat()}.csv")


@login_required
@require_GET
def calendar_across(request):
    """Renewals of every organization the person belongs to, in the next 120 days."""
    sort, descending = _sort(request)
    rows = selectors.renewal_rows(selectors.member_organizations(request.user),
                                  today=timezone.localdate(), sort=sort,
                                  descending=descending)
    return _page(request, rows, sort=sort, descending=descending,
                 export_url=reverse("renewals_export"))


@login_required
@require_GET
def export_across(request):
    organizations = selectors.member_organizations(request.user)
    sort, descending = _sort(request)
    today = timezone.localdate()
    rows = selectors.renewal_rows(organizations, today=today, sort=sort,
                                  descending=descending)
    security_log.record_many(organization_ids=[o.pk for o in organizations],
                             kind=SecurityEventKind.EXPORT, request=request,
                             detail="renewal calendar across clients (CSV)")
    return _csv(rows, f"renewals-{today.isoformat()}.csv")


@login_required
@require_POST
def feed_rotate(request):
    """A new secret calendar URL (the old one stops at once); shown once on the next page."""
    token = services.renewal_feed_rotate(user=request.user)
    request.session["renewal_feed_url"] = settings.SITE_URL + reverse(
        "renewals_ical", args=[token])
    messages.success(request, gettext("Your calendar has a new secret URL: copy it now, it is "
                                      "shown only once. Any earlier URL has stopped working."))
    return redirect("renewals_calendar")


@login_required
@require_POST
def feed_revoke(request):
    services.renewal_feed_revoke(user=request.user)
    messages.success(request, gettext("Your calendar URL is revoked: calendar apps get nothing "
                                      "from it any more."))
    return redirect("renewals_calendar")


@require_GET
def ical_feed(request, token):
    """The person's renewals as iCalendar: every organization they still belong to, the next
    RENEWAL_FEED_DAYS. An unknown, rotated or revoked token is a 404."""
    user = services.renewal_feed_user(token)
    if user is None:
        raise Http404(gettext("No such calendar"))
    rows = selectors.renewal_rows(selectors.member_organizations(user),
                                  today=timezone.localdate(), days=rules.RENEWAL_FEED_DAYS)
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "alignment-portal"
    body = ical.calendar_bytes(
        rows, name="Renewals", host=host,
        tool_url=lambda row: settings.SITE_URL + reverse(
            "initiatives:tool_detail", args=[row.organization.slug, row.tool.pk]))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="renewals.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def tool_seats(request, org_slug, tool_id):
    """A tool's seats in use month by month (every member reads; staff and up log)."""
    membership = get_membership(request, org_slug,
                                Role.STAFF if request.method == "POST" else Role.VIEWER)
    organization = membership.organization
    tool = get_object_or_404(Tool, pk=tool_id, organization=organization)
    form = SeatCountForm(request.POST or None,
                         initial={"month": timezone.localdate().replace(day=1)})
    if request.method == "POST" and form.is_valid():
        try:
            _, outcome = services.seat_count_record(
                tool=tool, month=form.cleaned_data["month"],
                seats_used=form.cleaned_data["seats_used"], note=form.cleaned_data["note"],
                user=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, {
                "created": gettext("Seats in use recorded."),
                "replaced": gettext("Seats in use replaced; the old count is in the history."),
                "unchanged": gettext("That count was recorded already: nothing changed.")
            }[outcome])
            return redirect("renewals:tool_seats", org_slug, tool.pk)
    return render(request, "renewals/tool_seats.html",
                  {"tool": tool, "form": form, **selectors.seat_history(tool)},
                  status=400 if form.errors else 200)
