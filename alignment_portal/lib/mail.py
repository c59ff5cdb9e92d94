"""Sending one email, and knowing whether it went.

Every email of the portal goes to one recipient at a time through `send_one`: a subject made
safe for a header (lib/text.header_text), and any failure (a mail server down, a refused
address, a header the library rejects) caught, logged and returned as a short reason, so the
caller can record it and say so, and one person's bad data never stops another's mail.
"""

import logging

from django.core.mail import EmailMessage, mailers

from alignment_portal.lib.text import header_text

log = logging.getLogger(__name__)


def send_one(*, subject: str, body: str, to: str, kind: str) -> str:
    """Send an email to `to`. Returns "" when the mail server took it, else why not."""
    try:
        message = EmailMessage(header_text(subject), body, to=[to])
        mailers.default.send_messages([message])
    except Exception as exc:
        log.warning("could not send the %s email to %s", kind, to, exc_info=True)
        return header_text(f"{type(exc).__name__}: {exc}", limit=300)
    return ""
