from django.urls import path

from goals import views

app_name = "goals"
urlpatterns = [
    path("", views.goal_list, name="list"),
    path("new/", views.goal_create, name="create"),
    path("<int:goal_id>/", views.goal_detail, name="detail"),
    path("<int:goal_id>/edit/", views.goal_edit, name="edit"),
    path("<int:goal_id>/archive/", views.goal_archive, name="archive"),
    path("<int:goal_id>/priority/", views.goal_priority, name="priority"),
    path("cycles/", views.cycle_list, name="cycles"),
    path("cycles/next-quarter/", views.cycle_next_quarter, name="cycle_next_quarter"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<int:cycle_id>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:cycle_id>/edit/", views.cycle_edit, name="cycle_edit"),
    path("cycles/<int:cycle_id>/state/", views.cycle_transition, name="cycle_transition"),
    path("cycles/<int:cycle_id>/review/", views.cycle_review, name="cycle_review"),
]
