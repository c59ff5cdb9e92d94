from django.urls import path

from alignment_portal.renewals import views

app_name = "renewals"
urlpatterns = [
    path("", views.organization_calendar, name="calendar"),
    path("renewals.csv", views.organization_export, name="export"),
    path("tools/<int:tool_id>/seats/", views.tool_seats, name="tool_seats"),
]
