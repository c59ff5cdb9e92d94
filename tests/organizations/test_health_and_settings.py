import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

from django.db.utils import OperationalError
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 20 + "Zq8-Xy_3vBn5mWp7aRt9uLs2dFg4hJk6"


def test_healthz_is_200_with_the_database(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_without_it(client, db):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute",
                    side_effect=OperationalError("down")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def _settings_with(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; "
         "django.setup(); print(settings.SECURE_SSL_REDIRECT, settings.DEBUG)"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "alignment_portal.settings", **env},
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )


def test_production_refuses_a_missing_secret_key():
    result = _settings_with({"DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "portal.example"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is missing or weak" in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = _settings_with({"DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "portal.example",
                             "DJANGO_SECRET_KEY": "django-insecure-short"})
    assert "DJANGO_SECRET_KEY is missing or weak" in result.stderr


def test_debug_with_a_public_host_is_refused():
    result = _settings_with({"DJANGO_DEBUG": "true", "DJANGO_ALLOWED_HOSTS": "portal.example"})
    assert result.returncode != 0
    assert "Debug pages leak secrets" in result.stderr


def test_a_soft_time_limit_above_the_hard_one_is_refused():
    result = _settings_with({"CELERY_TASK_TIME_LIMIT": "20"})  # soft stays at 120
    assert result.returncode != 0
    assert "must not exceed CELERY_TASK_TIME_LIMIT" in result.stderr


def test_a_malformed_boolean_is_refused():
    result = _settings_with({"DJANGO_DEBUG": "maybe"})
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_production_values_start_with_https_on_by_default():
    result = _settings_with({"DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "portal.example",
                             "DJANGO_SECRET_KEY": STRONG_KEY, "SITE_URL": "https://portal.example"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]
    result = _settings_with({"DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "portal.example",
                             "DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_HTTPS": "false",
                             "SITE_URL": "https://portal.example"})
    assert result.stdout.split() == ["False", "False"]


def test_check_deploy_is_clean_under_production_variables():
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**clean, "DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "portal.example",
             "DJANGO_SECRET_KEY": STRONG_KEY, "EMAIL_HOST": "smtp.portal.example",
             "SITE_URL": "https://portal.example"},
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_csp_header_has_a_nonce_and_no_inline_script(client, db):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'nonce-" in script_src
    nonce = script_src.split("'nonce-")[1].split("'")[0]
    body = response.content.decode()
    assert f'nonce="{nonce}"' in body  # the htmx script tag carries it
    assert "/static/django-htmx/" in body or "htmx" in body


def _production(**extra) -> dict:
    return {"DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "portal.example",
            "DJANGO_SECRET_KEY": STRONG_KEY, "SITE_URL": "https://portal.example", **extra}


def test_production_refuses_to_start_without_site_url():
    env = _production()
    del env["SITE_URL"]
    result = _settings_with(env)
    assert result.returncode != 0
    assert "SITE_URL must be set when debug is off" in result.stderr


def test_a_site_url_without_a_scheme_is_refused():
    result = _settings_with(_production(SITE_URL="portal.example"))
    assert "SITE_URL must start with http:// or https://" in result.stderr


def _cache_at_start_up(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DJANGO_", "DATABASE", "CACHE_URL", "SITE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; "
         "django.setup(); print(settings.CACHES['default']['BACKEND'])"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "alignment_portal.settings", **env},
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )


def test_production_without_cache_url_shares_limits_through_the_database_and_says_so():
    result = _cache_at_start_up(_production())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.cache.backends.db.DatabaseCache"
    assert "cache: the database table portal_cache, shared by every process" in result.stderr


def test_production_with_cache_url_uses_redis_and_says_so():
    result = _cache_at_start_up(_production(CACHE_URL="redis://127.0.0.1:6379/3"))
    # Django's RedisCache, reading a Redis that is down as a miss (lib/cache.py).
    assert result.stdout.strip() == "alignment_portal.lib.cache.FailOpenRedisCache"
    assert "cache: Redis (CACHE_URL), shared by every process" in result.stderr


def test_development_says_its_limits_count_per_process():
    result = _cache_at_start_up({"DJANGO_DEBUG": "true"})
    assert "count per process" in result.stderr
