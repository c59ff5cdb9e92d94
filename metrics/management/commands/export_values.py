from django.core.management.base import BaseCommand, CommandError

from alignment_portal.organizations.models import Organization
from metrics.csv_export import VALUE_HEADER, csv_lines, value_rows


class Command(BaseCommand):
    help = ("Write an organization's metric values to standard output as CSV in the long "
            "format (metric, date, value, note), which import_values reads back.")

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's slug.")

    def handle(self, *args, org, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {org!r}.")
        for line in csv_lines(VALUE_HEADER, value_rows(organization)):
            self.stdout.write(line, ending="")
