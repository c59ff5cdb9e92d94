from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "alignment_portal.feeds"
    label = "feeds"
    verbose_name = "Feeds"
