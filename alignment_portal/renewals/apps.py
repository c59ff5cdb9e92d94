from django.apps import AppConfig


class RenewalsConfig(AppConfig):
    name = "alignment_portal.renewals"
    label = "renewals"
    verbose_name = "Renewals"
