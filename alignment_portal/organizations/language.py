"""The language a person reads the portal in.

Signed-in people choose theirs once (Preferences.language) and it follows them to every
device: it is copied into the session at sign-in, and ChosenLanguageMiddleware activates it
from there (no query per request). Anyone else gets their browser's Accept-Language, or the
language cookie the footer's form sets. Emails go out in the recipient's language.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ObjectDoesNotExist
from django.dispatch import receiver
from django.utils import translation

SESSION_KEY = "portal_language"
AVAILABLE = {code for code, _name in settings.LANGUAGES}


def chosen_language(user) -> str:
    """The person's own choice, or "" when they follow their browser."""
    from alignment_portal.organizations.models import Preferences

    if user is None or not getattr(user, "pk", None):
        return ""
    language = (Preferences.objects.filter(user=user).values_list("language", flat=True)
                .first())
    return language if language in AVAILABLE else ""


def language_for(user) -> str:
    """The language to write to a person in (an email): their choice, else the default.
    Reads `user.preferences`, so a caller writing to many loads it with
    select_related("user__preferences") and asks no query per person."""
    if user is None or not getattr(user, "pk", None):
        return settings.LANGUAGE_CODE
    try:
        language = user.preferences.language
    except ObjectDoesNotExist:
        language = ""
    return language if language in AVAILABLE else settings.LANGUAGE_CODE


def remember(request, language: str) -> None:
    """Use `language` for the rest of this session ("" to follow the browser again)."""
    if language in AVAILABLE:
        request.session[SESSION_KEY] = language
        translation.activate(language)
        request.LANGUAGE_CODE = language
    else:
        request.session.pop(SESSION_KEY, None)


@receiver(user_logged_in, dispatch_uid="portal-language-at-sign-in")
def _language_at_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        remember(request, chosen_language(user))


class ChosenLanguageMiddleware:
    """After LocaleMiddleware: a signed-in person's chosen language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if language in AVAILABLE:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
