"""Believable synthetic organizations for benchmarks, made fast with bulk inserts.

`seed_load --size L --orgs 1` makes load-l-1 (100 goals, 500 initiatives, 50 tools,
200 metrics, 50,000 values); `seed_load --size M --orgs 50` makes load-m-1 ... load-m-50
(20 goals, 60 initiatives, 10 tools, 30 metrics, 3,000 values each). Each has an owner
`<slug>-owner`; `load-consultant` belongs to all. Running it again rebuilds them. Then it
computes their scores. The data is random but seeded, so two runs make the same records.
"""

import random
import time
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from alignment_portal.benefits.models import BenefitEntry, BenefitScore
from alignment_portal.organizations.management.commands.seed_demo import DEFAULT_PASSWORD
from alignment_portal.organizations.models import Membership, Organization, Role
from alignment_portal.scoring import triggers
from goals.models import Cycle, Goal, GoalOutcome
from initiatives.models import (
    ACTIVE_INITIATIVE_STATUSES,
    AlignmentLink,
    Initiative,
    MeasurementLink,
    Tool,
)
from metrics.models import Metric, MetricValue

SIZES = {
    "L": {"goals": 100, "initiatives": 500, "tools": 50, "metrics": 200, "values": 250},
    "M": {"goals": 20, "initiatives": 60, "tools": 10, "metrics": 30, "values": 100},
}
PROCESSES = ["invoice processing", "order fulfilment", "customer onboarding", "payroll",
             "appointment booking", "stock replenishment", "support ticket triage",
             "lead follow-up", "quote preparation", "expense approval", "month-end close",
             "returns handling", "supplier onboarding", "shift scheduling", "review requests"]
DEPARTMENTS = ["Finance", "Operations", "Sales", "Marketing", "Customer service", "People"]
OUTCOME_METRICS = [("Invoice processing time", "days", "lower"),
                   ("Order fulfilment time", "hours", "lower"),
                   ("Customer satisfaction (CSAT)", "%", "higher"),
                   ("Net promoter score", "score", "higher"), ("Churn rate", "%", "lower"),
                   ("Conversion rate", "%", "higher"),
                   ("Customer acquisition cost", "currency", "lower"),
                   ("Customer wait time at peak", "minutes", "lower"),
                   ("Revenue per employee", "currency", "higher"),
                   ("Inventory turnover", "count", "higher"),
                   ("Customer lifetime value", "currency", "higher"),
                   ("Retention rate", "%", "higher")]
OUTPUT_METRICS = [("Emails sent", "count"), ("Posts published", "count"),
                  ("Tickets touched", "count"), ("Calls made", "count"),
                  ("Quotes sent", "count"), ("Newsletter opens", "count")]
TOOLS = {"crm": ["HubSpot", "Pipedrive", "Salesforce"], "accounting": ["Xero", "QuickBooks"],
         "invoicing": ["FreshBooks", "Invoice Ninja"], "email_marketing": ["Mailchimp", "Brevo"],
         "social_media": ["Hootsuite", "Buffer"], "pos": ["Square", "Lightspeed"],
         "inventory": ["Cin7", "Katana"], "ecommerce": ["Shopify", "WooCommerce"],
         "scheduling": ["Calendly", "Deputy"], "helpdesk": ["Zendesk", "Freshdesk"],
         "analytics": ["Metabase", "Looker Studio"], "erp": ["Odoo"],
         "project_management": ["Asana", "Trello"], "other": ["Zapier", "Make"]}
VERBS = ["Cut", "Raise", "Bring down", "Lift", "Halve", "Grow"]
RATIONALES = ["Automating the manual steps removes the wait between hand-offs.",
              "Customers get an answer without waiting for a person to be free.",
              "Fewer errors mean less rework at the end of the month.",
              "It saves time", "Reminders go out on time, so fewer appointments are missed."]
User = get_user_model()


