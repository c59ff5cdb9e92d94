# One image for the web process, the Celery worker and Celery beat.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_STATIC_ROOT=/app/staticfiles DJANGO_VAR_DIR=/app/var
WORKDIR /app

COPY pyproject.toml README.md ./
COPY alignment_portal ./alignment_portal
COPY goals ./goals
COPY initiatives ./initiatives
COPY metrics ./metrics
RUN pip install .
COPY . .

# collectstatic needs settings that pass the production checks; these values exist only at build.
RUN DJANGO_DEBUG=false DJANGO_ALLOWED_HOSTS=build.invalid SITE_URL=https://build.invalid \
    DJANGO_SECRET_KEY=build-only-key-not-used-at-runtime-0123456789abcdefghijklmnop \
    python manage.py collectstatic --noinput \
 && python -m alignment_portal.lib.catalogs \
 && useradd --system --uid 1000 portal && mkdir -p /app/var/media /app/var/exports && chown -R portal /app/var
USER portal

EXPOSE 8000
# One request per process (README "Production": a threaded process takes every keep-alive
# connection it can and runs its requests on one core, under one GIL).
CMD ["gunicorn", "alignment_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", \
     "--threads", "1", "--access-logfile", "-", "--timeout", "30"]
