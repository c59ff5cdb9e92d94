"""factory_boy factories for the portal's records. Every record belongs to an organization."""

from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model

from alignment_portal.organizations.models import Membership, Organization, Role

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Business {n}")
    slug = factory.Sequence(lambda n: f"business-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.VIEWER


# Domain records. Each takes its organization from the record it hangs on where it can.

class MetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "metrics.Metric"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Metric {n}")
    definition = "What is counted, and how."
    kind = "KPI"
    nature = "outcome"
    unit = "count"
    direction = "higher"
    frequency = "monthly"


class MetricValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "metrics.MetricValue"

    metric = factory.SubFactory(MetricFactory)
    organization = factory.SelfAttribute("metric.organization")
    period = factory.Sequence(lambda n: date(2026, 1, 1) + timedelta(days=7 * n))
    value = 10


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "goals.Cycle"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Cycle {n}")
    start_date = date(2026, 10, 1)
    end_date = date(2026, 12, 31)
    state = "active"


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "goals.Goal"

    cycle = factory.SubFactory(CycleFactory)
    organization = factory.SelfAttribute("cycle.organization")
    title = factory.Sequence(lambda n: f"Cut invoice processing time to two days ({n})")
    description = "Invoices from suppliers are approved and paid within two working days."
    why_it_matters = "Late payments cost us early-payment discounts."
    status = "active"


class ToolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "initiatives.Tool"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Tool {n}")
    category = "crm"
    monthly_cost = 50
    status = "active"


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "initiatives.Initiative"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Initiative {n}")
    status = "live"
    monthly_cost = 100
    impact = 3
    effort = 3


class AlignmentLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "initiatives.AlignmentLink"

    initiative = factory.SubFactory(InitiativeFactory)
    organization = factory.SelfAttribute("initiative.organization")
    goal = factory.SubFactory(GoalFactory, cycle__organization=factory.SelfAttribute(
        "...organization"))
    contribution = "primary"
    rationale = "Automating approvals removes the wait for a signature."


class MeasurementLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "initiatives.MeasurementLink"

    initiative = factory.SubFactory(InitiativeFactory)
    organization = factory.SelfAttribute("initiative.organization")
    metric = factory.SubFactory(MetricFactory, organization=factory.SelfAttribute(
        "..organization"))
    role = "outcome"
