"""Pages of the benefit ledger: recording a month's realised benefit of an initiative (the form
on the initiative's page, htmx or not) and the CSV import (preview, then confirm).

Recording is logging numbers: staff and above (DOMAIN.md: staff log values); reading the ledger
is on the initiative's page, for every member."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from alignment_portal.benefits import selectors, services
from alignment_portal.benefits.csv_import import parse_benefits_csv
from alignment_portal.benefits.forms import BenefitEntryForm, ImportForm
from alignment_portal.benefits.models import BenefitImport
from alignment_portal.lib.staged import UNKNOWN_IMPORT, staged_for
from alignment_portal.organizations.access import get_membership
from alignment_portal.organizations.models import Role
from initiatives.models import Initiative
from metrics.models import Source

OUTCOME_WORDS = {"created": "saved", "replaced": "saved; the previous entry is kept in the "
                 "history", "unchanged": "the same as before: nothing changed"}


def ledger_context(*, membership, initiative, form=None, result="", saved=None) -> dict:
    """What templates/benefits/ledger.html needs (the initiative page includes it)."""
    organization = membership.organization
    if form is None and membership.can_log:
        form = BenefitEntryForm(currency=organization.currency,
                                initial={"month": timezone.localdate().strftime("%Y-%m")})
    return {"initiative": initiative, "organization": organization, "membership": membership,
            "ledger": selectors.initiative_ledger(organization=organization,
                                                  initiative=initiative,
                                                  today=timezone.localdate()),
            "benefit_form": form, "benefit_result": result, "benefit_saved": saved,
            "benefit_words": OUTCOME_WORDS.get(result, "")}


@login_required
def benefit_record(request, org_slug, initiative_id):
    """Record one month's realised benefit. htmx gets the ledger back (saved, or the errors in
    place); without JavaScript a success returns to the initiative's page and a refusal shows
    the form again on a page of its own."""
    membership = get_membership(request, org_slug, Role.STAFF)
    organization = membership.organization
    initiative = get_object_or_404(Initiative, pk=initiative_id, organization=organization)
    form = BenefitEntryForm(request.POST or None, currency=organization.currency)
    result, saved = "", None
    if request.method == "POST":
        result = "error"
        if form.is_valid():
            try:
                saved, result = services.benefit_entry_record(
                    initiative=initiative, month=form.cleaned_data["month"],
                    hours_saved=form.cleaned_data["hours_saved"],
                    money_gained=form.cleaned_data["money_gained"],
                    note=form.cleaned_data["note"], user=request.user, source=Source.FORM)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
        if result != "error":
            form = None
            if not request.htmx:
                messages.success(request, f"{date_format(saved.month, 'F Y')}: "
                                          f"{OUTCOME_WORDS[result]}.")
                return redirect("initiatives:detail", org_slug, initiative.pk)
    context = ledger_context(membership=membership, initiative=initiative, form=form,
                             result=result, saved=saved)
    if request.htmx:
        return render(request, "benefits/ledger.html#ledger", context)
    return render(request, "benefits/record.html", context,
                  status=400 if result == "error" else 200)


@login_required
def benefit_import(request, org_slug):
    """Upload a CSV of realised benefits and see what it would import; nothing is written
    until confirmed."""
    membership = get_membership(request, org_slug, Role.STAFF)
    organization = membership.organization
    form = ImportForm(request.POST or None, request.FILES or None)
    preview = staged = None
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["file"].read()
        preview = parse_benefits_csv(content, organization=organization)
        if not preview.error and preview.rows:
            staged = services.benefit_import_stage(
                organization=organization, user=request.user,
                filename=form.cleaned_data["file"].name, content=content)
    return render(request, "benefits/import.html",
                  {"form": form, "preview": preview, "staged": staged})


@login_required
@require_POST
def benefit_import_confirm(request, org_slug):
    membership = get_membership(request, org_slug, Role.STAFF)
    organization = membership.organization
    staged = staged_for(BenefitImport, request.POST.get("import", ""),
                        organization=organization)
    if staged is None:
        messages.error(request, UNKNOWN_IMPORT)
        return redirect("benefits:import", org_slug=org_slug)
    try:
        preview, result = services.benefit_import_confirm(benefit_import=staged,
                                                          user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("benefits:import", org_slug=org_slug)
    if result is None:
        messages.info(request, gettext("This file was imported already; nothing was imported "
                                       "again."))
    else:
        messages.success(
            request, gettext("Imported %(created)s new and %(replaced)s replaced benefit entries "
                             "(%(unchanged)s unchanged, %(len)s lines refused).") % {
                                 "created": result.created, "replaced": result.replaced,
                                 "unchanged": result.unchanged, "len": len(preview.problems)})
    return redirect("benefits:import", org_slug=org_slug)
