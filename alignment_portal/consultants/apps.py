from django.apps import AppConfig


class ConsultantsConfig(AppConfig):
    name = "alignment_portal.consultants"
    label = "consultants"
    verbose_name = "Consultant profiles (reports under their name)"
