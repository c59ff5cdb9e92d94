from django.urls import path

from alignment_portal.benefits import views

app_name = "benefits"
urlpatterns = [
    path("initiatives/<int:initiative_id>/record/", views.benefit_record, name="record"),
    path("import/", views.benefit_import, name="import"),
    path("import/confirm/", views.benefit_import_confirm, name="import_confirm"),
]
