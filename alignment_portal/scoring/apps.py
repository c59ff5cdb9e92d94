from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "alignment_portal.scoring"
    label = "scoring"
    verbose_name = "Scores, maturity and flags"

    def ready(self):
        from alignment_portal.scoring import snapshots  # noqa: PLC0415 (apps load first)
        from goals.signals import cycle_closing  # noqa: PLC0415

        cycle_closing.connect(snapshots.freeze_cycle_on_close, dispatch_uid="freeze_cycle")
