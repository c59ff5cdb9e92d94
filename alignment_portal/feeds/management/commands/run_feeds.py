from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from alignment_portal.feeds.models import Feed, Kind, Trigger
from alignment_portal.feeds.services import next_run_after, run_now


class Command(BaseCommand):
    help = ("Run the pull feeds that are due (or one, --feed ID) now, in this process, and "
            "print each run's counts.")

    def add_arguments(self, parser):
        parser.add_argument("--feed", type=int, help="Run this feed (due or not).")

    def handle(self, *args, feed=None, **options):
        now = timezone.now()
        if feed is not None:
            feeds = list(Feed.objects.filter(pk=feed))
            if not feeds:
                raise CommandError(f"No feed with the id {feed}.")
            if not feeds[0].is_pull:
                raise CommandError(f"Feed {feed} is a push feed: it runs when something "
                                   "posts to it.")
        else:
            feeds = list(Feed.objects.filter(kind=Kind.PULL, revoked_at=None,
                                             next_run_at__lte=now).order_by("next_run_at"))
        if not feeds:
            self.stdout.write("No feed is due.")
        for item in feeds:
            if feed is None:
                # Claim it like the beat does, so a beat running meanwhile does not run it too.
                claimed = Feed.objects.filter(pk=item.pk, next_run_at=item.next_run_at).update(
                    next_run_at=next_run_after(item, now))
                if not claimed:
                    continue
            run = run_now(feed=item, trigger=Trigger.COMMAND)
            line = (f"feed {item.pk} ({item.name}): {run.get_status_display()}; "
                    f"stored {run.stored}, replaced {run.replaced}, unchanged {run.unchanged}, "
                    f"refused {run.refused}")
            if run.error:
                line += f"; error: {run.error}"
            self.stdout.write(line)
