"""QR codes drawn on the server as inline SVG (no image request, no script, nothing fetched).

The `qrcode` library computes the modules; the SVG is written here, so that it carries no
width in millimetres nor any style attribute (the strict CSP refuses inline styles): the page's
stylesheet sizes it, and a text alternative names where it leads."""

from __future__ import annotations

import qrcode
from django.utils.html import format_html
from django.utils.safestring import SafeString

QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def qr_svg(data: str, *, label: str = "", css_class: str = "qr-code") -> SafeString:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the quiet zone
    size = len(matrix)
    # One sub-path per run of dark modules on a row: a few hundred, not thousands of squares.
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                parts.append(f"M{start},{y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="{css}" '
        'role="img" aria-label="{label}" shape-rendering="crispEdges">'
        '<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>',
        size=size, css=css_class, label=label or f"QR code : {data}", path="".join(parts),
    )
