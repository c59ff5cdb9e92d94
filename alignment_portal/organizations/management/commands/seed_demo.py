import importlib
import importlib.util

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from alignment_portal.organizations.demo import DEMO_ORGANIZATIONS, DEMO_ROLES, DEMO_SEEDERS
from alignment_portal.organizations.models import Membership, Organization, Role

User = get_user_model()
DEFAULT_PASSWORD = "alignment-demo"  # noqa: S105 (the documented demo password)


class Command(BaseCommand):
    help = "Create (or bring up to date) the four demo organizations, their people and records."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEFAULT_PASSWORD,
                            help=f"Password for every demo user (default {DEFAULT_PASSWORD}).")

    def handle(self, *args, password, **options):
        today = timezone.localdate()
        seeders = [importlib.import_module(name) for name in DEMO_SEEDERS
                   if importlib.util.find_spec(name) is not None]
        with transaction.atomic():
            consultant = self._user("consultant", password)
            for demo in DEMO_ORGANIZATIONS:
                organization, _ = Organization.objects.update_or_create(
                    slug=demo.slug,
                    defaults={"name": demo.name, "currency": demo.currency,
                              "fiscal_year_start_month": demo.fiscal_year_start_month,
                              "settings_confirmed_at": timezone.now()},
                )
                people = {"consultant": consultant}
                self._member(consultant, organization, Role.CONSULTANT)
                for role in DEMO_ROLES:
                    user = self._user(f"{demo.slug}-{role}", password)
                    self._member(user, organization, role)
                    people[role] = user
                for seeder in seeders:
                    seeder.seed(organization, people, today)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {', '.join(d.slug for d in DEMO_ORGANIZATIONS)}."))
        self.stdout.write(
            "Users: consultant (all four), and <slug>-owner, <slug>-staff, <slug>-viewer "
            f"for each. Password: {password}")

    def _user(self, username, password):
        user, _ = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@demo.example"})
        user.set_password(password)
        user.save(update_fields=["password"])
        return user

    def _member(self, user, organization, role):
        Membership.objects.update_or_create(user=user, organization=organization,
                                            defaults={"role": role})
