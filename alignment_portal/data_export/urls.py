from django.urls import path

from alignment_portal.data_export import views

app_name = "data_export"
urlpatterns = [
    path("", views.export_page, name="page"),
    path("<int:export_id>/download/", views.export_download, name="download"),
]
