from django.contrib import admin
from django.urls import include, path

from alignment_portal.api import views as api_views
from alignment_portal.api.api import api
from alignment_portal.dashboards import views as dashboard_views
from alignment_portal.feeds import views as feed_views
from alignment_portal.notifications import views as notification_views
from alignment_portal.organizations import views
from alignment_portal.renewals import views as renewal_views
from alignment_portal.two_factor import views as two_factor_views

# Every organization-scoped URL starts /o/<org_slug>/ and its view begins with get_membership().
org_patterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("", include("alignment_portal.dashboards.urls")),
    path("settings/", views.organization_settings, name="organization_settings"),
    path("delete/", views.organization_delete, name="organization_delete"),
    path("members/", views.members, name="members"),
    path("members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("invitations/<int:invitation_id>/revoke/", views.invitation_revoke,
         name="invitation_revoke"),
    path("settings/two-factor/", two_factor_views.organization_two_factor,
         name="organization_two_factor"),
    path("delete/cancel/", views.organization_delete_cancel, name="organization_delete_cancel"),
    path("export/", include("alignment_portal.data_export.urls")),
    path("security-log/", views.security_log_page, name="security_log"),
    path("security-log.csv", views.security_log_csv, name="security_log_csv"),
    path("api-tokens/", api_views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:token_id>/revoke/", api_views.api_token_revoke,
         name="api_token_revoke"),
    path("goals/", include("goals.urls")),
    path("initiatives/", include("initiatives.urls")),
    path("metrics/", include("metrics.urls")),
    path("feeds/", include("alignment_portal.feeds.urls")),
    path("notifications/", include("alignment_portal.notifications.urls")),
    path("benefits/", include("alignment_portal.benefits.urls")),
    path("scenarios/", include("alignment_portal.scenarios.urls")),
    path("playbooks/", include("alignment_portal.playbooks.urls")),
    path("renewals/", include("alignment_portal.renewals.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("portfolio/", dashboard_views.portfolio, name="portfolio"),
    path("switcher/", views.switcher_search, name="switcher_search"),
    path("renewals/", renewal_views.calendar_across, name="renewals_calendar"),
    path("renewals/renewals.csv", renewal_views.export_across, name="renewals_export"),
    path("renewals/calendar-url/", renewal_views.feed_rotate, name="renewals_feed_rotate"),
    path("renewals/calendar-url/revoke/", renewal_views.feed_revoke,
         name="renewals_feed_revoke"),
    # The person's secret iCalendar URL: the token is the credential (no session).
    path("renewals/ical/<str:token>.ics", renewal_views.ical_feed, name="renewals_ical"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("accounts/signup/", views.sign_up, name="signup"),
    path("accounts/signup/confirm/<str:uidb64>/<str:token>/", views.sign_up_activate,
         name="signup_activate"),
    path("accounts/password_reset/", views.ThrottledPasswordResetView.as_view(),
         name="password_reset"),
    path("accounts/login/", two_factor_views.TwoFactorLoginView.as_view(), name="login"),
    path("accounts/login/code/", two_factor_views.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/", two_factor_views.two_factor, name="two_factor"),
    path("accounts/language/", views.language_choice, name="language"),
    path("jsi18n/<str:code>.js", views.javascript_catalog, name="javascript_catalog"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("notifications/unsubscribe/<str:token>/", notification_views.unsubscribe,
         name="notifications_unsubscribe"),
    path("o/<slug:org_slug>/", include(org_patterns)),
    # A consultant's own things, not an organization's: playbooks and the report branding.
    path("playbooks/", include("alignment_portal.playbooks.library_urls")),
    path("consultant/", include("alignment_portal.consultants.urls")),
    path("api/v1/", api.urls),
    # A push feed's secret URL: the token is the credential (no session, no CSRF).
    path("feeds/push/<str:token>", feed_views.feed_push, name="feed_push"),
    path("admin/", admin.site.urls),
]
