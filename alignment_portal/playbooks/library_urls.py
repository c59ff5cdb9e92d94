"""A consultant's playbook library, under /playbooks/: it belongs to the user, not to an
organization."""

from django.urls import path

from alignment_portal.playbooks import views

app_name = "playbook_library"
urlpatterns = [
    path("", views.library, name="library"),
    path("<int:playbook_id>/", views.detail, name="detail"),
    path("<int:playbook_id>/delete/", views.delete, name="delete"),
    path("<int:playbook_id>/new-client/", views.new_client, name="new_client"),
]
