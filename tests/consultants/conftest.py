import io

from PIL import Image


def image_bytes(fmt="PNG", size=(300, 120), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()
