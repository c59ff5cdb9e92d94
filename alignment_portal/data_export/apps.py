from django.apps import AppConfig


class DataExportConfig(AppConfig):
    name = "alignment_portal.data_export"
    label = "data_export"
    verbose_name = "Organization data export"

    def ready(self):
        from alignment_portal.data_export import signals  # noqa: F401
