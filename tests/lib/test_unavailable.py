"""A database that is restarting: pages and the API answer 503 with Retry-After, not 500,
and other errors are left alone."""

from unittest import mock

import pytest
from django.db.utils import InterfaceError, OperationalError
from django.urls import reverse

from alignment_portal.api.models import Scope
from alignment_portal.api.services import api_token_create
from alignment_portal.lib.unavailable import RETRY_AFTER_SECONDS


def database_down(error=None):
    error = error or OperationalError("server closed the connection unexpectedly")
    return mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=error)


@pytest.mark.parametrize("error", [OperationalError("the database system is shutting down"),
                                   InterfaceError("connection already closed")])
def test_a_page_answers_503_with_retry_after_while_the_database_is_down(tenancy, error):
    client = tenancy.client("staff")
    url = reverse("dashboard", args=[tenancy.org.slug])
    assert client.get(url).status_code == 200
    with database_down(error):
        response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "send it again in a few seconds" in response.content.decode()


def test_the_api_answers_503_json_with_retry_after_while_the_database_is_down(client, tenancy):
    _, token = api_token_create(organization=tenancy.org, name="shop", scope=Scope.WRITE_VALUES)
    with database_down():
        response = client.post("/api/v1/values", {"items": []}, content_type="application/json",
                               headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "send the same request again" in response.json()["detail"]


def test_other_errors_are_not_turned_into_503(tenancy):
    client = tenancy.client("staff")
    url = reverse("dashboard", args=[tenancy.org.slug])
    with mock.patch("django.db.backends.utils.CursorWrapper.execute",
                    side_effect=ValueError("a bug")), pytest.raises(ValueError):
        client.get(url)
