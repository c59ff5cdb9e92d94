from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "alignment_portal.scoring"
    label = "scoring"
    verbose_name = "Scores, maturity and flags"
