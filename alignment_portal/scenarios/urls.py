from django.urls import path

from alignment_portal.scenarios import views

app_name = "scenarios"
urlpatterns = [
    path("", views.scenario_list, name="list"),
    path("new/", views.scenario_create, name="create"),
    path("try/", views.try_change, name="try"),
    path("try/flag/<int:flag_id>/", views.try_flag, name="try_flag"),
    path("suggest/", views.suggest, name="suggest"),
    path("<int:scenario_id>/", views.scenario_detail, name="detail"),
    path("<int:scenario_id>/edit/", views.scenario_edit, name="edit"),
    path("<int:scenario_id>/open/", views.scenario_open, name="open"),
    path("<int:scenario_id>/changes/", views.change_add, name="change_add"),
    path("<int:scenario_id>/changes/<int:change_id>/remove/", views.change_remove,
         name="change_remove"),
    path("<int:scenario_id>/apply/", views.scenario_apply, name="apply"),
    path("<int:scenario_id>/delete/", views.scenario_delete, name="delete"),
    path("<int:scenario_id>/matrix/<int:goal_id>/<int:initiative_id>/", views.matrix_cell,
         name="matrix_cell"),
]
