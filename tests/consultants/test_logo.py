"""Logo uploads: only real raster images, small enough, never SVG; stored re-encoded."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from alignment_portal.consultants.logo import LOGO_MAX_BYTES, clean_logo
from tests.consultants.conftest import image_bytes

SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
       b'<script>alert(document.cookie)</script></svg>')


def upload(data: bytes, name="logo.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def refused(data, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        clean_logo(upload(data, **kwargs))
    return caught.value.messages[0]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_a_raster_image_is_stored_as_a_fresh_png(fmt):
    png = clean_logo(upload(image_bytes(fmt), name=f"logo.{fmt.lower()}"))
    with Image.open(io.BytesIO(png)) as stored:
        assert stored.format == "PNG" and stored.size == (300, 120)


def test_a_large_image_is_shrunk_to_the_report_box():
    with Image.open(io.BytesIO(clean_logo(upload(image_bytes(size=(1800, 300)))))) as stored:
        assert stored.size == (600, 100)


def test_not_an_image_is_refused():
    assert "not an image" in refused(b"%PDF-1.7 just a document", name="logo.png")
    assert "not an image" in refused(b"MZ\x90\x00 an executable", name="logo.jpg",
                                     content_type="image/jpeg")


def test_svg_is_refused_whatever_its_name_or_type():
    assert "SVG" in refused(SVG, name="logo.svg", content_type="image/svg+xml")
    assert "SVG" in refused(SVG, name="logo.png", content_type="image/png")
    assert "SVG" in refused(b"\xef\xbb\xbf  <svg><script>x</script></svg>", name="x.gif")
    assert "SVG" in refused(image_bytes(), name="trick.svg")


def test_too_large_is_refused_before_decoding():
    big = image_bytes()[:8] + b"\x00" * (LOGO_MAX_BYTES + 1)
    assert "limit is 1 MB" in refused(big)


def test_a_header_with_garbage_after_it_is_refused():
    assert "cannot be read" in refused(b"\x89PNG\r\n\x1a\n" + b"<script>alert(1)</script>")
    assert "cannot be read" in refused(b"GIF89a<script>alert(1)</script>", name="x.gif")


def test_a_decompression_bomb_is_refused_from_its_header():
    out = io.BytesIO()
    Image.new("1", (5000, 5000)).save(out, format="PNG")  # tiny file, 25 megapixels
    assert len(out.getvalue()) < LOGO_MAX_BYTES
    assert "at most 4000 × 4000" in refused(out.getvalue())


def test_an_empty_file_is_refused():
    assert "empty" in refused(b"")


def test_a_script_appended_to_a_real_image_is_not_kept():
    png = clean_logo(upload(image_bytes() + b"<script>alert(1)</script>"))
    assert b"<script>" not in png
