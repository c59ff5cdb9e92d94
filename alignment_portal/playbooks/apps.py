from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "alignment_portal.playbooks"
    label = "playbooks"
    verbose_name = "Playbooks (a consultant's reusable plans)"
