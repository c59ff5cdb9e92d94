"""Dashboard URLs under /o/<org_slug>/ (the dashboard itself is the un-namespaced "dashboard",
and the portfolio "portfolio", in alignment_portal/urls.py). No string parameters: each chart
kind has its own path."""

from django.urls import path

from alignment_portal.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("scores/status/", views.score_status, name="score_status"),
    path("benchmarks/", views.benchmarks, name="benchmarks"),
    path("charts/dimensions/", views.dimensions_chart, name="dimensions_chart"),
    path("history/", views.history, name="history"),
    path("history/rung/", views.history_chart, {"kind": "rung"}, name="history_rung"),
    path("history/dimensions/", views.history_chart, {"kind": "dimensions"},
         name="history_dimensions"),
    path("history/spend/", views.history_chart, {"kind": "spend"}, name="history_spend"),
    path("history/cycles/<int:cycle_id>/", views.history, name="cycle_history"),
    path("history/cycles/<int:cycle_id>/rung/", views.history_chart, {"kind": "rung"},
         name="cycle_history_rung"),
    path("history/cycles/<int:cycle_id>/dimensions/", views.history_chart,
         {"kind": "dimensions"}, name="cycle_history_dimensions"),
    path("history/cycles/<int:cycle_id>/spend/", views.history_chart, {"kind": "spend"},
         name="cycle_history_spend"),
    path("reports/cycles/<int:cycle_id>/", views.report, name="report"),
    path("reports/cycles/<int:cycle_id>/report.csv", views.report_csv, name="report_csv"),
]
