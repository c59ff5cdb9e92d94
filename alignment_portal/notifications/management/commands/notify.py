from django.core.management.base import BaseCommand

from alignment_portal.notifications import services


class Command(BaseCommand):
    help = ("Run one notification pass now (due, overdue, escalated, high flags, digests) and "
            "print each notification: kind, recipient, channel. A second pass right after "
            "prints none: every event is told once.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Print what would be sent; record and send nothing.")

    def handle(self, *args, dry_run, **options):
        report = services.run_pass(dry_run=dry_run)
        for line in report:
            status = "" if line.status == "sent" else f"  [{line.status}]"
            self.stdout.write(f"{line.kind:<16} {line.recipient:<36} {line.channel:<6} "
                              f"{line.organization}{status}")
        verb = "would send" if dry_run else "sent"
        self.stdout.write(self.style.SUCCESS(
            f"{len(report)} notification{'s' if len(report) != 1 else ''} {verb}."))
