import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alignment_portal.lib.text import single_line
from alignment_portal.organizations.models import Organization

TOKEN_PREFIX = "ap_"  # noqa: S105 (a visible prefix, not a secret)


class Scope(models.TextChoices):
    WRITE_VALUES = "write_values", _("Write values (and read)")
    READ = "read", _("Read only")


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for one organization. Only its hash is stored; the token is shown once."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="api_tokens")
    name = models.CharField(max_length=80, validators=[single_line],
                            help_text=_("What uses it, e.g. 'Shopify nightly sync'."))
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.WRITE_VALUES)
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters, to tell tokens apart in the list without revealing them.
    hint = models.CharField(max_length=12)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        # ninja's per-token rate limit keys on str(request.auth): unique per token.
        return f"api-token:{self.pk}"

    @staticmethod
    def new_token() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return self.scope == Scope.WRITE_VALUES or scope == Scope.READ