class Command(BaseCommand):
    help = "Create synthetic organizations (load-l-1, load-m-1, ...) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), required=True)
        parser.add_argument("--orgs", type=int, default=1)
        parser.add_argument("--password", default=DEFAULT_PASSWORD)
        for option in ("goals", "initiatives", "tools", "metrics"):
            parser.add_argument(f"--{option}", type=int, help="Override the size's count.")
        parser.add_argument("--values", type=int, dest="values_per_metric",
                            help="Values per metric (L: 250, M: 100).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--prefix", default="load",
                            help="Slug prefix: <prefix>-<size>-<n>, consultant "
                                 "<prefix>-consultant (default load).")
        parser.add_argument("--no-scores", action="store_true",
                            help="Skip computing the scores afterwards.")

    def handle(self, *args, size, orgs, password, seed, no_scores, prefix="load", **options):
        counts = dict(SIZES[size])
        for option in ("goals", "initiatives", "tools", "metrics"):
            if options.get(option) is not None:
                counts[option] = options[option]
        if options.get("values_per_metric") is not None:
            counts["values"] = options["values_per_metric"]
        # One hash for every load user: hashing is deliberately slow, once is enough.
        self.password_hash = make_password(password)
        consultant = self._user(f"{prefix}-consultant")
        started = time.perf_counter()
        made = []
        for n in range(1, orgs + 1):
            slug = f"{prefix}-{size.lower()}-{n}"
            with transaction.atomic():
                organization = self._organization(slug, size, n, counts,
                                                  random.Random(f"{seed}-{slug}"))
                self._member(self._user(f"{slug}-owner"), organization, Role.OWNER)
                self._member(consultant, organization, Role.CONSULTANT)
            made.append(organization)
        self.stdout.write(f"{len(made)} organization(s) created in "
                          f"{time.perf_counter() - started:.1f} s: {counts}")
        if not no_scores:
            for organization in made:
                t = time.perf_counter()
                triggers.run_recompute(organization.pk, force=True)
                score = organization.__class__.objects.get(pk=organization.pk).score
                self.stdout.write(f"{organization.slug}: scored in {time.perf_counter() - t:.3f}"
                                  f" s, rung {score.rung} ({score.rung_name})")
        self.stdout.write(self.style.SUCCESS(
            f"Users: <slug>-owner for each, load-consultant in all. Password: {password}"))

    def _user(self, username):
        user, _ = User.objects.update_or_create(
            username=username, defaults={"password": self.password_hash},
            create_defaults={"email": f"{username}@load.example",
                             "password": self.password_hash})
        return user

    def _member(self, user, organization, role):
        Membership.objects.update_or_create(user=user, organization=organization,
                                            defaults={"role": role})

    def _clear(self, organization: Organization) -> None:
        """Delete a previous load organization fast: its bulk records without signals (no
        history rows for synthetic data), children first; the rest by the usual cascade."""
        org = {"organization": organization}
        for queryset in (
            MetricValue.objects.filter(**org), MeasurementLink.objects.filter(**org),
            AlignmentLink.objects.filter(**org),
            Initiative.tools.through.objects.filter(initiative__organization=organization),
            GoalOutcome.objects.filter(**org), BenefitEntry.objects.filter(**org),
            BenefitScore.objects.filter(**org),
        ):
            queryset._raw_delete(queryset.db)
        Goal.objects.filter(**org).update(parent=None, carried_over_from=None)
        for model in (Initiative, Tool, Goal, Metric, Cycle):
            queryset = model.objects.filter(**org)
            queryset._raw_delete(queryset.db)
        organization.delete()

    def _organization(self, slug, size, n, counts, rng: random.Random) -> Organization:
        existing = Organization.objects.filter(slug=slug).first()
        if existing:
            self._clear(existing)
        today = timezone.localdate()
        now = timezone.now()
        # An organization in use: its settings confirmed (else its owner's dashboard shows the
        # set-up checklist, which is never cached, and a "cached" benchmark measures nothing).
        organization = Organization.objects.create(
            name=f"Load test {size} {n}", slug=slug, currency="EUR", hour_value=Decimal(30),
            settings_confirmed_at=now)
        org = {"organization": organization}

        quarter = timedelta(days=91)
        cycles = [Cycle(**org, name=f"Cycle {k}", start_date=today - 45 * timedelta(1)
                        - (3 - k) * quarter, end_date=today + 45 * timedelta(1)
                        - (3 - k) * quarter - timedelta(1),
                        state="closed" if k < 3 else "active",
                        reviewed_at=now - (3 - k) * quarter if k < 3 else None,
                        closed_at=now - (3 - k) * quarter if k < 3 else None)
                  for k in (1, 2, 3)]
        Cycle.objects.bulk_create(cycles)
        current = cycles[-1]

        metrics = []
        for k in range(counts["metrics"]):
            if k % 5 == 4:  # a fifth are output (activity) metrics
                name, unit = OUTPUT_METRICS[k % len(OUTPUT_METRICS)]
                direction, nature = "higher", "output"
            else:
                name, unit, direction = OUTCOME_METRICS[k % len(OUTCOME_METRICS)]
                nature = "outcome"
            metrics.append(Metric(
                **org, name=f"{name} – {DEPARTMENTS[k % len(DEPARTMENTS)]} {k + 1}",
                definition=f"{name}, counted by the {DEPARTMENTS[k % len(DEPARTMENTS)]} team.",
                kind="KVI" if k % 7 == 0 else "KPI", nature=nature, unit=unit,
                direction=direction, frequency="weekly" if k % 4 else "monthly",
                level=rng.choice(["operational", "departmental", "strategic"]),
                source=rng.choice(["form", "csv", "api"])))
        Metric.objects.bulk_create(metrics)

        values = []
        for metric in metrics:
            step = 7 if metric.frequency == "weekly" else 30
            lag = 0 if rng.random() > 0.15 else rng.randint(3, 12) * step  # some go stale
            level = rng.uniform(20, 80)
            trend = rng.uniform(-0.3, 0.5) * (1 if metric.direction == "higher" else -1)
            for j in range(counts["values"]):
                period = today - timedelta(days=lag + step * (counts["values"] - 1 - j))
                value = max(0.0, min(100.0, level + trend * j * 0.2 + rng.gauss(0, 2)))
                values.append(MetricValue(**org, metric=metric, period=period,
                                          value=Decimal(f"{value:.2f}"), entered_at=now,
                                          source=metric.source))
        MetricValue.objects.bulk_create(values, batch_size=5000)

        outcome_metrics = [m for m in metrics if m.nature == "outcome"] or metrics
        goals = []
        for k in range(counts["goals"]):
            metric = outcome_metrics[k % len(outcome_metrics)]
            process = PROCESSES[k % len(PROCESSES)]
            baseline = Decimal(rng.randint(30, 60))
            change = Decimal(rng.randint(5, 25))
            target = baseline + change if metric.direction == "higher" else baseline - change
            goals.append(Goal(
                **org, cycle=current,
                title=f"{rng.choice(VERBS)} {metric.name.split(' – ')[0].lower()} in "
                      f"{process} ({k + 1})",
                description=f"The {DEPARTMENTS[k % len(DEPARTMENTS)]} team changes how "
                            f"{process} works so the number moves within the quarter."
                if k % 6 else "Do better.",
                why_it_matters="It frees time for customers and cuts cost." if k % 5 else "",
                perspective=rng.choice(["financial", "customer", "internal", "people"]),
                level="strategic" if k % 3 == 0 else "departmental",
                department=DEPARTMENTS[k % len(DEPARTMENTS)],
                priority_rank=k + 1 if k < 3 else None, metric=metric,
                baseline_value=baseline, target_value=target,
                start_date=current.start_date, due_date=current.end_date,
                confidence=rng.choice([40, 60, 70, 80, 90]),
                status="active" if k % 10 < 8 else rng.choice(["draft", "achieved",
                                                               "archived"])))
        Goal.objects.bulk_create(goals)

        categories = list(TOOLS)
        tools = []
        for k in range(counts["tools"]):
            category = categories[k % len(categories)]
            names = TOOLS[category]
            tools.append(Tool(
                **org, name=f"{names[(k // len(categories)) % len(names)]} {k + 1}",
                vendor=names[0], category=category,
                monthly_cost=Decimal(rng.choice([0, 15, 29, 49, 99, 199])),
                seats=rng.randint(1, 20),
                integration=rng.choice(["api", "api", "manual_export", "standalone"]),
                status="active" if rng.random() > 0.1 else "retired",
                # Renewal terms spread over the year, from k alone (the random sequence, and
                # so every other record, stays as it was before renewals existed).
                renewal_date=today + timedelta(days=(k * 37 + n * 11) % 365),
                billing_period="annual" if k % 3 == 0 else "monthly",
                notice_period_days=30 if k % 2 else 0))
            tools[-1].seats_used = max(0, tools[-1].seats - k % 4)
        Tool.objects.bulk_create(tools)

        statuses = [str(s) for s in ACTIVE_INITIATIVE_STATUSES] + ["idea", "retired"]
        initiatives = []
        for k in range(counts["initiatives"]):
            process = PROCESSES[k % len(PROCESSES)]
            tool = tools[k % len(tools)] if tools else None
            status = rng.choice(statuses + ["live", "live"])
            # Live ones went live 10 to 60 weeks ago, so most outcome metrics have values on
            # both sides for the impact evidence (and a few have a ramp-up).
            go_live = (today - timedelta(days=rng.randint(70, 420))
                       if status in ("live", "paused", "retired") else None)
            initiatives.append(Initiative(
                expected_money_per_month=Decimal(rng.choice([0, 0, 100, 400])),
                **org, name=f"Automate {process} with {tool.name if tool else 'scripts'} "
                            f"#{k + 1}",
                description=f"Takes the manual steps out of {process}.", process=process,
                department=DEPARTMENTS[k % len(DEPARTMENTS)],
                status=status, go_live_date=go_live,
                ramp_up_periods=1 if go_live and rng.random() < 0.2 else 0,
                one_time_cost=Decimal(rng.choice([0, 500, 2000, 6000])),
                monthly_cost=Decimal(rng.choice([0, 20, 50, 120, 300])),
                hours_saved_per_month=Decimal(rng.randint(0, 40)),
                impact=rng.randint(1, 5), effort=rng.randint(1, 5),
                automation_level=rng.randint(1, 5)))
        Initiative.objects.bulk_create(initiatives)
        entries = []
        for initiative in initiatives:  # realised benefit for the last months of 2 in 3
            if initiative.go_live_date is None or rng.random() < 0.33:
                continue
            month = today.replace(day=1)
            for _ in range(rng.randint(1, 12)):
                if month < initiative.go_live_date.replace(day=1):
                    break
                entries.append(BenefitEntry(
                    **org, initiative=initiative, month=month,
                    hours_saved=Decimal(rng.randint(0, 40)),
                    money_gained=(Decimal(rng.choice([0, 50, 300])) if rng.random() < 0.5
                                  else None),
                    source="api"))
                month = (month - timedelta(days=1)).replace(day=1)
        BenefitEntry.objects.bulk_create(entries, batch_size=5000)

        through = Initiative.tools.through
        uses, links, measures = [], [], []
        for initiative in initiatives:
            for tool in rng.sample(tools, k=min(len(tools), rng.choice([1, 1, 2]))):
                uses.append(through(initiative_id=initiative.pk, tool_id=tool.pk))
            if goals and rng.random() < 0.8:
                for goal in rng.sample(goals, k=min(len(goals), rng.choice([1, 1, 2]))):
                    links.append(AlignmentLink(
                        **org, initiative=initiative, goal=goal,
                        contribution=rng.choice(["primary", "supporting", "indirect"]),
                        rationale=rng.choice(RATIONALES)))
            if rng.random() < 0.85:
                chosen = rng.sample(metrics, k=min(len(metrics), rng.choice([1, 2, 3])))
                for j, metric in enumerate(chosen):
                    measures.append(MeasurementLink(
                        **org, initiative=initiative, metric=metric,
                        role="outcome" if metric.nature == "outcome" and j == 0 else "activity"))
        through.objects.bulk_create(uses)
        AlignmentLink.objects.bulk_create(links)
        MeasurementLink.objects.bulk_create(measures)
        return organization
