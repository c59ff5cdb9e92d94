from django.urls import path

from metrics import views

app_name = "metrics"
urlpatterns = [
    path("", views.metric_list, name="list"),
    path("new/", views.metric_create, name="create"),
    path("library/", views.metric_library, name="library"),
    path("log/", views.log_values, name="log"),
    path("todo/", views.todo, name="todo"),
    path("todo/reminders/", views.reminder_setting, name="reminders"),
    path("import/", views.import_values, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("export/values.csv", views.export_values, name="export_values"),
    path("export/definitions.csv", views.export_definitions, name="export_definitions"),
    path("<int:metric_id>/", views.metric_detail, name="detail"),
    path("<int:metric_id>/edit/", views.metric_edit, name="edit"),
    path("<int:metric_id>/archive/", views.metric_archive, name="archive"),
    path("<int:metric_id>/log/", views.log_value, name="log_value"),
    path("<int:metric_id>/values/<int:value_id>/", views.value_detail, name="value"),
]
