from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from alignment_portal.organizations.access import TwoFactorRequired
from alignment_portal.two_factor.services import has_two_factor


class TwoFactorRequiredMiddleware:
    """Answers the access helper's TwoFactorRequired: a member without two-factor goes to set
    it up, one who has it but signed in without it is asked for a code; both come back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, TwoFactorRequired):
            return None
        name = "two_factor_verify" if has_two_factor(request.user) else "two_factor"
        query = urlencode({"next": request.get_full_path(),
                           "required_by": exception.organization.name})
        target = f"{reverse(name)}?{query}"
        if getattr(request, "htmx", False):
            # A fragment request must not swap the set-up page into the fragment: go there.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
