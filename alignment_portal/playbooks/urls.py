"""Playbook pages of one organization, under /o/<org_slug>/playbooks/: start from a playbook,
save the organization as one, apply one here."""

from django.urls import path

from alignment_portal.playbooks import views

app_name = "playbooks"
urlpatterns = [
    path("", views.start, name="start"),
    path("save/", views.save, name="save"),
    path("<int:playbook_id>/apply/", views.apply, name="apply"),
]
