from django.urls import path

from initiatives import views

app_name = "initiatives"
urlpatterns = [
    path("", views.initiative_list, name="list"),
    path("new/", views.initiative_create, name="create"),
    path("<int:initiative_id>/", views.initiative_detail, name="detail"),
    path("<int:initiative_id>/edit/", views.initiative_edit, name="edit"),
    path("<int:initiative_id>/retire/", views.initiative_retire, name="retire"),
    path("<int:initiative_id>/links/new/", views.alignment_link_create, name="link_create"),
    path("<int:initiative_id>/measures/new/", views.measurement_link_create,
         name="measure_create"),
    path("links/<int:link_id>/edit/", views.alignment_link_edit, name="link_edit"),
    path("links/<int:link_id>/delete/", views.alignment_link_delete, name="link_delete"),
    path("links/goal/<int:goal_id>/", views.goal_links, name="goal_links"),
    path("measures/<int:link_id>/edit/", views.measurement_link_edit, name="measure_edit"),
    path("measures/<int:link_id>/delete/", views.measurement_link_delete,
         name="measure_delete"),
    path("matrix/", views.matrix, name="matrix"),
    path("matrix/<int:goal_id>/<int:initiative_id>/", views.matrix_cell, name="matrix_cell"),
    path("impact-effort/", views.impact_effort, name="impact_effort"),
    path("backlog/", views.backlog, name="backlog"),
    path("tools/", views.tool_list, name="tools"),
    path("tools/new/", views.tool_create, name="tool_create"),
    path("tools/audit/", views.tool_audit, name="tool_audit"),
    path("tools/<int:tool_id>/", views.tool_detail, name="tool_detail"),
    path("tools/<int:tool_id>/edit/", views.tool_edit, name="tool_edit"),
    path("tools/<int:tool_id>/delete/", views.tool_delete, name="tool_delete"),
]
