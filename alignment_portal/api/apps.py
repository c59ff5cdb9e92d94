from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "alignment_portal.api"
    label = "api"
    verbose_name = "API tokens"
