from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "alignment_portal.scenarios"
    label = "scenarios"
    verbose_name = "Scenarios (what if?)"

    def ready(self) -> None:
        from alignment_portal.scenarios import history

        history.connect()
