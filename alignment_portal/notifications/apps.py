from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "alignment_portal.notifications"
    label = "notifications"
    verbose_name = "Notifications: due, overdue, escalated, digests, Slack and Teams"
