from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "benefits"
