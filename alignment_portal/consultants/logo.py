"""A logo upload made safe to store and show: checked by its bytes, decoded by Pillow and
re-encoded as a fresh PNG, so nothing of the uploaded file but its pixels is kept (no
metadata, no script, no second file hidden after the image).

Refused, each with a message that says what to do: more than LOGO_MAX_BYTES, SVG (it is a
document that can carry scripts and links, not pixels), anything whose bytes are not PNG,
JPEG, GIF or WebP (whatever its name or content type says), an image Pillow cannot decode,
and one larger than LOGO_MAX_PIXELS (a "decompression bomb" is refused before it is decoded).
"""

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from PIL import Image, UnidentifiedImageError

from alignment_portal.lib.formats import local_digits

LOGO_MAX_BYTES = 1024 * 1024  # 1 MB
LOGO_MAX_PIXELS = 4000 * 4000
LOGO_BOX = (600, 200)  # stored at most this size, aspect kept: a report header's logo

_MAGIC = [(b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF87a", "GIF"),
          (b"GIF89a", "GIF")]


def _kind(head: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in text[:1024]


def clean_logo(upload) -> bytes:
    """The upload as PNG bytes fit for the report, or ValidationError."""
    size = getattr(upload, "size", None)
    if size is not None and size > LOGO_MAX_BYTES:
        raise ValidationError(
            gettext("The logo is %(size)s MB; the limit is %(limit)s MB. Save it smaller (a "
                    "report needs at most 600 × 200 pixels).") % {
                "size": local_digits(f"{size / (1024 * 1024):.1f}"),
                "limit": LOGO_MAX_BYTES // (1024 * 1024)}, code="too_large")
    upload.seek(0)
    data = upload.read(LOGO_MAX_BYTES + 1)
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(gettext("The logo is over %(value)s MB, the limit.") % {
            "value": LOGO_MAX_BYTES // (1024 * 1024)}, code="too_large")
    if not data:
        raise ValidationError(gettext("The file is empty."), code="empty")
    name = (getattr(upload, "name", "") or "").lower()
    if _looks_like_svg(data[:2048]) or name.endswith((".svg", ".svgz")):
        raise ValidationError(gettext("SVG logos are refused: an SVG can carry scripts. Upload "
                                      "it as PNG or JPEG."), code="svg")
    kind = _kind(data[:16])
    if kind is None:
        raise ValidationError(gettext("This is not an image: upload a PNG, JPEG, GIF or WebP "
                                      "file."),
                              code="not_image")
    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as probe:
            width, height = probe.size
            if width * height > LOGO_MAX_PIXELS:
                raise ValidationError(gettext("The image is %(width)s × %(height)s pixels; at "
                                              "most 4000 × 4000.") % {
                                                  "width": width,
                                                  "height": height}, code="too_many_pixels")
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[kind]) as image:
            image.seek(0)  # the first frame of an animation
            image.load()
            image = image.convert("RGBA")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(gettext("This file says it is %(kind)s but cannot be read as an "
                                      "image: export it again and upload that.") % {
                                          "kind": kind}, code="unreadable") from None
    image.thumbnail(LOGO_BOX)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
