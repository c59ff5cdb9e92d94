"""The settings pages: my preferences (every member), the channel (owners only)."""

import pytest
from django.urls import reverse

from alignment_portal.notifications import services
from alignment_portal.notifications.models import OrganizationNotifications, PersonSettings


def _url(name, tenancy):
    return reverse(f"notifications:{name}", args=[tenancy.org.slug])


@pytest.mark.parametrize("role", ["owner", "consultant", "staff", "viewer"])
def test_every_member_sees_and_saves_their_preferences(tenancy, role):
    client = tenancy.client(role)
    page = client.get(_url("preferences", tenancy)).content.decode()
    assert "A value I own is overdue" in page and "Quiet weekends" in page
    assert ("A high-severity flag opened" in page) == (role in ("owner", "consultant"))
    response = client.post(_url("preferences", tenancy),
                           {"email_value_overdue": "on", "quiet_weekends": "on"})
    assert response.status_code == 302
    enabled = services.preferences_for(user=tenancy.user(role), organization=tenancy.org)
    assert enabled["value_overdue"] and not enabled["value_due"] and not enabled["digest"]
    assert PersonSettings.objects.get(user=tenancy.user(role)).quiet_weekends
    other = services.preferences_for(user=tenancy.user(role), organization=tenancy.other_org)
    assert other["value_due"]  # another organization's choices are its own


def test_the_preferences_page_reads_a_fixed_number_of_queries(
        tenancy, django_assert_max_num_queries):
    client = tenancy.client("owner")
    client.get(_url("preferences", tenancy))
    with django_assert_max_num_queries(12):
        assert client.get(_url("preferences", tenancy)).status_code == 200


def test_only_owners_set_up_the_channel(tenancy):
    for role in ("consultant", "staff", "viewer"):
        client = tenancy.client(role)
        assert client.get(_url("channel", tenancy)).status_code == 403
        assert client.post(_url("channel_test", tenancy)).status_code == 403
        assert client.post(_url("channel_remove", tenancy)).status_code == 403
    assert tenancy.client("owner").get(_url("channel", tenancy)).status_code == 200


def test_the_owner_saves_the_digest_day_and_events_and_a_bad_url_is_explained(tenancy):
    client = tenancy.client("owner")
    response = client.post(_url("channel", tenancy), {
        "digest_weekday": "3", "platform": "slack", "webhook_url": "http://example.com/hook",
        "kinds": ["value_overdue"]})
    assert response.status_code == 200
    assert "must start with https://" in response.content.decode()
    assert not OrganizationNotifications.objects.exists()  # nothing half-saved
    response = client.post(_url("channel", tenancy), {
        "digest_weekday": "3", "platform": "teams",
        "webhook_url": "https://contoso.webhook.office.com/webhookb2/abcd",
        "kinds": ["value_overdue", "flag_high"], "include_values": "on"})
    assert response.status_code == 302
    saved = OrganizationNotifications.objects.get(organization=tenancy.org)
    assert (saved.digest_weekday, saved.webhook_platform, saved.webhook_kinds,
            saved.webhook_include_values) == (3, "teams", ["value_overdue", "flag_high"], True)
    page = client.get(_url("channel", tenancy)).content.decode()
    assert "webhookb2/abcd" not in page and "…abcd" in page
    # Saving again with the URL field empty keeps the stored URL.
    client.post(_url("channel", tenancy), {"digest_weekday": "1", "platform": "teams",
                                           "kinds": ["flag_high"]})
    saved.refresh_from_db()
    assert saved.has_webhook and saved.digest_weekday == 1
    client.post(_url("channel_remove", tenancy))
    saved.refresh_from_db()
    assert not saved.has_webhook and saved.webhook_url_encrypted == ""


def test_a_bad_digest_day_or_kind_is_refused(tenancy):
    client = tenancy.client("owner")
    for data in ({"digest_weekday": "9"}, {"digest_weekday": "x"},
                 {"digest_weekday": "1", "kinds": ["digest"]}):
        assert client.post(_url("channel", tenancy), data).status_code == 200
    assert not OrganizationNotifications.objects.exists()


def test_a_test_message_without_a_webhook_says_so(tenancy):
    response = tenancy.client("owner").post(_url("channel_test", tenancy), follow=True)
    assert "No webhook is set up" in response.content.decode()


def test_who_each_notice_reaches_reads_in_german(tenancy):
    client = tenancy.client("owner")
    page = client.get(_url("preferences", tenancy), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Kennzahlen, die Ihnen gehören" in page and "Inhaber und Berater" in page
    assert "metrics you own" not in page and "owners and consultants" not in page
