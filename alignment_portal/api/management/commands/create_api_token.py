from django.core.management.base import BaseCommand, CommandError

from alignment_portal.api.models import Scope
from alignment_portal.api.services import api_token_create
from alignment_portal.organizations.models import Organization

SCOPES = {"write": Scope.WRITE_VALUES, "read": Scope.READ}


class Command(BaseCommand):
    help = "Create an API token for an organization and print it (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument("--name", required=True, help="What will use the token.")
        parser.add_argument("--scope", choices=sorted(SCOPES), default="write")

    def handle(self, *args, org, name, scope, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {org!r}.")
        _, token = api_token_create(organization=organization, name=name, scope=SCOPES[scope])
        self.stdout.write(token)
