from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

from alignment_portal.api.api import MAX_BODY_BYTES

API_PREFIX = "/api/"


class ApiBodyLimitMiddleware:
    """Refuse API bodies over 1 MB with a JSON 413 before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX) and request.method in {"POST", "PUT", "PATCH"}:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse({"detail": "Content-Length is not a number."}, status=400)
            too_big = length > MAX_BODY_BYTES
            if not too_big and not length:
                try:
                    too_big = len(request.body) > MAX_BODY_BYTES
                except RequestDataTooBig:
                    too_big = True
            if too_big:
                return JsonResponse(
                    {"detail": f"The body is over {MAX_BODY_BYTES // 1024} KB: send at most "
                               "1,000 values per request."}, status=413)
        return self.get_response(request)
