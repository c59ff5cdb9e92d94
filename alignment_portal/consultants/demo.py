"""Demo profile: the consultant's firm, Northwind Advisory, with a logo drawn here, so the
bakery's closed quarter (closed by the consultant) prints under the firm's name.
Idempotent: made once, left as it is afterwards."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from alignment_portal.consultants.models import ConsultantProfile
from alignment_portal.consultants.services import profile_save

FIRM = "Northwind Advisory"
CONTACT = "Jo Okafor · jo@northwind-advisory.example · +44 20 7946 0000"


def _logo() -> SimpleUploadedFile:
    image = Image.new("RGB", (360, 96), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.polygon([(12, 84), (48, 12), (84, 84)], fill=(22, 78, 99))
    draw.polygon([(40, 84), (64, 40), (88, 84)], fill=(14, 116, 144))
    draw.text((104, 30), "NORTHWIND", fill=(22, 78, 99), font_size=30)
    draw.text((106, 64), "ADVISORY", fill=(71, 85, 105), font_size=16)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("northwind.png", out.getvalue(), content_type="image/png")


def seed(organization, people, today) -> None:
    consultant = people.get("consultant")
    if consultant is None or ConsultantProfile.objects.filter(user=consultant).exists():
        return
    profile_save(user=consultant, firm_name=FIRM, contact_line=CONTACT, logo=_logo())
