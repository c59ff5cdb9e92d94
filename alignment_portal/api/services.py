"""Writes for API tokens."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from alignment_portal.api.models import ApiToken, Scope, hash_api_token
from alignment_portal.organizations.models import Organization

# last_used_at is written at most this often per token, so a busy feed does not turn every
# request into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@transaction.atomic
def api_token_create(*, organization: Organization, name: str, scope: str,
                     created_by=None) -> tuple[ApiToken, str]:
    """A new token; returns it with the plain token, which is never stored."""
    token = ApiToken.new_token()
    api_token = ApiToken(organization=organization, name=name.strip(), scope=Scope(scope),
                         token_hash=hash_api_token(token), hint=token[:8],
                         created_by=created_by)
    api_token.full_clean()
    api_token.save()
    return api_token, token


def api_token_revoke(*, api_token: ApiToken) -> None:
    ApiToken.objects.filter(pk=api_token.pk, revoked_at=None).update(revoked_at=timezone.now())


def api_token_for(token: str) -> ApiToken | None:
    """The active token with this value, its organization loaded; None otherwise."""
    api_token = (ApiToken.objects.select_related("organization")
                 .filter(token_hash=hash_api_token(token), revoked_at=None).first())
    if api_token is None:
        return None
    now = timezone.now()
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        api_token.last_used_at = now
    return api_token
