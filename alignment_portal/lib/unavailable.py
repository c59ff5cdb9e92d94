"""The database is unreachable (restarting, failing over): 503 with Retry-After, not a 500.

A request that hits `OperationalError` or `InterfaceError` (the connection refused, dropped
mid-query, or closed under it) gets "503 Service Unavailable" and `Retry-After:
RETRY_AFTER_SECONDS`: a JSON body under /api/, a short page elsewhere. Nothing was half
saved (every write is one transaction) and a client may send the same request again; the
next request reconnects (CONN_HEALTH_CHECKS). The error is still logged, once per request.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)


def unavailable_response(request) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": "The database is unavailable for a moment; send "
                                           "the same request again."}, status=503)
    else:
        # No context processors: they would ask the same database.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Turn a view's database connection error into 503 + Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, UNAVAILABLE_ERRORS):
            return None
        log.warning("database unavailable for %s %s: %s: %s", request.method, request.path,
                    type(exception).__name__, (str(exception).strip().splitlines() or [""])[0])
        return unavailable_response(request)
