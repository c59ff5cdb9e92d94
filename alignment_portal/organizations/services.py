"""Writes for organizations, memberships and invitations."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext

from alignment_portal.lib import throttle
from alignment_portal.lib.mail import send_one
from alignment_portal.organizations import limits
from alignment_portal.organizations.language import language_for
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
                        hour_value=None, settings_confirmed: bool = False) -> Organization:
    """Create an organization with `owner` as its first owner, and score it at once (so its
    dashboard shows real, if empty, scores rather than "not computed yet").
    `settings_confirmed`: the fiscal year and currency were chosen (the organization form),
    not left at the sign-up's defaults."""
    from alignment_portal.organizations.recompute import request_recompute

    organization = Organization(
        name=name.strip(), slug=slug or unique_slug(name),
        fiscal_year_start_month=fiscal_year_start_month, currency=currency.upper(),
        hour_value=hour_value, settings_confirmed_at=timezone.now() if settings_confirmed else None,
    )
    organization.full_clean()
    organization.save()
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    request_recompute(organization)
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
    organization.settings_confirmed_at = timezone.now()
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
        raise ValidationError(gettext("The last owner cannot be demoted: make someone else owner "
                                      "first."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    owners = _lock_owners(membership.organization)
    membership.refresh_from_db()
    if membership.role == Role.OWNER and owners <= 1:
        raise ValidationError(gettext("The last owner cannot be removed: make someone else owner "
                                      "first."))
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
        raise PermissionDenied(gettext("Your role cannot invite that role."))
    email = User.objects.normalize_email(email.strip()).lower()
    organization = inviter.organization
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(gettext("%(email)s is already a member.") % {"email": email})
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        organization=organization, email=email, role=role, token_hash=hash_token(token),
        created_by=inviter.user, expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    return invitation, token


def invitation_send(*, invitation: Invitation, token: str, inviter: Membership) -> bool:
    """Email the invitation's link; record and return whether it went."""
    organization = invitation.organization
    # In the inviter's language: the invited person has none in the portal yet.
    message = gettext(
        "%(inviter)s invites you to join %(organization)s as %(role)s.\n\nAccept within 7 "
        "days: %(url)s\n\nThe link works once. If you did not expect this, ignore this "
        "email.") % {"inviter": inviter.user.get_username(), "organization": organization.name,
                     "role": str(Role(invitation.role).label).lower(),
                     "url": invitation_url(token)}
    error = send_one(subject=gettext("You are invited to %(organization)s on the Alignment "
                                     "Portal") % {"organization": organization.name},
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
        raise ValidationError(gettext("This invitation is %(state)s.") % {
            "state": invitation.state})
    if (user.email or "").lower() != invitation.email:
        raise ValidationError(
            gettext("This invitation was sent to %(email)s; you are signed in as %(value)s.") % {
                "email": invitation.email, "value": user.email or 'a user without an email address'}
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
                              organization_name: str, active: bool = True):
    """A new account and its first organization, of which it is the owner."""
    user = user_sign_up(username=username, email=email, password=password)
    if not active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user, organization_create(name=organization_name, owner=user)


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens for the link that confirms a new account; they die once the account is active
    (is_active is part of the hash) or after PASSWORD_RESET_TIMEOUT."""

    key_salt = "alignment_portal.organizations.activation"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.is_active}{timestamp}{user.email}"


activation_tokens = ActivationTokenGenerator()


def sign_up_request(*, username: str, email: str, password: str, organization_name: str) -> None:
    """Sign-up answers the same way whether or not the address has an account already, so it
    cannot be used to learn who is a customer: a new address gets an inactive account (and
    its organization) with a link to confirm it; an address that has an account gets, instead,
    a notice that someone tried to sign up with it. Either mail is sent at most
    SIGNUP_MAILS_PER_ADDRESS_PER_HOUR times an hour per address."""
    email = User.objects.normalize_email(email.strip()).lower()
    existing = User.objects.filter(email__iexact=email).order_by("pk").first()
    if existing is not None:
        make_password(password)  # the same work as a new account: no timing difference
    else:
        user, organization = sign_up_with_organization(
            username=username, email=email, password=password,
            organization_name=organization_name, active=False)
    if not throttle.allow("signup-mail", email, limit=limits.SIGNUP_MAILS_PER_ADDRESS_PER_HOUR,
                          window_seconds=limits.HOUR):
        log.info("sign-up mail to an address over its hourly limit: not sent")
        return
    if existing is not None:
        with translation.override(language_for(existing)):
            send_one(subject=gettext("Someone tried to sign up with your address"),
                     to=existing.email, kind="sign-up notice", body=gettext(
                         "Someone (perhaps you) tried to create an Alignment Portal account "
                         "with this address. You have one already, as %(username)s.\n\n"
                         "Sign in: %(login)s\nForgot your password? %(reset)s\n\nIf it was "
                         "not you, ignore this email: nothing has changed.") % {
                         "username": existing.get_username(),
                         "login": f"{settings.SITE_URL}{reverse('login')}",
                         "reset": f"{settings.SITE_URL}{reverse('password_reset')}"})
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = settings.SITE_URL + reverse("signup_activate",
                                       args=[uid, activation_tokens.make_token(user)])
    send_one(subject=gettext("Confirm your Alignment Portal account"), to=email, kind="sign-up",
             body=gettext(
                 "Welcome, %(username)s.\n\nConfirm your account and open %(organization)s: "
                 "%(link)s\n\nThe link works once, for %(days)s days. If you did not sign up, "
                 "ignore this email: the account is deleted if nobody confirms it.") % {
                 "username": user.get_username(), "organization": organization.name,
                 "link": link, "days": settings.PASSWORD_RESET_TIMEOUT // 86400})


@transaction.atomic
def sign_up_activate(*, uidb64: str, token: str):
    """Activate the account the link was made for; None when the link is not valid (again)."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    user = User.objects.select_for_update().filter(pk=pk, is_active=False).first()
    if user is None or not activation_tokens.check_token(user, token):
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


def unconfirmed_accounts_purge(*, now=None) -> int:
    """Delete accounts never confirmed within UNCONFIRMED_ACCOUNT_DAYS, with the organizations
    they alone own (nobody else could have joined them). Returns the accounts deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=limits.UNCONFIRMED_ACCOUNT_DAYS)
    stale = User.objects.filter(is_active=False, last_login=None, date_joined__lt=cutoff)
    count = 0
    for user in stale:
        with transaction.atomic():
            Organization.objects.filter(memberships__user=user).exclude(
                memberships__user__is_active=True).delete()
            user.delete()
            count += 1
    return count


@transaction.atomic
def invitation_accept_with_sign_up(*, invitation: Invitation, username: str,
                                   password: str) -> Membership:
    """Sign the invited person up and accept, or neither."""
    user = user_sign_up(username=username, email=invitation.email, password=password)
    return invitation_accept(invitation=invitation, user=user)
