import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alignment_portal.lib.text import single_line

INVITATION_LIFETIME = timedelta(days=7)


class Role(models.TextChoices):
    """What a member may do, strongest first (see DOMAIN.md, People and tenancy)."""

    OWNER = "owner", _("Owner")
    CONSULTANT = "consultant", _("Consultant")
    STAFF = "staff", _("Staff")
    VIEWER = "viewer", _("Viewer")

    @property
    def rank(self) -> int:
        return ROLE_RANK[self]

    def at_least(self, other: "Role") -> bool:
        return ROLE_RANK[self] >= ROLE_RANK[Role(other)]


ROLE_RANK = {Role.OWNER: 4, Role.CONSULTANT: 3, Role.STAFF: 2, Role.VIEWER: 1}

MONTHS = [(m, name) for m, name in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August",
     "September", "October", "November", "December"], start=1)]


class Organization(models.Model):
    """One client business. Every planning record belongs to exactly one."""

    name = models.CharField(max_length=120, validators=[single_line])
    slug = models.SlugField(max_length=60, unique=True)
    fiscal_year_start_month = models.PositiveSmallIntegerField(choices=MONTHS, default=1)
    currency = models.CharField(max_length=3, default="USD", help_text=_("ISO 4217 code, e.g. EUR"))
    # The benefit ledger: what an hour of staff time is worth, in `currency`. Unset hides every
    # money figure that would be derived from hours saved.
    hour_value = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True,
        verbose_name=_("Value of an hour of staff time"),
        help_text=_("In the organization's currency, per hour. Leave empty to keep hours saved "
                  "out of money figures."))
    # When an owner last saved the fiscal year and currency (the set-up checklist's first step);
    # unset while they are the sign-up's defaults.
    settings_confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # Set with every change to the plan or the numbers; the recompute sets recomputed_at.
    recompute_requested_at = models.DateTimeField(null=True, blank=True)
    recomputed_at = models.DateTimeField(null=True, blank=True)
    # The recompute's own bookkeeping (alignment_portal/scoring/triggers.py): every request
    # bumps recompute_generation; a recompute records the generation it read as
    # recomputed_generation, so "marked but not done" is exact even across clocks. A task is
    # queued while recompute_queued_at is set and running while recompute_started_at is.
    recompute_generation = models.PositiveBigIntegerField(default=0)
    recomputed_generation = models.PositiveBigIntegerField(default=0)
    recompute_queued_at = models.DateTimeField(null=True, blank=True)
    recompute_started_at = models.DateTimeField(null=True, blank=True)
    # Owners can require every member to sign in with a second factor (two_factor/).
    require_two_factor = models.BooleanField(
        default=False, verbose_name=_("Require two-factor sign-in for every member"))
    # Set when an owner asks to delete the organization: it is removed on that date unless an
    # owner cancels (organizations/deletion.py).
    deletion_scheduled_for = models.DateTimeField(null=True, blank=True)
    deletion_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="organization_fiscal_month_valid",
            ),
            models.CheckConstraint(condition=Q(hour_value__isnull=True) | Q(hour_value__gte=0),
                                   name="organization_hour_value_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one organization. A consultant has one per client."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} as {self.role}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def can(self, role: Role) -> bool:
        """True when this member's role is `role` or stronger."""
        return self.role_enum.at_least(role)

    @property
    def can_plan(self) -> bool:
        return self.can(Role.CONSULTANT)

    @property
    def can_log(self) -> bool:
        return self.can(Role.STAFF)

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A single-use link to join an organization with a role. Only the token's hash is kept."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Whether the email went: the members page says "emailed" only when it did.
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class SecurityEventKind(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    SIGN_IN_LOCKED = "sign_in_locked", _("Sign-in locked")
    ROLE_CHANGED = "role_changed", _("Role changed")
    MEMBER_REMOVED = "member_removed", _("Member removed")
    INVITATION_SENT = "invitation_sent", _("Invitation sent")
    INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
    API_TOKEN_CREATED = "api_token_created", _("API token created")
    API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
    EXPORT = "export", _("Data exported")
    SETTINGS_CHANGED = "settings_changed", _("Settings changed")
    TWO_FACTOR_ENABLED = "two_factor_enabled", _("Two-factor turned on")
    TWO_FACTOR_DISABLED = "two_factor_disabled", _("Two-factor turned off")
    TWO_FACTOR_FAILED = "two_factor_failed", _("Two-factor code wrong")
    RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
    DELETION_SCHEDULED = "deletion_scheduled", _("Deletion scheduled")
    DELETION_CANCELLED = "deletion_cancelled", _("Deletion cancelled")


class SecurityEvent(models.Model):
    """One line of an organization's security log, for its owners: who did what, from where.

    The person is kept as a name as well as a link, so a line still says who it was after the
    account is gone. Kept SECURITY_LOG_RETENTION (13 months), then purged by beat.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="security_events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=30, choices=SecurityEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organization", "-at"]),
                   models.Index(fields=["organization", "kind", "-at"]),
                   models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.at:%Y-%m-%d %H:%M} {self.kind} {self.actor_name}"


class Preferences(models.Model):
    """What a person chose for themselves, in every organization: the language they read.

    An empty language follows the browser (Accept-Language). The choice is copied into the
    session at sign-in (organizations/language.py), so no request reads this table.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="preferences")
    language = models.CharField(max_length=8, blank=True, choices=settings.LANGUAGES)

    def __str__(self) -> str:
        return f"{self.user_id} {self.language or 'browser'}"
