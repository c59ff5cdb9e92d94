from django.urls import path

from alignment_portal.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.preferences, name="preferences"),
    path("channel/", views.channel, name="channel"),
    path("channel/test/", views.channel_test, name="channel_test"),
    path("channel/remove/", views.channel_remove, name="channel_remove"),
]
