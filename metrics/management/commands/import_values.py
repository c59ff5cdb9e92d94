from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from alignment_portal.organizations.models import Organization
from metrics.csv_import import parse_values_csv
from metrics.models import Source
from metrics.services import metric_values_record_bulk


class Command(BaseCommand):
    help = ("Import metric values from a CSV (long or wide format) into one organization. "
            "Prints each refused line with its reason; exits non-zero when nothing is imported.")

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument("file", help="Path of the CSV file (- for standard input).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check the file and print what would be imported; write nothing.")
        parser.add_argument("--user", help="Username recorded as who entered the values.")

    def handle(self, *args, org, file, dry_run, user, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {org!r}.")
        entered_by = None
        if user:
            entered_by = get_user_model().objects.filter(
                username=user, memberships__organization=organization).first()
            if entered_by is None:
                raise CommandError(f"{user!r} is not a member of {organization.name}.")
        try:
            content = (self.stdin_bytes() if file == "-" else Path(file).read_bytes())
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        preview = parse_values_csv(content, organization=organization)
        if preview.error:
            raise CommandError(f"{file}: {preview.error} Nothing was imported.")
        for note in preview.notes:
            self.stdout.write(f"# {note}")
        for problem in preview.problems:
            self.stderr.write(f"line {problem.line}: {problem.reason}")
        if dry_run:
            self.stdout.write(f"Dry run: {len(preview.rows)} values would be imported, "
                              f"{preview.refused} lines refused. Nothing was written.")
            if not preview.rows:
                raise CommandError("Nothing would be imported.")
            return
        if not preview.rows:
            raise CommandError(f"Nothing was imported ({preview.refused} lines refused).")
        try:
            with transaction.atomic():
                result = metric_values_record_bulk(organization=organization, rows=preview.rows,
                                                   user=entered_by, source=Source.CSV)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Imported {result.created} new and {result.replaced} replaced values "
            f"({result.unchanged} unchanged); {preview.refused} lines refused."))

    def stdin_bytes(self) -> bytes:
        import sys

        return sys.stdin.buffer.read()
