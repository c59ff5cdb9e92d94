from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    # Under the project package (the layout keeps only the three domain apps at the top);
    # the label keeps its tables and migrations.
    name = "alignment_portal.benefits"
    label = "benefits"
    verbose_name = "Benefit ledger"
