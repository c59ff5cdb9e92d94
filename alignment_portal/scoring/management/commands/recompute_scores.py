import time

from django.core.management.base import BaseCommand, CommandError

from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import triggers
from alignment_portal.scoring.models import OrganizationScore


class Command(BaseCommand):
    help = "Recompute scores and flags now, in this process, and print each organization's " \
           "time and maturity rung."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--org", action="append", metavar="SLUG",
                           help="An organization's slug (repeat for several).")
        which.add_argument("--all", action="store_true", help="Every organization.")

    def handle(self, *args, org=None, all=False, **options):  # noqa: A002
        organizations = Organization.objects.order_by("slug")
        if not all:
            organizations = organizations.filter(slug__in=org)
            missing = set(org) - set(organizations.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No organization with slug {', '.join(sorted(missing))}.")
        total = time.perf_counter()
        count = 0
        for organization in organizations:
            started = time.perf_counter()
            outcome = triggers.run_recompute(organization.pk, force=True)
            elapsed = time.perf_counter() - started
            score = OrganizationScore.objects.filter(organization=organization).first()
            rung = f"rung {score.rung} ({score.rung_name})" if score else "no score yet"
            note = "" if outcome == triggers.DONE else \
                " [another recompute holds it; try again]"
            self.stdout.write(f"{organization.slug}: {elapsed:.3f} s, {rung}{note}")
            count += 1
        self.stdout.write(self.style.SUCCESS(
            f"{count} organization(s) in {time.perf_counter() - total:.2f} s."))
