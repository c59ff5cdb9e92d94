from django.urls import path

from alignment_portal.consultants import views

app_name = "consultants"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("logos/<int:profile_id>.png", views.logo, name="logo"),
]
