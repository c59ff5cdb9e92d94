from django.contrib import admin

from alignment_portal.notifications.models import Notification, NotificationEvent


class NotificationEventInline(admin.TabularInline):
    model = NotificationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "channel", "recipient", "event_key", "created_at"]
    exclude = ["organization"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What was sent, to whom, and how it went: read-only (the record is the once-only
    guarantee; deleting a row would let its events be sent again)."""

    list_display = ["created_at", "kind", "channel", "user", "organization", "status",
                    "attempts", "subject"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["subject", "user__email", "organization__slug"]
    raw_id_fields = ["user", "organization"]
    exclude = ["payload"]  # a webhook body may carry values the owner chose to share
    readonly_fields = ["organization", "user", "channel", "kind", "subject", "status",
                       "attempts", "error", "created_at", "sent_at"]
    inlines = [NotificationEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
