"""Turning two-factor sign-in on and off, and checking a code (django-otp underneath).

A person has two-factor when they own a confirmed TOTP device (an authenticator app). The
ten recovery codes are a confirmed static device beside it; each works once (django-otp
deletes a static token when it is used). Turning two-factor off deletes both.

Every change is written to the security log of each organization the person belongs to.
"""

from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from alignment_portal.organizations import security_log
from alignment_portal.organizations.models import Membership, Organization, SecurityEventKind

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def _organization_ids(user) -> list[int]:
    return list(Membership.objects.filter(user=user).values_list("organization_id", flat=True))


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_authenticator(user) -> TOTPDevice | None:
    """The authenticator being set up (shown, not yet confirmed with a code)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def authenticator_start(*, user) -> TOTPDevice:
    """A new secret to scan; it does nothing until confirmed with a code from the app."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()[:32]


@transaction.atomic
def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def authenticator_confirm(*, user, code: str, request=None) -> tuple[TOTPDevice, list[str]] | None:
    """Turn two-factor on with the first code from the app. Returns the device and the
    recovery codes (shown once, never again), or None when the code is wrong."""
    with transaction.atomic():
        device = (TOTPDevice.objects.select_for_update()
                  .filter(user=user, confirmed=False).first())
        if device is None or not device.verify_token(_normalise(code)):
            return None
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
    security_log.record_many(organization_ids=_organization_ids(user),
                             kind=SecurityEventKind.TWO_FACTOR_ENABLED, request=request,
                             actor=user)
    return device, codes


def recovery_codes_replace(*, user, request=None) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    codes = _new_recovery_codes(user)
    security_log.record_many(organization_ids=_organization_ids(user),
                             kind=SecurityEventKind.TWO_FACTOR_ENABLED, request=request,
                             actor=user, detail="new recovery codes")
    return codes


@transaction.atomic
def two_factor_disable(*, user, request=None) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    security_log.record_many(organization_ids=_organization_ids(user),
                             kind=SecurityEventKind.TWO_FACTOR_DISABLED, request=request,
                             actor=user)


def code_check(*, user, code: str, request=None):
    """The device that accepts `code` (the app's code or an unused recovery code), or None.

    A wrong code is a failed sign-in: it is sent as `user_login_failed`, so django-axes counts
    it with the passwords (AXES_FAILURE_LIMIT wrong answers lock the person out) and the
    security log records it. A recovery code that worked is used up, and logged.
    """
    normalised = _normalise(code)
    device = match_token(user, normalised) if normalised else None
    if device is None:
        user_login_failed.send(
            sender=__name__, request=request,
            credentials={"username": user.get_username(), "second_factor": True})
        return None
    if isinstance(device, StaticDevice):
        security_log.record_many(
            organization_ids=_organization_ids(user), kind=SecurityEventKind.RECOVERY_CODE_USED,
            request=request, actor=user,
            detail=f"{device.token_set.count()} recovery codes left")
    return device


@transaction.atomic
def organization_require_two_factor(*, organization: Organization, required: bool,
                                    owner) -> bool:
    """Require (or stop requiring) two-factor sign-in of every member. An owner without it
    cannot require it: they would lock themselves out of the switch. Returns whether it
    changed."""
    if required and not has_two_factor(owner):
        raise ValidationError(gettext("Turn on two-factor sign-in for yourself first (your "
                                      "two-factor page), then require it of the members."))
    if organization.require_two_factor == required:
        return False
    organization.require_two_factor = required
    organization.save(update_fields=["require_two_factor"])
    return True
