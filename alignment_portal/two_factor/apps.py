from django.apps import AppConfig


class TwoFactorConfig(AppConfig):
    name = "alignment_portal.two_factor"
    label = "two_factor"
    verbose_name = "Two-factor sign-in"
