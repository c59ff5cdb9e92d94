"""Writes for organizations, memberships and invitations."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from alignment_portal.organizations.models import (
    INVITATION_LIFETIME,
    Invitation,
    Membership,
    Organization,
    Role,
    hash_token,
)

User = get_user_model()
log = logging.getLogger(__name__)

# Slugs that would shadow a URL of the site itself.
RESERVED_SLUGS = {"new", "admin", "api", "static", "accounts", "portfolio", "invitations"}


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "organization"
    if base in RESERVED_SLUGS:
        base = f"{base}-org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organization_create(*, name: str, owner, slug: str | None = None,
                        fiscal_year_start_month: int = 1, currency: str = "USD",
                        hour_value=None) -> Organization:
    """Create an organization with `owner` as its first owner."""
    organization = Organization(
        name=name.strip(), slug=slug or unique_slug(name),
        fiscal_year_start_month=fiscal_year_start_month, currency=currency.upper(),
        hour_value=hour_value,
    )
    organization.full_clean()
    organization.save()
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    return organization


SETTINGS_FIELDS = ["name", "fiscal_year_start_month", "currency", "hour_value"]
# Settings the scores depend on: changing one recomputes the organization.
SCORED_SETTINGS = {"hour_value", "name"}


@transaction.atomic
def organization_settings_update(*, organization: Organization, **fields) -> Organization:
    """Change the organization's settings (SETTINGS_FIELDS). The benefit ledger's money figures
    depend on the hour value, so changing it recomputes the scores."""
    from alignment_portal.organizations.recompute import request_recompute

    changed = set()
    for name, value in fields.items():
        if name not in SETTINGS_FIELDS:
            raise ValueError(f"{name} is not a setting")
        if getattr(organization, name) != value:
            changed.add(name)
        setattr(organization, name, value)
    organization.full_clean()
    organization.save()
    if changed & SCORED_SETTINGS:
        request_recompute(organization)
    return organization


def _lock_owners(organization: Organization) -> int:
    """Lock the organization's owner rows and count them, so two concurrent demotions cannot
    both see "another owner is left"."""
    return len(
        Membership.objects.select_for_update()
        .filter(organization=organization, role=Role.OWNER)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    role = Role(role)
    owners = _lock_owners(membership.organization)
    membership.refresh_from_db()
    if membership.role == Role.OWNER and role != Role.OWNER and owners <= 1:
        raise ValidationError("The last owner cannot be demoted: make someone else owner first.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    owners = _lock_owners(membership.organization)
    membership.refresh_from_db()
    if membership.role == Role.OWNER and owners <= 1:
        raise ValidationError("The last owner cannot be removed: make someone else owner first.")
    membership.delete()


def invitable_roles(inviter: Membership) -> list[Role]:
    """Owners invite any role; consultants invite staff and viewers (DOMAIN.md)."""
    if inviter.is_owner:
        return [Role.OWNER, Role.CONSULTANT, Role.STAFF, Role.VIEWER]
    if inviter.can(Role.CONSULTANT):
        return [Role.STAFF, Role.VIEWER]
    return []


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[token])


@transaction.atomic
def invitation_create(*, inviter: Membership, email: str, role: str) -> tuple[Invitation, str]:
    """Create an invitation and email its link. Returns it with the plain token, which is
    shown once to the inviter and never stored."""
    if Role(role) not in invitable_roles(inviter):
        raise PermissionDenied("Your role cannot invite that role.")
    email = User.objects.normalize_email(email.strip()).lower()
    organization = inviter.organization
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(f"{email} is already a member.")
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        organization=organization, email=email, role=role, token_hash=hash_token(token),
        created_by=inviter.user, expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    link = invitation_url(token)
    message = (
        f"{inviter.user.get_username()} invites you to join {organization.name} as "
        f"{Role(role).label.lower()}.\n\nAccept within 7 days: {link}\n\n"
        "The link works once. If you did not expect this, ignore this email."
    )
    transaction.on_commit(lambda: _send_quietly(
        f"You are invited to {organization.name} on the Alignment Portal", message, email))
    return invitation, token


def _send_quietly(subject: str, message: str, recipient: str) -> None:
    """Send; a mail server that is down is logged, not shown: the inviter has the link to copy."""
    try:
        send_mail(subject=subject, message=message, from_email=None, recipient_list=[recipient])
    except Exception:
        log.warning("could not email the invitation to %s", recipient, exc_info=True)


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization")
        .filter(token_hash=hash_token(token))
        .first()
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    if invitation.state == "pending":
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Use the invitation once: the row is locked so two clicks cannot both succeed."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state != "pending":
        raise ValidationError(f"This invitation is {invitation.state}.")
    if (user.email or "").lower() != invitation.email:
        raise ValidationError(
            f"This invitation was sent to {invitation.email}; you are signed in as "
            f"{user.email or 'a user without an email address'}."
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=invitation.organization, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def user_sign_up(*, username: str, email: str, password: str):
    user = User(username=username, email=User.objects.normalize_email(email).lower())
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def sign_up_with_organization(*, username: str, email: str, password: str,
                              organization_name: str):
    """A new account and its first organization, of which it is the owner."""
    user = user_sign_up(username=username, email=email, password=password)
    return user, organization_create(name=organization_name, owner=user)


@transaction.atomic
def invitation_accept_with_sign_up(*, invitation: Invitation, username: str,
                                   password: str) -> Membership:
    """Sign the invited person up and accept, or neither."""
    user = user_sign_up(username=username, email=invitation.email, password=password)
    return invitation_accept(invitation=invitation, user=user)
