"""Playbooks: a consultant's plan, saved from one client to start another from (DOMAIN.md,
"Playbooks"). A playbook belongs to its author, not to an organization: it is private to them
(404 to everyone else) and only they edit, apply or delete it. The plan itself is a versioned
JSON document (document.py), validated whenever it is read."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from alignment_portal.lib.text import DESCRIPTION_MAX_LENGTH, bounded_text, single_line
from alignment_portal.organizations.models import Organization
from alignment_portal.playbooks import document as playbook_document
from alignment_portal.playbooks.choices import model_choices


class Playbook(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="playbooks")
    name = models.CharField(max_length=120, validators=[single_line])
    description = models.TextField(blank=True, **bounded_text(DESCRIPTION_MAX_LENGTH))
    document = models.JSONField()
    # Where it was saved from; kept as a name too, so it still reads right once the author has
    # left that client (the link is then cleared).
    source_organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True,
                                            blank=True, related_name="+")
    source_name = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["author", "name"], name="playbook_name_per_author"),
            models.CheckConstraint(condition=~Q(name=""), name="playbook_named"),
        ]

    def __str__(self) -> str:
        return self.name

    def content(self) -> dict:
        """The document, validated (PlaybookDocumentError when it cannot be read)."""
        return playbook_document.load(self.document, model_choices())

    def clean(self) -> None:
        try:
            self.document = self.content()
        except playbook_document.PlaybookDocumentError as exc:
            raise ValidationError({"document": exc.problems}) from None

    @property
    def counts(self) -> dict[str, int]:
        return playbook_document.counts(self.document if isinstance(self.document, dict) else {})

    @property
    def includes_money(self) -> bool:
        return isinstance(self.document, dict) and self.document.get("includes_money") is True


class PlaybookApplication(models.Model):
    """A playbook applied to an organization: who, when, and what it created and reused."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="playbook_applications")
    playbook = models.ForeignKey(Playbook, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="applications")
    playbook_name = models.CharField(max_length=120)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    applied_at = models.DateTimeField(default=timezone.now)
    cycle = models.ForeignKey("goals.Cycle", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    created = models.PositiveIntegerField(default=0)
    reused = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-applied_at", "-id"]

    def __str__(self) -> str:
        return f"{self.playbook_name} applied to {self.organization_id}"
