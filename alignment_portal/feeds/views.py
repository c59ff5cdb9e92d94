"""Feed pages (/o/<slug>/feeds/) and the push endpoint (/feeds/push/<token>).

Everyone in the organization reads the feeds and their runs; owners and consultants set them
up, run them now, rotate and revoke them.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from alignment_portal.feeds import limits, selectors, services
from alignment_portal.feeds.fetch import FetchError, fetch
from alignment_portal.feeds.forms import MAP_IGNORE, FeedForm, mapping_from_post
from alignment_portal.feeds.models import Feed, Kind
from alignment_portal.feeds.reading import (
    looks_like_json,
    read_body,
    source_names,
    suggest_mapping,
)
from alignment_portal.organizations.access import get_membership
from alignment_portal.organizations.models import Role
from metrics.models import Metric

SETUP_FIELDS = ("name", "url", "schedule", "daily_hour", "format", "all_or_nothing",
                "signing_secret")


@login_required
def feed_list(request, org_slug):
    membership = get_membership(request, org_slug)
    feeds = selectors.feeds_with_last_run(membership.organization)
    return render(request, "feeds/feed_list.html", {"feeds": feeds})


def _preview(organization, data: dict, mapping: dict | None, feed: Feed | None = None):
    """Fetch (pull) or read the pasted sample (push) now, with `mapping`: (preview, rows of
    the mapping table, error). Writes nothing."""
    probe = Feed(organization=organization, kind=data.get("kind") or feed.kind,
                 format=data.get("format") or "auto", metric_map=mapping or {})
    if probe.kind == Kind.PULL:
        try:
            fetched = fetch(services.check_pull_url(data.get("url", "")))
        except ValidationError as exc:
            return None, [], " ".join(exc.messages)
        except FetchError as exc:
            return None, [], gettext("The address could not be read: %(reason)s.") % {
                "reason": exc.message}
        body, content_type = fetched.body, fetched.content_type
    else:
        body, content_type = (data.get("sample") or "").encode(), ""
        if not body.strip():
            return None, [], ""
    preview = read_body(body, feed=probe, content_type=content_type)
    metrics = list(Metric.objects.filter(organization=organization).active())
    names = source_names(preview)
    suggested = suggest_mapping(names, metrics)
    if mapping is None and any(suggested.values()):
        # First look: read again with the suggestion, so the preview shows what saving it
        # would store.
        probe.metric_map = {name: pk for name, pk in suggested.items() if pk}
        preview = read_body(body, feed=probe, content_type=content_type)
    rows = []
    for name in names:
        if mapping is not None and name in mapping:
            chosen = MAP_IGNORE if mapping[name] is None else str(mapping[name])
        elif mapping is not None:
            chosen = ""
        else:
            chosen = str(suggested[name]) if suggested[name] else ""
        rows.append({"name": name, "chosen": chosen})
    return preview, rows, ""


def _setup_page(request, membership, *, feed: Feed | None):
    organization = membership.organization
    initial = {name: getattr(feed, name) for name in SETUP_FIELDS} if feed else {}
    if feed:
        initial["kind"] = feed.kind
    form = FeedForm(request.POST or None, initial=initial, editing=feed is not None)
    preview, mapping_rows, preview_error = None, [], ""
    mapping = mapping_from_post(request.POST) if request.method == "POST" else None
    if mapping is None and feed is not None:
        mapping = dict(feed.metric_map)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "kind": form.cleaned_data.get("kind") or feed.kind}
        if request.POST.get("action") != "save":
            suggest = mapping if (feed is not None or "map-count" in request.POST) else None
            preview, mapping_rows, preview_error = _preview(organization, data, suggest, feed)
        else:
            fields = {k: data[k] for k in SETUP_FIELDS}
            if data["kind"] == Kind.PUSH:
                fields["url"] = ""
            try:
                if feed is None:
                    feed, token = services.feed_create(
                        organization=organization, kind=data["kind"], metric_map=mapping,
                        created_by=request.user, **fields)
                    if feed.is_pull:
                        services.feed_queue_run(feed=feed, user=request.user)
                        messages.success(request, gettext("“%(name)s” is saved; its first run is "
                                                          "queued.") % {"name": feed.name})
                        return redirect("feeds:detail", org_slug=organization.slug,
                                        feed_id=feed.pk)
                    return _detail(request, membership, feed, new_token=token)
                if feed.is_pull is False:
                    fields.pop("url")
                services.feed_update(feed=feed, metric_map=mapping, **fields)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, gettext("“%(name)s” is saved.") % {"name": feed.name})
                return redirect("feeds:detail", org_slug=organization.slug, feed_id=feed.pk)
    metrics = list(Metric.objects.filter(organization=organization).active())
    return render(request, "feeds/feed_form.html", {
        "form": form, "feed": feed, "preview": preview, "mapping_rows": mapping_rows,
        "preview_error": preview_error, "metrics": metrics,
        "preview_rows": preview.sample[:limits.PREVIEW_ROWS] if preview else [],
        "map_ignore": MAP_IGNORE})


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def feed_create(request, org_slug):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    return _setup_page(request, membership, feed=None)


@login_required
def feed_edit(request, org_slug, feed_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    feed = get_object_or_404(Feed, pk=feed_id, organization=membership.organization)
    return _setup_page(request, membership, feed=feed)


def _detail(request, membership, feed: Feed, *, new_token: str | None = None):
    push_url = (request.build_absolute_uri(reverse("feed_push", args=[new_token]))
                if new_token else "")
    mapped = Metric.objects.filter(organization=membership.organization,
                                   pk__in=[v for v in feed.metric_map.values() if v])
    names = {m.pk: m.name for m in mapped}
    mapping = [(name, names.get(metric_id, "ignored" if metric_id is None else "?"))
               for name, metric_id in sorted(feed.metric_map.items())]
    return render(request, "feeds/feed_detail.html", {
        "feed": feed, "runs": selectors.feed_runs(feed), "push_url": push_url,
        "mapping": mapping, "signature_header": limits.SIGNATURE_HEADER,
        "limits": limits})


@login_required
def feed_detail(request, org_slug, feed_id):
    membership = get_membership(request, org_slug)
    feed = get_object_or_404(Feed, pk=feed_id, organization=membership.organization)
    return _detail(request, membership, feed)


@login_required
@require_POST
def feed_run_now(request, org_slug, feed_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    feed = get_object_or_404(Feed, pk=feed_id, organization=membership.organization)
    try:
        run = services.feed_queue_run(feed=feed, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        run.refresh_from_db()
        if run.is_finished:  # in-process (no broker): it ran already
            messages.success(request, gettext("Run finished: %(lower)s.") % {
                "lower": run.get_status_display().lower()})
        else:
            messages.success(request, gettext("The run is queued; this page shows it when it is "
                                              "done."))
    return redirect("feeds:detail", org_slug=org_slug, feed_id=feed.pk)


@login_required
@require_POST
def feed_rotate(request, org_slug, feed_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    feed = get_object_or_404(Feed, pk=feed_id, organization=membership.organization)
    try:
        token = services.feed_rotate_token(feed=feed)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("feeds:detail", org_slug=org_slug, feed_id=feed.pk)
    messages.success(request, gettext("A new secret URL is made; the old one no longer works."))
    return _detail(request, membership, feed, new_token=token)


@login_required
@require_POST
def feed_revoke(request, org_slug, feed_id):
    membership = get_membership(request, org_slug, Role.CONSULTANT)
    feed = get_object_or_404(Feed, pk=feed_id, organization=membership.organization)
    if request.POST.get("restore") and feed.is_pull:
        services.feed_restore(feed=feed)
        messages.success(request, gettext("“%(name)s” runs again.") % {"name": feed.name})
    else:
        services.feed_revoke(feed=feed)
        messages.success(request, f"“{feed.name}” is revoked: it no longer runs"
                                  + (" and its URL answers 404." if not feed.is_pull else "."))
    return redirect("feeds:detail", org_slug=org_slug, feed_id=feed.pk)


# --- Push ------------------------------------------------------------------------------------

def _read_limited(request, cap: int) -> bytes | None:
    """The body, or None past `cap` bytes (read in chunks, never more than cap + 1)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > cap:
        return None
    chunks, size = [], 0
    while True:
        chunk = request.read(64 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _answer_item(answer, json_body: bool) -> dict:
    item = {"status": answer.status}
    if json_body:
        item["index"] = answer.line - 1
    else:
        item["line"] = answer.line
    if answer.metric_id is not None:
        item["metric_id"] = answer.metric_id
    if answer.period is not None:
        item["period"] = answer.period.isoformat()
    if answer.reason:
        item["reason"] = answer.reason
    return item


@csrf_exempt
def feed_push(request, token):
    """POST CSV or JSON to a push feed's secret URL. The answer: counts and, per row, stored,
    replaced, unchanged or refused with the reason (as the values API answers)."""
    if request.method != "POST":
        return JsonResponse({"detail": "POST CSV or JSON values to this address."}, status=405,
                            headers={"Allow": "POST"})
    feed = services.push_feed_for(token)
    if feed is None:
        return JsonResponse({"detail": "No active feed has this address (revoked or "
                                       "rotated?)."}, status=404)
    body = _read_limited(request, limits.max_bytes())
    if body is None:
        return JsonResponse({"detail": f"The body is over {limits.max_bytes() // 1_048_576} "
                                       "MB, the limit of a feed."}, status=413)
    if not services.signature_ok(feed, body, request.headers.get(limits.SIGNATURE_HEADER, "")):
        return JsonResponse({"detail": f"This feed needs a {limits.SIGNATURE_HEADER} header: "
                                       "sha256=<HMAC-SHA256 of the body with the feed's "
                                       "signing secret>; it was missing or wrong."}, status=401)
    content_type = request.content_type or ""
    stored = services.feed_push(feed=feed, body=body, content_type=content_type)
    run = stored.run
    json_body = looks_like_json(body, content_type, feed.format)
    items = [_answer_item(a, json_body) for a in stored.answers]
    status = 422 if run.failed and not (run.stored or run.replaced or run.unchanged) else 200
    counts = {"stored": run.stored, "replaced": run.replaced, "unchanged": run.unchanged,
              "refused": run.refused}
    payload = {**counts, "run": run.pk, "items": items}
    if run.error:
        payload["detail"] = run.error
    return JsonResponse(payload, status=status)

