"""The authenticator's QR code as inline SVG, drawn on the server (segno): no CDN, no
script, and the secret never leaves the page."""

import segno


def qr_svg(otpauth_url: str) -> str:
    qr = segno.make(otpauth_url, error="m")
    return qr.svg_inline(scale=4, dark="#111", light="#fff", title="QR code for your "
                         "authenticator app", svgclass="qr")
