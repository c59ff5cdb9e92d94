"""Standing fixtures: two organizations (`org`, `other_org`), a user of each role in each,
a consultant in both, and an outsider who belongs to neither."""

from dataclasses import dataclass

import pytest
from django.test import Client

from alignment_portal.organizations.models import Organization, Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def pytest_configure(config):
    """The German catalog compiled as `make messages` does, for a bare `pytest` run too."""
    from alignment_portal.lib.catalogs import compile_catalogs

    compile_catalogs()


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads (logos) never land in the worktree
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _english_unless_asked():
    """A German request activates German for the thread (as LocaleMiddleware does); each test
    starts in the default language whatever the one before it read."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache: no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process unless a test asks for the real broker (see test_celery)."""
    from alignment_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@dataclass
class Tenancy:
    org: Organization
    other_org: Organization
    users: dict  # (org slug, role) -> user; plus "consultant" and "outsider"

    def user(self, role: str, org: Organization | None = None):
        return self.users[((org or self.org).slug, role)]

    def client_for(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def client(self, role: str, org: Organization | None = None) -> Client:
        return self.client_for(self.user(role, org))


@pytest.fixture
def tenancy(db) -> Tenancy:
    org = OrganizationFactory(name="Acme Bakery", slug="acme")
    other_org = OrganizationFactory(name="Rival Agency", slug="rival")
    users = {}
    for organization in (org, other_org):
        for role in Role:
            user = UserFactory(username=f"{organization.slug}-{role.value}")
            MembershipFactory(user=user, organization=organization, role=role)
            users[(organization.slug, role.value)] = user
    consultant = UserFactory(username="consultant-both")
    for organization in (org, other_org):
        MembershipFactory(user=consultant, organization=organization, role=Role.CONSULTANT)
    users["consultant"] = consultant
    users["outsider"] = UserFactory(username="outsider")
    return Tenancy(org=org, other_org=other_org, users=users)
