import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from alignment_portal.feeds.models import Kind, Schedule
from alignment_portal.feeds.services import feed_create
from alignment_portal.organizations.models import Organization


class Command(BaseCommand):
    help = ("Create a feed for an organization and print its id (and, for a push feed, its "
            "secret URL: it is shown only this once).")

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument("--name", required=True, help="What the feed is, e.g. 'Till export'.")
        kind = parser.add_mutually_exclusive_group(required=True)
        kind.add_argument("--push", action="store_true", help="A secret URL to post to.")
        kind.add_argument("--url", help="The CSV or JSON address a pull feed fetches.")
        parser.add_argument("--schedule", choices=[s.value for s in Schedule],
                            help="How often a pull feed runs (required with --url).")
        parser.add_argument("--hour", type=int, default=6,
                            help="Hour of the day (0-23) a daily feed runs (default 6).")
        parser.add_argument("--metric-map", default="",
                            help='JSON: {"column or name in the file": metric id or null}.')
        parser.add_argument("--all-or-nothing", action="store_true",
                            help="Store nothing from a run in which any row is refused.")
        parser.add_argument("--signing-secret", default="",
                            help="Push: require an HMAC-SHA256 signature with this secret.")

    def handle(self, *args, org, name, push, url, schedule, hour, metric_map, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {org!r}.")
        if url and not schedule:
            raise CommandError("A pull feed needs --schedule hourly or daily.")
        try:
            mapping = json.loads(metric_map) if metric_map else {}
        except ValueError as exc:
            raise CommandError(f"--metric-map is not valid JSON: {exc}") from None
        try:
            feed, token = feed_create(
                organization=organization, name=name, kind=Kind.PUSH if push else Kind.PULL,
                url=url or "", schedule=schedule or Schedule.DAILY, daily_hour=hour,
                metric_map=mapping, all_or_nothing=options["all_or_nothing"],
                signing_secret=options["signing_secret"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"feed {feed.pk}")
        if token:
            self.stdout.write(settings.SITE_URL + reverse("feed_push", args=[token]))
