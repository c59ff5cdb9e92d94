from django.urls import path

from alignment_portal.feeds import views

app_name = "feeds"
urlpatterns = [
    path("", views.feed_list, name="list"),
    path("new/", views.feed_create, name="create"),
    path("<int:feed_id>/", views.feed_detail, name="detail"),
    path("<int:feed_id>/edit/", views.feed_edit, name="edit"),
    path("<int:feed_id>/run/", views.feed_run_now, name="run"),
    path("<int:feed_id>/rotate/", views.feed_rotate, name="rotate"),
    path("<int:feed_id>/revoke/", views.feed_revoke, name="revoke"),
]
