"""Writes for organizations, memberships and invitations."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from alignment_portal.lib.mail import send_one
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
                        fiscal_year_start_month: int = 1, currency: str = "USD") -> Organization:
    """Create an organization with `owner` as its first owner."""
    organization = Organization(
        name=name.strip(), slug=slug or unique_slug(name),
        fiscal_year_start_month=fiscal_year_start_month, currency=currency.upper(),
    )
    organization.full_clean()
    organization.save()
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
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


def invitation_create(*, inviter: Membership, email: str, role: str) -> tuple[Invitation, str]:
    """Create an invitation and email its link. Returns it with the plain token, which is
    shown once to the inviter and never stored.

    The email is sent after the invitation is committed, and whether it went is recorded
    (`emailed_at`, or `email_error` with why not): the inviter is told the truth and has the
    link to copy either way."""
    invitation, token = _invitation_store(inviter=inviter, email=email, role=role)
    invitation_send(invitation=invitation, token=token, inviter=inviter)
    return invitation, token


@transaction.atomic
def _invitation_store(*, inviter: Membership, email: str, role: str) -> tuple[Invitation, str]:
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
    return invitation, token


def invitation_send(*, invitation: Invitation, token: str, inviter: Membership) -> bool:
    """Email the invitation's link; record and return whether it went."""
    organization = invitation.organization
    message = (
        f"{inviter.user.get_username()} invites you to join {organization.name} as "
        f"{Role(invitation.role).label.lower()}.\n\nAccept within 7 days: "
        f"{invitation_url(token)}\n\n"
        "The link works once. If you did not expect this, ignore this email."
    )
    error = send_one(subject=f"You are invited to {organization.name} on the Alignment Portal",
                     body=message, to=invitation.email, kind="invitation")
    invitation.emailed_at = None if error else timezone.now()
    invitation.email_error = error
    invitation.save(update_fields=["emailed_at", "email_error"])
    return not error


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
