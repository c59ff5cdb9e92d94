"""Deleting an organization: asked by an owner, carried out DELETION_GRACE later.

Until then any owner can cancel, every page says when it will go, and the owners are told by
mail when it is asked, cancelled and done. The periodic task (`delete_due`) removes the
organization and, by cascade, every record that belongs to it; people's accounts stay (they
may belong to other organizations). Archives built for it are deleted with it.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from alignment_portal.lib.mail import send_one
from alignment_portal.organizations import security_log
from alignment_portal.organizations.language import language_for
from alignment_portal.organizations.models import (
    Membership,
    Organization,
    Role,
    SecurityEventKind,
)
from alignment_portal.organizations.owned_models import deletion_order, organization_models

log = logging.getLogger(__name__)

DELETION_GRACE = timedelta(days=14)


def _owner_emails(organization: Organization) -> list[tuple[str, str]]:
    """The owners to tell: (email, the language they read), one query."""
    owners = (Membership.objects.filter(organization=organization, role=Role.OWNER)
              .exclude(user__email="").select_related("user__preferences"))
    return sorted({(m.user.email, language_for(m.user)) for m in owners})


def _mail_owners(owners: list[tuple[str, str]], *, write, kind: str) -> int:
    """Each owner gets their own mail, in their language: `write()` returns the subject and
    body, called with that language active. Returns how many went."""
    sent = 0
    for to, language in owners:
        with translation.override(language):
            subject, body = write()
            sent += not send_one(subject=subject, body=body, to=to, kind=kind)
    return sent


def _when(moment) -> str:
    # Translators: a Django date format, e.g. "18 May 2026, 10:30 UTC".
    return date_format(timezone.localtime(moment), pgettext("date format", "j F Y, H:i e"))


@transaction.atomic
def deletion_schedule(*, organization: Organization, confirm_name: str, by, request=None,
                      now=None) -> Organization:
    """Schedule the deletion DELETION_GRACE from now; `confirm_name` must be the name."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if confirm_name.strip() != organization.name:
        raise ValidationError(gettext("Type the organization's name exactly to confirm."))
    if organization.deletion_scheduled_for:
        raise ValidationError(gettext("The deletion is already scheduled for %(when)s.") % {
            "when": _when(organization.deletion_scheduled_for)})
    organization.deletion_scheduled_for = (now or timezone.now()) + DELETION_GRACE
    organization.deletion_requested_by = by
    organization.save(update_fields=["deletion_scheduled_for", "deletion_requested_by"])
    when = _when(organization.deletion_scheduled_for)
    security_log.record(organization=organization, kind=SecurityEventKind.DELETION_SCHEDULED,
                        request=request, actor=by, detail=f"to be deleted on {when}")
    cancel_url = settings.SITE_URL.rstrip("/") + reverse("organization_delete",
                                                         args=[organization.slug])
    emails = _owner_emails(organization)
    moment = organization.deletion_scheduled_for

    def write():
        words = {"organization": organization.name, "when": _when(moment),
                 "by": by.get_username(), "url": cancel_url}
        return (gettext("%(organization)s will be deleted on %(when)s") % words,
                gettext("%(by)s asked to delete %(organization)s and all its records.\n\n"
                        "It will be deleted on %(when)s. Until then any owner can cancel:\n"
                        "%(url)s\n\nTo keep a copy, export the organization's data from its "
                        "settings page first.") % words)

    transaction.on_commit(lambda: _mail_owners(emails, write=write, kind="deletion scheduled"))
    return organization


@transaction.atomic
def deletion_cancel(*, organization: Organization, by, request=None) -> Organization:
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not organization.deletion_scheduled_for:
        raise ValidationError(gettext("No deletion is scheduled."))
    organization.deletion_scheduled_for = None
    organization.deletion_requested_by = None
    organization.save(update_fields=["deletion_scheduled_for", "deletion_requested_by"])
    security_log.record(organization=organization, kind=SecurityEventKind.DELETION_CANCELLED,
                        request=request, actor=by)
    emails = _owner_emails(organization)
    def write():
        words = {"organization": organization.name, "by": by.get_username()}
        return (gettext("The deletion of %(organization)s is cancelled") % words,
                gettext("%(by)s cancelled the deletion of %(organization)s. Nothing was "
                        "deleted.") % words)

    transaction.on_commit(lambda: _mail_owners(emails, write=write, kind="deletion cancelled"))
    return organization


def _is_history(model) -> bool:
    return any(f.name == "history_id" for f in model._meta.concrete_fields)


def organization_delete_everything(organization: Organization) -> None:
    """Remove the organization and every row of it. The tables go in an order that PROTECT
    foreign keys allow; history tables (which keep no database link to the organization)
    are emptied last, after the deletions have written their own history rows."""
    pk = organization.pk
    for model in deletion_order():
        if not _is_history(model):
            model._base_manager.filter(organization_id=pk).delete()
    organization.delete()
    for model in organization_models():
        model._base_manager.filter(organization_id=pk).delete()


def delete_due(*, now=None) -> int:
    """Delete every organization whose deletion date has come; returns how many. Each one in
    its own transaction, so one that fails leaves the others to go; a second run finds
    nothing to do."""
    now = now or timezone.now()
    due = list(Organization.objects.filter(deletion_scheduled_for__lte=now)
               .values_list("pk", flat=True))
    deleted = 0
    for pk in due:
        try:
            with transaction.atomic():
                organization = (Organization.objects.select_for_update(skip_locked=True)
                                .filter(pk=pk, deletion_scheduled_for__lte=now).first())
                if organization is None:
                    continue  # cancelled meanwhile, or another worker has it
                name, emails = organization.name, _owner_emails(organization)
                organization_delete_everything(organization)
        except Exception:
            log.exception("could not delete organization %s", pk)
            continue
        deleted += 1
        def write(name=name):
            return (gettext("%(organization)s is deleted") % {"organization": name},
                    gettext("%(organization)s and all its records are deleted, as asked 14 "
                            "days ago. Your account is still there; you can close it or use it "
                            "for other organizations.") % {"organization": name})

        _mail_owners(emails, write=write, kind="deletion done")
    return deleted
