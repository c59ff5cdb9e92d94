"""Who prepared a quarterly report, for its "Prepared by" block.

The choice (DOMAIN.md is silent): a closed cycle's report was prepared by the member who
closed its review (`Cycle.reviewed_by`), whatever the reader's role, because the review is
what the report records. A cycle not closed yet has no preparer on record, so its report
carries the reader's own profile when the reader plans in the organization (consultant or
owner): a consultant printing a draft report prints it under their name. Either way only a
profile with a firm name counts."""

from dataclasses import dataclass

from django.urls import reverse

from alignment_portal.consultants.models import ConsultantProfile
from alignment_portal.organizations.models import Membership
from goals.models import Cycle


@dataclass(frozen=True)
class PreparedBy:
    firm_name: str
    contact_line: str
    person: str
    logo_url: str  # "" without a logo

    def __str__(self) -> str:
        return f"Prepared by {self.firm_name}" + (f" ({self.person})" if self.person else "")


def profile_of(user) -> ConsultantProfile | None:
    if user is None or not user.is_authenticated:
        return None
    return ConsultantProfile.objects.filter(user=user).first()


def as_prepared_by(profile: ConsultantProfile | None) -> PreparedBy | None:
    if profile is None or not profile.firm_name:
        return None
    user = profile.user
    logo_url = ""
    if profile.logo:
        logo_url = (reverse("consultants:logo", args=[profile.pk])
                    + f"?v={int(profile.updated_at.timestamp())}")
    return PreparedBy(firm_name=profile.firm_name, contact_line=profile.contact_line,
                      person=user.get_full_name() or user.get_username(), logo_url=logo_url)


def prepared_by(*, cycle, membership: Membership) -> PreparedBy | None:
    """The profile the report of `cycle` is printed under, or None (see the module's doc)."""
    if cycle.is_closed:
        if cycle.reviewed_by_id is None:
            return None
        profile = (ConsultantProfile.objects.select_related("user")
                   .filter(user_id=cycle.reviewed_by_id).first())
        return as_prepared_by(profile)
    if not membership.can_plan:
        return None
    profile = (ConsultantProfile.objects.select_related("user")
               .filter(user_id=membership.user_id).first())
    return as_prepared_by(profile)


def may_see_logo(*, viewer, profile: ConsultantProfile) -> bool:
    """A logo is shown to its owner and to members of an organization its owner belongs to
    (where their reports are read); nobody else learns it exists."""
    if viewer.pk == profile.user_id:
        return True
    if Membership.objects.filter(
            user=viewer, organization__memberships__user_id=profile.user_id).exists():
        return True
    # A report they closed stays theirs after they leave the client.
    return Cycle.objects.filter(reviewed_by_id=profile.user_id,
                                organization__memberships__user=viewer).exists()
